"""The report's LSTM encoder-decoder core (``model.core: lstm``, its 3.1 and 4.1), with attention as an option."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

import torch
from torch import nn

from seq2arith.models.network import CoreOutput, ValueTargets

if TYPE_CHECKING:
    from seq2arith.models.cores import ModelConfig


class Seq2Seq(nn.Module):
    """Encoder LSTM stack -> summary repeated T_out times (Keras' RepeatVector) -> decoder LSTM.

    ``decoder: attention`` also gives each output step its own learned read of the encoder
    outputs, so step t can look at the digits it needs without squeezing them through one vector.
    """

    reads_symbols: ClassVar[bool] = False
    any_width: ClassVar[bool] = False
    value_targets: ClassVar[ValueTargets | None] = None
    units_first: ClassVar[bool] = False
    lstm_settings: ClassVar[tuple[str, ...]] = ("extra_lstm", "bidirectional", "batchnorm")
    writes: str | None = None

    @classmethod
    def build(cls, size: int, steps: int, answer_width: int, config: ModelConfig, symbols: str | None) -> Seq2Seq:
        return cls(size, answer_width, config)

    def __init__(self, input_size: int, answer_width: int, config: ModelConfig) -> None:
        super().__init__()
        directions = 2 if config.bidirectional else 1
        width = config.hidden * directions
        self.answer_width = answer_width
        self.encoder = nn.LSTM(input_size, config.hidden, num_layers=1 + config.extra_lstm, batch_first=True,
                               dropout=config.dropout if config.extra_lstm else 0.0,
                               bidirectional=config.bidirectional)
        self.attention = None
        if config.decoder == "attention":
            self.step_queries = nn.Parameter(torch.randn(answer_width, width) / math.sqrt(width))
            self.attention = nn.Linear(2 * width, width)
        self.decoder = nn.LSTM(width * (2 if self.attention else 1), config.hidden, batch_first=True,
                               bidirectional=config.bidirectional)
        self.norm = nn.BatchNorm1d(width) if config.batchnorm else nn.Identity()
        self.dropout = nn.Dropout(config.dropout)
        self.output_size = width

    def forward(self, inputs: torch.Tensor, answer_width: int) -> CoreOutput:
        """(B, T_in, F) -> (B, T_out, output_size) states (``answer_width``: the task's, the only one it answers)."""
        outputs, (h, _) = self.encoder(inputs)  # outputs: (B, T_in, W); h: (layers * dirs, B, H)
        directions = 2 if self.encoder.bidirectional else 1
        summary = torch.cat(list(h[-directions:]), dim=-1)  # (B, W): last layer, both directions
        steps = summary.unsqueeze(1).repeat(1, self.answer_width, 1)  # (B, T_out, W): the RepeatVector
        if self.attention is not None:
            query = self.attention(torch.cat([steps, self.step_queries.expand_as(steps)], dim=-1))  # (B, T_out, W)
            scores = query @ outputs.transpose(1, 2) / math.sqrt(outputs.shape[-1])  # (B, T_out, T_in)
            steps = torch.cat([steps, scores.softmax(-1) @ outputs], dim=-1)  # (B, T_out, 2W)
        decoded, _ = self.decoder(steps)  # (B, T_out, W)
        decoded = self.norm(decoded.transpose(1, 2)).transpose(1, 2)
        return CoreOutput(self.dropout(decoded), None)
