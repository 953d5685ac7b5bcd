"""The classifier: its glyph pools, its augmentations (deterministic under the seed), its ensemble and its digit
accuracy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from seq2arith.data.handwriting import Handwriting
from seq2arith.data.text import DIGITS, OPERATORS, PAD, SYMBOLS
from seq2arith.kinds.classifier import (
    MIN_BRIGHTNESS,
    Classifier,
    ClassifierConfig,
    GlyphDataset,
    affine,
    augmented,
    digit_accuracy,
    faint,
    objective,
)


class TestClassifier:
    """``classifier.Classifier`` (kinds/classifier.py)."""

    def test_an_ensemble_averages_its_members_probabilities(self) -> None:
        """A classifier of two members gives the log of the mean of their probabilities; one member its own."""
        model = Classifier(ClassifierConfig(members=2, conv_layers=1, conv_filters=4)).eval()
        images = torch.rand(3, 28, 28)
        probabilities = torch.stack([member(images).softmax(-1) for member in model.members]).mean(0)
        torch.testing.assert_close(model(images).exp(), probabilities)
        single = Classifier(ClassifierConfig(members=1, conv_layers=1, conv_filters=4)).eval()
        torch.testing.assert_close(single(images), single.members[0](images).log_softmax(-1))


class TestGlyphDataset:
    """``classifier.GlyphDataset`` (kinds/classifier.py)."""

    def test_a_share_of_the_operators_drawn_afresh(self, handwriting: Handwriting) -> None:
        """With operator_share, every digit and blank is served and that share of the operator glyphs, drawn anew from
        the generator before each epoch; the same generator draws the same share."""
        data = GlyphDataset(handwriting, "train", blanks=4, operator_share=0.34)
        operators = int(np.isin(handwriting.symbols[handwriting.in_pool("train")], list(OPERATORS)).sum())
        assert len(data) == len(data.always) + round(0.34 * operators)
        labels = lambda: data[np.arange(len(data))]["label"].tolist()  # noqa: E731
        assert sum(SYMBOLS[label] in OPERATORS for label in labels()) == round(0.34 * operators)
        assert {SYMBOLS[label] for label in labels()} >= set(DIGITS + PAD)
        drawn = []
        for seed in (0, 1, 0):
            data.draw_operators(torch.Generator().manual_seed(seed))
            drawn.append(data.rows.tolist())
        assert drawn[0] == drawn[2] != drawn[1] and len(drawn[1]) == len(data)


class TestAugmentations:
    """``classifier.affine`` and ``classifier.faint`` (kinds/classifier.py)."""

    @pytest.mark.parametrize("augmentation", [affine, faint])
    def test_are_deterministic_under_the_seed(self, augmentation) -> None:
        """Each augmentation keeps the shape and pixel range, changes the image, and gives the same pixels for the
        same seed."""
        images = torch.rand(6, 28, 28)
        first = augmentation(images, torch.Generator().manual_seed(3))
        assert first.shape == images.shape and first.min() >= 0 and first.max() <= 1 + 1e-6
        assert not torch.allclose(first, images)
        assert torch.equal(first, augmentation(images, torch.Generator().manual_seed(3)))
        assert not torch.equal(first, augmentation(images, torch.Generator().manual_seed(4)))

    def test_faint_dims_and_blurs_a_stroke(self) -> None:
        """faint keeps a stroke's ink up to its brightness factor (the blur moves it, adds none) and spreads it."""
        stroke = torch.zeros(200, 28, 28)
        stroke[:, 8:20, 13:15] = 1.0
        dimmed = faint(stroke, torch.Generator().manual_seed(0))
        ratios = dimmed.sum((-1, -2)) / stroke.sum((-1, -2))
        assert ratios.min() >= MIN_BRIGHTNESS - 0.01 and ratios.max() <= 1 + 1e-5
        assert (dimmed[:, 8:20, 12] > 0).any() and dimmed.amax((-1, -2)).mean() < 0.9


class TestAugmented:
    """``classifier.augmented`` (kinds/classifier.py)."""

    def test_applies_the_kinds_in_order(self) -> None:
        """augmented(kinds) runs each named augmentation in turn; no kinds: no augmentation."""
        images, seed = torch.rand(4, 28, 28), 5
        both = augmented(["affine", "faint"])
        assert both is not None and augmented([]) is None
        generator = torch.Generator().manual_seed(seed)
        expected = faint(affine(images, generator), generator)
        assert torch.equal(both(images, torch.Generator().manual_seed(seed)), expected)


class TestObjective:
    """``classifier.objective`` (kinds/classifier.py)."""

    def test_label_smoothing_is_the_objectives(self) -> None:
        """The objective's loss is the cross entropy smoothed by label_smoothing."""
        logits, labels = torch.randn(5, len(SYMBOLS)), torch.arange(5)
        smooth = objective(label_smoothing=0.1).loss(logits, {"label": labels})
        assert smooth.item() == pytest.approx(
            torch.nn.functional.cross_entropy(logits, labels, label_smoothing=0.1).item())


class _Reads(Classifier):
    """A classifier that reads every image as the symbol written into its top-left pixel (by SYMBOLS index)."""

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.one_hot((images[:, 0, 0] * 255).round().long(), len(SYMBOLS)).float().log()


class TestDigitAccuracy:
    """``classifier.digit_accuracy`` (kinds/classifier.py)."""

    def test_counts_one_pools_digits_alone(self) -> None:
        """Of one pool's digits (test by default; operators and blanks left out, the other pools too), the share read
        right."""
        symbols = np.array([*"0123+ 45*", "6", "7", "8", "9"])
        pool = np.array(["test"] * 9 + ["train", "train", "validation", "validation"])
        images = np.zeros((len(symbols), 28, 28), np.uint8)
        read = ["0", "1", "9", "3", "-", "-", "4", "8", "-", "0", "0", "8", "0"]  # two of the test pool's six digits
        images[:, 0, 0] = [SYMBOLS.index(char) for char in read]  # misread, every train digit, one validation digit
        handwriting = Handwriting(images, symbols, pool)
        classifier = _Reads(ClassifierConfig(members=1, conv_layers=1, conv_filters=4))
        assert digit_accuracy(classifier, handwriting) == pytest.approx(4 / 6)
        assert digit_accuracy(classifier, handwriting, "train") == 0.0
        assert digit_accuracy(classifier, handwriting, "validation") == 0.5
        assert math.isclose(digit_accuracy(classifier, Handwriting(images[:2], symbols[:2], pool[:2])), 1.0)
