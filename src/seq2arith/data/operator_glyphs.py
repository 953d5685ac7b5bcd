"""Synthetic operator glyphs in the style of the report's ``generate_data``.

Strokes are drawn at 4x resolution and downsampled, which gives MNIST-like soft edges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from seq2arith.data import glyph
from seq2arith.params import require
from seq2arith.runtime.files import ArrayFolder

SCALE = 4  # supersampling factor for anti-aliased strokes
STROKES = {  # canonical strokes ((x0, y0), (x1, y1)) per operator on the 28x28 canvas
    "-": [((6, 14), (22, 14))],
    "+": [((6, 14), (22, 14)), ((14, 6), (14, 22))],
    "*": [((8, 8), (20, 20)), ((8, 20), (20, 8))],  # multiplication is written as a cross
}


@dataclass(frozen=True)
class GlyphsConfig:
    """How the operator glyphs are drawn. Each key is explained beside its value in params.yaml (``glyphs:``)."""

    train_per_operator: int = 1000
    test_per_operator: int = 250
    thickness: list[int] = field(default_factory=lambda: [2, 3])
    jitter: int = 3

    def validate(self, key: str) -> None:
        for name in ("train_per_operator", "test_per_operator"):
            value = getattr(self, name)
            require(f"{key}.{name}", value, value >= 1, "must be an integer >= 1")
        require(f"{key}.thickness", self.thickness,
                 len(self.thickness) == 2 and 1 <= self.thickness[0] <= self.thickness[1] <= 6,
                 "must be [min, max] with 1 <= min <= max <= 6")
        require(f"{key}.jitter", self.jitter, 0 <= self.jitter <= 6, "must be an integer from 0 to 6")


@dataclass(frozen=True)
class Glyphs(ArrayFolder):
    """Operator images: ``images`` (N, 28, 28) uint8, ``symbols`` (N,) one-character str, ``is_test`` (N,)."""

    images: np.ndarray
    symbols: np.ndarray
    is_test: np.ndarray


def draw_glyph(symbol: str, config: GlyphsConfig, rng: np.random.Generator) -> np.ndarray:
    """One (28, 28) uint8 image of ``symbol``: each stroke's end points jittered, one random thickness."""
    canvas = Image.new("L", (glyph.SIDE * SCALE, glyph.SIDE * SCALE), 0)
    pen = ImageDraw.Draw(canvas)
    width = int(rng.integers(config.thickness[0], config.thickness[1] + 1)) * SCALE
    for start, end in STROKES[symbol]:
        points = np.array([start, end]) + rng.integers(-config.jitter, config.jitter + 1, size=(2, 2))
        pen.line([tuple(p) for p in (points * SCALE + SCALE // 2).tolist()], fill=255, width=width)
    return np.asarray(canvas.resize((glyph.SIDE, glyph.SIDE), Image.Resampling.LANCZOS), dtype=np.uint8)


def draw_glyphs(config: GlyphsConfig, rng: np.random.Generator) -> Glyphs:
    """Train and test pools of every operator, drawn independently."""
    images, symbols, is_test = [], [], []
    for test, count in ((False, config.train_per_operator), (True, config.test_per_operator)):
        for symbol in STROKES:
            images += [draw_glyph(symbol, config, rng) for _ in range(count)]
            symbols += [symbol] * count
            is_test += [test] * count
    return Glyphs(np.stack(images), np.array(symbols), np.array(is_test))
