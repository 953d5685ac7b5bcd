"""train: one model kind (text2text, img2text, text2img) for one task; curves through DVCLive."""

import argparse
import time
from pathlib import Path

from dvclive import Live

from seq2arith import checkpoint, config, recipes
from seq2arith.dataset import QuerySet, with_mirrors
from seq2arith.errors import report_errors
from seq2arith.files import write_json
from seq2arith.handwriting import Handwriting
from seq2arith.models import ARITHMETIC, KINDS
from seq2arith.seeding import rng, seed_torch
from seq2arith.threads import use_threads
from seq2arith.training import fit, torch_device


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--kind", required=True, choices=ARITHMETIC)
    parser.add_argument("--task", required=True, help="the task's name under tasks: in params.yaml")
    parser.add_argument("--data", type=Path, required=True, help="output folder of dataset@<task>")
    parser.add_argument("--digits", type=Path, help="output folder of the download stage (kinds that draw)")
    parser.add_argument("--glyphs", type=Path, help="output folder of the glyphs stage (kinds that draw)")
    parser.add_argument("--classifier", type=Path, help="classifier checkpoint (img2text's start)")
    parser.add_argument("--out", type=Path, required=True, help="checkpoint to write")
    parser.add_argument("--live", type=Path, required=True, help="DVCLive folder for the training curves")
    parser.add_argument("--metrics", type=Path, required=True, help="JSON: epochs, training queries and seconds")
    args = parser.parse_args()
    kind = KINDS[args.kind]
    if kind.trains_on_handwriting and (args.digits is None or args.glyphs is None):
        parser.error(f"--kind {args.kind} trains on handwriting: give --digits and --glyphs")

    threads = use_threads()
    params = config.load_params(args.params)
    model_config = config.section(params, "model", config.ModelConfig)
    options = config.section(params, args.kind, kind.options).for_task(args.task, args.kind)
    train_config = config.section(params, "train", config.TrainConfig)
    seed, device = config.seed(params), torch_device(config.device(params))
    generator = seed_torch(seed, f"train-{args.out.stem}", device)
    queries = QuerySet.load(args.data)
    handwriting = Handwriting.load(args.digits, args.glyphs) if kind.trains_on_handwriting else None
    if train_config.mirror:
        queries = with_mirrors(queries)
    model, arch = recipes.make_model(args.kind, queries, model_config, options, args.classifier, device)
    phases = recipes.phases(args.kind, options, model, handwriting)
    redraw = rng(seed, f"handwriting-{args.out.stem}") if getattr(options, "fresh_handwriting", False) else None
    start = time.perf_counter()
    with Live(str(args.live), report=None, save_dvc_exp=False, dvcyaml=None) as live:
        for phase in phases:
            train, test = recipes.datasets(phase, queries, handwriting, model_config.reverse_answer)
            fit(phase.trainee, phase.objective, train, test, phase.options, generator, live, redraw, desc=args.out.stem,
                threads=threads)
    checkpoint.save(args.out, model, arch)
    write_json(args.metrics, {"epochs": sum(phase.options.epochs for phase in phases),
                              "train_queries": len(train),  # mirrors included
                              "seconds": round(time.perf_counter() - start)})  # wall clock: varies by machine


if __name__ == "__main__":
    report_errors(main)
