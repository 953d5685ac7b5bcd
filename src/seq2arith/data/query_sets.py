"""The report's ``create_data`` as stored query sets: what the dataset stage writes and every model reads.

A query set stores text plus *indices* into the handwriting pools, never image tensors:
images are gathered per batch (``splits.Split``), and train queries can draw fresh handwriting
every epoch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from seq2arith.data.handwriting import SPLITS, Handwriting
from seq2arith.data.queries import (
    SplitConfig,
    TaskConfig,
    beyond_range_queries,
    mirror,
    mirror_order,
    split_test,
    task_queries,
    unseen_pairs,
)
from seq2arith.data.text import DIGITS, vocabulary
from seq2arith.runtime.errors import Seq2ArithError, first_line


@dataclass
class QuerySet:
    """One task's queries: text, answers, split, and the handwriting each one is drawn with."""

    queries: list[str]
    answers: list[str]
    split: np.ndarray  # (N,) str: train, validation or test (SPLITS)
    query_glyphs: np.ndarray  # (N, T_in) indices into Handwriting, from the pool of the query's split
    answer_glyphs: np.ndarray  # (N, T_out)
    vocabulary: str

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        table = pd.DataFrame({"query": self.queries, "answer": self.answers, "split": self.split})
        table.to_csv(folder / "queries.csv", index=False)
        np.save(folder / "query_glyphs.npy", self.query_glyphs)
        np.save(folder / "answer_glyphs.npy", self.answer_glyphs)
        (folder / "vocabulary.json").write_text(json.dumps({"vocabulary": self.vocabulary}) + "\n")

    @classmethod
    def load(cls, folder: Path) -> QuerySet:
        """The query set saved in ``folder``, or one clear error if it is not there."""
        try:
            table = pd.read_csv(folder / "queries.csv", dtype=str, keep_default_na=False)
            return cls(table["query"].tolist(), table["answer"].tolist(), table["split"].to_numpy(str),
                       np.load(folder / "query_glyphs.npy"), np.load(folder / "answer_glyphs.npy"),
                       json.loads((folder / "vocabulary.json").read_text())["vocabulary"])
        except (OSError, ValueError, KeyError, EOFError) as error:
            raise Seq2ArithError(f"cannot read a query set from {folder} ({first_line(error)}): the dataset@<task> "
                                 "stage makes it (`dvc repro`)") from None

    def subset(self, rows: np.ndarray) -> QuerySet:
        """These queries at ``rows`` (indices or a mask), each with its split and handwriting."""
        chosen = np.flatnonzero(rows) if rows.dtype == bool else rows
        return QuerySet([self.queries[i] for i in chosen], [self.answers[i] for i in chosen], self.split[chosen],
                        self.query_glyphs[chosen], self.answer_glyphs[chosen], self.vocabulary)

    @property
    def is_test(self) -> np.ndarray:
        return self.split == "test"

    def of(self, split: str) -> list[str]:
        """The queries of ``split``."""
        return [query for query, side in zip(self.queries, self.split) if side == split]

    @property
    def query_width(self) -> int:
        return len(self.queries[0])

    @property
    def answer_width(self) -> int:
        return len(self.answers[0])


BEYOND_RANGE = "beyond"  # the folder in a task's data that holds a query set per shape past its range


def create_data(task: TaskConfig, split: SplitConfig, handwriting: Handwriting, rng: np.random.Generator) -> QuerySet:
    """The queries of ``task`` (all, or its ``max_queries`` sample), split by ``split``; test queries get
    test-pool handwriting only."""
    queries, answers = task_queries(task, rng)
    sides = np.where(split_test(queries, split.test_ratio, split.group, rng), "test", "train").astype(object)
    train = np.flatnonzero(sides == "train")
    held_out = split_test([queries[i] for i in train], split.validation_ratio, split.group, rng)
    sides[train[held_out]] = "validation"
    return _drawn(queries, answers, sides.astype(str), task, handwriting, rng)


def beyond_range_sets(task: TaskConfig, count: int, handwriting: Handwriting, rng: np.random.Generator
                      ) -> dict[str, QuerySet]:
    """Per shape (``3x1``, ...), ``count`` test queries one digit past the task's numbers
    (``beyond_range_queries``), in test-pool handwriting."""
    return {name: _drawn(queries, answers, np.full(len(queries), "test"), task, handwriting, rng)
            for name, (queries, answers) in beyond_range_queries(task, count, rng).items()}


