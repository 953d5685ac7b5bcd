"""plots: the report's error figure for every model, and exact match per epoch of every model."""

import argparse
from pathlib import Path

import pandas as pd

from seq2arith.figures import plots
from seq2arith.runtime.errors import report_errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--predictions", type=Path, required=True, help="folder of the evaluate stages' CSVs")
    parser.add_argument("--curves", type=Path, required=True, help="folder of the training stages' DVCLive folders")
    parser.add_argument("--errors", type=Path, required=True, help="folder for one error figure per model")
    parser.add_argument("--exact-match", type=Path, required=True, help="PNG: exact match per epoch of every model")
    args = parser.parse_args()

    for predictions in sorted(args.predictions.glob("*.csv")):
        out = args.errors / f"{predictions.stem}.png"
        plots.predictions_error_figure(pd.read_csv(predictions), predictions.stem, out)
    plots.exact_match_figure(plots.answer_curves(args.curves), args.exact_match)


if __name__ == "__main__":
    report_errors(main)
