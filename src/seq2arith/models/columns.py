"""The column core (``model.core: columns``): a sum, difference or product worked as the columns of the written
algorithm, which is why it learns from a tenth of the table and answers numbers far wider than any it was trained
on.

Written by hand, answer column k (units first) of a sum or a difference adds its aligned digit pair, a_k +- b_k; of
a product, the pairs (a_i, b_j) with i + j = k: the units of their products plus the tens of the previous column's.
The core learns one vector per digit pair and operator for each of those three roles (own aligned pair, own
products, previous products) and adds them up per column; a linear readout turns each column into its value (and
the value with the numbers swapped: what a difference needs when the second number is the larger), softly rounded
to an integer. The auxiliary loss ``model.value_loss`` teaches it the written values (``column_values``) and the
written digits (``column_digits``).

Then the carry travels up the columns. ``model.carry: machine``: what each column adds before carrying (a sum's or
difference's value; a product's value's units plus the previous column's tens: at most 18) goes through a finite-
state machine learned from the written digits (``CarryMachine``), as written and swapped; as written, a negative
difference borrows past its highest column, which says to answer the swapped digits with a minus. The answer's
characters follow as numbers are written (no leading zeros, the minus before the first digit); ``model.extra_lstm``
LSTM layers over the columns may rewrite them. ``model.carry: lstm``: the LSTMs see each column's rounded value and
carry themselves, a bidirectional one over the columns (``model.extra_lstm`` stacks more) and one units first.
Nothing depends on the number of digits: D comes from the width of the query and the number of columns is asked for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from seq2arith.data.queries import terms, value_of
from seq2arith.data.text import DIGITS, PAD
from seq2arith.models.network import CoreOutput, ValueTargets
from seq2arith.models.numbers import NumberReader

if TYPE_CHECKING:
    from seq2arith.models.cores import ModelConfig

VALUE_OFFSET = 9  # column values start at -9 (a difference's column 0 - 9)
VALUE_CLASSES = 100  # column values -9 .. 90: the widest column of a 5x5-digit product holds at most 77
SUM_CLASSES = 28  # what a column adds before carrying: -9 .. 18 (offset VALUE_OFFSET, as the values)
CARRY_STATES = 3  # the carry machine's states: as many as a carry can be (-1, 0, 1)
CARRIES = ("machine", "lstm")
WRITTEN = DIGITS + "-" + PAD  # the characters an answer column is written as (carry: machine)
OWN_ALIGNED, OWN_PRODUCTS, PREVIOUS_PRODUCTS = range(3)  # the roles of a digit pair's vector


def value_targets(queries: Sequence[str], columns: int) -> torch.Tensor:
    """The classes of each query's ``column_values`` and ``column_digits``: (N, columns, 5) int64 (clipped to the
    classes there are)."""
    values = torch.tensor([[(*pair, *digits) for pair, digits in zip(column_values(query, columns),
                                                                      column_digits(query, columns))]
                           for query in queries], dtype=torch.int64)
    return (values + VALUE_OFFSET).clamp(0, VALUE_CLASSES - 1)


class ColumnCore(nn.Module):
    """(B, T_in, len(symbols)) symbol distributions -> one state per answer column (B, K, output_size), and the
    logits of each column's values and digits (B, K + 1, ways, VALUE_CLASSES): see ``forward``."""

    reads_symbols: ClassVar[bool] = True
    any_width: ClassVar[bool] = True
    units_first: ClassVar[bool] = True
    value_targets: ClassVar[ValueTargets | None] = staticmethod(value_targets)
    lstm_settings: ClassVar[tuple[str, ...]] = ("extra_lstm",)  # LSTMs over its columns (Tables 1 and 4)

    multiplies: torch.Tensor  # (O,): 1 for the operator * (its pairs sit in the product roles), else 0
    integers: torch.Tensor  # (VALUE_CLASSES,): the column values, -9 .. 90
    units: torch.Tensor  # (VALUE_CLASSES, 10): one-hot of each value's units
    tens: torch.Tensor  # (VALUE_CLASSES, 10): one-hot of each value's tens (0 for the negative values)
    sums: torch.Tensor  # (100, SUM_CLASSES): one-hot of u + t, for the pair of digits 10 u + t

    def __init__(self, symbols: str, hidden: int, dropout: float, extra_lstm: int = 0, carry: str = "machine"
                 ) -> None:
        super().__init__()
        self.numbers = NumberReader(symbols)
        operators = [symbols[i] for i in self.numbers.operators]
        self.register_buffer("multiplies", torch.tensor([float(op == "*") for op in operators]), persistent=False)
        integers = torch.arange(VALUE_CLASSES) - VALUE_OFFSET
        self.register_buffer("integers", integers.float(), persistent=False)
        self.register_buffer("units", F.one_hot(integers % 10, 10).float(), persistent=False)
        self.register_buffer("tens", F.one_hot((integers // 10).clamp(0, 9), 10).float(), persistent=False)
        digits = torch.arange(100)
        self.register_buffer("sums", F.one_hot(digits // 10 + digits % 10 + VALUE_OFFSET, SUM_CLASSES).float(),
                             persistent=False)
        self.pairs = nn.Parameter(torch.randn(3, len(operators), 100, hidden) / math.sqrt(hidden))  # role, op, pair
        self.readout = nn.Linear(hidden, 2)
        self.sharpness = nn.Parameter(torch.zeros(()))  # of the rounding: logits -e^sharpness (value - integer)^2
        self.machine = CarryMachine() if carry == "machine" else None
        layers = extra_lstm if self.machine else 1 + extra_lstm
        read = len(WRITTEN) if self.machine else 2 * VALUE_CLASSES
        self.read = nn.Linear(read, hidden, bias=False) if layers else None
        self.encoder = nn.LSTM(hidden, hidden, num_layers=layers, batch_first=True,  # (Tables 1 and 4)
                               dropout=dropout if layers > 1 else 0.0, bidirectional=True) if layers else None
        self.decoder = None if self.machine else nn.LSTM(2 * hidden, hidden, batch_first=True)
        self.rewrite = nn.Linear(2 * hidden, len(WRITTEN)) if self.machine and self.encoder else None
        self.dropout = nn.Dropout(dropout)
        self.writes = WRITTEN if self.machine else None  # its states are these characters' log-probabilities
        self.output_size = len(WRITTEN) if self.machine else hidden

    @classmethod
    def build(cls, size: int, steps: int, answer_width: int, config: ModelConfig, symbols: str | None
              ) -> ColumnCore:
        assert symbols is not None  # Core checks that a core that reads symbols is given them
        return cls(symbols, config.hidden, config.dropout, config.extra_lstm, config.carry)

    def _embedded(self, pairs: torch.Tensor, role: int, gate: torch.Tensor) -> torch.Tensor:
        """(B, N, 100) pair distributions -> (B, N, hidden): their vectors for ``role``, each operator's weighted by
        ``gate`` (B, O). The vector of the pair (0, 0) is subtracted: zero padding adds nothing to a column."""
        table = self.pairs[role] - self.pairs[role][:, :1]  # (O, 100, hidden)
        return torch.einsum("bnp,oph,bo->bnh", pairs, table, gate)

    def columns(self, symbols: torch.Tensor, width: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T_in, S) -> the sum of the vectors of the pairs of ``width`` columns (B, width, hidden), and how much
        the query is a product (B,)."""
        numbers = self.numbers(symbols)
        operator, pairs = numbers.operator, numbers.pairs()  # (B, O), (B, D*D, 100): (a_i, b_j)
        batch, places = numbers.first.shape[:2]
        aligned = pairs[:, torch.arange(places) * (places + 1)]  # (B, D, 100): (a_k, b_k)
        multiply, add = operator * self.multiplies, operator * (1 - self.multiplies)  # (B, O) each
        column_of_pair = (torch.arange(places)[:, None] + torch.arange(places)).reshape(-1).to(symbols.device)
        column_of_digit = torch.arange(places, device=symbols.device)
        columns = pairs.new_zeros(batch, max(width, 2 * places) + 1, self.pairs.shape[-1])
        columns = columns.index_add(1, column_of_digit, self._embedded(aligned, OWN_ALIGNED, add))
        columns = columns.index_add(1, column_of_pair, self._embedded(pairs, OWN_PRODUCTS, multiply))
        columns = columns.index_add(1, column_of_pair + 1, self._embedded(pairs, PREVIOUS_PRODUCTS, multiply))
        return columns[:, :width], multiply.sum(-1)

    def forward(self, symbols: torch.Tensor, answer_width: int) -> CoreOutput:
        """(B, T_in, S) -> the states of ``answer_width`` columns (B, K, output_size), and the logits of the values
        of those columns and one more, as written and swapped (B, K + 1, 2, C), with ``carry: machine`` followed
        by those of their digits as written, swapped and of the answer (B, K + 1, 5, C): ``value_targets``."""
        columns, product = self.columns(symbols, answer_width + 1)
        readout = self.readout(columns)  # (B, K + 1, 2): each column's value, two ways
        values = -self.sharpness.exp() * (readout[..., None] - self.integers) ** 2  # (B, K + 1, 2, C): rounded
        if self.machine is None:
            assert self.read is not None and self.encoder is not None and self.decoder is not None
            encoded, _ = self.encoder(self.read(values[:, :-1].softmax(-1).flatten(-2)))  # (B, K, 2 hidden)
            decoded, _ = self.decoder(encoded)  # (B, K, hidden), units first
            return CoreOutput(self.dropout(decoded), values)
        # the machine reads the values as their own loss taught them: no gradient of the carrying bends them
        carried = self.machine(self.digit_sums(values.softmax(-1).detach(), product))  # (B, K + 1, 2, 10)
        negative = carried[:, -1:, :1, 9:]  # (B, 1, 1, 1): as written, a borrow past the highest column
        digits = torch.cat([carried, (1 - negative) * carried[:, :, :1] + negative * carried[:, :, 1:]], 2)
        written = written_characters(digits[:, :-1, 2], negative[..., 0, 0])  # (B, K, 12)
        states = written.clamp(min=1e-6).log()
        if self.encoder is not None:  # model.extra_lstm: LSTM layers over the columns that may rewrite them
            assert self.read is not None and self.rewrite is not None
            states = states + self.rewrite(self.encoder(self.read(written))[0])
        digit_logits = F.pad(digits.clamp(min=1e-6).log(), (VALUE_OFFSET, VALUE_CLASSES - VALUE_OFFSET - 10),
                             value=-1e4)  # (B, K + 1, 3, C): the digits as value classes
        return CoreOutput(self.dropout(states), torch.cat([values, digit_logits], 2))

    def digit_sums(self, values: torch.Tensor, product: torch.Tensor) -> torch.Tensor:
        """(B, K, 2, C) value distributions -> (B, K, 2, SUM_CLASSES): what each column adds before carrying. A sum's
        or a difference's column adds its value; a product's its value's units and the previous column's tens (a
        product's column value can be wider than a digit: 12*34's tens column holds 10)."""
        aligned = values[..., :SUM_CLASSES]  # the values -9 .. 18
        none = F.one_hot(values.new_zeros(values.shape[0], 1, 2, dtype=torch.int64), 10).to(values.dtype)
        tens = torch.cat([none, (values @ self.tens)[:, :-1]], 1)  # the previous column's (none before the units)
        products = torch.einsum("bkru,bkrt->bkrut", values @ self.units, tens).flatten(-2) @ self.sums
        share = product[:, None, None, None]
        return share * products + (1 - share) * aligned


def written_characters(digits: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
    """(B, K, 10) the answer's digits, units first, and (B, 1) the probability that it is negative -> (B, K, 12)
    the probabilities of each column's character as numbers are written: a digit, the minus (after the highest
    non-zero digit, where negative) or a blank (past the number; the units column is never blank). The digits are
    taken as independent."""
    zero = digits[..., 0]  # (B, K)
    above = torch.cat([zero.flip(1).cumprod(1).flip(1)[:, 1:], torch.ones_like(zero[:, :1])], 1)  # all zeros above
    leading = zero * above  # the column and all above are zeros
    leading = torch.cat([torch.zeros_like(leading[:, :1]), leading[:, 1:]], 1)  # the units are written
    below = torch.cat([torch.zeros_like(zero[:, :1]), 1 - zero[:, :-1]], 1)  # the digit below is not a zero
    minus = negative * leading * below
    return torch.cat([digits[..., :1] - leading[..., None], digits[..., 1:], minus[..., None],
                      (leading - minus)[..., None]], -1).clamp(min=0)


class CarryMachine(nn.Module):
    """A finite-state machine learned from the written digits: in each column, units first, its state and what the
    column adds give a distribution over the column's digit and over its next state. Its tables know no width: it
    carries over ten columns as it does over two."""

    def __init__(self, states: int = CARRY_STATES) -> None:
        super().__init__()
        self.start = nn.Parameter(torch.zeros(states))
        self.transitions = nn.Parameter(torch.randn(SUM_CLASSES, states, states))
        self.emissions = nn.Parameter(torch.randn(SUM_CLASSES, states, 10))

    def forward(self, sums: torch.Tensor) -> torch.Tensor:
        """(B, K, R, SUM_CLASSES) what the columns of R runs (as written, swapped) add -> their digits (B, K, R, 10)."""
        batch, columns, runs, _ = sums.shape
        state = self.start.softmax(-1).expand(batch, runs, -1)
        transitions, emissions = self.transitions.softmax(-1), self.emissions.softmax(-1)
        digits = []
        for column in range(columns):
            joint = sums[:, column, :, :, None] * state[:, :, None]  # (B, R, SUM_CLASSES, states)
            digits.append(torch.einsum("brws,wsd->brd", joint, emissions))
            state = torch.einsum("brws,wst->brt", joint, transitions)
        return torch.stack(digits, 1)


def column_values(query: str, columns: int) -> list[tuple[int, int]]:
    """The value the written algorithm puts in each of ``columns`` answer columns of a query of two numbers, units
    first, with the numbers as written and swapped. A sum's or a difference's column holds its aligned pair's value
    a_k +- b_k (``'58+67'``: ``[(15, 15), (11, 11), (0, 0)]``); a product's the units of the values of its own digit
    pairs (a_i, b_j), i + j = k, plus the tens of the previous column's (``'47*5'``: 7*5 = 35 -> 5; 4*5 = 20 -> 0 + 3;
    -> 2: ``[(5, 5), (3, 3), (2, 2), (0, 0)]``)."""
    (first, second), (operator,) = terms(query)
    return list(zip(_values(first, second, operator, columns), _values(second, first, operator, columns)))


def _values(first: int, second: int, operator: str, columns: int) -> list[int]:
    a, b = (_digits(number, columns) for number in (first, second))
    if operator != "*":
        return [a[k] + b[k] if operator == "+" else a[k] - b[k] for k in range(columns)]
    pairs = [[a[i] * b[k - i] for i in range(k + 1)] for k in range(columns)]
    return [sum(v % 10 for v in pairs[k]) + (sum(v // 10 for v in pairs[k - 1]) if k else 0) for k in range(columns)]


def _digits(number: int, places: int) -> list[int]:
    return [number // 10**k % 10 for k in range(places)]


def column_digits(query: str, columns: int) -> list[tuple[int, int, int]]:
    """The digit the written algorithm writes in each of ``columns`` columns, units first, after carrying: with the
    numbers as written, swapped, and of the answer. A negative difference, carried as written, borrows past its
    highest column (``'21-43'``: -22 is written ...9978); its answer is the swapped one's digits (22)."""
    (first, second), (operator,) = terms(query)
    ways = (value_of(f"{first}{operator}{second}"), value_of(f"{second}{operator}{first}"))
    return list(zip(*(_digits(value % 10**columns, columns) for value in ways), _digits(abs(value_of(query)), columns)))
