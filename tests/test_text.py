"""Tests of seq2arith.data.text: vocabularies, one-hot encoding and answer reversal."""

from __future__ import annotations

import numpy as np
import pytest

from seq2arith.data.text import (
    decode,
    encode,
    encode_labels,
    from_target,
    target_positions,
    to_target,
    vocabulary,
)
from seq2arith.runtime.errors import Seq2ArithError

ANSWERS = ["-11", "12 ", "7  ", "-1 ", "198", "0  "]


class TestVocabulary:
    """``text.vocabulary`` (data/text.py)."""

    def test_sizes(self):
        """Addition/subtraction has 13 characters and multiplication 12, as in the report."""
        assert vocabulary(["+", "-"]) == "0123456789+- " and len(vocabulary(["+", "-"])) == 13
        assert vocabulary(["*"]) == "0123456789* " and len(vocabulary(["*"])) == 12

    def test_order_is_canonical(self):
        """The order of operators in params does not change the vocabulary."""
        assert vocabulary(["-", "+"]) == vocabulary(["+", "-"])
        assert vocabulary(["*", "-", "+"]) == "0123456789+-* "


class TestEncodeLabels:
    """``text.encode_labels`` (data/text.py)."""

    def test_is_one_hot(self):
        """encode_labels gives (N, T, V) float32 with exactly one 1 per position at the character's index."""
        vocab = vocabulary(["+", "-"])
        one_hot = encode_labels(["5+7  ", "12-3 "], vocab)
        assert one_hot.shape == (2, 5, 13) and one_hot.dtype == np.float32
        np.testing.assert_array_equal(one_hot.sum(-1), 1)
        assert one_hot[0, 1, vocab.index("+")] == 1 and one_hot[1, 4, vocab.index(" ")] == 1

    def test_encode_unknown_character(self):
        """A character outside the vocabulary raises Seq2ArithError naming it."""
        with pytest.raises(Seq2ArithError, match=r"'\*' is not in the vocabulary"):
            encode_labels(["5*7"], vocabulary(["+", "-"]))


class TestDecode:
    """``text.decode`` (data/text.py)."""

    def test_encode_decode_labels_round_trip(self):
        """The most likely character of each one-hot position gives the text back, trailing spaces included."""
        vocab = vocabulary(["*"])
        texts = ["99*99", "0*1  ", "5*7  "]
        assert decode(encode_labels(texts, vocab).argmax(-1), vocab) == texts
        assert decode(encode(texts, vocab), vocab) == texts


class TestToTarget:
    """``text.to_target`` (data/text.py)."""

    def test_examples(self):
        """Reversal puts the units digit first and keeps padding at the end."""
        assert to_target("-11", True) == "11-"
        assert to_target("12 ", True) == "21 "
        assert to_target("-1 ", True) == "1- "
        assert to_target("12 ", False) == "12 "


class TestFromTarget:
    """``text.from_target`` (data/text.py)."""

    @pytest.mark.parametrize("reverse", [False, True])
    def test_inverts_to_target(self, reverse):
        """from_target undoes to_target for every example answer."""
        for answer in ANSWERS:
            assert from_target(to_target(answer, reverse), reverse) == answer


class TestTargetPositions:
    """``text.target_positions`` (data/text.py)."""

    def test_examples(self):
        """target_positions lists the source position of each emitted character."""
        assert target_positions("-11", True) == [2, 1, 0]
        assert target_positions("12 ", True) == [1, 0, 2]
        assert target_positions("7  ", True) == [0, 1, 2]
        assert target_positions("-11", False) == [0, 1, 2]

    @pytest.mark.parametrize("reverse", [False, True])
    def test_agree_with_to_target(self, reverse):
        """Reading the answer at target_positions gives exactly to_target's string."""
        for answer in ANSWERS:
            assert "".join(answer[i] for i in target_positions(answer, reverse)) == to_target(answer, reverse)
