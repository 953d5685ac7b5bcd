"""The handwriting pools as the download and glyphs stages leave them: MNIST digits, operator glyphs and one
blank per pool."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seq2arith import glyph
from seq2arith.errors import Seq2ArithError
from seq2arith.glyphs import Glyphs
from seq2arith.handwriting import Handwriting
from seq2arith.mnist import Digits
from seq2arith.text import PAD


def combine(digits: Digits, glyphs: Glyphs) -> Handwriting:
    """Every glyph a strip can show: the digits, the operator glyphs and one blank per pool."""
    blanks = np.zeros((2, glyph.SIDE, glyph.SIDE), np.uint8)
    return Handwriting(
        np.concatenate([digits.images, glyphs.images, blanks]),
        np.concatenate([digits.labels.astype(str), glyphs.symbols, [PAD, PAD]]),
        np.concatenate([digits.is_test, glyphs.is_test, [False, True]]),
    )


def load_handwriting(digits: Path, glyphs: Path) -> Handwriting:
    """The pools from the download stage's folder ``digits`` and the glyphs stage's folder ``glyphs``."""
    return combine(Digits.load(digits), Glyphs.load(glyphs))


def load_pools(data: Path) -> Handwriting:
    """The handwriting under ``data`` (its ``mnist/`` and ``glyphs/``), or one clear error if it is not there."""
    try:
        return load_handwriting(data / "mnist", data / "glyphs")
    except (OSError, ValueError, EOFError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise Seq2ArithError(f"cannot read handwriting from {data / 'mnist'} and {data / 'glyphs'} ({reason}): "
                             "run `dvc repro download glyphs` to make them") from None
