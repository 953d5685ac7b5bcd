"""Ask the trained models arithmetic questions from the command line.

  seq2arith predict "22+13"                     text2text: prints 35
  seq2arith predict "22+13" "33-44" "12*34"     one line per query: 22+13 = 35
  seq2arith predict --batch queries.txt         one query per line (blank lines skipped; - reads stdin)
  seq2arith render "22+13" -o strip.png         the query in unseen handwriting (the MNIST test pool)
  seq2arith predict --image strip.png           img2text reads a strip (--task picks the model; default addsub)
  seq2arith predict --image a.png b.png dir/    several strips, and every PNG of a folder: PATH = ANSWER
                                                lines; the model is loaded once
  seq2arith predict --draw answer.png "22+13"   text2img writes its answer as glyphs; prints what the
                                                reference classifier reads in them
  seq2arith tables lstm test-ratio              the report's tables from `dvc exp show --json`
  seq2arith queue "Table 3" --rows 1,2          queue the report's rows as DVC experiments
  seq2arith architectures                       the report's architecture figures as built here
  seq2arith results --readme README.md          the README results table from metrics/

A query is numbers joined by operators (+ - *), such as 22+13; spaces may surround operators but
not split a number. The task is the first one in params.yaml whose operators cover the query's (or
--task); each number must be at most the task's highest_integer and there must be num_addends of them.

Strips are 8-bit grayscale PNGs, 28 pixels high and 28 wide per glyph, glyphs side by side in reading
order, white strokes on black as in MNIST (see seq2arith.strips). The models are the pipeline's outputs:
<models>/<task>-<kind>.pt and <models>/classifier.pt; they run on --device (default auto: CUDA when
available, else the CPU).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seq2arith import architectures, checkpoint, inference, plots, tables
from seq2arith.config import DEVICE, TaskConfig, load_params, load_tasks, task_named
from seq2arith.errors import Seq2ArithError, report_errors
from seq2arith.handwriting import load_pools
from seq2arith.inference import Inputs, encode_queries, load_model
from seq2arith.queries import Query, QueryError, padded_width, resolve
from seq2arith.strips import StripError, write_strip
from seq2arith.text import PAD
from seq2arith.threads import use_threads
from seq2arith.training import torch_device

RESULTS_START, RESULTS_END = "<!-- results:start -->", "<!-- results:end -->"
TABLES_START, TABLES_END = "<!-- tables:start -->", "<!-- tables:end -->"
DEFAULT_IMAGE_TASK = "addsub"  # an image does not say which task it belongs to


class UsageError(Seq2ArithError):
    """Command-line arguments that do not fit together."""


def read_queries(args: argparse.Namespace, tasks: dict[str, TaskConfig]) -> list[tuple[Query, str]]:
    """The queries of the arguments or of ``--batch``, each validated and paired with its task."""
    if args.batch is None:
        return [resolve(text, tasks, args.task) for text in args.queries]
    source = "stdin" if args.batch == "-" else args.batch
    try:
        text = sys.stdin.read() if args.batch == "-" else Path(args.batch).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UsageError(f"cannot read queries from {source}: {reason}") from None
    resolved = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                resolved.append(resolve(line, tasks, args.task))
            except Seq2ArithError as error:
                raise QueryError(f"{source} line {number}: {error}") from None
    if not resolved:
        raise UsageError(f"no queries in {source}")
    return resolved


def image_paths(given: Sequence[Path]) -> list[Path]:
    """The strips to read: each file given, and every PNG of each folder given, by name."""
    paths = []
    for path in given:
        if not path.is_dir():
            paths.append(path)
            continue
        found = sorted(child for child in path.iterdir() if child.suffix.lower() == ".png" and child.is_file())
        if not found:
            raise UsageError(f"no .png files in folder {path}")
        paths += found
    return paths


def predict_images(args: argparse.Namespace, tasks: dict[str, TaskConfig], device: torch.device) -> None:
    """img2text's answer to every strip: one image file alone prints just its answer, several (or a folder) one
    PATH = ANSWER line each. A strip that cannot be read is one ``error:`` line, the others are still answered,
    and the exit status is 1."""
    task = args.task or DEFAULT_IMAGE_TASK
    task_named(tasks, task)
    paths = image_paths(args.image)
    alone = len(args.image) == 1 and not args.image[0].is_dir()
    answered = inference.image_answers(paths, args.models, task, device)
    for path, answer in zip(paths, answered):
        if isinstance(answer, StripError):
            print(f"error: {answer}", file=sys.stderr)
        else:
            print(answer if alone else f"{path} = {answer}")
    if any(isinstance(answer, StripError) for answer in answered):
        raise SystemExit(1)


def predict(args: argparse.Namespace) -> None:
    if args.image is not None and args.draw is not None:
        raise UsageError("give --image or --draw, not both")
    if args.batch is not None and args.queries:
        raise UsageError("give queries as arguments or with --batch, not both")
    tasks = load_tasks(args.params)
    use_threads()
    device = torch_device(args.device, "--device")
    if args.image is not None:
        if args.queries or args.batch is not None:
            raise UsageError("--image reads its query from the image: give no query text")
        predict_images(args, tasks, device)
        return
    if not args.queries and args.batch is None:
        raise UsageError("give a query such as 22+13, --batch FILE or --image PNG")
    if args.draw is not None:
        if args.batch is not None or len(args.queries) != 1:
            raise UsageError("--draw writes one image: give exactly one query")
        query, task = resolve(args.queries[0], tasks, args.task)
        model, arch = load_model(args.models, task, "text2img", device)
        reader, _ = checkpoint.load(args.models / "classifier.pt", "classifier", stage="classifier", device=device)
        read, pixels = inference.answers(model, arch, Inputs("query", encode_queries([query], arch, task)), 1, reader)
        write_strip(args.draw, pixels[0])
        print(read[0].strip())
        return
    resolved = read_queries(args, tasks)
    answers = inference.text_answers(resolved, args.models, device)
    if args.batch is None and len(resolved) == 1:
        print(answers[0])
    else:
        for (query, _), answer in zip(resolved, answers):
            print(f"{query.text} = {answer}")


def render(args: argparse.Namespace) -> None:
    tasks = load_tasks(args.params)
    query, task = resolve(args.query, tasks, args.task)
    padded = query.text.ljust(padded_width(tasks[task]), PAD)
    handwriting = load_pools(args.data)
    try:
        glyphs = handwriting.sample([padded], True, np.random.default_rng(args.seed))
    except ValueError as error:
        raise Seq2ArithError(f"{args.data}: {error}") from None
    write_strip(args.output, handwriting.pixels(glyphs)[0])


def _dvc(arguments: Sequence[str], what: str) -> str:
    """The output of the dvc installed beside this command; its failure is one error naming ``what`` and the
    last line dvc printed."""
    done = subprocess.run([sys.executable, "-m", "dvc", *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        raise Seq2ArithError(f"{what} failed: {done.stderr.strip().splitlines()[-1:]}")
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
    names = args.names or list(tables.TABLES)
    figures: dict[str, dict[str, list[str]]] = {}
    if args.figures is not None:
        for name in names:
            spec = tables.TABLES[name]
            if spec.figure:
                plots.sweep_figure(spec.title, spec.params[0], tables.sweep_curves(spec, exp_show),
                                   args.figures / f"{name}.png")
            if spec.samples or spec.errors:
                figures[name] = _experiment_figures(spec, exp_show, args.figures / name,
                                                    args.into.parent if args.into else Path.cwd())
    block = "\n".join(tables.experiment_table(tables.TABLES[name], exp_show, figures=figures.get(name))
                      for name in names)
    _print_or_write(block, args.into, TABLES_START, TABLES_END)


def _print_or_write(block: str, into: Path | None, start: str, end: str) -> None:
    """Print ``block``, or write it over the lines between the ``start`` and ``end`` markers of ``into``."""
    if into is None:
        print(block, end="")
        return
    into.write_text(tables.replace_between(into.read_text(), start, end, block))


def queue_command(args: argparse.Namespace) -> None:
    """Queue the report's rows as DVC experiments (or print the commands)."""
    runs = [run for table in args.tables for run in tables.report_runs(table, args.rows)]
    for run in runs:
        print("dvc " + " ".join(run))
        if not args.print:
            _dvc(run, "dvc " + " ".join(run[:5]))
    if not args.print:
        print(f"queued {len(runs)} experiments: run them with `dvc queue start -j 1`")


