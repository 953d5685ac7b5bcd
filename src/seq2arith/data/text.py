"""Characters, vocabularies and the report's one-hot ``encode_labels``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seq2arith.runtime.errors import Seq2ArithError

DIGITS = "0123456789"
OPERATORS = "+-*"  # canonical order: it fixes the order of characters in a vocabulary
PAD = " "  # queries and answers are padded at the end with spaces
SYMBOLS = DIGITS + OPERATORS + PAD  # every character a glyph can show: the classifier's classes


def vocabulary(operators: Sequence[str]) -> str:
    """The characters of a task: digits, its operators (minus also writes negative answers), padding.

    ``['+', '-']`` gives 13 characters and ``['*']`` 12, as in the report's models.
    """
    return DIGITS + "".join(op for op in OPERATORS if op in operators) + PAD


def encode(texts: Sequence[str], vocab: str) -> np.ndarray:
    """Equal-length strings to character indices (N, T) int64."""
    index = {char: i for i, char in enumerate(vocab)}
    try:
        return np.array([[index[char] for char in text] for text in texts], dtype=np.int64).reshape(len(texts), -1)
    except KeyError as error:
        raise Seq2ArithError(f"character {error.args[0]!r} is not in the vocabulary {vocab!r}") from None


def decode(indices: np.ndarray, vocab: str) -> list[str]:
    """Character indices (N, T) back to strings."""
    chars = np.array(list(vocab))
    return ["".join(row) for row in chars[np.asarray(indices)]]


def encode_labels(labels: Sequence[str], vocab: str) -> np.ndarray:
    """One-hot (N, T, len(vocab)) float32, as the report's ``encode_labels``."""
    return np.eye(len(vocab), dtype=np.float32)[encode(labels, vocab)]


def to_target(answer: str, reverse: bool) -> str:
    """The sequence a model emits for ``answer``: ``'-11 '`` -> ``'11- '`` when reversed (units first)."""
    return answer.rstrip(PAD)[::-1].ljust(len(answer), PAD) if reverse else answer


def target_positions(answer: str, reverse: bool) -> list[int]:
    """Where each emitted character comes from in ``answer``: ``to_target`` applied to positions."""
    digits = len(answer.rstrip(PAD)) if reverse else 0
    return list(range(digits))[::-1] + list(range(digits, len(answer)))


def from_target(target: str, reverse: bool) -> str:
    """Inverse of ``to_target`` for any emitted string."""
    return to_target(target, reverse)
