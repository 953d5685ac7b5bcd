"""Markdown: a table's sweep beside the report's numbers, and the README's results table."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from seq2arith.report.dotted import get, nested
from seq2arith.report.experiments import sort_key, sweep
from seq2arith.report.numbers import (
    REPORT_NUMBERS,
    ReportRow,
    report_numbers,
    report_rows,
)
from seq2arith.report.seeds import noise_note, seed_stats
from seq2arith.report.specs import TableSpec
from seq2arith.runtime.errors import Seq2ArithError

SEEDS_TABLE = Path("reports/seeds.md")  # named in the notes that seed numbers add


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):  # per-task epochs
        return ", ".join(f"{key}: {_cell(item)}" for key, item in value.items())
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) >= 0.001 else f"{value:g}"
    return str(value)


def _short(keys: tuple[str, ...]) -> list[str]:
    """Column names for params keys: the last part alone (``text2text.epochs`` -> ``epochs``) where that is
    unambiguous within the table, else the whole key."""
    last = [key.split(".")[-1] for key in keys]
    return [name if last.count(name) == 1 else key for name, key in zip(last, keys)]


def _column(path: str, key: str) -> str:
    return f"{Path(path).stem} {key.replace('.', ' ')}"


def _report_scores(rows: list[ReportRow], table: str) -> tuple[str, ...]:
    """What the report gives for ``table``: test and train accuracy, and parameter counts where it has them."""
    counted = any(row.parameters is not None for row in rows if row.table == table)
    return ("test", "train", "parameters") if counted else ("test", "train")


def _report_cells(spec: TableSpec, rows: list[ReportRow], params: dict) -> list[Any]:
    """The report's numbers of the first row of each of ``spec.report`` run by ``params``."""
    cells = []
    for table in spec.report:
        row = next((row for row in rows if row.table == table and row.matches(params)), None)
        cells += [getattr(row, score) if row else None for score in _report_scores(rows, table)]
    return cells


def experiment_table(spec: TableSpec, exp_show: list[dict], report: Path = REPORT_NUMBERS,
                     figures: dict[str, list[str]] | None = None, seeds: dict[str, Any] | None = None,
                     seeds_table: Path = SEEDS_TABLE) -> str:
    """A markdown table of ``sweep``: the params, then the spec's metric columns ('-' where the experiment did
    not make the numbers), then the report's own numbers for the rows of its tables that these params run.
    A row of the report that no experiment ran is a row of its own, ours '-'. ``figures``: experiment name ->
    links to its own figures (``experiment_files``), a last column. ``seeds`` (seeds.json's contents, from
    ``seeds_table``'s experiments) adds a line under the table: how large a difference reseeding alone makes."""
    rows = report_rows(spec.report, report)
    header = ["experiment", *_short(spec.params), *(_column(path, key) for path, key in spec.columns),
              *(f"{table} {score}" for table in spec.report for score in _report_scores(rows, table)),
              *(["figures"] if figures is not None else [])]
    lines = []
    runs = sweep(spec, exp_show)
    for run, made in runs:
        cells = [run.name, *(get(run.params, key) for key in spec.params),
                 *(get(run.metrics.get(path, {}), key) if path in made else None for path, key in spec.columns),
                 *_report_cells(spec, rows, run.params)]
        if figures is not None:
            cells.append(" ".join(f"[{Path(link).stem.removeprefix(run.name + '-')}]({link})"
                                  for link in figures.get(run.name, [])) or None)
        lines.append((sort_key(spec, run.params), cells))
    not_run = [row.recipe | row.params for row in rows if not any(row.matches(run.params) for run, _ in runs)]
    for dotted in [dotted for i, dotted in enumerate(not_run) if dotted not in not_run[:i]]:
        params = nested(dict(spec.where) | dotted)
        cells = ["not run", *(get(params, key) for key in spec.params), *(None for _ in spec.columns),
                 *_report_cells(spec, rows, params), *([None] if figures is not None else [])]
        lines.append((sort_key(spec, params), cells))
    lines.sort(key=lambda line: line[0])
    note = noise_note(spec.columns, seeds, seeds_table)
    return "\n".join([f"### {spec.title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header),
                      *("| " + " | ".join(map(_cell, cells)) + " |" for _, cells in lines),
                      *(["", note] if note else [])]) + "\n"


def run_names(block: str) -> set[str]:
    """The experiments (and commits) a block of tables written here names: the first cell of each row of an
    experiment table (``not run`` aside), the ``NAME (seed N)`` columns of the seeds table."""
    names: set[str] = set()
    by_row = False  # whether the table being read has one experiment per row
    for line in block.splitlines():
        if line.startswith("| experiment |"):
            by_row = True
        elif line.startswith("| model | metric |"):
            by_row = False
            names |= set(re.findall(r"\| ([^|]+?) \(seed \d+\)", line))
        elif by_row and line.startswith("| "):
            names.add(line.split(" | ")[0].removeprefix("| "))
    return names - {"not run"}


def _best(entry: dict) -> str:
    return f"{entry['test']} ({entry['where']})" if "test" in entry else entry["where"]


