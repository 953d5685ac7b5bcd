"""The cores' digit pairs: what DigitPairs makes of one-hot text and of a reader's probabilities."""

from __future__ import annotations

import pytest
import torch

from seq2arith.data.text import SYMBOLS, encode_labels, vocabulary
from seq2arith.models.cores import DigitPairs

MUL = vocabulary(["*"])


@pytest.mark.parametrize(("query", "first", "second"), [
    ("12*34", (2, 1), (4, 3)), ("5*6  ", (5, 0), (6, 0)), ("5*67 ", (5, 0), (7, 6)), ("99*9 ", (9, 9), (9, 0)),
    ("0+0  ", (0, 0), (0, 0)), ("70-8 ", (0, 7), (8, 0)),
])
def test_digit_pairs_of_text_are_one_hot_pairs(query: str, first: tuple, second: tuple) -> None:
    """On one-hot text, pair (i, j) is the one-hot of (i-th digit of a, j-th digit of b), units first and
    short numbers zero-padded; the operator follows."""
    pairs = DigitPairs(SYMBOLS, 5)(torch.from_numpy(encode_labels([query], SYMBOLS)))  # (1, 4, 100 + 3)
    assert pairs.shape == (1, 4, 103)
    expected = [10 * a + b for a in first for b in second]
    assert pairs[0, :, :100].argmax(-1).tolist() == expected
    assert torch.equal(pairs[0, :, :100].sum(-1), torch.ones(4))
    operator = next(char for char in query if char in "+-*")
    assert pairs[0, :, 100:].argmax(-1).tolist() == ["+-*".index(operator)] * 4


def test_digit_pairs_of_three_digit_numbers() -> None:
    """Numbers of three digits give 3 x 3 pairs, units first; a short second number is zero-padded."""
    pairs = DigitPairs(SYMBOLS, 7)(torch.from_numpy(encode_labels(["123*45 "], SYMBOLS)))
    assert pairs.shape == (1, 9, 103)
    assert pairs[0, :, :100].argmax(-1).tolist() == [10 * a + b for a in (3, 2, 1) for b in (5, 4, 0)]


def test_digit_pairs_of_probabilities_are_soft() -> None:
    """A reader torn between two digits gives each pair in proportion; the layout follows the likeliest symbols."""
    symbols = torch.from_numpy(encode_labels(["12*34"], SYMBOLS))
    symbols[0, 1] = 0
    symbols[0, 1, SYMBOLS.index("2")], symbols[0, 1, SYMBOLS.index("7")] = 0.75, 0.25  # a's units digit
    pairs = DigitPairs(SYMBOLS, 5)(symbols)[0, :, :100]
    assert pairs[0, 24].item() == pytest.approx(0.75) and pairs[0, 74].item() == pytest.approx(0.25)
    assert pairs[3, 13].item() == pytest.approx(1.0)  # (tens of a, tens of b) untouched
