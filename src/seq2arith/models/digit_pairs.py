"""``model.features: digit_pairs``: what the lstm and mlp cores read instead of the query's positions."""

from __future__ import annotations

import torch
from torch import nn

from seq2arith.models.numbers import NumberReader


class DigitPairs(nn.Module):
    """Symbol vectors of a two-number query -> one vector per pair of digits of the two numbers.

    (B, T_in, len(symbols)) -> (B, D*D, 100 + operators): for each pair (a_i, b_j) of the i-th digit
    of the first number and the j-th of the second (units first, short numbers zero-padded), the outer
    product of their digit distributions, plus the operator's. On one-hot text that is the one-hot of the
    pair; on a reader's probabilities it is soft (models.numbers reads the numbers).
    """

    def __init__(self, symbols: str, query_width: int) -> None:
        super().__init__()
        self.numbers = NumberReader(symbols)
        self.steps = ((query_width - 1) // 2) ** 2  # D*D: '99*99' -> 4
        self.size = 100 + len(self.numbers.operators)

    def forward(self, symbols: torch.Tensor) -> torch.Tensor:
        numbers = self.numbers(symbols)
        pairs = numbers.pairs()
        return torch.cat([pairs, numbers.operator[:, None].expand(-1, pairs.shape[1], -1)], dim=-1)
