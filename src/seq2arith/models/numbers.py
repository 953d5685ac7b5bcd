"""The two numbers of a query, read out of per-position symbol distributions: one-hot text, or a glyph reader's
probabilities (then each digit is a distribution too)."""

from __future__ import annotations

from typing import NamedTuple

import torch

from seq2arith.data.text import DIGITS, PAD


class TwoNumbers(NamedTuple):
    first: torch.Tensor  # (B, D, 10): the digit distributions of the first number, units first, zero-padded to D
    second: torch.Tensor  # (B, D, 10): those of the second
    operator: torch.Tensor  # (B, O): the distribution over the symbols' operators, in their order

    def pairs(self) -> torch.Tensor:
        """(B, D*D, 100): for each pair (a_i, b_j) of digits of the two numbers, i-major, the outer product of their
        distributions (the one-hot of the pair, on text)."""
        batch, places = self.first.shape[:2]
        return torch.einsum("bix,bjy->bijxy", self.first, self.second).reshape(batch, places * places, 100)

    def aligned_pairs(self) -> torch.Tensor:
        """(B, D, 100): those of the aligned pairs (a_k, b_k) only."""
        return torch.einsum("bkx,bky->bkxy", self.first, self.second).flatten(-2)


class NumberReader:
    """Reads two numbers joined by an operator from (B, T_in, len(symbols)) symbol distributions.

    Where the numbers sit is read from the likeliest symbol of each position: the likeliest operator position
    splits them, padding ends the second. D, the digit places, is (T_in - 1) // 2: a wider query holds wider
    numbers, so nothing here is fixed to the width a model was trained on.
    """

    def __init__(self, symbols: str) -> None:
        self.operators = [i for i, char in enumerate(symbols) if char not in DIGITS + PAD]
        self.pad = symbols.index(PAD)

    def __call__(self, symbols: torch.Tensor) -> TwoNumbers:
        batch, width, _ = symbols.shape
        places = (width - 1) // 2
        positions = torch.arange(width, device=symbols.device)
        operator = symbols[..., self.operators].sum(-1).argmax(-1)  # (B,)
        padding = (symbols.argmax(-1) == self.pad) & (positions > operator[:, None])  # (B, T_in)
        end = torch.where(padding, positions, width).min(-1).values  # (B,) one past the second number
        digits = symbols[..., :10] / symbols[..., :10].sum(-1, keepdim=True).clamp(min=1e-6)  # (B, T_in, 10)
        first = _digits(digits, operator - 1, torch.zeros_like(operator), places)
        second = _digits(digits, end - 1, operator + 1, places)
        operators = symbols[torch.arange(batch, device=symbols.device), operator][:, self.operators]  # (B, O)
        return TwoNumbers(first, second, operators / operators.sum(-1, keepdim=True).clamp(min=1e-6))


def _digits(digits: torch.Tensor, last: torch.Tensor, first: torch.Tensor, places: int) -> torch.Tensor:
    """(B, D, 10): the digit distributions at positions last, last-1, ...; a zero where before ``first``."""
    at = last[:, None] - torch.arange(places, device=last.device)  # (B, D) positions, units first
    gathered = digits.gather(1, at.clamp(min=0)[..., None].expand(-1, -1, 10))  # (B, D, 10)
    zero = torch.zeros_like(gathered)
    zero[..., 0] = 1
    return torch.where((at >= first[:, None])[..., None], gathered, zero)
