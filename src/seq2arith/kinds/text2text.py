"""text2text: one-hot query -> Core -> per-step softmax over the task's characters (the report's 3.1, 4.1)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from seq2arith.kinds.arithmetic import ArithmeticKind
from seq2arith.models.cores import Core, character_head, characters_and_values
from seq2arith.training.architecture import Architecture
from seq2arith.training.loop import Answers, KindConfig


@dataclass(frozen=True)
class Text2TextConfig(KindConfig):
    """How text2text is trained. Each key is explained beside its value in params.yaml (``text2text:``)."""


class Text2Text(nn.Module):
    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        self.core = Core.over_text(arch.vocabulary, arch.query_width, arch.answer_width, arch.model)
        self.head = character_head(self.core, arch.vocabulary)

    def forward(self, query: torch.Tensor, answer_width: int | None = None) -> torch.Tensor:
        """(B, T_in, V) one-hot -> (B, T_out, V) logits."""
        return characters_and_values(self.core, self.head, query, answer_width)[0]

    def with_values(self, query: torch.Tensor) -> Answers:
        return characters_and_values(self.core, self.head, query)

    def copy_into(self, core: nn.Module, head: nn.Module) -> None:
        """Give ``core`` and ``head`` (of a model built for the same task and core: img2text's, text2img's) this
        model's trained weights."""
        core.load_state_dict(self.core.state_dict())
        head.load_state_dict(self.head.state_dict())


class Text2TextKind(ArithmeticKind):
    name = "text2text"
    options = Text2TextConfig

    def network(self, arch: Architecture) -> nn.Module:
        return Text2Text(arch)


KIND = Text2TextKind()