def _experiment_figures(spec: tables.TableSpec, exp_show: list[dict], folder: Path, links_from: Path
                        ) -> dict[str, list[str]]:
    """Each experiment's own figures, out of its git commit, into ``folder`` as ``<experiment>-<figure>``: its
    sample grids copied, its predictions drawn as the report's error figure (``<experiment>-<model>-errors.png``).
    Returns experiment name -> the figures' paths relative to ``links_from``. A file missing from a commit (an
    experiment that did not re-run the stage that writes it) is named on stderr."""
    drawn: dict[str, list[str]] = {}
    for run, path in tables.experiment_files(spec, exp_show):
        shown = subprocess.run(["git", "show", f"{run.rev}:{path}"], capture_output=True)
        if shown.returncode != 0:
            print(f"note: experiment {run.name} has no {path} (run it with the stage that writes it)", file=sys.stderr)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        if path in spec.errors:
            figure = folder / f"{run.name}-{Path(path).stem}-errors.png"
            plots.predictions_error_figure(pd.read_csv(io.BytesIO(shown.stdout)), f"{run.name} {Path(path).stem}",
                                           figure)
        else:
            figure = folder / f"{run.name}-{Path(path).name}"
            figure.write_bytes(shown.stdout)
        drawn.setdefault(run.name, []).append(os.path.relpath(figure, links_from))
    return drawn


