"""samples: text2img answers drawn for the first test queries, raw and thresholded at text2img.threshold."""

import argparse
from pathlib import Path

from seq2arith import checkpoint, config, plots, recipes
from seq2arith.dataset import ArithmeticDataset, QuerySet
from seq2arith.errors import report_errors
from seq2arith.handwriting import Handwriting

ROWS = 12  # queries shown per grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--data", type=Path, required=True, help="output folder of dataset@<task>")
    parser.add_argument("--digits", type=Path, required=True, help="output folder of the download stage")
    parser.add_argument("--glyphs", type=Path, required=True, help="output folder of the glyphs stage")
    parser.add_argument("--model", type=Path, required=True, help="checkpoint of train@<task>-text2img")
    parser.add_argument("--classifier", type=Path, required=True, help="checkpoint of the classifier stage")
    parser.add_argument("--raw", type=Path, required=True, help="PNG of the generated pixels")
    parser.add_argument("--thresholded", type=Path, required=True, help="PNG of the pixels above the threshold")
    args = parser.parse_args()

    threshold = config.section(config.load_params(args.params), "text2img", config.Text2ImgConfig).threshold
    model, arch = checkpoint.load(args.model, "text2img", stage=f"train@{args.model.stem}")
    reader, _ = checkpoint.load(args.classifier, "classifier", stage="classifier")
    test = ArithmeticDataset(QuerySet.load(args.data), Handwriting.load(args.digits, args.glyphs), True,
                             arch.model["reverse_answer"], fields=("query",), limit=ROWS)
    read, pixels = recipes.answers(model, arch, test, ROWS, reader)
    name = args.model.stem
    plots.sample_grid(test.queries, pixels.numpy(), read, f"{name}: generated answers", args.raw)
    plots.sample_grid(test.queries, (pixels > threshold).float().numpy(), read,
                      f"{name}: pixels > {threshold}", args.thresholded)


if __name__ == "__main__":
    report_errors(main)
