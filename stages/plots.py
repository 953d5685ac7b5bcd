"""plots: the report's error figure for every model, and exact match per epoch of every model."""

import argparse
from pathlib import Path

import pandas as pd

from seq2arith import plots
from seq2arith.errors import report_errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--predictions", type=Path, nargs="+", required=True, help="CSVs of evaluate-*@*")
    parser.add_argument("--errors", type=Path, required=True, help="folder for one error figure per CSV")
    parser.add_argument("--curves", type=Path, nargs="+", required=True, help="DVCLive folders of train-*@*")
    parser.add_argument("--exact-match", type=Path, required=True, help="PNG: exact match per epoch of every model")
    args = parser.parse_args()

    for predictions in args.predictions:
        out = args.errors / f"{predictions.stem}.png"
        plots.predictions_error_figure(pd.read_csv(predictions), predictions.stem, out)
    plots.exact_match_figure({folder.name: folder for folder in args.curves}, args.exact_match)


if __name__ == "__main__":
    report_errors(main)
