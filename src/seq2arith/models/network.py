"""What a core (``model.core``) is to the rest: the class every core's module defines, with its capabilities as
class attributes, and what it returns. models/cores.py keeps the table of them (``CORES``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, NamedTuple, Protocol

import torch

if TYPE_CHECKING:
    from seq2arith.models.cores import ModelConfig


ValueTargets = Callable[[Sequence[str], int], torch.Tensor]  # queries, columns -> (N, columns, ways) classes


class CoreOutput(NamedTuple):
    states: torch.Tensor  # (B, T_out, output_size): one per answer position
    values: torch.Tensor | None  # (B, T_out, 2, VALUE_CLASSES): the column core's column values; None for others


class CoreNetwork(Protocol):
    """A core: query vectors (B, T_in, F) and the answer width asked -> ``CoreOutput``. What it can do is said by
    its class here, never by its name elsewhere."""

    reads_symbols: ClassVar[bool]  # reads the digits of two numbers out of symbol distributions (needs ``symbols``)
    any_width: ClassVar[bool]  # answers numbers wider than those it was trained on, as wide as asked
    value_targets: ClassVar[ValueTargets | None]  # the targets of its column values (``train.value_loss``), if any
    units_first: ClassVar[bool]  # answers units first only (``model.reverse_answer`` must be true)
    lstm_settings: ClassVar[tuple[str, ...]]  # which of model.extra_lstm, bidirectional, batchnorm shape it
    output_size: int
    writes: str | None  # the characters its states already are (as log-probabilities), or None

    @classmethod
    def build(cls, size: int, steps: int, answer_width: int, config: ModelConfig,
              symbols: str | None) -> CoreNetwork:
        """The core for ``steps`` query vectors of ``size`` (the characters ``symbols`` where they are symbols)."""

    def __call__(self, inputs: torch.Tensor, answer_width: int) -> CoreOutput: ...
