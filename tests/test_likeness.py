"""How like handwriting drawn digits are: the Fréchet distance and the diversity on known values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seq2arith.evaluation.likeness import diversity, frechet_distance, likeness


class TestFrechetDistance:
    """``likeness.frechet_distance`` (evaluation/likeness.py)."""

    def test_a_set_is_at_distance_zero_from_itself(self) -> None:
        features = np.random.default_rng(0).normal(size=(50, 4))
        assert frechet_distance(features, features) == pytest.approx(0, abs=1e-9)

    def test_of_two_known_gaussians(self) -> None:
        """Means 1 apart; sample covariances diag(2/3, 8/3) and diag(8/3, 2/3): 1 + tr(A + B - 2 (A B)^1/2) = 1 +
        4/3."""
        cross = np.array([[1.0, 0], [-1, 0], [0, 2], [0, -2]])
        a, b = cross, cross[:, ::-1] + [1, 0]
        assert frechet_distance(a, b) == pytest.approx(1 + 4 / 3)


class TestDiversity:
    """``likeness.diversity`` (evaluation/likeness.py)."""

    def test_identical_drawings_have_no_diversity(self) -> None:
        images = torch.rand(1, 28, 28).repeat(6, 1, 1)
        labels = np.array(list("113333"))
        assert diversity(images, labels) == 0
        varied = torch.rand(6, 28, 28)
        assert diversity(varied, labels) > 0

    def test_averages_over_labels(self) -> None:
        """Two images of '1' 1 apart (one pixel), two of '2' 3 apart: 2."""
        images = torch.zeros(4, 28, 28)
        images[1, 0, 0], images[3, 0, 0] = 1, 3
        assert diversity(images, np.array(list("1122"))) == pytest.approx(2)


class TestLikeness:
    """``likeness.likeness`` (evaluation/likeness.py)."""

    def test_real_test_digits_drawn_are_the_reference_itself(self, handwriting) -> None:
        """The test pool's own digits, offered as drawings, are the reference itself: at distance 0 from it and exactly
        as varied (a set against itself), while other real digits are further."""
        digits = np.flatnonzero(np.char.isdigit(handwriting.symbols.astype(str)) & handwriting.in_pool("test"))
        features = lambda images: images.flatten(1)[:, ::98].numpy()  # noqa: E731  8 pixels a glyph
        scores = likeness(features, handwriting.pixels(digits), handwriting.symbols[digits], handwriting, "test",
                          np.random.default_rng(0))
        assert scores["frechet_distance"] == pytest.approx(0, abs=1e-9) and scores["frechet_ratio"] < 1e-9
        assert scores["diversity"] == pytest.approx(1)
