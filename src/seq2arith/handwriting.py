"""Handwriting pools: every glyph a strip can show, split into train and test writers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from seq2arith.errors import Seq2ArithError
from seq2arith.glyphs import Glyphs
from seq2arith.mnist import Digits
from seq2arith.text import PAD


@dataclass(frozen=True)
class Handwriting:
    """Every glyph a strip can show: MNIST digits, operator glyphs and one blank per pool."""

    images: np.ndarray  # (M, 28, 28) uint8
    symbols: np.ndarray  # (M,) one-character strings
    is_test: np.ndarray  # (M,) bool: the test pool holds writers never seen in training

    @classmethod
    def combine(cls, digits: Digits, glyphs: Glyphs) -> Handwriting:
        blanks = np.zeros((2, 28, 28), np.uint8)
        return cls(
            np.concatenate([digits.images, glyphs.images, blanks]),
            np.concatenate([digits.labels.astype(str), glyphs.symbols, [PAD, PAD]]),
            np.concatenate([digits.is_test, glyphs.is_test, [False, True]]),
        )

    @classmethod
    def load(cls, digits_dir: Path, glyphs_dir: Path) -> Handwriting:
        return cls.combine(Digits.load(digits_dir), Glyphs.load(glyphs_dir))

    def sample(self, texts: Sequence[str], test: bool, rng: np.random.Generator) -> np.ndarray:
        """For each character of each text, the index of a random image of it from one pool: (N, T) int64."""
        chars = np.array([list(text) for text in texts]).reshape(len(texts), -1)
        chosen = np.zeros(chars.shape, np.int64)
        for symbol in np.unique(chars):
            where = chars == symbol
            pool = np.flatnonzero((self.symbols == symbol) & (self.is_test == test))
            if len(pool) == 0:
                raise ValueError(f"no {'test' if test else 'train'} handwriting for {str(symbol)!r}")
            chosen[where] = pool[rng.integers(len(pool), size=int(where.sum()))]
        return chosen

    def pixels(self, indices: np.ndarray) -> torch.Tensor:
        """Images at ``indices`` (...) as float pixels in [0, 1]: (..., 28, 28)."""
        return torch.from_numpy(self.images[indices]).float().div_(255)


def load_pools(data: Path) -> Handwriting:
    """The handwriting under ``data`` (its ``mnist/`` and ``glyphs/``), or one clear error if it is not there."""
    try:
        return Handwriting.load(data / "mnist", data / "glyphs")
    except (OSError, ValueError, EOFError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise Seq2ArithError(f"cannot read handwriting from {data / 'mnist'} and {data / 'glyphs'} ({reason}): "
                             "run `dvc repro download glyphs` to make them") from None
