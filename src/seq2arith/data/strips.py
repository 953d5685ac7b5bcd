"""Glyph strips as PNG files: T glyphs of 28x28 side by side, white strokes on black as MNIST draws them.

A strip is one grayscale (8-bit) image 28 pixels high and 28*T wide, glyph t in columns 28t .. 28t+27,
in reading order. ``seq2arith render`` writes such strips, ``seq2arith predict --image`` reads them and
``seq2arith predict --draw`` writes text2img's answers the same way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from seq2arith.data import glyph
from seq2arith.runtime.errors import Seq2ArithError
from seq2arith.runtime.files import write_with


class StripError(Seq2ArithError):
    """An image strip cannot be read or written, or has the wrong size."""


def write_strip(path: Path, pixels: torch.Tensor | np.ndarray) -> None:
    """Write ``pixels`` (T, 28, 28), floats in [0, 1], as one 8-bit PNG 28 x 28*T (written atomically)."""
    pixels = torch.as_tensor(pixels, dtype=torch.float32)
    if pixels.ndim != 3 or pixels.shape[1:] != (glyph.SIDE, glyph.SIDE):
        raise ValueError(f"expected pixels of shape (T, {glyph.SIDE}, {glyph.SIDE}), got {tuple(pixels.shape)}")
    row = pixels.clamp(0, 1).mul(255).round().to(torch.uint8).permute(1, 0, 2).reshape(glyph.SIDE, -1)
    image = Image.fromarray(row.numpy())  # uint8 (H, W): mode L
    try:
        write_with(Path(path), lambda tmp: image.save(tmp, format="PNG"))
    except OSError as error:
        raise StripError(f"cannot write {path}: {error.strerror or error}") from None


def read_strip(path: Path, width: int, wider: bool = False) -> torch.Tensor:
    """The glyphs of the PNG strip at ``path`` as (T, 28, 28) floats in [0, 1]: ``width`` glyphs, or with ``wider``
    at least as many.

    Colour images are converted to grayscale; the strip must be 28 high and 28*T wide.
    """
    try:
        with Image.open(path) as image:
            image.load()
            gray = np.asarray(image.convert("L"), dtype=np.uint8)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise StripError(f"cannot read image {path}: {reason}") from None
    side = glyph.SIDE
    glyphs = gray.shape[1] // side
    if gray.shape[0] != side or gray.shape[1] % side or glyphs < width or (glyphs > width and not wider):
        least = "at least " if wider else ""
        raise StripError(f"{path} is {gray.shape[1]}x{gray.shape[0]} pixels; expected {least}{side * width}x{side} "
                         f"({least}{width} glyphs of {side}x{side} side by side, white on black)")
    return torch.from_numpy(np.ascontiguousarray(gray.reshape(side, glyphs, side).transpose(1, 0, 2))).float().div_(255)
