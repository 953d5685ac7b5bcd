"""Handwriting pools: every glyph a strip can show, in three pools of distinct images: train, validation, test.

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


SPLITS = ("train", "validation", "test")  # the query splits; each is drawn in its own pool of handwriting


@dataclass(frozen=True)
class Handwriting:
    """Every glyph a strip can show: MNIST digits, operator glyphs and one blank per pool."""

    images: np.ndarray  # (M, 28, 28) uint8
    symbols: np.ndarray  # (M,) one-character strings
    pool: np.ndarray  # (M,) str: train, validation (held out of the train images) or test (images never trained on)

    @property
    def is_test(self) -> np.ndarray:
        return self.pool == "test"

    def in_pool(self, pool: str) -> np.ndarray:
        """(M,) bool: the images of ``pool`` (one of SPLITS)."""
        if pool not in SPLITS:
            raise ValueError(f"no handwriting pool {pool!r}: the pools are {', '.join(SPLITS)}")
        return self.pool == pool

    def sample(self, texts: Sequence[str], pool: str, rng: np.random.Generator) -> np.ndarray:
        """For each character of each text, the index of a random image of it from ``pool``: (N, T) int64."""
        chars = np.array([list(text) for text in texts]).reshape(len(texts), -1)
        chosen = np.zeros(chars.shape, np.int64)
        members = self.in_pool(pool)
        for symbol in np.unique(chars):
            where = chars == symbol
            images = np.flatnonzero((self.symbols == symbol) & members)
            if len(images) == 0:
                raise ValueError(f"no {pool} handwriting for {str(symbol)!r}")
            chosen[where] = images[rng.integers(len(images), size=int(where.sum()))]
        return chosen

    def pixels(self, indices: np.ndarray) -> torch.Tensor:
        """Images at ``indices`` (...) as float pixels in [0, 1]: (..., 28, 28)."""
        import torch  # here, not above: the dataset stage samples glyphs without torch and starts 2 s sooner

        return torch.from_numpy(self.images[indices]).float().div_(255)

