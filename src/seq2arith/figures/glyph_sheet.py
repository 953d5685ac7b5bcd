"""The glyphs stage's sample sheet: what the drawn operator glyphs look like."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seq2arith.data.operator_glyphs import Glyphs
from seq2arith.figures.png import plt, save_png


def glyph_sheet(glyphs: Glyphs, path: Path, per_row: int = 12) -> None:
    """The first ``per_row`` train and test images of every operator, one row each."""
    rows = [(symbol, test) for symbol in np.unique(glyphs.symbols) for test in (False, True)]
    figure, axes = plt.subplots(len(rows), per_row, figsize=(per_row * 0.6, len(rows) * 0.7))
    for (symbol, test), row in zip(rows, axes):
        images = glyphs.images[(glyphs.symbols == symbol) & (glyphs.is_test == test)][:per_row]
        for ax, image in zip(row, images):
            ax.imshow(image, cmap="gray_r", vmin=0, vmax=255)
        row[0].set_title(f"{str(symbol)!r} {'test' if test else 'train'}", fontsize=7, loc="left")
        for ax in row:
            ax.axis("off")
    save_png(figure, path)
