"""How much one other busy process slows training: epochs timed alone, then beside a spinning Python process.

  python benchmarks/load.py                          one epoch of train-text2text@addsub, params.yaml
  python benchmarks/load.py --kind text2img --epochs 3
  SEQ2ARITH_THREADS=2 python benchmarks/load.py      a fixed count instead of auto (2 was torch's default here)

The task's data is built in memory as the pipeline builds it (the bundled digits, the glyphs, the queries and
their split), so no `dvc repro` is needed; img2text also reads --classifier. Each run chooses its threads as a
stage does (seq2arith.threads.use_threads) after one untimed warm-up epoch, and trains a fresh model. Run it
on an otherwise idle machine: it measures the slowdown, not the speed.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import time
from pathlib import Path

import torch

from seq2arith import config, recipes
from seq2arith.dataset import QuerySet, create_data, with_mirrors
from seq2arith.errors import report_errors
from seq2arith.glyphs import draw_glyphs
from seq2arith.handwriting import Handwriting
from seq2arith.mnist import load_bundled
from seq2arith.models import ARITHMETIC, KINDS
from seq2arith.seeding import rng, seed_torch
from seq2arith.threads import use_threads
from seq2arith.training import fit

TARGET = 2.5  # slowdown beside one busy process that issue 9 accepts
SPIN = "while True: pass"  # the competitor: one single-threaded process that never waits


def build_queries(params: dict, task: str) -> tuple[QuerySet, Handwriting]:
    """The queries of ``task`` and the handwriting pools, as the download, glyphs and dataset stages make them."""
    seed = config.seed(params)
    data = config.section(params, "data", config.DataConfig)
    glyphs = draw_glyphs(config.section(params, "glyphs", config.GlyphsConfig), rng(seed, "glyphs"))
    handwriting = Handwriting.combine(load_bundled(data.bundled_test_ratio, rng(seed, "download")), glyphs)
    task_config = config.section(params, f"tasks.{task}", config.TaskConfig)
    split = config.section(params, "split", config.SplitConfig)
    queries = create_data(task_config, split, handwriting, rng(seed, f"dataset-{task}"))
    if config.section(params, "train", config.TrainConfig).mirror:
        queries = with_mirrors(queries)
    return queries, handwriting


def seconds_per_epoch(params: dict, kind: str, queries: QuerySet, handwriting: Handwriting, epochs: int,
                      classifier: Path) -> tuple[float, int]:
    """Seconds per epoch of the first training phase of a fresh ``kind`` model, as train-<kind>@<task> runs it, and the
    threads it ended on."""
    seed = config.seed(params)
    model_config = config.section(params, "model", config.ModelConfig)
    options = config.section(params, kind, KINDS[kind].options)
    threads = use_threads()
    generator = seed_torch(seed, "benchmark")
    model, _ = recipes.make_model(kind, queries, model_config, options, classifier)
    phase = recipes.phases(kind, options, model, handwriting)[0]
    train, test = recipes.datasets(phase, queries, handwriting, model_config.reverse_answer)
    redraw = rng(seed, "handwriting") if getattr(options, "fresh_handwriting", False) else None

    def run(count: int) -> None:
        fit(phase.trainee, phase.objective, train, test, dataclasses.replace(phase.options, epochs=count),
            generator, redraw=redraw, desc=kind, threads=threads)

    run(1)  # warm-up: first-call allocations and thread start-up
    start = time.perf_counter()
    run(epochs)
    return (time.perf_counter() - start) / epochs, torch.get_num_threads()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--task", default="addsub", help="task of params.yaml (default: %(default)s)")
    parser.add_argument("--kind", default="text2text", choices=ARITHMETIC, help="default: %(default)s")
    parser.add_argument("--epochs", type=int, default=1, help="timed epochs per run (default: %(default)s)")
    parser.add_argument("--classifier", type=Path, default=Path("models/classifier.pt"),
                        help="img2text's reader, from the classifier stage (default: %(default)s)")
    args = parser.parse_args()

    params = config.load_params(args.params)
    queries, handwriting = build_queries(params, args.task)
    print(f"{args.task}-{args.kind}: {(~queries.is_test).sum()} training queries (mirrors included), {args.params}")
    alone, alone_threads = seconds_per_epoch(params, args.kind, queries, handwriting, args.epochs, args.classifier)
    print(f"alone:                 {alone:8.3f} s per epoch, threads: {alone_threads}")
    competitor = subprocess.Popen([sys.executable, "-c", SPIN])
    try:
        time.sleep(1)  # let it take its core
        loaded, loaded_threads = seconds_per_epoch(params, args.kind, queries, handwriting, args.epochs,
                                                   args.classifier)
    finally:
        competitor.kill()
        competitor.wait()
    print(f"beside a busy process: {loaded:8.3f} s per epoch, threads: {loaded_threads}")
    print(f"slowdown: {loaded / alone:.2f}x (target: at most {TARGET}x)")


if __name__ == "__main__":
    report_errors(main)
