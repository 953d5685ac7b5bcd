"""The metrics of docs/pipeline.md and the tables the evaluate stage writes."""

from __future__ import annotations

import numpy as np
import pytest

from seq2arith.data.queries import unseen_pairs
from seq2arith.evaluation.metrics import (
    beyond_range_scores,
    confusion_table,
    error_counts,
    parse_answer,
    predictions_table,
    scores,
    symbolic_answers,
    text_metrics,
)


class TestParseAnswer:
    """``metrics.parse_answer`` (evaluation/metrics.py)."""

    def test_parse_answer(self) -> None:
        """Answers with trailing padding parse; inner spaces, stray signs and blanks do not."""
        assert parse_answer("12 ") == 12
        assert parse_answer("-11") == -11
        assert parse_answer("1 2") is None
        assert parse_answer("1-2") is None
        assert parse_answer("   ") is None


class TestTextMetrics:
    """``metrics.text_metrics`` (evaluation/metrics.py)."""

    def test_text_metrics(self) -> None:
        """Exact match counts whole strings, char accuracy counts positions (padding too), MAE skips unparseables."""
        metrics = text_metrics(["12 ", "-11", "5  "], ["12 ", "-12", "5 1"])
        assert metrics["exact_match"] == pytest.approx(1 / 3)
        assert metrics["char_accuracy"] == pytest.approx(7 / 9)
        assert metrics["value_mae"] == pytest.approx(0.5)  # |12-12| and |-11+12|; '5 1' is unparseable
        assert metrics["unparseable_rate"] == pytest.approx(1 / 3)

    def test_value_mae_is_null_when_nothing_parses(self) -> None:
        """With no parseable prediction the MAE is None (JSON null), never NaN."""
        assert text_metrics(["1 "], ["  "])["value_mae"] is None


class TestPredictionsTable:
    """``metrics.predictions_table`` (evaluation/metrics.py)."""

    def test_predictions_table(self) -> None:
        """One row per query with the difference true - predicted, empty where the prediction does not parse."""
        table = predictions_table(["5+7  ", "9-9  "], ["12 ", "0  "], ["13 ", "0 0"], "test")
        assert table["query"].tolist() == ["5+7", "9-9"]
        assert table["difference"].tolist()[0] == -1
        assert table["difference"].isna().tolist() == [False, True]


class TestConfusionTable:
    """``metrics.confusion_table`` (evaluation/metrics.py)."""

    def test_confusion_table(self) -> None:
        """One row per (actual, predicted) character pair with its count, padding shown as '_'."""
        table = confusion_table(["1 ", "12", "1 "], ["7 ", "12", "1 "])
        assert table.values.tolist() == [["1", "1", 2], ["1", "7", 1], ["2", "2", 1], ["_", "_", 2]]


class TestErrorCounts:
    """``metrics.error_counts`` (evaluation/metrics.py)."""

    def test_error_counts(self) -> None:
        """Queries per error, true - predicted, in order; unparseable answers are left out."""
        table = error_counts(["12 ", "5  ", "7  ", "-3 "], ["13 ", "5  ", "1 2", "-4 "])
        assert table.values.tolist() == [[-1, 1], [0, 1], [1, 1]]
        assert error_counts(["12 "], ["1 2"]).values.tolist() == [[0, 0]]  # nothing parseable: still a histogram


class TestScores:
    """``metrics.scores`` (evaluation/metrics.py)."""

    def test_unseen_pair_exact_match_known_value(self) -> None:
        """A hand-made split: of four test queries, 34*12 and 6*5 are mirrors of trained ones, 7*8 and 9*9 are
        unseen in both orders; the model gets 34*12 and 7*8 right. Exact match counts both (2/4), the unseen-pair
        exact match only 7*8 (1/2), and padding makes no query unseen."""
        trained = ["12*34", "5*6  "]
        tested = ["34*12", "7*8  ", "6*5  ", "9*9  "]
        answers = ["408 ", "56  ", "30  ", "81  "]
        predictions = ["408 ", "56  ", "31  ", "18  "]
        unseen = unseen_pairs(trained, tested)
        assert unseen.tolist() == [False, True, False, True]
        metrics = scores(answers, predictions, unseen)
        assert metrics["exact_match"] == 0.5 and metrics["unseen_pair_exact_match"] == 0.5
        predictions[1] = "65  "  # 7*8 wrong too: no unseen query right
        assert scores(answers, predictions, unseen)["unseen_pair_exact_match"] == 0.0
        assert scores(answers, predictions, np.zeros(4, bool))["unseen_pair_exact_match"] is None


class TestSymbolicAnswers:
    """``metrics.symbolic_answers`` (evaluation/metrics.py)."""

    def test_symbolic_answers(self) -> None:
        """img2text's symbolic baseline computes what the classifier read, and answers blank for a malformed reading."""
        assert symbolic_answers(["12*3 ", "1++2 "], 4) == ["36  ", "    "]

    def test_too_wide_matches_nothing(self) -> None:
        """A misread query whose value does not fit the answer width is filled with '?' instead of truncated."""
        assert symbolic_answers(["99*99"], 3) == ["???"]


class TestBeyondRangeScores:
    """``metrics.beyond_range_scores`` (evaluation/metrics.py)."""

    def test_known_values(self) -> None:
        """A hand-made set past the range: per shape the share answered right, and over all the queries (so a shape of
        more queries weighs more)."""
        answers = {"3x1": ["492 ", "3390"], "3x2": ["5535 ", "4140 ", "1000 "]}
        predictions = {"3x1": ["492 ", "3391"], "3x2": ["5535 ", "4140 ", "1001 "]}
        assert beyond_range_scores(answers, predictions) == {"exact_match": 3 / 5, "3x1_exact_match": 0.5,
                                                             "3x2_exact_match": 2 / 3}
