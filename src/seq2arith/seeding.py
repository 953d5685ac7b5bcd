"""One seed per stage from params.yaml, split into independent streams by purpose."""

from __future__ import annotations

import zlib

import numpy as np
import torch


def rng(seed: int, purpose: str) -> np.random.Generator:
    """A numpy generator for ``purpose`` (e.g. ``"glyphs"``): same seed and purpose, same numbers."""
    return np.random.default_rng([seed, zlib.crc32(purpose.encode())])


def seed_torch(seed: int, purpose: str) -> torch.Generator:
    """Seed torch's global state for deterministic kernels, and return a generator for ``purpose``."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    return torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(purpose.encode()))
