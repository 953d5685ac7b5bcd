"""One seed per stage from params.yaml, split into independent streams by purpose."""

from __future__ import annotations

import os
import zlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


def rng(seed: int, purpose: str) -> np.random.Generator:
    """A numpy generator for ``purpose`` (e.g. ``"glyphs"``): same seed and purpose, same numbers."""
    return np.random.default_rng([seed, zlib.crc32(purpose.encode())])


def seed_torch(seed: int, purpose: str, device: torch.device | None = None) -> torch.Generator:
    """Seed torch's global state for deterministic kernels on ``device`` (None: the CPU), and return a (CPU)
    generator for ``purpose``: it shuffles and augments the same way wherever the model runs."""
    import torch  # here, not above: the data stages use `rng` alone and start 2 s sooner without torch

    device = device or torch.device("cpu")
    torch.manual_seed(seed)
    if device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS is deterministic only with it
    # on the CPU every kernel used has a deterministic version; a CUDA kernel without one warns instead of failing.
    # torch.use_deterministic_algorithms sets this same flag, and imports torch._inductor's config first (1.5 s a
    # stage) for torch.compile, which nothing here uses
    torch._C._set_deterministic_algorithms(True, warn_only=device.type != "cpu")
    return torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(purpose.encode()))
