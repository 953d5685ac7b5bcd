"""What `seq2arith tables`, `queue`, `architectures` and `results` do (the CLI only parses their arguments),
their `--check` included."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from seq2arith.params import load_params
from seq2arith.report.architectures import architecture_summaries
from seq2arith.report.check import committed_tables, differs, same_results, table_status
from seq2arith.report.experiments import recent, sweep_curves
from seq2arith.report.figures import drawn_figures, experiment_figures, sweep_figure
from seq2arith.report.markdown import between, experiment_table, replace_between, results_table, shapes_table
from seq2arith.report.numbers import report_experiments, report_runs
from seq2arith.report.seeds import Seeds, load_seeds, seed_runs, seeds_json, seeds_table
from seq2arith.report.specs import TABLES
from seq2arith.runtime.errors import Seq2ArithError

RESULTS_START, RESULTS_END = "<!-- results:start -->", "<!-- results:end -->"
SHAPES_START, SHAPES_END = "<!-- shapes:start -->", "<!-- shapes:end -->"
TABLES_START, TABLES_END = "<!-- tables:start -->", "<!-- tables:end -->"


def _dvc(arguments: Sequence[str], what: str) -> str:
    """The output of the dvc installed beside this command; its failure is one error naming ``what`` and the
    last line dvc printed."""
    done = subprocess.run([sys.executable, "-m", "dvc", *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise Seq2ArithError(f"{what} failed: {last}")
    return done.stdout


def _exp_show(saved: Path | None, commits: int) -> list[dict]:
    """`dvc exp show --json -n commits`, run now or read from ``saved``."""
    if saved is None:
        text = _dvc(["exp", "show", "--json", "-n", str(commits)], "dvc exp show --json")
    else:
        text = saved.read_text()
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise Seq2ArithError(f"not the output of `dvc exp show --json`: {error}") from None


def tables_markdown(names: list[str], exp_show: list[dict], into: Path | None, figures: Path | None,
                    seeds_file: Path, draw: bool = True) -> tuple[str, Seeds | None]:
    """The markdown of the ``names`` tables, and the seed runs where the seeds table is one of them (the other
    tables' notes then use their numbers; else those of ``seeds_file``, where there is one). With ``draw`` False
    nothing is drawn or written: the figure links are those of the figures already in ``figures``."""
    fresh = next((seed_runs(TABLES[name], exp_show) for name in names if TABLES[name].over_seeds), None)
    seeds = fresh.summary() if fresh is not None else load_seeds(seeds_file)
    links: dict[str, dict[str, list[str]]] = {}
    if figures is not None:
        for name in names:
            spec = TABLES[name]
            if draw and spec.figure:
                sweep_figure(spec.title, spec.params[0], sweep_curves(spec, exp_show), figures / f"{name}.png")
            if spec.samples or spec.errors:
                links[name] = (experiment_figures if draw else drawn_figures)(
                    spec, exp_show, figures / name, into.parent if into else Path.cwd())
    return "\n".join(
        seeds_table(TABLES[name], fresh, into, seeds_file) if TABLES[name].over_seeds and fresh is not None
        else experiment_table(TABLES[name], exp_show, figures=links.get(name), seeds=seeds,
                              seeds_table=seeds_file.with_suffix(".md"))
        for name in names), fresh


def tables_command(args: argparse.Namespace) -> None:
    if args.check:
        check_tables(args)
        return
    block, seeds = tables_markdown(args.names or list(TABLES), _exp_show(args.input, args.commits), args.into,
                                   args.figures, args.seeds)
    _print_or_write(block, args.into, TABLES_START, TABLES_END)
    if seeds is not None and args.into is not None:
        args.seeds.write_text(seeds_json(seeds))


def check_tables(args: argparse.Namespace) -> None:
    """Regenerate in memory every table of ``args.reports`` whose file names the command that made it, with that
    command (``args.reparse`` reads it); print one line per file; an error when any differs from what its
    experiments give. A table whose experiments this clone lacks is not checked."""
    if args.names or args.into or args.figures:
        raise Seq2ArithError("--check regenerates every committed table with its own command: "
                             "give it no TABLE, --into or --figures")
    lines, checked, failed = [], [], 0
    for committed in committed_tables(args.reports):
        try:
            checked.append((committed, args.reparse(committed.argv())))
        except Seq2ArithError as error:
            lines.append(f"{committed.path}: not checked ({error})")
    exp_show = _exp_show(args.input, max(table.commits for _, table in checked)) if checked else []
    for committed, table in checked:
        shown = recent(exp_show, table.commits)
        block: str | Exception
        committed_block = ""
        try:
            committed_block = between(committed.path.read_text(), TABLES_START, TABLES_END)
            block, seeds = tables_markdown(table.names or list(TABLES), shown, table.into, table.figures,
                                           table.seeds, draw=False)
        except Seq2ArithError as error:  # no markers; no run with results (its experiments may not be here)
            block, seeds = error, None
        line, differ = table_status(committed, committed_block, block, shown)
        if not differ and seeds is not None and committed_block == block and (
                not table.seeds.exists() or table.seeds.read_text() != seeds_json(seeds)):
            line, differ = differs(table.seeds, "its experiments", committed.command), True
        lines.append(line)
        failed += differ
    print("\n".join(sorted(lines)) if lines else f"no committed tables in {args.reports}")
    if failed:
        raise Seq2ArithError(f"{failed} of the committed tables differ from what their experiments give")


def _print_or_write(block: str, into: Path | None, start: str, end: str) -> None:
    """Print ``block``, or write it over the lines between the ``start`` and ``end`` markers of ``into`` (a new
    file is the markers around ``block``)."""
    if into is None:
        print(block, end="")
        return
    into.write_text(replace_between(into.read_text() if into.exists() else f"{start}\n{end}\n", start, end, block))


LOCAL = "local"  # `--cluster` without an address: a local cluster on 127.0.0.1


def queue_command(args: argparse.Namespace) -> None:
    """Queue the report's rows as DVC experiments (or print the commands), or run them on a Dask cluster."""
    if args.cluster is not None:
        from seq2arith.sweeps.cluster import run_sweep  # Dask loads only for a sweep on a cluster
        run_sweep([experiment for table in args.tables for experiment in report_experiments(table, args.rows)],
                  None if args.cluster == LOCAL else args.cluster, args.workers)
        return
    runs = [run for table in args.tables for run in report_runs(table, args.rows)]
    for run in runs:
        print("dvc " + " ".join(run))
        if not args.print:
            _dvc(run, "dvc " + " ".join(run[:5]))
    if not args.print:
        print(f"queued {len(runs)} experiments: run them with `dvc queue start -j 1`")


def results_command(args: argparse.Namespace) -> None:
    block = results_table(args.metrics, args.curves, seeds=load_seeds(args.seeds),
                          seeds_table=args.seeds.with_suffix(".md"))
    shapes = shapes_table(args.metrics) if args.shapes is not None else None
    if not args.check:
        _print_or_write(block, args.readme, RESULTS_START, RESULTS_END)
        if shapes is not None:
            _print_or_write(shapes, args.shapes, SHAPES_START, SHAPES_END)
        return
    if args.readme is None:
        raise Seq2ArithError("--check compares with the results block of --readme FILE: name the file")
    if not same_results(between(args.readme.read_text(), RESULTS_START, RESULTS_END), block):
        raise Seq2ArithError(differs(args.readme, "its metrics", f"seq2arith results --readme {args.readme}"))
    if shapes is not None and between(args.shapes.read_text(), SHAPES_START, SHAPES_END) != shapes:
        raise Seq2ArithError(differs(args.shapes, "its metrics", f"seq2arith results --shapes {args.shapes}"))
    print(f"{args.readme}: the same as its metrics give (the training seconds, wall clock, not compared)")


def architectures_command(args: argparse.Namespace) -> None:
    block = architecture_summaries(load_params(args.params))
    _print_or_write(block, args.into, TABLES_START, TABLES_END)


def sweep_command(args: argparse.Namespace) -> None:
    """One DVC experiment per combination of the -S values, on a Dask cluster."""
    from seq2arith.sweeps.cluster import run_sweep  # Dask loads only for a sweep
    from seq2arith.sweeps.experiments import configurations
    run_sweep(configurations(args.set, tuple(args.targets)), args.cluster, args.workers)
