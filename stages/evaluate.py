"""evaluate: metrics for train and test queries, the predictions table and the per-character confusion."""

import argparse
from pathlib import Path

import pandas as pd

from seq2arith import checkpoint, evaluation, inference
from seq2arith.dataset import ArithmeticDataset, QuerySet
from seq2arith.errors import report_errors
from seq2arith.files import write_json, write_with
from seq2arith.handwriting import Handwriting
from seq2arith.models import ARITHMETIC, KINDS
from seq2arith.queries import unseen_pairs
from seq2arith.threads import use_threads

BATCH_SIZE = 1024  # queries per forward pass: speed only, the numbers do not depend on it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", required=True, choices=ARITHMETIC)
    parser.add_argument("--data", type=Path, required=True, help="output folder of dataset@<task>")
    parser.add_argument("--digits", type=Path, required=True, help="output folder of the download stage")
    parser.add_argument("--glyphs", type=Path, required=True, help="output folder of the glyphs stage")
    parser.add_argument("--model", type=Path, required=True, help="checkpoint of train@<task>-<kind>")
    parser.add_argument("--classifier", type=Path, required=True, help="checkpoint of the classifier stage")
    parser.add_argument("--metrics", type=Path, required=True, help="JSON metrics to write")
    parser.add_argument("--predictions", type=Path, required=True, help="CSV: one row per query")
    parser.add_argument("--confusion", type=Path, required=True, help="CSV: one row per test answer character")
    args = parser.parse_args()

    use_threads()
    model, arch = checkpoint.load(args.model, args.kind, stage=f"train@{args.model.stem}")
    reader, _ = checkpoint.load(args.classifier, "classifier", stage="classifier")
    queries, handwriting = QuerySet.load(args.data), Handwriting.load(args.digits, args.glyphs)
    runner, inputs = inference.evaluator(model, arch, handwriting)
    kind = KINDS[args.kind]
    splits = {split: ArithmeticDataset(queries, handwriting, split == "test", arch.model.reverse_answer,
                                       fields=(inputs,)) for split in ("train", "test")}
    unseen = unseen_pairs(splits["train"].queries, splits["test"].queries)
    metrics, tables = {}, []
    for split, data in splits.items():
        predicted, _ = inference.answers(runner, arch, data, BATCH_SIZE, reader, inputs)
        metrics[split] = evaluation.scores(data.answers, predicted, unseen if split == "test" else None,
                                           prefix="read_" if kind.answers_in_images else "")
        if kind.inputs == "query_images":
            metrics[split]["symbolic_exact_match"] = evaluation.symbolic_exact_match(
                reader, handwriting, data.query_glyphs, data.answers)
        tables.append(evaluation.predictions_table(data.queries, data.answers, predicted, split))
    write_json(args.metrics, metrics)
    write_with(args.predictions, lambda tmp: pd.concat(tables).to_csv(tmp, index=False))
    confusion = evaluation.confusion_table(data.answers, predicted)  # the test split, evaluated last
    write_with(args.confusion, lambda tmp: confusion.to_csv(tmp, index=False))


if __name__ == "__main__":
    report_errors(main)
