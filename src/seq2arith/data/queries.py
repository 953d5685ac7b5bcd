"""The report's ``create_data``: the distinct queries of a task (all, or a seeded sample), their answers, and
the train/test split."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from seq2arith.data.text import OPERATORS, PAD
from seq2arith.params import require
from seq2arith.runtime.errors import Seq2ArithError

TOKEN = re.compile(r"\d+|[+\-*]")
MAX_QUERIES = 2_000_000  # queries a task may store: all it has (max_queries: null) or a sample of them


@dataclass(frozen=True)
class TaskConfig:
    """One task: the queries it asks. Each key is explained beside its value in params.yaml (``tasks:``)."""

    operators: list[str]
    highest_integer: int = 99
    num_addends: int = 2
    max_queries: int | None = None

    @property
    def distinct_queries(self) -> int:
        """How many different queries the task has: every tuple of numbers with every tuple of operators."""
        return (self.highest_integer + 1) ** self.num_addends * len(self.operators) ** (self.num_addends - 1)

    def validate(self, key: str) -> None:
        require(f"{key}.operators", self.operators,
                 len(self.operators) > 0 and len(set(self.operators)) == len(self.operators)
                 and all(op in OPERATORS for op in self.operators),
                 f"must be a non-empty list of distinct operators from {list(OPERATORS)}")
        require(f"{key}.highest_integer", self.highest_integer, 1 <= self.highest_integer <= 9999,
                 "must be an integer from 1 to 9999")
        require(f"{key}.num_addends", self.num_addends, 2 <= self.num_addends <= 4,
                 "must be an integer from 2 to 4")
        count = self.distinct_queries
        if self.max_queries is None:
            require(key, f"{count:,} queries", count <= MAX_QUERIES,
                     f"too many queries to enumerate (at most {MAX_QUERIES:,}): lower highest_integer or "
                     f"num_addends, or sample fewer with {key}.max_queries")
            return
        require(f"{key}.max_queries", self.max_queries, self.max_queries >= 1,
                 "must be null (every query) or an integer >= 1")
        require(f"{key}.max_queries", self.max_queries, self.max_queries <= count,
                 f"more than the {count:,} distinct queries this task has; use null for all of them")
        require(f"{key}.max_queries", self.max_queries, self.max_queries <= MAX_QUERIES,
                 f"must be at most {MAX_QUERIES:,}")


@dataclass(frozen=True)
class SplitConfig:
    """How each task's queries are split into train, validation and test. Each key is explained beside its value
    in params.yaml (``split:``)."""

    test_ratio: float = 0.25
    validation_ratio: float = 0.1
    group: str = "ordered"
    beyond_range: int = 1000

    def validate(self, key: str) -> None:
        require(f"{key}.test_ratio", self.test_ratio, 0 < self.test_ratio < 1, "must be between 0 and 1 (exclusive)")
        require(f"{key}.validation_ratio", self.validation_ratio, 0 < self.validation_ratio < 1,
                "must be between 0 and 1 (exclusive)")
        require(f"{key}.group", self.group, self.group in ("ordered", "unordered"), "allowed: ordered, unordered")
        require(f"{key}.beyond_range", self.beyond_range, 0 <= self.beyond_range <= 100_000,
                "must be an integer from 0 (none) to 100000")


def value_of(query: str) -> int:
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


def query_text(numbers: Sequence[int], operators: Sequence[str]) -> str:
    """The canonical text of a query: ``(12, 34), ('*',)`` -> ``'12*34'``."""
    return "".join(f"{n}{op}" for n, op in zip(numbers, operators)) + str(numbers[-1])


def task_queries(task: TaskConfig, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """The task's queries and answers: all of them (``max_queries: null``; ``rng`` is not used) or a seeded
    sample of ``max_queries`` distinct ones."""
    if task.max_queries is None:
        return all_queries(task)
    return sample_queries(task, task.max_queries, rng)


def all_queries(task: TaskConfig) -> tuple[list[str], list[str]]:
    """Every distinct query and its answer, padded with spaces to the task's widest: ``'5+7  '`` -> ``'12 '``."""
    return _with_answers(task, [
        query_text(numbers, ops)
        for ops in itertools.product(task.operators, repeat=task.num_addends - 1)
        for numbers in itertools.product(range(task.highest_integer + 1), repeat=task.num_addends)
    ])


