"""The report's ``create_data``: every distinct query of a task, its answer, and the train/test split."""

from __future__ import annotations

import itertools
import re

import numpy as np

from seq2arith.config import TaskConfig
from seq2arith.errors import Seq2ArithError
from seq2arith.text import PAD

TOKEN = re.compile(r"\d+|[+\-*]")


def evaluate(query: str) -> int:
    """The integer value of ``query`` with the usual precedence (``*`` before ``+`` and ``-``)."""
    tokens = TOKEN.findall(query.replace(PAD, ""))
    if ("".join(tokens) != query.replace(PAD, "") or len(tokens) % 2 == 0
            or any(token.isdigit() != (i % 2 == 0) for i, token in enumerate(tokens))):
        raise Seq2ArithError(f"query {query.strip()!r} is not of the form number (operator number)...")
    terms, signs = [int(tokens[0])], [1]
    for op, number in zip(tokens[1::2], tokens[2::2]):
        if op == "*":
            terms[-1] *= int(number)
        else:
            terms.append(int(number))
            signs.append(1 if op == "+" else -1)
    return sum(sign * term for sign, term in zip(signs, terms))


def all_queries(task: TaskConfig) -> tuple[list[str], list[str]]:
    """Every distinct query and its answer, padded with spaces to the task's widest: ``'5+7  '`` -> ``'12 '``."""
    queries = [
        "".join(f"{n}{op}" for n, op in zip(numbers, ops)) + str(numbers[-1])
        for ops in itertools.product(task.operators, repeat=task.num_addends - 1)
        for numbers in itertools.product(range(task.highest_integer + 1), repeat=task.num_addends)
    ]
    answers = [str(evaluate(query)) for query in queries]
    return _pad(queries), _pad(answers)


def _pad(texts: list[str]) -> list[str]:
    width = max(map(len, texts))
    return [text.ljust(width, PAD) for text in texts]


def split_test(count: int, test_ratio: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask (count,) marking a random ``test_ratio`` share of the queries as test."""
    is_test = np.zeros(count, bool)
    is_test[rng.permutation(count)[: round(count * test_ratio)]] = True
    return is_test
