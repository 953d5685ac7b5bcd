"""plots: the report's error figure (true - predicted) for one model's test predictions."""

import argparse
from pathlib import Path

import pandas as pd

from seq2arith import plots
from seq2arith.errors import report_errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--predictions", type=Path, required=True, help="CSV of evaluate@<task>-<kind>")
    parser.add_argument("--out", type=Path, required=True, help="PNG to write")
    args = parser.parse_args()

    table = pd.read_csv(args.predictions)
    test = table[table["split"] == "test"]
    differences = test["difference"].dropna().to_numpy()
    title = f"{args.predictions.stem}: test queries ({len(test) - len(differences)} unparseable answers left out)"
    plots.error_figure(differences, title, args.out)


if __name__ == "__main__":
    report_errors(main)