def results_table(metrics_dir: Path, curves_dir: Path, report: Path = REPORT_NUMBERS,
                  seeds: dict[str, Any] | None = None, seeds_table: Path = SEEDS_TABLE) -> str:
    """The README's results table, straight from the metrics files (and the training seconds that the training
    stages write beside their curves), beside the report's best. With ``seeds`` (seeds.json's contents) each
    headline number that has seed numbers is their ``mean ± half-width (n seeds)`` instead, and a line under the
    table says so."""
    def seeded(path: Path, key: str) -> str | None:
        stats = seed_stats(seeds, f"metrics/{path.name}", key)  # seeds.json names the pipeline's own paths
        return None if stats is None else f"{_cell(stats['mean'])} ± {_cell(stats['half_width'])} ({stats['n']} seeds)"

    def headline(path: Path, key: str, value: Any) -> str:
        return seeded(path, key) or _cell(value)

    lines = ["| model | test exact match | unseen-pair exact match | past the training range | test char accuracy | "
             "train exact match | training | report (test char accuracy) |", "|---|---|---|---|---|---|---|---|"]
    for name, best in report_numbers(report)["best"].items():
        path = metrics_dir / f"{name}.json"
        if not path.exists():
            continue
        metrics = json.loads(path.read_text())
        prefix = "read_" if name.endswith("text2img") else ""
        test, train = metrics["test"], metrics["train"]
        exact = headline(path, f"test.{prefix}exact_match", test[f"{prefix}exact_match"])
        if "symbolic_exact_match" in test:
            exact += f" (symbolic baseline {headline(path, 'test.symbolic_exact_match', test['symbolic_exact_match'])})"
        unseen = f"{prefix}unseen_pair_exact_match"
        fit = _json_or_empty(metrics_dir / f"train-{name}.json") | _json_or_empty(curves_dir / name / "metrics.json")
        lines.append(f"| {name} | {exact} | {headline(path, f'test.{unseen}', test.get(unseen))} | "
                     f"{_beyond(metrics.get('beyond_range'))} | "
                     f"{_cell(test[f'{prefix}char_accuracy'])} | {_cell(train[f'{prefix}exact_match'])} | "
                     f"{_cell(fit.get('epochs'))} epochs, {_cell(fit.get('seconds'))} s | {_best(best)} |")
    for reader, role in (("classifier", "glyph reader"), ("judge", "reads text2img's drawings")):
        path = metrics_dir / f"{reader}.json"
        if path.exists():
            scores = json.loads(path.read_text())
            digits = headline(path, "digit_accuracy", scores.get("digit_accuracy"))
            lines.append(f"| {reader} ({role}) | {digits} of the digits ({_cell(scores['test_accuracy'])} of all "
                         "glyphs) | - | - | - | - | - | - |")
    if any(" seeds)" in line for line in lines):
        lines += ["", f"a ± b (n seeds): the mean over n seeds and the half-width of its 95% interval "
                      f"({seeds_table}); every other number is the committed run's (metrics/)."]
    return "\n".join(lines) + "\n"


def _beyond(scores: dict[str, float] | None) -> str:
    """Exact match on the queries past the training range, and its lowest shape's beside it (``lowest 3x3
    0.7100``): the committed run's, as the shapes change more often than seeds are run. Every shape's:
    ``shapes_table``."""
    if not scores:
        return "-"
    shapes = _shape_scores(scores)
    lowest = min(shapes, key=lambda shape: shapes[shape])
    return f"{_cell(scores['exact_match'])} (lowest {lowest} {_cell(shapes[lowest])})"


def shapes_table(metrics_dir: Path, tasks: Sequence[str] = ("addsub", "mul")) -> str:
    """Exact match per shape past the training range, from the metrics files: a row per task and shape, a column
    per kind (img2text's symbolic baseline beside it: the classifier's reading of the same strips, computed)."""
    lines = ["| task | shape (digits) | text2text | img2text | img2text's symbolic baseline | text2img (read back) |",
             "|---|---|---|---|---|---|"]
    for task in tasks:
        scores = {kind: _json_or_empty(metrics_dir / f"{task}-{kind}.json").get("beyond_range", {})
                  for kind in ("text2text", "img2text", "text2img")}
        for shape in sorted(_shape_scores(scores["text2text"]), key=_shape_order):
            cells = [scores["text2text"].get(f"{shape}_exact_match"), scores["img2text"].get(f"{shape}_exact_match"),
                     scores["img2text"].get(f"{shape}_symbolic_exact_match"),
                     scores["text2img"].get(f"{shape}_exact_match")]
            lines.append(f"| {task} | {shape} | {' | '.join(_cell(cell) for cell in cells)} |")
    return "\n".join(lines) + "\n"


def _shape_scores(scores: dict[str, float]) -> dict[str, float]:
    """A model's exact match per shape past the training range (``3x1``: ...), from its ``beyond_range`` metrics:
    neither the overall one nor img2text's symbolic baseline's."""
    return {key.removesuffix("_exact_match"): value for key, value in scores.items()
            if key.endswith("_exact_match") and key != "exact_match" and not key.endswith("symbolic_exact_match")}


def _shape_order(shape: str) -> tuple[int, int, int, int]:
    """Shapes by operator, by their widest number, by their narrower one, the wider first: 3+1, 1+3, 3+2, ..."""
    first, operator, second = re.fullmatch(r"(\d+)([+\-x])(\d+)", shape).groups()  # type: ignore[union-attr]
    widths = int(first), int(second)
    return "+-x".index(operator), max(widths), min(widths), -widths[0]


def _json_or_empty(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def between(text: str, start: str, end: str) -> str:
    """What ``replace_between`` replaces: everything between the marker lines ``start`` and ``end``."""
    _, started, rest = text.partition(start + "\n")
    block, ended, _ = rest.partition(end)
    if not started or not ended:
        raise Seq2ArithError(f"markers {start} and {end} not found")
    return block


def replace_between(text: str, start: str, end: str, block: str) -> str:
    """``text`` with everything between the marker lines ``start`` and ``end`` replaced by ``block``."""
    try:
        head, rest = text.split(start + "\n", 1)
        _, tail = rest.split(end, 1)
    except ValueError:
        raise Seq2ArithError(f"markers {start} and {end} not found") from None
    return f"{head}{start}\n{block}{end}{tail}"
