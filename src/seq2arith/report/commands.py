"""What `seq2arith tables`, `queue`, `architectures` and `results` do (the CLI only parses their arguments)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from seq2arith.errors import Seq2ArithError
from seq2arith.params import load_params
from seq2arith.report.architectures import architecture_summaries
from seq2arith.report.experiments import sweep_curves
from seq2arith.report.figures import experiment_figures, sweep_figure
from seq2arith.report.markdown import experiment_table, replace_between, results_table
from seq2arith.report.numbers import report_runs
from seq2arith.report.specs import TABLES

RESULTS_START, RESULTS_END = "<!-- results:start -->", "<!-- results:end -->"
TABLES_START, TABLES_END = "<!-- tables:start -->", "<!-- tables:end -->"


def _dvc(arguments: Sequence[str], what: str) -> str:
    """The output of the dvc installed beside this command; its failure is one error naming ``what`` and the
    last line dvc printed."""
    done = subprocess.run([sys.executable, "-m", "dvc", *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise Seq2ArithError(f"{what} failed: {last}")
    return done.stdout


def tables_command(args: argparse.Namespace) -> None:
    if args.input is None:
        text = _dvc(["exp", "show", "--json", "-n", str(args.commits)], "dvc exp show --json")
    else:
        text = args.input.read_text()
    try:
        exp_show = json.loads(text)
    except json.JSONDecodeError as error:
        raise Seq2ArithError(f"not the output of `dvc exp show --json`: {error}") from None
    names = args.names or list(TABLES)
    figures: dict[str, dict[str, list[str]]] = {}
    if args.figures is not None:
        for name in names:
            spec = TABLES[name]
            if spec.figure:
                sweep_figure(spec.title, spec.params[0], sweep_curves(spec, exp_show),
                                   args.figures / f"{name}.png")
            if spec.samples or spec.errors:
                figures[name] = experiment_figures(spec, exp_show, args.figures / name,
                                                    args.into.parent if args.into else Path.cwd())
    block = "\n".join(experiment_table(TABLES[name], exp_show, figures=figures.get(name))
                      for name in names)
    _print_or_write(block, args.into, TABLES_START, TABLES_END)


def _print_or_write(block: str, into: Path | None, start: str, end: str) -> None:
    """Print ``block``, or write it over the lines between the ``start`` and ``end`` markers of ``into``."""
    if into is None:
        print(block, end="")
        return
    into.write_text(replace_between(into.read_text(), start, end, block))


def queue_command(args: argparse.Namespace) -> None:
    """Queue the report's rows as DVC experiments (or print the commands)."""
    runs = [run for table in args.tables for run in report_runs(table, args.rows)]
    for run in runs:
        print("dvc " + " ".join(run))
        if not args.print:
            _dvc(run, "dvc " + " ".join(run[:5]))
    if not args.print:
        print(f"queued {len(runs)} experiments: run them with `dvc queue start -j 1`")


def results_command(args: argparse.Namespace) -> None:
    _print_or_write(results_table(args.metrics, args.curves), args.readme, RESULTS_START, RESULTS_END)


def architectures_command(args: argparse.Namespace) -> None:
    block = architecture_summaries(load_params(args.params))
    _print_or_write(block, args.into, TABLES_START, TABLES_END)
