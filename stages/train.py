"""train: one model kind (text2text, img2text, text2img) for one task; curves through DVCLive."""

import argparse
import time
from functools import partial
from pathlib import Path

from seq2arith import kinds, params
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.runtime.devices import torch_device
from seq2arith.runtime.errors import report_errors
from seq2arith.runtime.files import write_json
from seq2arith.runtime.seeding import rng, seed_torch
from seq2arith.runtime.threads import use_threads
from seq2arith.training import checkpoint
from seq2arith.training.loop import curves, fit
from seq2arith.training.plan import InputFiles, plan_training
from seq2arith.training.splits import Split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--kind", required=True, choices=kinds.ARITHMETIC)
    parser.add_argument("--task", required=True, help="the task's name under tasks: in params.yaml")
    parser.add_argument("--data", type=Path, required=True, help="output folder of dataset@<task>")
    parser.add_argument("--digits", type=Path, help="output folder of the download stage (kinds that draw)")
    parser.add_argument("--glyphs", type=Path, help="output folder of the glyphs stage (kinds that draw)")
    parser.add_argument("--classifier", type=Path, help="classifier checkpoint (img2text with reader: classifier)")
    parser.add_argument("--text2text", type=Path, help="the task's text2text checkpoint (img2text's program, the "
                        "core text2img draws from)")
    parser.add_argument("--out", type=Path, required=True, help="checkpoint to write")
    parser.add_argument("--live", type=Path, required=True, help="DVCLive folder for the training curves")
    parser.add_argument("--metrics", type=Path, required=True, help="JSON: epochs and training queries")
    args = parser.parse_args()
    kind = arithmetic(args.kind)
    if kind.needs_handwriting and (args.digits is None or args.glyphs is None):
        parser.error(f"--kind {args.kind} trains on handwriting: give --digits and --glyphs")

    threads = use_threads()
    values = params.load_params(args.params)
    seed, device = params.seed(values), torch_device(params.device(values))
    stream = f"{args.task}-{args.kind}"  # every random stream of this training is keyed by its task and kind
    generator = seed_torch(seed, f"train-{stream}", device)
    plan = plan_training(kind, args.task, values,
                         InputFiles(args.data, args.digits, args.glyphs, args.classifier, args.text2text), device)
    # the random stream that draws the train queries' handwriting afresh each epoch, for a kind that does
    redrawing = rng(seed, f"handwriting-{stream}") if kind.fresh_handwriting(plan.options) else None
    start = time.perf_counter()
    with curves(args.live) as live:
        for phase in plan.phases:
            train, validation = plan.datasets(phase)
            redraw = None  # rows of the queries are drawn afresh; a phase's own rows are not
            if redrawing is not None and isinstance(train, Split):
                redraw = partial(train.redraw_handwriting, redrawing)
            fit(phase.trainee, phase.objective, train, validation, phase.options, generator, live, redraw,
                desc=stream, threads=threads, checks=plan.checks(phase), after_epoch=plan.after_epoch)
        live.summary["seconds"] = round(time.perf_counter() - start)  # wall clock: beside the curves, not a metric
    checkpoint.save(args.out, kind, plan.model, plan.arch)
    write_json(args.metrics, {"epochs": sum(phase.options.epochs for phase in plan.phases),
                              "train_queries": len(plan.queries.of("train"))})  # mirrors included


if __name__ == "__main__":
    report_errors(main)
