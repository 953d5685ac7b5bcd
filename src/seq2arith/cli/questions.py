"""What a user asks on the command line: a query parsed, checked and matched with the task of params.yaml that
answers it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from seq2arith.data.queries import TaskConfig, query_text, terms, value_of
from seq2arith.data.text import OPERATORS, PAD, SYMBOLS
from seq2arith.params import ParamsError, load_params, section
from seq2arith.runtime.errors import Seq2ArithError


def load_tasks(params_path: Path) -> dict[str, TaskConfig]:
    """Every task of params.yaml, validated, in file order."""
    params = load_params(params_path)
    tasks = params.get("tasks")
    if not isinstance(tasks, dict) or not tasks:
        raise ParamsError(f"{params_path}: tasks must be a non-empty mapping of task names to settings")
    return {str(name): section(params, f"tasks.{name}", TaskConfig) for name in tasks}


def task_named(tasks: dict[str, TaskConfig], name: str) -> TaskConfig:
    if name not in tasks:
        raise ParamsError(f"no task {name!r} in params.yaml tasks (have: {', '.join(tasks)})")
    return tasks[name]


class QueryError(Seq2ArithError):
    """A query that no model can answer: malformed, or outside every task of params.yaml."""


@dataclass(frozen=True)
class Query:
    """A validated query: ``text`` is canonical (no spaces, no leading zeros), e.g. ``'22+13'``."""

    text: str
    numbers: tuple[int, ...]
    operators: tuple[str, ...]


def parse_query(raw: str) -> Query:
    """Digits and operators with optional spaces around operators; anything else is a QueryError."""
    body = raw.strip()
    if not body:
        raise QueryError("empty query: write numbers joined by operators, such as 22+13")
    allowed = SYMBOLS.replace(PAD, "")
    bad = next((char for char in body if char not in allowed and not char.isspace()), None)
    if bad is not None:
        hint = " (write multiplication as *)" if bad in "xX×·" else ""
        raise QueryError(f"query {body!r}: character {bad!r} is not in the vocabulary "
                         f"(digits and {' '.join(OPERATORS)}){hint}")
    if re.search(r"\d\s+\d", body):
        raise QueryError(f"query {body!r}: a space inside a number")
    compact = re.sub(r"\s+", "", body)
    value_of(compact)  # checks the form number (operator number)...
    numbers, operators = terms(compact)
    return Query(query_text(numbers, operators), numbers, operators)


def _describe(tasks: dict[str, TaskConfig]) -> str:
    return "; ".join(f"{name}: {' '.join(task.operators)}" for name, task in tasks.items())


def choose_task(query: Query, tasks: dict[str, TaskConfig], name: str | None = None) -> str:
    """The task that answers ``query`` (``name`` if given), checked against its operators and operand count (numbers
    above its highest integer are for the model to take or refuse: commands.query_widths)."""
    used = sorted(set(query.operators), key=OPERATORS.index)
    if name is not None:
        task = task_named(tasks, name)
        missing = [op for op in used if op not in task.operators]
        if missing:
            raise QueryError(f"query {query.text!r}: task {name} has no operator {missing[0]!r} "
                             f"(tasks.{name}.operators: {' '.join(task.operators)})")
    else:
        fits = [key for key, task in tasks.items() if set(used) <= set(task.operators)]
        if not fits:
            orphan = next((op for op in used if not any(op in task.operators for task in tasks.values())), None)
            if orphan is not None:
                raise QueryError(f"query {query.text!r}: no task has operator {orphan!r} "
                                 f"(tasks: {_describe(tasks)})")
            raise QueryError(f"query {query.text!r}: no single task has all of {' '.join(used)} "
                             f"(tasks: {_describe(tasks)})")
        name, task = fits[0], tasks[fits[0]]
    count = len(query.numbers)
    if count != task.num_addends:
        raise QueryError(f"query {query.text!r} has {count} number{'s' * (count != 1)}; task {name} takes "
                         f"{task.num_addends} (tasks.{name}.num_addends)")
    return name


def resolve(text: str, tasks: dict[str, TaskConfig], task: str | None) -> tuple[Query, str]:
    """``text`` parsed, and the task that answers it (``task`` if given)."""
    query = parse_query(text)
    return query, choose_task(query, tasks, task)
