"""Matplotlib for files: no display needed, and the same figure always gives the same PNG bytes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

from seq2arith.files import write_with  # noqa: E402

PNG_METADATA = {"Software": None}  # no version stamp: the same figure gives the same bytes


def save_png(figure: plt.Figure, path: Path) -> None:
    """Write ``figure`` to ``path`` atomically and close it."""
    write_with(path, lambda tmp: figure.savefig(tmp, format="png", dpi=100, metadata=PNG_METADATA))
    plt.close(figure)
