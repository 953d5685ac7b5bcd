"""Reading the two numbers of a query out of symbol distributions, at the width the query has."""

from __future__ import annotations

import torch

from seq2arith.data.text import SYMBOLS, encode_labels
from seq2arith.models.numbers import NumberReader


def _digits(distributions: torch.Tensor) -> list[list[int]]:
    return distributions.argmax(-1).tolist()


class TestNumberReader:
    """``numbers.NumberReader`` (models/numbers.py)."""

    def test_numbers_units_first_zero_padded_to_the_query_width(self) -> None:
        """D = (width - 1) // 2 digit places, units first, a short number zero-padded; the operator's distribution."""
        first, second, operator = NumberReader(SYMBOLS)(
            torch.from_numpy(encode_labels(["12*345 ", "7-8    "], SYMBOLS)))
        assert first.shape == second.shape == (2, 3, 10)
        assert _digits(first) == [[2, 1, 0], [7, 0, 0]] and _digits(second) == [[5, 4, 3], [8, 0, 0]]
        assert operator.argmax(-1).tolist() == ["+-*".index("*"), "+-*".index("-")]

    def test_a_readers_doubt_stays_a_distribution(self) -> None:
        """A glyph read as 2 or 7 is a digit distribution of those two, in proportion."""
        symbols = torch.from_numpy(encode_labels(["12+3 "], SYMBOLS))
        symbols[0, 1] = 0
        symbols[0, 1, SYMBOLS.index("2")], symbols[0, 1, SYMBOLS.index("7")] = 0.75, 0.25
        first = NumberReader(SYMBOLS)(symbols).first
        assert first[0, 0, 2].item() == 0.75 and first[0, 0, 7].item() == 0.25
