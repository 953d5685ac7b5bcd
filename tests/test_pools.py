"""Tests of seq2arith.data.pools: the handwriting pools from the download and glyphs stages' folders."""

from __future__ import annotations

import numpy as np
import pytest

from seq2arith.data.handwriting import SPLITS
from seq2arith.data.pools import VALIDATION_EVERY, load_handwriting
from seq2arith.runtime.errors import Seq2ArithError


class TestCombine:
    """``pools.combine`` (data/pools.py), which made conftest's handwriting."""

    def test_layout(self, handwriting, digits, glyphs):
        """combine stacks digits, glyphs and one blank per pool (train, validation, test), with symbols as
        one-character strings; the test pool is the digits' and glyphs' test images."""
        n_digits, n_glyphs = len(digits.labels), len(glyphs.symbols)
        assert handwriting.images.shape == (n_digits + n_glyphs + 3, 28, 28)
        assert handwriting.images.dtype == np.uint8
        np.testing.assert_array_equal(handwriting.symbols[:n_digits], digits.labels.astype(str))
        np.testing.assert_array_equal(handwriting.symbols[n_digits:-3], glyphs.symbols)
        assert list(handwriting.symbols[-3:]) == [" ", " ", " "]
        assert list(handwriting.pool[-3:]) == list(SPLITS)
        assert handwriting.images[-3:].max() == 0
        np.testing.assert_array_equal(handwriting.is_test[:n_digits], digits.is_test)
        np.testing.assert_array_equal(handwriting.is_test[n_digits:-3], glyphs.is_test)

    def test_every_tenth_train_image_of_a_symbol_is_validation(self, handwriting, digits, glyphs):
        """Of each symbol's train images, in their order, the 10th, 20th, ... form the validation pool; the others stay
        train, and no test image moves."""
        held = handwriting.pool[:-3]
        symbols = handwriting.symbols[:-3]
        for symbol in np.unique(symbols):
            trainable = held[(symbols == symbol) & ~handwriting.is_test[:-3]]
            expected = ["validation" if (i + 1) % VALIDATION_EVERY == 0 else "train" for i in range(len(trainable))]
            assert trainable.tolist() == expected and "validation" in expected, symbol


class TestLoadHandwriting:
    """``pools.load_handwriting`` (data/pools.py)."""

    def test_load(self, tmp_path, digits, glyphs, handwriting):
        """load_handwriting combines saved digits and glyphs exactly as combine does."""
        digits.save(tmp_path / "digits")
        glyphs.save(tmp_path / "glyphs")
        loaded = load_handwriting(tmp_path / "digits", tmp_path / "glyphs")
        for name in ("images", "symbols", "pool"):
            np.testing.assert_array_equal(getattr(loaded, name), getattr(handwriting, name))

    def test_a_missing_folder_is_one_line_naming_it_and_the_stages_that_make_it(self, tmp_path, glyphs):
        """A stage given a digits folder that is not there stops with one line, not a traceback."""
        glyphs.save(tmp_path / "glyphs")
        with pytest.raises(Seq2ArithError, match=r"cannot read handwriting from .*nowhere .*dvc repro download glyphs"):
            load_handwriting(tmp_path / "nowhere", tmp_path / "glyphs")
