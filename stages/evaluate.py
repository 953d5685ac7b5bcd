"""evaluate: metrics for train and test queries, the predictions table and the per-character confusion."""

import argparse
from pathlib import Path

import pandas as pd

from seq2arith import checkpoint, evaluation, recipes
from seq2arith.classifier import read_queries
from seq2arith.dataset import ArithmeticDataset, QuerySet
from seq2arith.errors import report_errors
from seq2arith.files import write_json, write_with
from seq2arith.handwriting import Handwriting

BATCH_SIZE = 1024  # queries per forward pass: speed only, the numbers do not depend on it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", required=True, choices=sorted(recipes.INPUTS))
    parser.add_argument("--data", type=Path, required=True, help="output folder of dataset@<task>")
    parser.add_argument("--digits", type=Path, required=True, help="output folder of the download stage")
    parser.add_argument("--glyphs", type=Path, required=True, help="output folder of the glyphs stage")
    parser.add_argument("--model", type=Path, required=True, help="checkpoint of train@<task>-<kind>")
    parser.add_argument("--classifier", type=Path, required=True, help="checkpoint of the classifier stage")
    parser.add_argument("--metrics", type=Path, required=True, help="JSON metrics to write")
    parser.add_argument("--predictions", type=Path, required=True, help="CSV: one row per query")
    parser.add_argument("--confusion", type=Path, required=True, help="CSV: one row per test answer character")
    args = parser.parse_args()

    model, arch = checkpoint.load(args.model, args.kind, stage=f"train@{args.model.stem}")
    reader, _ = checkpoint.load(args.classifier, "classifier", stage="classifier")
    queries, handwriting = QuerySet.load(args.data), Handwriting.load(args.digits, args.glyphs)
    runner, inputs = recipes.evaluator(model, arch, handwriting)
    metrics, tables = {}, []
    for split in ("train", "test"):
        data = ArithmeticDataset(queries, handwriting, split == "test", arch.model["reverse_answer"],
                                 fields=(inputs,))
        predicted, _ = recipes.answers(runner, arch, data, BATCH_SIZE, reader, inputs)
        scores = evaluation.text_metrics(data.answers, predicted)
        if args.kind == "text2img":  # answers as the reference classifier reads the generated glyphs
            scores = {f"read_{name}": value for name, value in scores.items()}
        if args.kind == "img2text":
            read = read_queries(reader, handwriting, data.query_glyphs)
            symbolic = evaluation.symbolic_answers(read, queries.answer_width)
            scores["symbolic_exact_match"] = evaluation.text_metrics(data.answers, symbolic)["exact_match"]
        metrics[split] = scores
        tables.append(evaluation.predictions_table(data.queries, data.answers, predicted, split))
    write_json(args.metrics, metrics)
    write_with(args.predictions, lambda tmp: pd.concat(tables).to_csv(tmp, index=False))
    confusion = evaluation.confusion_table(data.answers, predicted)  # the test split, evaluated last
    write_with(args.confusion, lambda tmp: confusion.to_csv(tmp, index=False))


if __name__ == "__main__":
    report_errors(main)
