"""img2text's symbolic baseline: read each glyph with the classifier, then compute."""

from __future__ import annotations

from seq2arith.kinds.img2text import symbolic_answers


def test_symbolic_answers() -> None:
    """The symbolic baseline computes what was read and answers blank for a malformed reading."""
    assert symbolic_answers(["12*3 ", "1++2 "], 4) == ["36  ", "    "]


def test_symbolic_answer_too_wide_matches_nothing() -> None:
    """A misread query whose value does not fit the answer width is filled with '?' instead of truncated."""
    assert symbolic_answers(["99*99"], 3) == ["???"]
