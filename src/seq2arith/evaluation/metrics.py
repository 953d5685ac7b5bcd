"""The metrics (docs/pipeline.md), computed the same way for every model, the tables behind the plots, and the
evaluation of a trained model that the evaluate stages write (with img2text's symbolic baseline)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import torch
from torch import nn

from seq2arith.data.handwriting import SPLITS, Handwriting
from seq2arith.data.queries import unseen_pairs, value_of
from seq2arith.data.query_sets import QuerySet
from seq2arith.data.text import PAD
from seq2arith.evaluation.likeness import likeness
from seq2arith.kinds.arithmetic import ArithmeticKind, GlyphReader
from seq2arith.kinds.classifier import Classifier
from seq2arith.kinds.img2text import Img2Text, Img2TextNetwork, read_digits
from seq2arith.runtime.errors import Seq2ArithError
from seq2arith.training.architecture import Architecture
from seq2arith.training.batches import raw_outputs
from seq2arith.training.splits import Split

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


def symbolic_answers(queries_read: Sequence[str], answer_width: int) -> list[str]:
    """img2text's symbolic baseline: compute what the classifier read; a malformed reading answers blank."""
    results = []
    for query in queries_read:
        try:
            answer = str(value_of(query))
        except Seq2ArithError:
            answer = ""
        results.append(answer.ljust(answer_width, PAD) if len(answer) <= answer_width else UNREADABLE * answer_width)
    return results


def pool_readings(reader: GlyphReader, handwriting: Handwriting) -> np.ndarray:
    """What ``reader`` reads in every image of ``handwriting``'s pools, each read once: (N,) characters."""
    return np.array(list(reader.read_strips(handwriting.pixels(np.arange(len(handwriting.images)))[None])[0]))


def strips_as_read(readings: np.ndarray, glyphs: np.ndarray) -> list[str]:
    """The strips drawn with ``glyphs`` (N, T) pool indices, as read in ``readings`` (``pool_readings``)."""
    return ["".join(row) for row in readings[glyphs]]


