"""The report's ``create_data`` as stored query sets: what the dataset stage writes and every model reads.

A query set stores text plus *indices* into the handwriting pools, never image tensors:
images are gathered per batch (``batches.ArithmeticDataset``), and train queries can draw fresh handwriting
every epoch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from seq2arith.handwriting import Handwriting
from seq2arith.queries import (
    SplitConfig,
    TaskConfig,
    beyond_range_queries,
    mirror,
    mirror_order,
    split_test,
    task_queries,
    unseen_pairs,
)
from seq2arith.text import vocabulary


@dataclass
class QuerySet:
    """One task's queries: text, answers, split, and the handwriting each one is drawn with."""

    queries: list[str]
    answers: list[str]
    is_test: np.ndarray  # (N,) bool
    query_glyphs: np.ndarray  # (N, T_in) indices into Handwriting
    answer_glyphs: np.ndarray  # (N, T_out)
    vocabulary: str

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        table = pd.DataFrame({"query": self.queries, "answer": self.answers,
                              "split": np.where(self.is_test, "test", "train")})
        table.to_csv(folder / "queries.csv", index=False)
        np.save(folder / "query_glyphs.npy", self.query_glyphs)
        np.save(folder / "answer_glyphs.npy", self.answer_glyphs)
        (folder / "vocabulary.json").write_text(json.dumps({"vocabulary": self.vocabulary}) + "\n")

    @classmethod
    def load(cls, folder: Path) -> QuerySet:
        table = pd.read_csv(folder / "queries.csv", dtype=str, keep_default_na=False)
        return cls(table["query"].tolist(), table["answer"].tolist(), (table["split"] == "test").to_numpy(),
                   np.load(folder / "query_glyphs.npy"), np.load(folder / "answer_glyphs.npy"),
                   json.loads((folder / "vocabulary.json").read_text())["vocabulary"])

    def subset(self, rows: np.ndarray) -> QuerySet:
        """These queries at ``rows`` (indices or a mask), each with its split and handwriting."""
        chosen = np.flatnonzero(rows) if rows.dtype == bool else rows
        return QuerySet([self.queries[i] for i in chosen], [self.answers[i] for i in chosen], self.is_test[chosen],
                        self.query_glyphs[chosen], self.answer_glyphs[chosen], self.vocabulary)

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
    return _drawn(queries, answers, split_test(queries, split.test_ratio, split.group, rng), task, handwriting, rng)


def beyond_range_sets(task: TaskConfig, count: int, handwriting: Handwriting, rng: np.random.Generator
                      ) -> dict[str, QuerySet]:
    """Per shape (``3x1``, ...), ``count`` test queries one digit past the task's numbers
    (``beyond_range_queries``), in test-pool handwriting."""
    return {name: _drawn(queries, answers, np.ones(len(queries), bool), task, handwriting, rng)
            for name, (queries, answers) in beyond_range_queries(task, count, rng).items()}


def _drawn(queries: list[str], answers: list[str], is_test: np.ndarray, task: TaskConfig, handwriting: Handwriting,
           rng: np.random.Generator) -> QuerySet:
    """A QuerySet of these queries, each drawn in the handwriting of its split's pool."""
    query_glyphs = np.zeros((len(queries), len(queries[0])), np.int64)
    answer_glyphs = np.zeros((len(answers), len(answers[0])), np.int64)
    for test in (False, True):
        rows = np.flatnonzero(is_test == test)
        if not len(rows):
            continue
        query_glyphs[rows] = handwriting.sample([queries[i] for i in rows], test, rng)
        answer_glyphs[rows] = handwriting.sample([answers[i] for i in rows], test, rng)
    return QuerySet(queries, answers, is_test, query_glyphs, answer_glyphs, vocabulary(task.operators))


def with_mirrors(queries: QuerySet) -> QuerySet:
    """``queries`` plus, as training queries, the mirror of every training query whose value survives the swap
    (``12*34`` -> ``34*12``) and that is not trained on already, drawn in its original's handwriting rearranged
    (so training a text model needs no handwriting, and the images stay in the train pool).

    A mirror may be a test query: that is the commutativity a random split leaks, which
    ``unseen_pair_exact_match`` leaves out."""
    trained = {query: row for row, query in enumerate(queries.queries) if not queries.is_test[row]}
    originals = {m: row for query, row in trained.items() if (m := mirror(query)) is not None}
    mirrors = sorted(set(originals) - set(trained))
    if not mirrors:  # e.g. split.group: unordered, where every mirror is trained on already
        return queries
    rows = [originals[m] for m in mirrors]
    order = np.array([mirror_order(queries.queries[row]) for row in rows])
    return QuerySet(queries.queries + mirrors, queries.answers + [queries.answers[row] for row in rows],
                    np.concatenate([queries.is_test, np.zeros(len(mirrors), bool)]),
                    np.concatenate([queries.query_glyphs, np.take_along_axis(queries.query_glyphs[rows], order, 1)]),
                    np.concatenate([queries.answer_glyphs, queries.answer_glyphs[rows]]),
                    queries.vocabulary)


def statistics(queries: QuerySet, beyond: dict[str, QuerySet], handwriting: Handwriting) -> dict[str, int | float]:
    """What ``metrics/dataset-<task>.json`` reports about a query set (and its sets past the range)."""
    values = [int(answer) for answer in queries.answers]
    train, test = ([q for q, t in zip(queries.queries, queries.is_test) if t == side] for side in (False, True))
    return {
        "queries": len(queries.queries),
        "train_queries": int((~queries.is_test).sum()),
        "test_queries": int(queries.is_test.sum()),
        "unseen_pair_test_queries": int(unseen_pairs(train, test).sum()),
        "beyond_range_test_queries": sum(len(shape.queries) for shape in beyond.values()),
        "query_width": queries.query_width,
        "answer_width": queries.answer_width,
        "vocabulary_size": len(queries.vocabulary),
        "answer_min": min(values),
        "answer_max": max(values),
        "train_glyph_images": int((~handwriting.is_test).sum()),
        "test_glyph_images": int(handwriting.is_test.sum()),
    }
