"""evaluate: metrics for train, validation and test queries, the predictions table, and for the test queries the
error histogram and the per-character confusion; for img2text, the digits its reader and the classifier misread;
for text2img, its drawings as the judge and the classifier read them, and how like handwriting they are."""

import argparse
from pathlib import Path
from typing import cast

from seq2arith import kinds, params
from seq2arith.data.query_sets import BEYOND_RANGE, QuerySet
from seq2arith.evaluation.metrics import digit_readings, evaluate_model
from seq2arith.figures import plots
from seq2arith.kinds import classifier, text2img
from seq2arith.kinds.arithmetic import GlyphReader, arithmetic
from seq2arith.runtime.devices import torch_device
from seq2arith.runtime.errors import report_errors
from seq2arith.runtime.files import write_json, write_with
from seq2arith.runtime.seeding import rng, seed_torch
from seq2arith.runtime.threads import use_threads
from seq2arith.training import checkpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--kind", required=True, choices=kinds.ARITHMETIC)
    parser.add_argument("--data", type=Path, required=True, help="output folder of dataset@<task>")
    parser.add_argument("--digits", type=Path, help="output folder of the download stage (kinds with images)")
    parser.add_argument("--glyphs", type=Path, help="output folder of the glyphs stage (kinds with images)")
    parser.add_argument("--model", type=Path, required=True, help="checkpoint of train-<kind>@<task>")
    parser.add_argument("--classifier", type=Path, help="checkpoint of the classifier stage (kinds with images)")
    parser.add_argument("--judge", type=Path, help="checkpoint of the judge stage (text2img: reads its drawings)")
    parser.add_argument("--metrics", type=Path, required=True, help="JSON metrics to write")
    parser.add_argument("--predictions", type=Path, required=True, help="CSV: one row per query")
    parser.add_argument("--errors", type=Path, required=True, help="CSV: test queries per error, true - predicted")
    parser.add_argument("--confusion", type=Path, required=True, help="CSV: test answer characters per "
                                                                       "(actual, predicted) pair")
    parser.add_argument("--misreads", type=Path, help="PNG (img2text): the test pool's digits as its reader and the "
                                                       "classifier read them, and the glyphs each misreads")
    args = parser.parse_args()

    kind = arithmetic(args.kind)
    if kind.needs_handwriting and (args.digits is None or args.glyphs is None):
        parser.error(f"--kind {args.kind} reads or draws handwriting: give --digits and --glyphs")
    if kind.needs_handwriting and args.classifier is None:
        parser.error(f"--kind {args.kind} needs the classifier: give --classifier")
    if kind.draws and args.judge is None:
        parser.error(f"--kind {args.kind} draws: give --judge")

    use_threads()
    values = params.load_params(args.params)
    seed, device = params.seed(values), torch_device(params.device(values))
    seed_torch(seed, "evaluate", device)  # text2img draws its styles from torch's global generator
    model, arch = checkpoint.load(args.model, kind, stage=checkpoint.training_stage(args.model), device=device)
    text2img.draw_as_params(model, values)
    reader = None  # the classifier, for kinds with images: imported only then (dvc.yaml: --classifier)
    if args.classifier is not None:
        reader = cast(GlyphReader, checkpoint.load(args.classifier, kinds.named("classifier"), "classifier", device)[0])
    judge = None if args.judge is None else classifier.load_classifier(args.judge, device, stage="judge")
    handwriting = kind.handwriting(args.digits, args.glyphs) if kind.needs_handwriting else None
    beyond = {folder.name: QuerySet.load(folder)  # test queries past the training range, a set per shape
              for folder in sorted((args.data / BEYOND_RANGE).glob("*")) if folder.is_dir()}
    result = evaluate_model(kind, model, arch, QuerySet.load(args.data), handwriting, reader, beyond, judge,
                            rng(seed, f"likeness-{args.model.stem}"))
    write_json(args.metrics, result.metrics)
    write_with(args.predictions, lambda tmp: result.predictions.to_csv(tmp, index=False))
    write_with(args.errors, lambda tmp: result.errors.to_csv(tmp, index=False))
    write_with(args.confusion, lambda tmp: result.confusion.to_csv(tmp, index=False))
    if args.misreads is not None:
        assert reader is not None and handwriting is not None
        digits, readings = digit_readings(model, arch, reader, handwriting, "test")
        plots.misreads_figure(handwriting.symbols[digits], readings, handwriting.images[digits],
                              f"{args.model.stem}: the test pool's handwritten digits, read", args.misreads)


if __name__ == "__main__":
    report_errors(main)