def digit_readings(model: nn.Module, arch: Architecture, reader: GlyphReader, handwriting: Handwriting, pool: str
                   ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The indices of ``pool``'s handwritten digits, and what img2text's own reader (when it reads symbols) and
    ``reader`` (the classifier, trained with a label per glyph) read in each, by the readers' names."""
    digits = np.flatnonzero(np.char.isdigit(handwriting.symbols.astype(str)) & handwriting.in_pool(pool))
    readings = {}
    if isinstance(model, Img2Text) and model.symbols is not None:
        readings[f"img2text's reader ({cast(Img2TextNetwork, arch.network).reader})"] = read_digits(
            model, handwriting, pool)[1]
    read = reader.read_strips(handwriting.pixels(digits)[None])[0]
    readings["the classifier (a label per glyph)"] = np.array(list(read))
    return digits, readings


@dataclass(frozen=True)
class Evaluation:
    """What evaluate-<kind>@<task> writes."""

    metrics: dict[str, dict[str, float | None]]  # per split
    predictions: pd.DataFrame  # one row per query, every split
    errors: pd.DataFrame  # error_counts of the test split
    confusion: pd.DataFrame  # confusion_table of the test split


def evaluate_model(kind: ArithmeticKind, model: nn.Module, arch: Architecture, queries: QuerySet,
                   handwriting: Handwriting | None, reader: GlyphReader | None,
                   beyond: dict[str, QuerySet] | None = None, judge: Classifier | None = None,
                   rng: np.random.Generator | None = None) -> Evaluation:
    """Every metric of ``model`` on the train, validation and test split of ``queries`` (test: queries in no training
    batch, drawn in test-pool images), and on ``beyond`` (test queries past the training range, per shape) where its
    core reads any width. ``reader`` (the classifier) gives img2text's symbolic baseline; drawn answers are read by
    ``judge`` (a reader that never saw a drawing), once more by the classifier, and their digits compared with real
    handwriting (``drawing_scores``, real digits picked by ``rng``)."""
    runner, inputs = kind.runner(model, handwriting)
    splits = {split: Split(queries, handwriting, split, arch.model.reverse_answer, fields=(inputs,))
              for split in SPLITS}
    trained = splits["train"].queries
    metrics, tables, predicted = {}, [], {}
    readings = None  # what the classifier reads in each pool image: img2text's symbolic baseline
    if kind.reads_images:
        assert reader is not None and handwriting is not None
        readings = pool_readings(reader, handwriting)
    answer_reader = judge if kind.draws else reader
    for split, data in splits.items():
        unseen = unseen_pairs(trained, data.queries) if split != "train" else None
        outputs = raw_outputs(runner, data, inputs)
        predicted[split], _ = kind.read(outputs, arch, answer_reader)
        metrics[split] = scores(data.answers, predicted[split], unseen, prefix="read_" if kind.draws else "")
        if kind.draws:
            assert reader is not None and judge is not None and rng is not None
            metrics[split].update(drawing_scores(kind, outputs, arch, data, reader, judge, rng))
        if readings is not None:
            symbolic = symbolic_answers(strips_as_read(readings, data.query_glyphs), arch.answer_width)
            metrics[split]["symbolic_exact_match"] = text_metrics(data.answers, symbolic)["exact_match"]
            metrics[split].update(kind.pool_scores(model, handwriting, split))
        tables.append(predictions_table(data.queries, data.answers, predicted[split], split))
    if beyond and arch.model.any_width:
        metrics["beyond_range"] = _beyond_range_scores(kind, runner, inputs, arch, beyond, handwriting, answer_reader,
                                                       readings)
    test = splits["test"].answers
    return Evaluation(metrics, pd.concat(tables), error_counts(test, predicted["test"]),
                      confusion_table(test, predicted["test"]))


def drawing_scores(kind: ArithmeticKind, outputs: torch.Tensor, arch: Architecture, data: Split,
                   classifier: GlyphReader, judge: Classifier, rng: np.random.Generator) -> dict[str, float | None]:
    """Of the answers to ``data``'s queries drawn as a kind's raw ``outputs``:

    - ``real_read_exact_match``: the judge reading the same answers written in real handwriting of the split's
      pool (``data``'s own): how legible real handwriting is to it, the figure to read ``read_exact_match`` by;
    - ``classifier_read_exact_match``: read by the classifier, whose ``faint`` augmentation was chosen with
      drawings in view;
    - but for the train split, how like the real digits of the pool the drawn digits are, by the judge's features
      (``likeness.likeness``).
    """
    assert data.handwriting is not None
    real = judge.read_strips(data.handwriting.pixels(data.answer_glyphs))  # in the order drawn, as data.targets
    values: dict[str, float | None] = {
        "real_read_exact_match": float(np.mean([read == target for read, target in zip(real, data.targets)])),
        "classifier_read_exact_match": text_metrics(data.answers, kind.read(outputs, arch, classifier)[0])[
            "exact_match"]}
    if data.split != "train":
        drawn = np.array([list(target) for target in data.targets])
        digits = np.char.isdigit(drawn)
        values.update(likeness(judge.features, outputs.sigmoid()[torch.from_numpy(digits)], drawn[digits],
                               data.handwriting, data.split, rng))
    return values


def _beyond_range_scores(kind: ArithmeticKind, runner: nn.Module, inputs: str, arch: Architecture,
                         beyond: dict[str, QuerySet], handwriting: Handwriting | None, reader: GlyphReader | None,
                         readings: np.ndarray | None) -> dict[str, float | None]:
    """``beyond_range_scores`` of the model's answers to each shape past the range, and with the ``readings`` of
    the pools (a kind that reads handwriting) those of its symbolic baseline (``3x1_symbolic_exact_match``, ...)."""
    answered: dict[str, list[str]] = {}
    symbolic: dict[str, list[str]] = {}
    for name, shaped in beyond.items():  # each shape's answers as wide as its widest
        rows = Split(shaped, handwriting, "test", arch.model.reverse_answer, fields=(inputs,))
        answered[name] = kind.answers(runner, arch, rows, reader, inputs, shaped.answer_width)[0]
        if readings is not None:
            symbolic[name] = symbolic_answers(strips_as_read(readings, rows.query_glyphs), shaped.answer_width)
    truth = {name: shaped.answers for name, shaped in beyond.items()}
    scores = beyond_range_scores(truth, answered)
    if symbolic:
        scores.update({f"{key.removesuffix('exact_match')}symbolic_exact_match": value
                       for key, value in beyond_range_scores(truth, symbolic).items()})
    return scores


def beyond_range_scores(answers: Mapping[str, Sequence[str]], predictions: Mapping[str, Sequence[str]]
                        ) -> dict[str, float | None]:
    """Exact match on the queries past the training range: over all of them, and per shape (``3x1_exact_match``,
    ...); both mappings name the shapes."""
    right = {name: np.array([answer == guess for answer, guess in zip(answers[name], predictions[name])])
             for name in answers}
    return {"exact_match": float(np.concatenate(list(right.values())).mean()),
            **{f"{name}_exact_match": float(shape_right.mean()) for name, shape_right in sorted(right.items())}}
