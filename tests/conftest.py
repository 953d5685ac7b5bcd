"""Shared helpers: IDX writer and small in-memory handwriting pools."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from seq2arith.glyphs import Glyphs
from seq2arith.handwriting import Handwriting
from seq2arith.mnist import Digits
from seq2arith.pools import combine

PER_CLASS = 3  # fake images per symbol and pool


def _write_idx(path: Path, array: np.ndarray, gz: bool = False) -> Path:
    """Write ``array`` (uint8) as an IDX file; with ``gz`` the bytes are gzipped and ``.gz`` is appended."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    data = header + array.tobytes()
    path = Path(path)
    if gz:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


@pytest.fixture
def write_idx():
    """The IDX writer ``write_idx(path, array, gz=False) -> path``."""
    return _write_idx


def _fake_digits(seed: int = 0) -> Digits:
    rng = np.random.default_rng(seed)
    labels, is_test = [], []
    for test in (False, True):
        for digit in range(10):
            labels += [digit] * PER_CLASS
            is_test += [test] * PER_CLASS
    images = rng.integers(1, 256, size=(len(labels), 28, 28), dtype=np.uint8)
    return Digits(images, np.array(labels, np.uint8), np.array(is_test))


def _fake_glyphs(seed: int = 1) -> Glyphs:
    rng = np.random.default_rng(seed)
    symbols, is_test = [], []
    for test in (False, True):
        for symbol in "+-*":
            symbols += [symbol] * PER_CLASS
            is_test += [test] * PER_CLASS
    images = rng.integers(1, 256, size=(len(symbols), 28, 28), dtype=np.uint8)
    return Glyphs(images, np.array(symbols), np.array(is_test))


@pytest.fixture
def digits() -> Digits:
    """Random-pixel digits: PER_CLASS images of every digit in each pool (no blank images)."""
    return _fake_digits()


@pytest.fixture
def glyphs() -> Glyphs:
    """Random-pixel operator glyphs: PER_CLASS images of + - * in each pool."""
    return _fake_glyphs()


@pytest.fixture
def handwriting(digits: Digits, glyphs: Glyphs) -> Handwriting:
    """The fake digits and glyphs combined, plus one blank per pool."""
    return combine(digits, glyphs)
