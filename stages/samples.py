"""samples: text2img's answers to a spread of test queries drawn as glyph grids, raw and thresholded at
plots.threshold, each answer as the classifier reads it (wrong reads in red)."""

import argparse
from pathlib import Path

from seq2arith import checkpoint, params, plots
from seq2arith.dataset import QuerySet
from seq2arith.devices import torch_device
from seq2arith.errors import report_errors
from seq2arith.kinds import classifier, text2img
from seq2arith.seeding import rng
from seq2arith.splits import Split
from seq2arith.threads import use_threads

SAMPLE_ROWS = 12  # test queries shown per sample grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--task", required=True, help="the task's name under tasks: in params.yaml")
    parser.add_argument("--model", type=Path, required=True, help="checkpoint of train-text2img@<task>")
    parser.add_argument("--data", type=Path, required=True, help="output folder of dataset@<task>")
    parser.add_argument("--classifier", type=Path, required=True, help="checkpoint of the classifier stage")
    parser.add_argument("--raw", type=Path, required=True, help="PNG: the drawn pixels as they are")
    parser.add_argument("--thresholded", type=Path, required=True, help="PNG: pixels above plots.threshold")
    args = parser.parse_args()

    use_threads()
    values = params.load_params(args.params)
    threshold = params.section(values, "plots", plots.PlotsConfig).threshold
    device = torch_device(params.device(values))
    reader = classifier.load_classifier(args.classifier, device)
    model, arch = checkpoint.load(args.model, text2img.KIND, stage=checkpoint.training_stage(args.model),
                                  device=device)
    test = Split(QuerySet.load(args.data), None, "test", arch.model.reverse_answer, fields=("query",))
    read, pixels = text2img.KIND.answers(model, arch, test, reader)
    assert pixels is not None
    name = f"{args.task}-text2img"  # also keys the random choice of queries shown
    rows = plots.sample_rows(test.answers, read, SAMPLE_ROWS, rng(params.seed(values), f"samples-{name}"))
    queries, read, pixels = [test.queries[row] for row in rows], [read[row] for row in rows], pixels[rows]
    wrong = [test.answers[row].strip() != text.strip() for row, text in zip(rows, read)]
    plots.sample_grid(queries, pixels.numpy(), read, wrong, f"{name}: generated answers", args.raw)
    plots.sample_grid(queries, (pixels > threshold).float().numpy(), read, wrong, f"{name}: pixels > {threshold}",
                      args.thresholded)


if __name__ == "__main__":
    report_errors(main)
