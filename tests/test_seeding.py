"""Random streams keyed by purpose, torch seeded for deterministic kernels, data stages that start without torch."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from seq2arith.runtime.seeding import rng, seed_torch


def _draw(seed: int, purpose: str) -> np.ndarray:
    return rng(seed, purpose).integers(1 << 30, size=4)


class TestRng:
    """``seeding.rng`` (runtime/seeding.py)."""

    def test_streams_are_keyed_by_purpose(self) -> None:
        """Same seed and purpose, same numbers; another purpose or seed, other numbers."""
        assert np.array_equal(_draw(0, "glyphs"), _draw(0, "glyphs"))
        assert not np.array_equal(_draw(0, "glyphs"), _draw(0, "dataset-mul"))
        assert not np.array_equal(_draw(0, "glyphs"), _draw(1, "glyphs"))


class TestSeedTorch:
    """``seeding.seed_torch`` (runtime/seeding.py)."""

    def test_on_cuda(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """On CUDA, cuBLAS gets the fixed workspace it needs to be deterministic and a kernel without a
        deterministic version warns; on the CPU every kernel must be deterministic, as before."""
        monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
        seed_torch(0, "t", torch.device("cuda"))
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
        assert torch.are_deterministic_algorithms_enabled() and torch.is_deterministic_algorithms_warn_only_enabled()
        seed_torch(0, "t")
        assert (torch.are_deterministic_algorithms_enabled()
                and not torch.is_deterministic_algorithms_warn_only_enabled())

    def test_generators_are_keyed_by_purpose(self) -> None:
        """The generator a training shuffles with depends on its purpose, not on how often torch was seeded."""
        first = torch.randint(1 << 30, (4,), generator=seed_torch(0, "train-mul-text2text"))
        seed_torch(0, "train-addsub-text2text")
        assert torch.equal(torch.randint(1 << 30, (4,), generator=seed_torch(0, "train-mul-text2text")), first)
        assert not torch.equal(torch.randint(1 << 30, (4,), generator=seed_torch(0, "train-addsub-text2text")), first)


class TestDataStages:
    """The modules the download, glyphs and dataset stages import."""

    def test_the_data_stages_start_without_torch(self) -> None:
        """The download, glyphs and dataset stages' modules import no torch: importing it costs 2 s a stage."""
        modules = ", ".join(f"seq2arith.{name}" for name in
                            ("data.query_sets", "runtime.files", "figures.glyph_sheet", "data.operator_glyphs",
                             "data.mnist", "params", "data.pools", "data.queries", "runtime.seeding"))
        check = f"import sys; import {modules}; assert 'torch' not in sys.modules, 'torch imported'"
        subprocess.run([sys.executable, "-c", check], check=True)
