"""Ask the trained models arithmetic questions from the command line.

  seq2arith predict "22+13"                     text2text: prints 35
  seq2arith predict "22+13" "33-44" "12*34"     one line per query: 22+13 = 35
  seq2arith predict --batch queries.txt         one query per line (blank lines skipped; - reads stdin)
  seq2arith render "22+13" -o strip.png         the query in test-pool images (never trained on)
  seq2arith predict --image strip.png           img2text reads a strip (--task picks the model; default addsub)
  seq2arith predict --image a.png b.png dir/    several strips, and every PNG of a folder: PATH = ANSWER
                                                lines; the model is loaded once
  seq2arith predict --draw answer.png "22+13"   text2img writes its answer as glyphs; prints what the
                                                judge reads in them
  seq2arith predict --draw answer.png --style strip.png "22+13"
                                                ... in the hand of the digits of a strip
  seq2arith tables lstm test-ratio              the report's tables from `dvc exp show --json`
  seq2arith queue "Table 3" --rows 1,2          queue the report's rows as DVC experiments
  seq2arith queue "Table 1" --cluster           ... or run them on a local Dask cluster (or --cluster ADDRESS)
  seq2arith sweep -S model.hidden=64,128 -S seed=0,1 [--cluster tcp://HOST:8786]
                                                a sweep as DVC experiments on a Dask cluster, pulled here
  seq2arith architectures                       the report's architecture figures as built here
  seq2arith tables --check                      fail when a committed table differs from its experiments
  seq2arith results --readme README.md          the README results table from metrics/ (and reports/seeds.json)
  seq2arith results --readme README.md --shapes reports/generalisation.md   and the table per shape past the range
  seq2arith deps --write                        dvc.yaml's code deps from the stages' imports

A query is numbers joined by operators (+ - *), such as 22+13; spaces may surround operators but
not split a number. The task is the first one in params.yaml whose operators cover the query's (or
--task); each number must be at most the task's highest_integer and there must be num_addends of them.

Strips are 8-bit grayscale PNGs, 28 pixels high and 28 wide per glyph, glyphs side by side in reading
order, white strokes on black as in MNIST (see seq2arith.data.strips). The models are the pipeline's outputs:
<models>/<task>-<kind>.pt and <models>/classifier.pt; they run on --device (default auto: CUDA when
available, else the CPU).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from seq2arith.cli.commands import DEFAULT_IMAGE_TASK, UsageError, predict, render
from seq2arith.params import DEVICE
from seq2arith.pipeline_deps import code_deps
from seq2arith.report.commands import (
    LOCAL,
    TABLES_END,
    TABLES_START,
    architectures_command,
    queue_command,
    results_command,
    sweep_command,
    tables_command,
)
from seq2arith.report.specs import TABLES
from seq2arith.runtime.errors import report_errors


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


def _positive(text: str) -> int:
    value = _seed(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 is not a positive count")
    return value


def _table(text: str) -> str:
    if text not in TABLES:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(sorted(TABLES))}")
    return text


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
    commands = main_parser.add_subparsers(dest="command", required=True)

    ask = commands.add_parser("predict", parents=[common], help="answer queries with the trained models",
                              description="Answer queries: text2text by default, img2text with --image, "
                                          "text2img with --draw.")
    ask.add_argument("queries", nargs="*", metavar="QUERY", help="such as 22+13; several print QUERY = ANSWER lines")
    ask.add_argument("--batch", metavar="FILE", help="one query per line; - reads stdin")
    ask.add_argument("--image", type=Path, nargs="+", metavar="PNG",
                     help="img2text: strips of 28x28 glyphs side by side, white on black, as render writes, or "
                          "folders of them; several print PNG = ANSWER lines")
    ask.add_argument("--draw", type=Path, metavar="PNG", help="text2img: write the answer's glyphs to this PNG")
    ask.add_argument("--style", type=Path, metavar="PNG",
                     help="with --draw: draw in the hand of this strip's digits (as the judge reads them)")
    ask.add_argument("--device", type=_device, default="auto",
                     help="auto (CUDA when available, else the CPU), cpu, cuda or cuda:N (default: %(default)s)")
    ask.set_defaults(run=predict)

    draw = commands.add_parser("render", parents=[common], help="draw a query as an MNIST handwriting strip",
                               description="Draw a query in handwriting from the test pool (images never seen "
                                           "in training), padded to the task's query width.")
    draw.add_argument("query", metavar="QUERY")
    draw.add_argument("-o", "--output", type=Path, required=True, metavar="PNG", help="strip to write")
    draw.add_argument("--seed", type=_seed, default=0, help="which handwriting is drawn (default: %(default)s)")
    draw.set_defaults(run=render)

    report = commands.add_parser("tables", help="the report's experiment tables from `dvc exp show --json`")
    report.add_argument("names", nargs="*", type=_table, metavar="TABLE",  # not choices: argparse checks an empty
                        help=f"which tables ({', '.join(TABLES)}; default: all)")  # list against them and fails
    report.add_argument("--input", type=Path, help="saved `dvc exp show --json` output (default: run it now)")
    report.add_argument("--commits", type=int, default=1,
                        help="also show experiments based on this many recent commits (default: %(default)s)")
    report.add_argument("--into", type=Path, metavar="MARKDOWN",
                        help=f"rewrite the tables between the {TABLES_START} and {TABLES_END} lines of this file")
    report.add_argument("--figures", type=Path, metavar="FOLDER",
                        help="also draw the sweeps with a figure (lstm, test-ratio) as FOLDER/<table>.png, and "
                             "each experiment's own figures into FOLDER/<table>/: its text2img sample grids, "
                             "its text2text error figures (the report's Figures 2-6 and 23-25)")
    report.add_argument("--seeds", type=Path, default=Path("reports/seeds.json"), metavar="JSON",
                        help="the seed experiments' numbers, written by the seeds table with --into, read by the "
                             "others' notes on seed-to-seed differences (default: %(default)s)")
    report.add_argument("--check", action="store_true",
                        help="regenerate every committed table of --reports in memory with the command its file "
                             "names, write nothing, and fail when one differs from what its experiments give "
                             "(tables whose experiments are not in this clone are not checked)")
    report.add_argument("--reports", type=Path, default=Path("reports"), metavar="FOLDER",
                        help="where --check looks for committed tables (default: %(default)s)")
    report.set_defaults(run=tables_command, reparse=lambda argv: parser().parse_args(argv))

    queue = commands.add_parser("queue", help="queue the rows of the report's tables as DVC experiments",
                                description="Queue one `dvc exp run` per row of the report's tables, with the "
                                            "params that run that row here (src/seq2arith/report/report.yaml).")
    queue.add_argument("tables", nargs="+", metavar="TABLE", help='such as "Table 3"')
    queue.add_argument("--rows", type=_rows, help="only these rows, counted from 1 (such as 1,2,5)")
    queue.add_argument("--print", action="store_true", help="print the commands, queue nothing")
    queue.add_argument("--cluster", nargs="?", const=LOCAL, metavar="ADDRESS",
                       help="run the rows on the Dask scheduler at ADDRESS instead of queueing them (without "
                            "ADDRESS: a local cluster), as `seq2arith sweep` does")
    queue.add_argument("--workers", type=_positive, default=2,
                       help="workers of the local cluster (default: %(default)s)")
    queue.set_defaults(run=queue_command)

    sweep = commands.add_parser(
        "sweep", help="a sweep as DVC experiments on a Dask cluster",
        description="One `dvc exp run` per combination of the -S values (DVC's own sweep syntax: a,b,c and "
                    "range(start,stop,step)), each run by a cluster worker in its own clone of the git remote at "
                    "HEAD and pushed to the git and DVC remotes (run-cache included), then pulled here: "
                    "`dvc exp show` lists them. An experiment already on the git remote for HEAD is pulled, not "
                    "run again. See docs/scale-out.md.")
    sweep.add_argument("targets", nargs="*", metavar="STAGE", help="run only these stages and what they need")
    sweep.add_argument("-S", "--set", action="append", default=[], metavar="KEY=VALUES", required=True,
                       help="a params.yaml key and its values, as `dvc exp run -S`; repeat for a grid")
    sweep.add_argument("--cluster", metavar="ADDRESS",
                       help="the Dask scheduler (tcp://HOST:8786); default: a local cluster on 127.0.0.1")
    sweep.add_argument("--workers", type=_positive, default=2,
                       help="workers of the local cluster (default: %(default)s)")
    sweep.set_defaults(run=sweep_command)

    summaries = commands.add_parser("architectures", help="the report's architecture figures, built here",
                                    description="Each of the report's architecture figures (Figures 1, 7, 10) as "
                                                "params.yaml with its params builds it: layers, output shapes, "
                                                "parameters, beside the report's count "
                                                "(src/seq2arith/report/report.yaml).")
    summaries.add_argument("--params", type=Path, default=Path("params.yaml"), help="default: %(default)s")
    summaries.add_argument("--into", type=Path, metavar="MARKDOWN",
                           help=f"rewrite the lines between the {TABLES_START} and {TABLES_END} lines of this file")
    summaries.set_defaults(run=architectures_command)

    results = commands.add_parser("results", help="the README's results table, from the metrics files")
    results.add_argument("--metrics", type=Path, default=Path("metrics"), help="default: %(default)s")
    results.add_argument("--curves", type=Path, default=Path("plots/curves"),
                         help="the training curves, beside which the training seconds are (default: %(default)s)")
    results.add_argument("--readme", type=Path, help="rewrite the table between the results markers of this file")
    results.add_argument("--shapes", type=Path, metavar="MARKDOWN",
                         help="also rewrite the per-shape table past the training range between the shapes markers "
                              "of this file (reports/generalisation.md)")
    results.add_argument("--seeds", type=Path, default=Path("reports/seeds.json"), metavar="JSON",
                         help="where it exists, each headline number is its mean ± 95%% half-width over the seeds "
                              "(`seq2arith tables seeds`) (default: %(default)s)")
    results.add_argument("--check", action="store_true",
                         help="write nothing; fail when the --readme (and --shapes) block differs from what the "
                              "metrics give")
    results.set_defaults(run=results_command)

    deps = commands.add_parser("deps", help="dvc.yaml's code deps: each stage's script's library import closure")
    deps.add_argument("--dvc-yaml", type=Path, default=Path("dvc.yaml"), help="default: %(default)s")
    deps.add_argument("--write", action="store_true",
                      help="rewrite the file's src/ deps; without it, fail if they differ from the closure")
    deps.set_defaults(run=lambda args: code_deps(args.dvc_yaml, args.write))
    return main_parser


def main(argv: Sequence[str] | None = None) -> None:
    """The ``seq2arith`` command; any Seq2ArithError ends it with one ``error:`` line and exit status 1."""
    def run() -> None:
        args = parser().parse_args(argv)
        args.run(args)

    report_errors(run)


if __name__ == "__main__":
    main()
