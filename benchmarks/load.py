"""How much one other busy process slows training: epochs timed alone, then beside a spinning Python process.

  python benchmarks/load.py                          one epoch of train-text2text@addsub, params.yaml
  python benchmarks/load.py --kind text2img --epochs 3
  SEQ2ARITH_THREADS=2 python benchmarks/load.py      a fixed count instead of auto (2 was torch's default here)

It reads what the pipeline wrote (`dvc repro dataset@addsub` first; the kinds that draw also read data/mnist and
data/glyphs, img2text models/<task>-text2text.pt) and builds the first training phase as the train stage does
(seq2arith.training.plan). Each run chooses its threads as a stage does (``threads.use_threads``) after one untimed
warm-up epoch, and trains a fresh model. Run it on an otherwise idle machine: it measures the slowdown, not the
speed.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import torch

from seq2arith import kinds, params
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.runtime.errors import report_errors
from seq2arith.runtime.seeding import rng, seed_torch
from seq2arith.runtime.threads import use_threads
from seq2arith.training.loop import fit
from seq2arith.training.plan import InputFiles, plan_training
from seq2arith.training.splits import Split

TARGET = 2.5  # slowdown beside one busy process that issue 9 accepts
SPIN = "while True: pass"  # the competitor: one single-threaded process that never waits


def seconds_per_epoch(values: dict[str, Any], kind: str, task: str, epochs: int) -> tuple[float, int]:
    """Seconds per epoch of the first training phase of a fresh ``kind`` model, as train-<kind>@<task> runs it, and
    the threads it ended on."""
    threads = use_threads()
    generator = seed_torch(params.seed(values), "benchmark")
    inputs = InputFiles(Path("data") / task, Path("data/mnist"), Path("data/glyphs"), Path("models/classifier.pt"),
                        Path("models") / f"{task}-text2text.pt")
    plan = plan_training(arithmetic(kind), task, values, inputs, torch.device("cpu"))
    phase = plan.phases[0]
    train, validation = plan.datasets(phase)
    redraw = None  # as the train stage: fresh handwriting every epoch where the kind draws it
    if arithmetic(kind).fresh_handwriting(plan.options) and isinstance(train, Split):
        redraw = partial(train.redraw_handwriting, rng(params.seed(values), "benchmark-handwriting"))

    def run(count: int) -> None:
        fit(phase.trainee, phase.objective, train, validation, dataclasses.replace(phase.options, epochs=count),
            generator, before_epoch=redraw, desc=kind, threads=threads)

    run(1)  # warm-up: first-call allocations and thread start-up
    start = time.perf_counter()
    run(epochs)
    return (time.perf_counter() - start) / epochs, torch.get_num_threads()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--task", default="addsub", help="task of params.yaml (default: %(default)s)")
    parser.add_argument("--kind", default="text2text", choices=kinds.ARITHMETIC, help="default: %(default)s")
    parser.add_argument("--epochs", type=int, default=1, help="timed epochs per run (default: %(default)s)")
    args = parser.parse_args()

    values = params.load_params(args.params)
    print(f"{args.task}-{args.kind}, {args.params}")
    alone, alone_threads = seconds_per_epoch(values, args.kind, args.task, args.epochs)
    print(f"alone:                 {alone:8.3f} s per epoch, threads: {alone_threads}")
    competitor = subprocess.Popen([sys.executable, "-c", SPIN])
    try:
        time.sleep(1)  # let it take its core
        loaded, loaded_threads = seconds_per_epoch(values, args.kind, args.task, args.epochs)
    finally:
        competitor.kill()
        competitor.wait()
    print(f"beside a busy process: {loaded:8.3f} s per epoch, threads: {loaded_threads}")
    print(f"slowdown: {loaded / alone:.2f}x (target: at most {TARGET}x)")


if __name__ == "__main__":
    report_errors(main)
