"""Tests of seq2arith.data.handwriting: sampling glyphs from the pools, and their pixels."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seq2arith.data.handwriting import SPLITS

TEXTS = ["12+3 ", "-45  ", "6*7-8", "90   "]


class TestHandwriting:
    """``handwriting.Handwriting`` (data/handwriting.py)."""

    @pytest.mark.parametrize("pool", SPLITS)
    def test_sample_uses_requested_pool_and_symbol(self, handwriting, pool):
        """Every sampled index comes from the requested pool and shows the character it stands for."""
        chosen = handwriting.sample(TEXTS, pool, np.random.default_rng(0))
        assert chosen.shape == (len(TEXTS), 5) and chosen.dtype == np.int64
        assert (handwriting.pool[chosen] == pool).all() and handwriting.in_pool(pool)[chosen].all()
        np.testing.assert_array_equal(handwriting.symbols[chosen], np.array([list(t) for t in TEXTS]))

    def test_sample_varies_handwriting(self, handwriting):
        """Repeated characters are drawn from several images, not always the same one."""
        chosen = handwriting.sample(["1" * 50], "train", np.random.default_rng(0))
        assert len(np.unique(chosen)) > 1

    def test_sample_is_seeded(self, handwriting):
        """The same seed samples the same indices."""
        first = handwriting.sample(TEXTS, "test", np.random.default_rng(3))
        np.testing.assert_array_equal(first, handwriting.sample(TEXTS, "test", np.random.default_rng(3)))

    def test_sample_unknown_symbol(self, handwriting):
        """A character with no handwriting in the pool raises ValueError naming it."""
        with pytest.raises(ValueError, match=r"no test handwriting for '/'"):
            handwriting.sample(["1/2"], "test", np.random.default_rng(0))

    def test_the_pools_are_three_and_named(self, handwriting):
        """Each image is in exactly one of the pools train, validation and test (is_test: the test pool's); a pool of
        another name raises ValueError naming the pools."""
        assert set(handwriting.pool) == set(SPLITS)
        assert sum(handwriting.in_pool(pool).astype(int) for pool in SPLITS).tolist() == [1] * len(handwriting.pool)
        np.testing.assert_array_equal(handwriting.is_test, handwriting.in_pool("test"))
        with pytest.raises(ValueError, match="no handwriting pool 'dev': the pools are train, validation, test"):
            handwriting.sample(TEXTS, "dev", np.random.default_rng(0))

    def test_pixels(self, handwriting):
        """pixels gathers images as float32 in [0, 1] with the index shape in front."""
        indices = np.array([[0, 5], [len(handwriting.symbols) - 1, 3]])
        pixels = handwriting.pixels(indices)
        assert pixels.shape == (2, 2, 28, 28) and pixels.dtype == torch.float32
        assert pixels.min() >= 0 and pixels.max() <= 1
        torch.testing.assert_close(pixels, torch.from_numpy(handwriting.images[indices] / 255.0).float())
