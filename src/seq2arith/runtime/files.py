"""Writing outputs so that a crash never leaves a half-written file behind."""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self, cast

import numpy as np


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_with(path: Path, writer: Callable[[Path], object]) -> None:
    """Call ``writer(tmp)`` and move the result to ``path`` atomically."""
    with atomic_path(path) as tmp:
        writer(tmp)


def write_json(path: Path, data: Any) -> None:
    """Pretty, key-sorted JSON, written atomically (stable bytes for git and DVC)."""
    write_with(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n"))


class ArrayFolder:
    """A dataclass of numpy arrays, saved as a folder of one ``<field>.npy`` per field: byte-for-byte
    reproducible, unlike ``.npz`` (zip timestamps)."""

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for field in dataclasses.fields(cast(Any, self)):
            np.save(folder / f"{field.name}.npy", getattr(self, field.name))

    @classmethod
    def load(cls, folder: Path) -> Self:
        return cast(Any, cls)(*(np.load(folder / f"{field.name}.npy") for field in dataclasses.fields(cast(Any, cls))))