def _drawn(queries: list[str], answers: list[str], split: np.ndarray, task: TaskConfig, handwriting: Handwriting,
           rng: np.random.Generator) -> QuerySet:
    """A QuerySet of these queries, each drawn in the handwriting of its split's pool."""
    query_glyphs = np.zeros((len(queries), len(queries[0])), np.int64)
    answer_glyphs = np.zeros((len(answers), len(answers[0])), np.int64)
    for side in SPLITS:
        rows = np.flatnonzero(split == side)
        if not len(rows):
            continue
        query_glyphs[rows] = handwriting.sample([queries[i] for i in rows], side, rng)
        answer_glyphs[rows] = handwriting.sample([answers[i] for i in rows], side, rng)
    return QuerySet(queries, answers, split, query_glyphs, answer_glyphs, vocabulary(task.operators))


def with_mirrors(queries: QuerySet) -> QuerySet:
    """``queries`` plus, as training queries, the mirror of every training query whose value survives the swap
    (``12*34`` -> ``34*12``) and that is no query of the set (of any split), drawn in its original's handwriting
    rearranged (so training a text model needs no handwriting, and the images stay in the train pool).

    A mirror that is a validation or test query is never added: no test query reaches a training batch. On a task
    of every query (``max_queries: null``) every mirror is a query of some split, so nothing is added; mirrors add
    queries to a sampled task only."""
    known = set(queries.queries)
    originals = {m: row for row, query in enumerate(queries.queries)
                 if queries.split[row] == "train" and (m := mirror(query)) is not None}
    mirrors = sorted(set(originals) - known)
    if not mirrors:
        return queries
    rows = [originals[m] for m in mirrors]
    order = np.array([mirror_order(queries.queries[row]) for row in rows])
    return QuerySet(queries.queries + mirrors, queries.answers + [queries.answers[row] for row in rows],
                    np.concatenate([queries.split, np.full(len(mirrors), "train")]),
                    np.concatenate([queries.query_glyphs, np.take_along_axis(queries.query_glyphs[rows], order, 1)]),
                    np.concatenate([queries.answer_glyphs, queries.answer_glyphs[rows]]),
                    queries.vocabulary)


def drawn_once(queries: QuerySet, handwriting: Handwriting, rng: np.random.Generator) -> QuerySet:
    """The neuro-symbolic benchmarks' protocol: ``queries`` with its train rows replaced by strips in which each
    train-pool digit image appears once. The train queries are taken in a random order, pass after pass, each drawn
    in unused images of its digits (its other glyphs at random, as ever), until a pass draws none: a query repeats
    in other images, and the strips are as many as the pool's digits allow (about 1/T of them for T digits a
    strip). Validation and test rows are kept as they are."""
    train = np.flatnonzero(queries.split == "train")
    in_pool = handwriting.in_pool("train")
    unused = {digit: list(rng.permutation(np.flatnonzero((handwriting.symbols == digit) & in_pool)))
              for digit in DIGITS}
    rows: list[int] = []
    strips: list[np.ndarray] = []
    while True:
        drawn = len(rows)
        for row in rng.permutation(train):
            query = queries.queries[row]
            if any(len(unused[digit]) < query.count(digit) for digit in set(query) & set(DIGITS)):
                continue
            strip = handwriting.sample([query], "train", rng)[0]
            for position, char in enumerate(query):
                if char in DIGITS:
                    strip[position] = unused[char].pop()
            rows.append(int(row))
            strips.append(strip)
        if len(rows) == drawn:
            break
    once = queries.subset(np.array([*rows, *np.flatnonzero(queries.split != "train")], np.int64))
    once.query_glyphs[:len(rows)] = np.array(strips, np.int64).reshape(len(rows), queries.query_width)
    return once


def leaked_test_queries(queries: QuerySet) -> int:
    """How many test queries a training batch can hold: the test queries among the training rows, mirrors added
    (``with_mirrors``). Must be 0."""
    tested = set(queries.of("test"))
    return sum(query in tested for query in with_mirrors(queries).of("train"))


def statistics(queries: QuerySet, beyond: dict[str, QuerySet], handwriting: Handwriting) -> dict[str, int | float]:
    """What ``metrics/dataset-<task>.json`` reports about a query set (and its sets past the range)."""
    values = [int(answer) for answer in queries.answers]
    return {
        "queries": len(queries.queries),
        **{f"{side}_queries": int((queries.split == side).sum()) for side in SPLITS},
        "unseen_pair_test_queries": int(unseen_pairs(queries.of("train"), queries.of("test")).sum()),
        "test_queries_in_training": leaked_test_queries(queries),
        "beyond_range_test_queries": sum(len(shape.queries) for shape in beyond.values()),
        "query_width": queries.query_width,
        "answer_width": queries.answer_width,
        "vocabulary_size": len(queries.vocabulary),
        "answer_min": min(values),
        "answer_max": max(values),
        **{f"{pool}_glyph_images": int(handwriting.in_pool(pool).sum()) for pool in SPLITS},
    }
