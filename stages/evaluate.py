"""evaluate: metrics for train and test queries, the predictions table, and for the test queries the error
histogram and the per-character confusion."""

import argparse
from pathlib import Path

import pandas as pd

from seq2arith import checkpoint, config, evaluation, inference
from seq2arith.dataset import ArithmeticDataset, QuerySet
from seq2arith.errors import report_errors
from seq2arith.files import write_json, write_with
from seq2arith.handwriting import Handwriting
from seq2arith.models import ARITHMETIC, KINDS
from seq2arith.queries import unseen_pairs
from seq2arith.threads import use_threads
from seq2arith.training import torch_device

BATCH_SIZE = 1024  # queries per forward pass: speed only, the numbers do not depend on it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--kind", required=True, choices=ARITHMETIC)
    parser.add_argument("--data", type=Path, required=True, help="output folder of dataset@<task>")
    parser.add_argument("--digits", type=Path, help="output folder of the download stage (img2text)")
    parser.add_argument("--glyphs", type=Path, help="output folder of the glyphs stage (img2text)")
    parser.add_argument("--model", type=Path, required=True, help="checkpoint of train-<kind>@<task>")
    parser.add_argument("--classifier", type=Path, help="checkpoint of the classifier stage (kinds with images)")
    parser.add_argument("--metrics", type=Path, required=True, help="JSON metrics to write")
    parser.add_argument("--predictions", type=Path, required=True, help="CSV: one row per query")
    parser.add_argument("--errors", type=Path, required=True, help="CSV: test queries per error, true - predicted")
    parser.add_argument("--confusion", type=Path, required=True, help="CSV: test answer characters per "
                                                                       "(actual, predicted) pair")
    args = parser.parse_args()

    kind = KINDS[args.kind]
    if kind.reads_images and (args.digits is None or args.glyphs is None):
        parser.error(f"--kind {args.kind} reads handwriting: give --digits and --glyphs")
    if (kind.reads_images or kind.answers_in_images) and args.classifier is None:
        parser.error(f"--kind {args.kind} needs the classifier: give --classifier")

    use_threads()
    device = torch_device(config.device(config.load_params(args.params)))
    model, arch = checkpoint.load(args.model, args.kind, stage=checkpoint.training_stage(args.model), device=device)
    reader = (checkpoint.load(args.classifier, "classifier", stage="classifier", device=device)[0]
              if args.classifier else None)
    queries = QuerySet.load(args.data)
    handwriting = Handwriting.load(args.digits, args.glyphs) if kind.reads_images else None
    runner, inputs = inference.evaluator(model, arch, handwriting)
    splits = {split: ArithmeticDataset(queries, handwriting, split == "test", arch.model.reverse_answer,
                                       fields=(inputs,)) for split in ("train", "test")}
    unseen = unseen_pairs(splits["train"].queries, splits["test"].queries)
    metrics, tables = {}, []
    for split, data in splits.items():
        predicted, _ = inference.answers(runner, arch, data, BATCH_SIZE, reader, inputs)
        metrics[split] = evaluation.scores(data.answers, predicted, unseen if split == "test" else None,
                                           prefix="read_" if kind.answers_in_images else "")
        if kind.reads_images:
            metrics[split]["symbolic_exact_match"] = evaluation.symbolic_exact_match(
                reader, handwriting, data.query_glyphs, data.answers)
        tables.append(evaluation.predictions_table(data.queries, data.answers, predicted, split))
    write_json(args.metrics, metrics)
    write_with(args.predictions, lambda tmp: pd.concat(tables).to_csv(tmp, index=False))
    test_answers = data.answers  # the test split, evaluated last
    errors = evaluation.error_counts(test_answers, predicted)
    write_with(args.errors, lambda tmp: errors.to_csv(tmp, index=False))
    confusion = evaluation.confusion_table(test_answers, predicted)
    write_with(args.confusion, lambda tmp: confusion.to_csv(tmp, index=False))


if __name__ == "__main__":
    report_errors(main)
