"""samples: text2img's answers to a spread of test queries drawn as glyph grids, raw and thresholded at
plots.threshold, each answer as the classifier reads it (wrong reads in red)."""

import argparse
from pathlib import Path

from seq2arith import checkpoint, config, inference, plots
from seq2arith.dataset import ArithmeticDataset, QuerySet
from seq2arith.errors import report_errors
from seq2arith.seeding import rng
from seq2arith.threads import use_threads
from seq2arith.training import torch_device

SAMPLE_ROWS = 12  # test queries shown per sample grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--model", type=Path, required=True, help="checkpoint of train-text2img@<task>")
    parser.add_argument("--data", type=Path, required=True, help="output folder of dataset@<task>")
    parser.add_argument("--classifier", type=Path, required=True, help="checkpoint of the classifier stage")
    parser.add_argument("--raw", type=Path, required=True, help="PNG: the drawn pixels as they are")
    parser.add_argument("--thresholded", type=Path, required=True, help="PNG: pixels above plots.threshold")
    args = parser.parse_args()

    use_threads()
    params = config.load_params(args.params)
    threshold = config.section(params, "plots", config.PlotsConfig).threshold
    device = torch_device(config.device(params))
    reader, _ = checkpoint.load(args.classifier, "classifier", stage="classifier", device=device)
    model, arch = checkpoint.load(args.model, "text2img", stage=checkpoint.training_stage(args.model), device=device)
    test = ArithmeticDataset(QuerySet.load(args.data), None, True, arch.model.reverse_answer, fields=("query",))
    read, pixels = inference.answers(model, arch, test, inference.BATCH_SIZE, reader)
    name = args.model.stem
    rows = plots.sample_rows(test.answers, read, SAMPLE_ROWS, rng(config.seed(params), f"samples-{name}"))
    queries, read, pixels = [test.queries[row] for row in rows], [read[row] for row in rows], pixels[rows]
    wrong = [test.answers[row].strip() != text.strip() for row, text in zip(rows, read)]
    plots.sample_grid(queries, pixels.numpy(), read, wrong, f"{name}: generated answers", args.raw)
    plots.sample_grid(queries, (pixels > threshold).float().numpy(), read, wrong, f"{name}: pixels > {threshold}",
                      args.thresholded)


if __name__ == "__main__":
    report_errors(main)
