"""The column core (``model.core: columns``): a sum, difference or product worked as the columns of the written
algorithm, which is why it learns from a tenth of the table and reads numbers wider than any it was trained on.

Written by hand, answer column k (units first) holds the units of the values of its own digit pairs and the tens of
the previous column's: for a product the pairs (a_i, b_j) with i + j = k, whose value is a_i * b_j; for a sum or a
difference the aligned pair (a_k, b_k), whose value is a_k +- b_k; the carry then travels up the columns. The core
learns one vector per digit pair and operator for each of those four roles (own products, previous products, own
aligned pair, previous aligned pair) and adds them up per column. A linear readout turns each column into one number,
its value (and the value with the numbers swapped: what a difference needs when the second number is the larger),
softly rounded to an integer; the auxiliary loss ``model.value_loss`` teaches it the written values
(``column_values``). All the LSTMs see of a column is that rounded value: a bidirectional one over the columns (the
sign of a difference depends on the highest digits; ``model.extra_lstm`` stacks more), then one that runs units
first and carries. Nothing depends on the number of digits: D comes from the width of the query and the number of
columns is asked for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from seq2arith.models.numbers import NumberReader
from seq2arith.queries import terms

VALUE_OFFSET = 2  # column values start at -2 (a difference's tens borrow one)
VALUE_CLASSES = 64  # column values -2 .. 61: the widest column of a 3x3-digit product holds at most 51
OWN_PRODUCTS, PREVIOUS_PRODUCTS, OWN_ALIGNED, PREVIOUS_ALIGNED = range(4)  # the roles of a digit pair's vector


class ColumnCore(nn.Module):
    """(B, T_in, len(symbols)) symbol distributions -> one state per answer column (B, K, hidden), and each column's
    value logits (B, K, 2, VALUE_CLASSES): as written, and with the numbers swapped."""

    multiplies: torch.Tensor  # (O,): 1 for the operator * (its pairs sit in the product roles), else 0
    integers: torch.Tensor  # (VALUE_CLASSES,): the column values, -2 .. 61

    def __init__(self, symbols: str, hidden: int, dropout: float, extra_lstm: int = 0) -> None:
        super().__init__()
        self.numbers = NumberReader(symbols)
        operators = [symbols[i] for i in self.numbers.operators]
        self.register_buffer("multiplies", torch.tensor([float(op == "*") for op in operators]), persistent=False)
        self.register_buffer("integers", torch.arange(VALUE_CLASSES) - float(VALUE_OFFSET), persistent=False)
        self.pairs = nn.Parameter(torch.randn(4, len(operators), 100, hidden) / math.sqrt(hidden))  # role, op, pair
        self.readout = nn.Linear(hidden, 2)
        self.sharpness = nn.Parameter(torch.zeros(()))  # of the rounding: logits -e^sharpness (value - integer)^2
        self.read_values = nn.Linear(2 * VALUE_CLASSES, hidden, bias=False)
        self.encoder = nn.LSTM(hidden, hidden, num_layers=1 + extra_lstm, batch_first=True,  # (Tables 1 and 4)
                               dropout=dropout if extra_lstm else 0.0, bidirectional=True)  # between stacked layers
        self.decoder = nn.LSTM(2 * hidden, hidden, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.output_size = hidden

    def _embedded(self, pairs: torch.Tensor, role: int, gate: torch.Tensor) -> torch.Tensor:
        """(B, N, 100) pair distributions -> (B, N, hidden): their vectors for ``role``, each operator's weighted by
        ``gate`` (B, O). The vector of the pair (0, 0) is subtracted: zero padding adds nothing to a column."""
        table = self.pairs[role] - self.pairs[role][:, :1]  # (O, 100, hidden)
        return torch.einsum("bnp,oph,bo->bnh", pairs, table, gate)

    def columns(self, symbols: torch.Tensor, answer_width: int) -> torch.Tensor:
        """(B, T_in, S) -> (B, K, hidden): the sum of the vectors of each column's pairs."""
        first, second, operator = self.numbers(symbols)
        batch, places = first.shape[:2]
        pairs = torch.einsum("bix,bjy->bijxy", first, second).reshape(batch, places * places, 100)  # (a_i, b_j)
        aligned = pairs[:, torch.arange(places) * (places + 1)]  # (B, D, 100): (a_k, b_k)
        multiply, add = operator * self.multiplies, operator * (1 - self.multiplies)  # (B, O) each
        column_of_pair = (torch.arange(places)[:, None] + torch.arange(places)).reshape(-1).to(symbols.device)
        column_of_digit = torch.arange(places, device=symbols.device)
        columns = pairs.new_zeros(batch, max(answer_width, 2 * places) + 1, self.output_size)
        columns = columns.index_add(1, column_of_pair, self._embedded(pairs, OWN_PRODUCTS, multiply))
        columns = columns.index_add(1, column_of_pair + 1, self._embedded(pairs, PREVIOUS_PRODUCTS, multiply))
        columns = columns.index_add(1, column_of_digit, self._embedded(aligned, OWN_ALIGNED, add))
        columns = columns.index_add(1, column_of_digit + 1, self._embedded(aligned, PREVIOUS_ALIGNED, add))
        return columns[:, :answer_width]

    def forward(self, symbols: torch.Tensor, answer_width: int) -> tuple[torch.Tensor, torch.Tensor]:
        readout = self.readout(self.columns(symbols, answer_width))  # (B, K, 2): each column's value, two ways
        values = -self.sharpness.exp() * (readout[..., None] - self.integers) ** 2  # (B, K, 2, C): softly rounded
        seen = self.read_values(values.softmax(-1).flatten(-2))  # (B, K, hidden): all the LSTMs see of a column
        encoded, _ = self.encoder(seen)  # (B, K, 2 hidden)
        decoded, _ = self.decoder(encoded)  # (B, K, hidden), units first
        return self.dropout(decoded), values


def column_values(query: str, columns: int) -> list[tuple[int, int]]:
    """The value the written algorithm puts in each of ``columns`` answer columns of a query of two numbers, units
    first, with the numbers as written and swapped: the units of the values of the column's own digit pairs plus
    the tens of the previous column's (``'47*5'``: 7*5 = 35 -> 5; 4*5 = 20 -> 0 + 3; -> 2: ``[(5, 5), (3, 3),
    (2, 2), (0, 0)]``). A difference's pairs are a_k - b_k: their units and tens are taken as Python's % and //
    take them, so a borrow is a -1 in the next column."""
    (first, second), (operator,) = terms(query)
    return list(zip(_values(first, second, operator, columns), _values(second, first, operator, columns)))


def _values(first: int, second: int, operator: str, columns: int) -> list[int]:
    a, b = (_digits(number, columns) for number in (first, second))
    if operator == "*":
        pairs = [[a[i] * b[k - i] for i in range(k + 1)] for k in range(columns)]
    else:
        pairs = [[a[k] + b[k] if operator == "+" else a[k] - b[k]] for k in range(columns)]
    return [sum(v % 10 for v in pairs[k]) + (sum(v // 10 for v in pairs[k - 1]) if k else 0) for k in range(columns)]


def _digits(number: int, places: int) -> list[int]:
    return [number // 10**k % 10 for k in range(places)]


def value_targets(queries: Sequence[str], columns: int) -> torch.Tensor:
    """The classes of ``column_values`` of each query: (N, columns, 2) int64 (clipped to the classes there are)."""
    values = torch.tensor([column_values(query, columns) for query in queries], dtype=torch.int64)
    return (values + VALUE_OFFSET).clamp(0, VALUE_CLASSES - 1)
