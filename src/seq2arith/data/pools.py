"""The handwriting pools as the download and glyphs stages leave them: MNIST digits, operator glyphs and one
blank per pool."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seq2arith.data import glyph
from seq2arith.data.handwriting import SPLITS, Handwriting
from seq2arith.data.mnist import Digits
from seq2arith.data.operator_glyphs import Glyphs
from seq2arith.data.text import PAD
from seq2arith.runtime.errors import Seq2ArithError, first_line

VALIDATION_EVERY = 10  # every tenth train image of each symbol is held out for validation. Fixed, not a param:
# every stage that loads handwriting (trainings, evaluations, the CLI) must see the same pools, whatever it reads


def combine(digits: Digits, glyphs: Glyphs) -> Handwriting:
    """Every glyph a strip can show: the digits, the operator glyphs and one blank per pool; a tenth of the train
    images of each symbol form the validation pool."""
    symbols = np.concatenate([digits.labels.astype(str), glyphs.symbols, [PAD] * len(SPLITS)])
    pool = np.concatenate([np.where(digits.is_test, "test", "train"), np.where(glyphs.is_test, "test", "train"),
                           SPLITS]).astype(object)
    for symbol in np.unique(symbols[:-len(SPLITS)]):
        train = np.flatnonzero((symbols[:-len(SPLITS)] == symbol) & (pool[:-len(SPLITS)] == "train"))
        pool[train[VALIDATION_EVERY - 1::VALIDATION_EVERY]] = "validation"
    blanks = np.zeros((len(SPLITS), glyph.SIDE, glyph.SIDE), np.uint8)
    return Handwriting(np.concatenate([digits.images, glyphs.images, blanks]), symbols, pool.astype(str))


def load_handwriting(digits: Path, glyphs: Path) -> Handwriting:
    """The pools from the download stage's folder ``digits`` and the glyphs stage's folder ``glyphs``, or one clear
    error if they are not there."""
    try:
        return combine(Digits.load(digits), Glyphs.load(glyphs))
    except (OSError, ValueError, EOFError) as error:
        raise Seq2ArithError(f"cannot read handwriting from {digits} and {glyphs} ({first_line(error)}): "
                             "run `dvc repro download glyphs` to make them") from None


def load_pools(data: Path) -> Handwriting:
    """The handwriting under ``data`` (its ``mnist/`` and ``glyphs/``)."""
    return load_handwriting(data / "mnist", data / "glyphs")