def results_command(args: argparse.Namespace) -> None:
    _print_or_write(tables.results_table(args.metrics), args.readme, RESULTS_START, RESULTS_END)


def architectures_command(args: argparse.Namespace) -> None:
    block = architectures.architecture_summaries(load_params(args.params))
    _print_or_write(block, args.into, TABLES_START, TABLES_END)


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are Seq2ArithErrors: one ``error:`` line, like every other problem."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _rows(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of row numbers") from None


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


def _device(text: str) -> str:
    if DEVICE.fullmatch(text) is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of auto, cpu, cuda, cuda:N")
    return text


def parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--params", type=Path, default=Path("params.yaml"), help="default: %(default)s")
    common.add_argument("--models", type=Path, default=Path("models"),
                        help="folder of trained checkpoints (default: %(default)s)")
    common.add_argument("--data", type=Path, default=Path("data"),
                        help="folder holding mnist/ and glyphs/ (default: %(default)s)")
    common.add_argument("--task", help="task of params.yaml to use (default: the first whose operators fit the "
                                       f"query; for --image: {DEFAULT_IMAGE_TASK})")
    main_parser = _Parser(prog="seq2arith", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = main_parser.add_subparsers(dest="command", required=True,
                                          metavar="{predict,render,tables,queue,results}")

    ask = commands.add_parser("predict", parents=[common], help="answer queries with the trained models",
                              description="Answer queries: text2text by default, img2text with --image, "
                                          "text2img with --draw.")
    ask.add_argument("queries", nargs="*", metavar="QUERY", help="such as 22+13; several print QUERY = ANSWER lines")
    ask.add_argument("--batch", metavar="FILE", help="one query per line; - reads stdin")
    ask.add_argument("--image", type=Path, nargs="+", metavar="PNG",
                     help="img2text: strips of 28x28 glyphs side by side, white on black, as render writes, or "
                          "folders of them; several print PNG = ANSWER lines")
    ask.add_argument("--draw", type=Path, metavar="PNG", help="text2img: write the answer's glyphs to this PNG")
    ask.add_argument("--device", type=_device, default="auto",
                     help="auto (CUDA when available, else the CPU), cpu, cuda or cuda:N (default: %(default)s)")
    ask.set_defaults(run=predict)

    draw = commands.add_parser("render", parents=[common], help="draw a query as an MNIST handwriting strip",
                               description="Draw a query in handwriting from the test pool (writers never seen "
                                           "in training), padded to the task's query width.")
    draw.add_argument("query", metavar="QUERY")
    draw.add_argument("-o", "--output", type=Path, required=True, metavar="PNG", help="strip to write")
    draw.add_argument("--seed", type=_seed, default=0, help="which handwriting is drawn (default: %(default)s)")
    draw.set_defaults(run=render)

    report = commands.add_parser("tables", help="the report's experiment tables from `dvc exp show --json`")
    report.add_argument("names", nargs="*", choices=sorted(tables.TABLES), metavar="TABLE",
                        help=f"which tables ({', '.join(tables.TABLES)}; default: all)")
    report.add_argument("--input", type=Path, help="saved `dvc exp show --json` output (default: run it now)")
    report.add_argument("--commits", type=int, default=1,
                        help="also show experiments based on this many recent commits (default: %(default)s)")
    report.add_argument("--into", type=Path, metavar="MARKDOWN",
                        help=f"rewrite the tables between the {TABLES_START} and {TABLES_END} lines of this file")
    report.add_argument("--figures", type=Path, metavar="FOLDER",
                        help="also draw the sweeps with a figure (lstm, test-ratio) as FOLDER/<table>.png, and "
                             "each experiment's own figures into FOLDER/<table>/: its text2img sample grids, "
                             "its text2text error figures (the report's Figures 2-6 and 23-25)")
    report.set_defaults(run=tables_command)

    queue = commands.add_parser("queue", help="queue the rows of the report's tables as DVC experiments",
                                description="Queue one `dvc exp run` per row of the report's tables, with the "
                                            "params that run that row here (src/seq2arith/report.yaml).")
    queue.add_argument("tables", nargs="+", metavar="TABLE", help='such as "Table 3"')
    queue.add_argument("--rows", type=_rows, help="only these rows, counted from 1 (such as 1,2,5)")
    queue.add_argument("--print", action="store_true", help="print the commands, queue nothing")
    queue.set_defaults(run=queue_command)

    summaries = commands.add_parser("architectures", help="the report's architecture figures, built here",
                                    description="Each of the report's architecture figures (Figures 1, 7, 10) as "
                                                "params.yaml with its params builds it: layers, output shapes, "
                                                "parameters, beside the report's count (src/seq2arith/report.yaml).")
    summaries.add_argument("--params", type=Path, default=Path("params.yaml"), help="default: %(default)s")
    summaries.add_argument("--into", type=Path, metavar="MARKDOWN",
                           help=f"rewrite the lines between the {TABLES_START} and {TABLES_END} lines of this file")
    summaries.set_defaults(run=architectures_command)

    results = commands.add_parser("results", help="the README's results table, from the metrics files")
    results.add_argument("--metrics", type=Path, default=Path("metrics"), help="default: %(default)s")
    results.add_argument("--readme", type=Path, help="rewrite the table between the results markers of this file")
    results.set_defaults(run=results_command)
    return main_parser


def main(argv: Sequence[str] | None = None) -> None:
    """The ``seq2arith`` command; any Seq2ArithError ends it with one ``error:`` line and exit status 1."""
    def run() -> None:
        args = parser().parse_args(argv)
        args.run(args)

    report_errors(run)


if __name__ == "__main__":
    main()
