"""Matplotlib for files: no display needed, and the same figure always gives the same PNG bytes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # (imported after the backend is chosen)
from matplotlib.figure import Figure

from seq2arith.runtime.files import write_with

__all__ = ["COLORS", "plt", "save_png"]

PNG_METADATA = {"Software": None}  # no version stamp: the same figure gives the same bytes
COLORS = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]  # matplotlib's default cycle: tab10


def save_png(figure: Figure, path: Path) -> None:
    """Write ``figure`` to ``path`` atomically and close it."""
    write_with(path, lambda tmp: figure.savefig(tmp, format="png", dpi=100, metadata=PNG_METADATA))
    plt.close(figure)
