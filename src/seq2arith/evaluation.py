"""The metrics of DESIGN.md, computed the same way for every model, and the tables behind the plots."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from torch import nn

from seq2arith.classifier import read_queries
from seq2arith.errors import Seq2ArithError
from seq2arith.handwriting import Handwriting
from seq2arith.queries import evaluate
from seq2arith.text import PAD

NUMBER = re.compile(r"-?\d+")
UNREADABLE = "?"  # fills a symbolic answer too wide for the task: it can match nothing


def parse_answer(text: str) -> int | None:
    """The integer an answer string writes, or None: padding may only trail (``'12 '``, not ``'1 2'``)."""
    body = text.rstrip(PAD)
    return int(body) if NUMBER.fullmatch(body) else None


def text_metrics(answers: Sequence[str], predictions: Sequence[str]) -> dict[str, float | None]:
    """``exact_match`` (whole string), ``char_accuracy`` (per position, padding included, as Keras counts),
    ``value_mae`` (mean |true - predicted| over parseable predictions) and ``unparseable_rate``."""
    truth = np.array([list(a) for a in answers])
    guess = np.array([list(p) for p in predictions])
    values = [parse_answer(p) for p in predictions]
    errors = [abs(int(a) - v) for a, v in zip(answers, values) if v is not None]
    return {
        "exact_match": float(np.mean([a == p for a, p in zip(answers, predictions)])),
        "char_accuracy": float((truth == guess).mean()),
        "value_mae": float(np.mean(errors)) if errors else None,
        "unparseable_rate": float(np.mean([v is None for v in values])),
    }


def scores(answers: Sequence[str], predictions: Sequence[str], unseen: np.ndarray | None = None,
           prefix: str = "") -> dict[str, float | None]:
    """``text_metrics``, and with ``unseen`` (a mask over the queries) ``unseen_pair_exact_match``: the exact
    match over the queries trained on in neither order. Every name gets ``prefix``."""
    values = text_metrics(answers, predictions)
    if unseen is not None:
        right = np.array([a == p for a, p in zip(answers, predictions)])
        values["unseen_pair_exact_match"] = float(right[unseen].mean()) if unseen.any() else None
    return {prefix + name: value for name, value in values.items()}


def predictions_table(queries: Sequence[str], answers: Sequence[str], predictions: Sequence[str],
                      split: str) -> pd.DataFrame:
    """One row per query: what was asked, the truth, the prediction and true - predicted (empty if unparseable)."""
    values = [parse_answer(p) for p in predictions]
    return pd.DataFrame({
        "split": split,
        "query": [q.rstrip(PAD) for q in queries],
        "answer": [a.rstrip(PAD) for a in answers],
        "predicted": [p.rstrip(PAD) for p in predictions],
        "difference": pd.array([None if v is None else int(a) - v for a, v in zip(answers, values)], dtype="Int64"),
    })


def symbolic_answers(read_queries: Sequence[str], answer_width: int) -> list[str]:
    """The symbolic baseline: compute what the classifier read; a malformed reading answers blank."""
    results = []
    for query in read_queries:
        try:
            answer = str(evaluate(query))
        except Seq2ArithError:
            answer = ""
        results.append(answer.ljust(answer_width, PAD) if len(answer) <= answer_width else UNREADABLE * answer_width)
    return results


def symbolic_exact_match(classifier: nn.Module, handwriting: Handwriting, glyphs: np.ndarray,
                         answers: Sequence[str]) -> float:
    """The exact match of the symbolic baseline on the strips drawn with ``glyphs`` (N, T_in)."""
    read = read_queries(classifier, handwriting, glyphs)
    return text_metrics(answers, symbolic_answers(read, len(answers[0])))["exact_match"]


def error_counts(answers: Sequence[str], predictions: Sequence[str]) -> pd.DataFrame:
    """How many queries each error (true - predicted) has, in columns ``difference`` and ``queries``: the
    histogram `dvc plots` draws, a few hundred rows instead of one per query. Unparseable answers left out; the
    error 0 always has its row, so a model with no parseable answer still draws an (empty) histogram."""
    values = [parse_answer(p) for p in predictions]
    differences = pd.Series([int(a) - v for a, v in zip(answers, values) if v is not None], dtype="int64")
    counts = differences.value_counts()
    counts = counts.reindex(counts.index.union([0]), fill_value=0).sort_index()
    return pd.DataFrame({"difference": counts.index.to_numpy(), "queries": counts.to_numpy()})


def confusion_table(answers: Sequence[str], predictions: Sequence[str]) -> pd.DataFrame:
    """How often each answer character was predicted as each character, in columns ``actual``, ``predicted``
    and ``count`` (padding shown as '_'), over every answer position."""
    pairs = [(a, p) for answer, prediction in zip(answers, predictions) for a, p in zip(answer, prediction)]
    table = pd.DataFrame(pairs, columns=["actual", "predicted"]).replace(PAD, "_")
    return table.value_counts().rename("count").reset_index().sort_values(["actual", "predicted"], ignore_index=True)
