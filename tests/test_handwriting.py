"""Tests of seq2arith.handwriting: combining pools and sampling glyphs from them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seq2arith.handwriting import Handwriting

TEXTS = ["12+3 ", "-45  ", "6*7-8", "90   "]


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


@pytest.mark.parametrize("test", [False, True])
def test_sample_uses_requested_pool_and_symbol(handwriting, test):
    """Every sampled index comes from the requested pool and shows the character it stands for."""
    chosen = handwriting.sample(TEXTS, test, np.random.default_rng(0))
    assert chosen.shape == (len(TEXTS), 5) and chosen.dtype == np.int64
    assert (handwriting.is_test[chosen] == test).all()
    np.testing.assert_array_equal(handwriting.symbols[chosen], np.array([list(t) for t in TEXTS]))


def test_sample_varies_handwriting(handwriting):
    """Repeated characters are drawn from several images, not always the same one."""
    chosen = handwriting.sample(["1" * 50], False, np.random.default_rng(0))
    assert len(np.unique(chosen)) > 1


def test_sample_is_seeded(handwriting):
    """The same seed samples the same indices."""
    first = handwriting.sample(TEXTS, True, np.random.default_rng(3))
    np.testing.assert_array_equal(first, handwriting.sample(TEXTS, True, np.random.default_rng(3)))


def test_sample_unknown_symbol(handwriting):
    """A character with no handwriting in the pool raises ValueError naming it."""
    with pytest.raises(ValueError, match=r"no test handwriting for '/'"):
        handwriting.sample(["1/2"], True, np.random.default_rng(0))


def test_pixels(handwriting):
    """pixels gathers images as float32 in [0, 1] with the index shape in front."""
    indices = np.array([[0, 5], [len(handwriting.symbols) - 1, 3]])
    pixels = handwriting.pixels(indices)
    assert pixels.shape == (2, 2, 28, 28) and pixels.dtype == torch.float32
    assert pixels.min() >= 0 and pixels.max() <= 1
    torch.testing.assert_close(pixels, torch.from_numpy(handwriting.images[indices] / 255.0).float())


def test_load(tmp_path, digits, glyphs, handwriting):
    """load combines saved digits and glyphs exactly as combine does."""
    digits.save(tmp_path / "digits")
    glyphs.save(tmp_path / "glyphs")
    loaded = Handwriting.load(tmp_path / "digits", tmp_path / "glyphs")
    for name in ("images", "symbols", "is_test"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(handwriting, name))
