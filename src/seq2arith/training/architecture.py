"""The checkpoint schema of the arithmetic kinds: everything needed to rebuild one of their models, saved inside
every checkpoint as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from torch import nn

from seq2arith.models.cores import ModelConfig
from seq2arith.params import parse_section
from seq2arith.training.loop import KindConfig


@dataclass(frozen=True)
class Architecture:
    """What train-<kind>@<task> built: the task's characters and widths, the core and the kind's own section."""

    vocabulary: str  # the task's characters
    query_width: int  # characters of the task's widest query, every query padded to it
    answer_width: int  # ... and of its widest answer
    model: ModelConfig
    options: KindConfig  # the kind's own section (Text2TextConfig, ...), resolved for the task

    @classmethod
    def from_dict(cls, stored: dict[str, Any], options: type[KindConfig], key: str) -> Self:
        """The inverse of ``dataclasses.asdict`` (as ``checkpoint.save`` stores it) for a kind whose section is
        ``options`` (at ``key`` in params.yaml): the model and that section validated as params.yaml's are
        (ParamsError if not)."""
        return cls(**{**stored, "model": parse_section(ModelConfig, stored["model"], "model"),
                      "options": parse_section(options, stored["options"], key)})


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
