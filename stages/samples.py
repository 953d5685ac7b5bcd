"""samples: text2img's answers to a spread of test queries drawn as glyph grids, raw and thresholded at
samples.threshold, each answer as the judge reads it (wrong reads in red); its drawn digits beside real test-pool
digits of the same labels; and a few queries drawn again and again, each time in another style."""

import argparse
from pathlib import Path

import numpy as np
import torch

from seq2arith import params
from seq2arith.data.pools import load_handwriting
from seq2arith.data.query_sets import QuerySet
from seq2arith.data.text import to_target
from seq2arith.figures import plots
from seq2arith.kinds import classifier, text2img
from seq2arith.runtime.devices import torch_device
from seq2arith.runtime.errors import report_errors
from seq2arith.runtime.seeding import rng, seed_torch
from seq2arith.runtime.threads import use_threads
from seq2arith.training import checkpoint
from seq2arith.training.batches import raw_outputs
from seq2arith.training.splits import Split

SAMPLE_ROWS = 12  # test queries shown per sample grid
STYLED_QUERIES, STYLES = 3, 4  # queries drawn again in other styles, and how many times each
BESIDE_REAL = 4  # drawn and real glyphs of each digit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--task", required=True, help="the task's name under tasks: in params.yaml")
    parser.add_argument("--model", type=Path, required=True, help="checkpoint of train-text2img@<task>")
    parser.add_argument("--data", type=Path, required=True, help="output folder of dataset@<task>")
    parser.add_argument("--digits", type=Path, required=True, help="output folder of the download stage")
    parser.add_argument("--glyphs", type=Path, required=True, help="output folder of the glyphs stage")
    parser.add_argument("--judge", type=Path, required=True, help="checkpoint of the judge stage")
    parser.add_argument("--raw", type=Path, required=True, help="PNG: the drawn pixels as they are")
    parser.add_argument("--thresholded", type=Path, required=True, help="PNG: pixels above samples.threshold")
    parser.add_argument("--beside-real", type=Path, required=True, help="PNG: drawn digits beside real ones")
    parser.add_argument("--styles", type=Path, required=True, help="PNG: a few queries, each drawn in several styles")
    args = parser.parse_args()

    use_threads()
    values = params.load_params(args.params)
    threshold = params.section(values, "samples", plots.SamplesConfig).threshold
    seed, device = params.seed(values), torch_device(params.device(values))
    seed_torch(seed, "samples", device)  # the styles drawn
    judge = classifier.load_classifier(args.judge, device, stage="judge")
    model, arch = checkpoint.load(args.model, text2img.KIND, stage=checkpoint.training_stage(args.model),
                                  device=device)
    text2img.draw_as_params(model, values)
    test = Split(QuerySet.load(args.data), None, "test", arch.model.reverse_answer, fields=("query",))
    outputs = raw_outputs(model, test, "query")
    read, pixels = text2img.KIND.read(outputs, arch, judge)
    assert pixels is not None
    name = f"{args.task}-text2img"  # also keys the random choices of queries and glyphs shown
    choices = rng(seed, f"samples-{name}")
    rows = plots.sample_rows(test.answers, read, SAMPLE_ROWS, choices)
    queries = [test.queries[row] for row in rows]
    read_shown = [read[row] for row in rows]
    plots.sample_grid(queries, pixels[rows].numpy(), read_shown, _wrong(test, rows, read_shown),
                      f"{name}: generated answers, as the judge reads them", args.raw)
    thresholded = (pixels[rows] > threshold).float()
    read_thresholded = judge.read_strips(thresholded)
    plots.sample_grid(queries, thresholded.numpy(), read_thresholded, _wrong(test, rows, read_thresholded),
                      f"{name}: pixels > {threshold}, as the judge reads them", args.thresholded)

    styled = np.repeat(rows[-STYLED_QUERIES:], STYLES)  # the widest answers, each drawn again in new styles
    with torch.no_grad():
        again = model(test[styled]["query"].to(device)).cpu()
    read_again, drawn_again = text2img.KIND.read(again, arch, judge)
    assert drawn_again is not None
    plots.sample_grid([test.queries[row] for row in styled], drawn_again.numpy(), read_again,
                      _wrong(test, styled, read_again), f"{name}: the same queries, each drawn {STYLES} times",
                      args.styles)

    drawn = np.array([list(to_target(answer, arch.model.reverse_answer)) for answer in test.answers])
    plots.beside_real_figure(outputs.sigmoid().numpy(), drawn, load_handwriting(args.digits, args.glyphs),
                             BESIDE_REAL, choices, f"{name}: drawn digits beside real test-pool digits",
                             args.beside_real)


def _wrong(test: Split, rows: np.ndarray, read: list[str]) -> list[bool]:
    """Which of ``rows``' answers, as ``read`` (one reading a row), are not the true answer."""
    return [test.answers[row].strip() != text.strip() for row, text in zip(rows, read)]

if __name__ == "__main__":
    report_errors(main)
