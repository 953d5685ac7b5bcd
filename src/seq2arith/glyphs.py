"""Synthetic operator glyphs in the style of the report's ``generate_data``.

Strokes are drawn at 4x resolution and downsampled, which gives MNIST-like soft edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from seq2arith.config import GlyphsConfig

SIZE = 28
SCALE = 4  # supersampling factor for anti-aliased strokes
STROKES = {  # canonical strokes ((x0, y0), (x1, y1)) per operator on the 28x28 canvas
    "-": [((6, 14), (22, 14))],
    "+": [((6, 14), (22, 14)), ((14, 6), (14, 22))],
    "*": [((8, 8), (20, 20)), ((8, 20), (20, 8))],  # multiplication is written as a cross
}


@dataclass(frozen=True)
class Glyphs:
    """Operator images: ``images`` (N, 28, 28) uint8, ``symbols`` (N,) one-character str, ``is_test`` (N,)."""

    images: np.ndarray
    symbols: np.ndarray
    is_test: np.ndarray

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("images", "symbols", "is_test"):
            np.save(folder / f"{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, folder: Path) -> Glyphs:
        return cls(*(np.load(folder / f"{name}.npy") for name in ("images", "symbols", "is_test")))


def draw_glyph(symbol: str, config: GlyphsConfig, rng: np.random.Generator) -> np.ndarray:
    """One (28, 28) uint8 image of ``symbol``: each stroke's end points jittered, one random thickness."""
    canvas = Image.new("L", (SIZE * SCALE, SIZE * SCALE), 0)
    pen = ImageDraw.Draw(canvas)
    width = int(rng.integers(config.thickness[0], config.thickness[1] + 1)) * SCALE
    for start, end in STROKES[symbol]:
        points = np.array([start, end]) + rng.integers(-config.jitter, config.jitter + 1, size=(2, 2))
        pen.line([tuple(p) for p in (points * SCALE + SCALE // 2).tolist()], fill=255, width=width)
    return np.asarray(canvas.resize((SIZE, SIZE), Image.Resampling.LANCZOS), dtype=np.uint8)


def draw_glyphs(config: GlyphsConfig, rng: np.random.Generator) -> Glyphs:
    """Train and test pools of every operator, drawn independently."""
    images, symbols, is_test = [], [], []
    for test, count in ((False, config.train_per_operator), (True, config.test_per_operator)):
        for symbol in STROKES:
            images += [draw_glyph(symbol, config, rng) for _ in range(count)]
            symbols += [symbol] * count
            is_test += [test] * count
    return Glyphs(np.stack(images), np.array(symbols), np.array(is_test))
