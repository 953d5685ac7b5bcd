"""The checkpoint schema: everything needed to rebuild a model, saved inside every checkpoint as plain data."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from seq2arith.models.cores import ModelConfig
from seq2arith.models.images import ReaderConfig
from seq2arith.params import parse_section
from seq2arith.training import FitConfig


@dataclass(frozen=True)
class Architecture:
    """Everything needed to rebuild a model: saved inside every checkpoint as plain data."""

    kind: str  # one of kinds.KINDS
    vocabulary: str  # the task's characters (classifier: every glyph symbol)
    query_width: int = 0
    answer_width: int = 0
    model: ModelConfig = field(default_factory=ModelConfig)
    options: FitConfig = field(default_factory=FitConfig)  # the kind's own section: Img2TextConfig, ...
    reader: ReaderConfig | None = None  # img2text's and the classifier's glyph CNN

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, stored: dict[str, Any], options: type[FitConfig]) -> Architecture:
        """The inverse of ``to_dict`` for a kind whose section is ``options``, every section validated as
        params.yaml's are (ParamsError if not)."""
        reader = stored["reader"]
        return cls(stored["kind"], stored["vocabulary"], stored["query_width"], stored["answer_width"],
                   parse_section(ModelConfig, stored["model"], "model"),
                   parse_section(options, stored["options"], stored["kind"]),
                   None if reader is None else ReaderConfig(**reader))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
