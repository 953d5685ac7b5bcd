"""The checkpoint schema of the arithmetic kinds: everything needed to rebuild one of their models, and nothing of
how it was trained, saved inside every checkpoint as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from torch import nn

from seq2arith.models.cores import ModelConfig
from seq2arith.params import parse_section


@dataclass(frozen=True)
class NetworkOptions:
    """The keys of a kind's params section that shape its network (beyond ``model:``), as opposed to those that
    say how it is trained. A kind's section (a ``KindConfig``) inherits them from its subclass and validates them
    through it; text2text's network is shaped by ``model:`` alone."""

    def validate(self, key: str) -> None:
        """Raise ParamsError for a value outside what the network can be built with (``key``: the section)."""


@dataclass(frozen=True)
class Architecture:
    """What train-<kind>@<task> built: the task's characters and widths, the core and the kind's network options."""

    vocabulary: str  # the task's characters
    query_width: int  # characters of the task's widest query, every query padded to it
    answer_width: int  # ... and of its widest answer
    model: ModelConfig
    network: NetworkOptions  # the kind's (Img2TextNetwork, ...)

    @classmethod
    def from_dict(cls, stored: dict[str, Any], network: type[NetworkOptions], key: str) -> Self:
        """The inverse of ``dataclasses.asdict`` (as ``checkpoint.save`` stores it) for a kind whose network options
        are ``network`` (in section ``key`` of params.yaml): the model and those validated as params.yaml's are
        (ParamsError if not)."""
        return cls(**{**stored, "model": parse_section(ModelConfig, stored["model"], "model"),
                      "network": parse_section(network, stored["network"], key)})


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