def sample_queries(task: TaskConfig, count: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """``count`` distinct queries drawn uniformly at random, in the order ``all_queries`` lists them, and their
    answers, padded as there. Query i of that order is decoded from i, so the task is never enumerated."""
    base, numbers_per_operators = task.highest_integer + 1, (task.highest_integer + 1) ** task.num_addends
    which_operators, which_numbers = np.divmod(_distinct_integers(task.distinct_queries, count, rng),
                                               numbers_per_operators)
    numbers = [which_numbers // base ** (task.num_addends - 1 - k) % base for k in range(task.num_addends)]
    choices, places = np.array(task.operators), task.num_addends - 1
    operators = [choices[which_operators // len(choices) ** (places - 1 - k) % len(choices)] for k in range(places)]
    return _with_answers(task, [query_text(n, ops) for n, ops in zip(zip(*numbers), zip(*operators))])


def _distinct_integers(total: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct integers of ``range(total)``, sorted, uniformly at random. Where they are most of the
    range, one draw without replacement; else draws repeated until enough are distinct (each round at least
    halves what is missing), so ``total`` may be far too large to list."""
    if 2 * count >= total:
        return np.sort(rng.choice(total, count, replace=False))
    chosen = np.empty(0, np.int64)
    while len(chosen) < count:
        chosen = np.unique(np.concatenate([chosen, rng.integers(total, size=count - len(chosen))]))
    return chosen


def _with_answers(task: TaskConfig, queries: list[str]) -> tuple[list[str], list[str]]:
    """``queries`` and their answers, padded with spaces to the task's widths (not just the widest here)."""
    query_width, answers_width = padded_width(task), answer_width(task)
    return ([query.ljust(query_width, PAD) for query in queries],
            [str(value_of(query)).ljust(answers_width, PAD) for query in queries])


COMMUTATIVE = "+*"  # operators whose operands may swap places: a+b = b+a, a*b = b*a


def terms(query: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The numbers and the operators of ``query``: ``'12*34'`` -> ``((12, 34), ('*',))``."""
    tokens = TOKEN.findall(query.replace(PAD, ""))
    return tuple(int(token) for token in tokens[0::2]), tuple(tokens[1::2])


def pair_key(query: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """What a query shares with its mirror: its operators and its numbers in sorted order.

    ``'12*34'`` and ``'34*12'`` (and ``'34-12'`` with ``'12-34'``) have the same key.
    """
    numbers, operators = terms(query)
    return operators, tuple(sorted(numbers))


def mirror(query: str) -> str | None:
    """``query`` with its numbers in reverse order, padded alike, when that keeps its value: every operator
    the same commutative one (``'5*12 '`` -> ``'12*5 '``). None for any other query, or where it reads the same."""
    numbers, operators = terms(query)
    if len(set(operators)) != 1 or operators[0] not in COMMUTATIVE or numbers == numbers[::-1]:
        return None
    return operators[0].join(map(str, numbers[::-1])).ljust(len(query), PAD)


def mirror_order(query: str) -> list[int]:
    """Where each character of ``mirror(query)`` stands in ``query`` (``'12*5 '`` -> ``[3, 2, 0, 1, 4]``): the
    mirror drawn in the original's handwriting, rearranged."""
    spans = [match.span() for match in re.finditer(r"\d+", query)]
    operators = [end for _, end in spans[:-1]]  # one operator right after each number but the last
    order: list[int] = []
    for i, (start, end) in enumerate(reversed(spans)):
        order += [operators[i - 1]] * (i > 0) + list(range(start, end))
    return order + list(range(len(order), len(query)))  # the padding stays where it is


def split_test(queries: Sequence[str], test_ratio: float, group: str, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask (N,) marking a random ``test_ratio`` share of the queries as test.

    ``group: ordered`` draws queries one by one (the report's split: ``12*34`` may be test while ``34*12``
    is trained on); ``unordered`` draws them by ``pair_key``, so a query and its mirror share a side.
    """
    if group == "ordered":
        groups = np.arange(len(queries))
    else:
        _, groups = np.unique(np.array([repr(pair_key(query)) for query in queries]), return_inverse=True)
    count = int(groups.max()) + 1
    test_groups = rng.permutation(count)[: round(count * test_ratio)]
    return np.isin(groups, test_groups)


def unseen_pairs(trained: Sequence[str], tested: Sequence[str]) -> np.ndarray:
    """Mask (len(tested),): the tested queries whose ``pair_key`` no trained query has, so neither they nor
    their mirrors were trained on, and no commutativity shortcut can answer them."""
    seen = {pair_key(query) for query in trained}
    return np.array([pair_key(query) not in seen for query in tested], bool)


def padded_width(task: TaskConfig) -> int:
    """Characters in the task's widest query, the width every query is padded to (as all_queries)."""
    return task.num_addends * len(str(task.highest_integer)) + task.num_addends - 1


def answer_width(task: TaskConfig) -> int:
    """Characters in the task's widest answer, the width every answer is padded to. Each number raises the value
    or lowers it (it sits in one product term, added or subtracted), so the largest and the smallest value are
    those of queries whose numbers are all 0 or highest_integer: only those are evaluated."""
    corners = [query_text(numbers, ops)
               for ops in itertools.product(task.operators, repeat=task.num_addends - 1)
               for numbers in itertools.product((0, task.highest_integer), repeat=task.num_addends)]
    return max(len(str(value_of(query))) for query in corners)


def widths(operators: Sequence[str], digits: int) -> tuple[int, int]:
    """The padded query and answer widths of two numbers of up to ``digits`` digits joined by ``operators``."""
    task = TaskConfig(list(operators), highest_integer=10**digits - 1)
    return padded_width(task), answer_width(task)


def shape_answer_width(digits: Sequence[int], operator: str) -> int:
    """Characters in the widest answer of two numbers of ``digits`` digits joined by ``operator`` (a 3x1-digit
    product: 4), from the corners of their ranges as ``answer_width`` does."""
    ranges = [(10 ** (d - 1) if d > 1 else 0, 10**d - 1) for d in digits]
    return max(len(str(value_of(query_text(numbers, operator)))) for numbers in itertools.product(*ranges))


def shape(query: str) -> str:
    """What a query of two numbers looks like: the digits of each, in their order, and the operator, ``x`` for
    ``*``: ``'45*123'`` -> ``'2x3'``, ``'12-345'`` -> ``'2-3'``."""
    numbers, (operator,) = terms(query)
    first, second = (len(str(number)) for number in numbers)
    return f"{first}{'x' if operator == '*' else operator}{second}"


def beyond_range_shapes(task: TaskConfig) -> list[tuple[int, str, int]]:
    """(digits of the first number, operator, digits of the second) of the queries past the task's numbers. Near:
    every pair of widths up to one digit past the task's with at least one number that wide, in both orders (for
    0..99: 3-1, 1-3, 3-2, 2-3, 3-3). Far, both numbers as wide: for 0..99 4, 5 and 10 digits for sums and
    differences (five times the width), 4 and 5 for products."""
    digits = len(str(task.highest_integer))
    wider = digits + 1
    near = [pair for other in range(1, wider) for pair in ((wider, other), (other, wider))] + [(wider, wider)]
    far = {operator: (digits + 2, digits + 3, *(() if operator == "*" else (5 * digits,)))
           for operator in task.operators}
    return [(first, operator, second) for operator in task.operators
            for first, second in near + [(width, width) for width in far[operator]]]


def beyond_range_queries(task: TaskConfig, count: int, rng: np.random.Generator
                         ) -> dict[str, tuple[list[str], list[str]]]:
    """Per shape of ``beyond_range_shapes`` (by ``shape``): ``count`` distinct queries drawn at random (fewer where
    the shape has fewer), and their answers; queries padded to the width that holds two numbers as wide as the
    shape's widest, answers to the widest of their shape (a 3x1 product has at most 4 digits). None for a task of
    more than two numbers."""
    if task.num_addends != 2:
        return {}
    drawn = {}
    for digits, operator, other in beyond_range_shapes(task):
        first, second = (range(10 ** (d - 1) if d > 1 else 0, 10**d) for d in (digits, other))
        numbers = _distinct_pairs(first, second, count, rng)
        queries = [query_text(pair, operator) for pair in numbers]
        query_width = widths([operator], max(digits, other))[0]
        width = shape_answer_width((digits, other), operator)
        drawn[shape(queries[0])] = ([query.ljust(query_width, PAD) for query in queries],
                                    [str(value_of(query)).ljust(width, PAD) for query in queries])
    return drawn


def _distinct_pairs(first: range, second: range, count: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """``count`` distinct pairs of a number of ``first`` and one of ``second`` (all of them where there are fewer),
    uniformly at random; the ranges may hold numbers of any width that fits int64."""
    total = len(first) * len(second)
    if total < 2**62:
        return [(first[index // len(second)], second[index % len(second)])
                for index in _distinct_integers(total, min(count, total), rng)]
    chosen: dict[tuple[int, int], None] = {}
    while len(chosen) < count:
        missing = count - len(chosen)
        pairs = zip(rng.integers(first.start, first.stop, missing), rng.integers(second.start, second.stop, missing))
        chosen.update(dict.fromkeys((int(a), int(b)) for a, b in pairs))
    return list(chosen)
