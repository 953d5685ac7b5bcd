"""An MLP over the whole query (``model.core: mlp``): what grokking studies train on modular arithmetic."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from torch import nn

from seq2arith.models.network import CoreOutput, ValueTargets

if TYPE_CHECKING:
    import torch

    from seq2arith.models.cores import ModelConfig


class MLP(nn.Module):
    """The whole query at once: (B, T, F) flattened -> ``mlp_layers`` x (Linear, ReLU) -> (B, T_out, hidden),
    one state per answer position from one last linear layer."""

    reads_symbols: ClassVar[bool] = False
    any_width: ClassVar[bool] = False
    value_targets: ClassVar[ValueTargets | None] = None
    units_first: ClassVar[bool] = False
    lstm_settings: ClassVar[tuple[str, ...]] = ()
    writes: str | None = None

    @classmethod
    def build(cls, size: int, steps: int, answer_width: int, config: ModelConfig, symbols: str | None) -> MLP:
        return cls(steps * size, answer_width, config)

    def __init__(self, input_size: int, answer_width: int, config: ModelConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = input_size
        for _ in range(config.mlp_layers):
            layers += [nn.Linear(width, config.hidden), nn.ReLU(), nn.Dropout(config.dropout)]
            width = config.hidden
        layers += [nn.Linear(width, answer_width * config.hidden), nn.Unflatten(1, (answer_width, config.hidden))]
        self.layers = nn.Sequential(*layers)
        self.output_size = config.hidden

    def forward(self, inputs: torch.Tensor, answer_width: int) -> CoreOutput:
        return CoreOutput(self.layers(inputs), None)
