"""Handwriting pools: every glyph a strip can show, split into train and test writers.

The pools as arrays, for the stages that draw or read strips; ``pools`` reads them from the download and glyphs
stages' folders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Handwriting:
    """Every glyph a strip can show: MNIST digits, operator glyphs and one blank per pool."""

    images: np.ndarray  # (M, 28, 28) uint8
    symbols: np.ndarray  # (M,) one-character strings
    is_test: np.ndarray  # (M,) bool: the test pool holds writers never seen in training

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
        import torch  # here, not above: the dataset stage samples glyphs without torch and starts 2 s sooner

        return torch.from_numpy(self.images[indices]).float().div_(255)

