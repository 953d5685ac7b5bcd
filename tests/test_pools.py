"""Tests of seq2arith.pools: the handwriting pools from the download and glyphs stages' folders."""

from __future__ import annotations

import numpy as np

from seq2arith.pools import load_handwriting


def test_combine_layout(handwriting, digits, glyphs):
    """combine stacks digits, glyphs and one blank per pool, with symbols as one-character strings."""
    n_digits, n_glyphs = len(digits.labels), len(glyphs.symbols)
    assert handwriting.images.shape == (n_digits + n_glyphs + 2, 28, 28)
    assert handwriting.images.dtype == np.uint8
    np.testing.assert_array_equal(handwriting.symbols[:n_digits], digits.labels.astype(str))
    np.testing.assert_array_equal(handwriting.symbols[n_digits:-2], glyphs.symbols)
    assert list(handwriting.symbols[-2:]) == [" ", " "]
    assert list(handwriting.is_test[-2:]) == [False, True]
    assert handwriting.images[-2:].max() == 0
    np.testing.assert_array_equal(handwriting.is_test[:n_digits], digits.is_test)


def test_load(tmp_path, digits, glyphs, handwriting):
    """load_handwriting combines saved digits and glyphs exactly as combine does."""
    digits.save(tmp_path / "digits")
    glyphs.save(tmp_path / "glyphs")
    loaded = load_handwriting(tmp_path / "digits", tmp_path / "glyphs")
    for name in ("images", "symbols", "is_test"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(handwriting, name))
