"""The student report's own numbers (report.yaml, typed once) and the `dvc exp run` commands that run its rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from seq2arith.report.dotted import get
from seq2arith.runtime.errors import Seq2ArithError
from seq2arith.sweeps.experiments import Experiment

REPORT_NUMBERS = Path(__file__).with_name("report.yaml")  # the student report's own numbers, typed once


def report_numbers(path: Path = REPORT_NUMBERS) -> dict:
    return yaml.safe_load(path.read_text())


@dataclass(frozen=True)
class ReportRow:
    """One row of one of the report's tables: the params that run it here, and what the report measured."""

    table: str  # "Table 3"
    params: dict[str, Any]  # dotted params.yaml keys
    test: float  # the report's test accuracy (Keras' per-character accuracy, padding included)
    train: float
    parameters: int | None = None  # trainable parameters, where the report gives them
    recipe: dict[str, Any] = field(default_factory=dict)  # what every row of its table sets besides ``params``

    def matches(self, params: dict) -> bool:
        return all(get(params, key) == value for key, value in self.params.items())


def report_rows(tables: tuple[str, ...], path: Path = REPORT_NUMBERS) -> list[ReportRow]:
    """The rows of the report's ``tables`` ("Table 1", ...), in the report's order."""
    numbers = report_numbers(path)["tables"]
    return [ReportRow(name, **row, recipe=numbers[name]["recipe"]) for name in tables for row in numbers[name]["rows"]]


def setting(value: Any) -> str:
    """A value as `dvc exp run -S` reads it (false, not False)."""
    return value if isinstance(value, str) else json.dumps(value)


def report_experiments(table: str, rows: list[int] | None = None, path: Path = REPORT_NUMBERS) -> list[Experiment]:
    """The experiments that run ``rows`` (1-based; default all) of the report's ``table`` on its recipe, each
    named after its row (``table-3-row-1``)."""
    tables = report_numbers(path)["tables"]
    if table not in tables:
        raise Seq2ArithError(f"no {table!r} in the report's numbers; choose from {', '.join(tables)}")
    spec = tables[table]
    count = len(spec["rows"])
    wrong = [row for row in rows or [] if not 1 <= row <= count]
    if wrong:
        raise Seq2ArithError(f"{table} has rows 1 to {count}, not {', '.join(map(str, wrong))}")
    return [Experiment(f"{table.lower().replace(' ', '-')}-row-{number}",
                       tuple(f"{key}={setting(value)}" for key, value in (spec["recipe"] | row["params"]).items()),
                       (spec["stage"],))
            for number, row in enumerate(spec["rows"], start=1) if not rows or number in rows]


def report_runs(table: str, rows: list[int] | None = None, path: Path = REPORT_NUMBERS) -> list[list[str]]:
    """`dvc exp run --queue` arguments of ``report_experiments``."""
    return [["exp", "run", "--queue", *experiment.run_arguments()]
            for experiment in report_experiments(table, rows, path)]
