"""The column core (``model.core: columns``): a sum, difference or product worked as the columns of the written
algorithm, which is why it learns from a tenth of the table and answers numbers far wider than any it was trained
on.

Written by hand, answer column k (units first) of a sum or a difference adds its aligned digit pair, a_k +- b_k. A
product is long multiplication: one partial product per digit a_i of the first number, whose column i + j adds
the units of a_i * b_j and the tens of a_i * b_(j-1); the rows are then added up. The core learns one vector per
digit pair and operator for each of those three roles (aligned pair, own product, previous product) and adds them
up per column (of each row, for a product); a linear readout turns each column into its value (and a difference's
value with the numbers swapped: what it needs when the second number is the larger), softly rounded to an
integer. The auxiliary loss ``train.value_loss`` teaches it the written values (``column_values``) and the written
digits (``column_digits``).

Then the carry travels up the columns. ``model.carry: machine``: what each column adds before carrying (at most
18) goes through a finite-state machine learned from the written digits (``CarryMachine``). A sum or difference is
carried as written and swapped; as written, a negative difference borrows past its highest column, which says to
answer the swapped digits with a minus. A product's rows are carried one by one, then added to the running total
one at a time, the sum of two digits per column carried again: whatever the width, every column the machine sees
adds two digits and a carry, as in training. The answer's characters follow as numbers are written (no leading
zeros, the minus before the first digit); ``model.extra_lstm`` LSTM layers over the columns may rewrite them.
``model.carry: lstm``: the LSTMs see each column's rounded values (a product's first two rows) and carry
themselves, a bidirectional one over the columns (``model.extra_lstm`` stacks more) and one units first. Nothing
depends on the number of digits: D comes from the width of the query and the number of columns is asked for.
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
from seq2arith.models.numbers import NumberReader, TwoNumbers

if TYPE_CHECKING:
    from seq2arith.models.cores import ModelConfig

VALUE_OFFSET = 9  # column values start at -9 (a difference's column 0 - 9)
VALUE_CLASSES = 28  # what a column adds before carrying, -9 .. 18: a sum's or difference's aligned pair, a partial
# product's column (at most 17), two digits of the rows being added up
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
    integers: torch.Tensor  # (VALUE_CLASSES,): the column values, -9 .. 18
    sums: torch.Tensor  # (100, VALUE_CLASSES): one-hot of u + t, for the pair of digits 10 u + t

    def __init__(self, symbols: str, hidden: int, dropout: float, extra_lstm: int = 0, carry: str = "machine"
                 ) -> None:
        super().__init__()
        self.numbers = NumberReader(symbols)
        operators = [symbols[i] for i in self.numbers.operators]
        self.register_buffer("multiplies", torch.tensor([float(op == "*") for op in operators]), persistent=False)
        self.works_products = "*" in operators  # a model whose operators never multiply leaves that path out
        self.works_aligned = any(op != "*" for op in operators)  # and one whose operators all do, sums' and
        # differences'
        integers = torch.arange(VALUE_CLASSES) - VALUE_OFFSET
        self.register_buffer("integers", integers.float(), persistent=False)
        digits = torch.arange(100)
        self.register_buffer("sums", F.one_hot(digits // 10 + digits % 10 + VALUE_OFFSET, VALUE_CLASSES).float(),
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

    def aligned_columns(self, numbers: TwoNumbers, add: torch.Tensor, width: int) -> torch.Tensor:
        """The vectors of a sum's or difference's aligned pairs (a_k, b_k) in ``width`` columns (B, width, hidden),
        each operator's weighted by ``add`` (B, O)."""
        aligned = numbers.aligned_pairs()  # (B, D, 100)
        batch, places = aligned.shape[:2]
        columns = aligned.new_zeros(batch, max(width, places), self.pairs.shape[-1])
        return columns.index_add(1, torch.arange(places, device=aligned.device),
                                 self._embedded(aligned, OWN_ALIGNED, add))[:, :width]

    def product_rows(self, numbers: TwoNumbers, multiply: torch.Tensor, width: int) -> torch.Tensor:
        """The vectors of a product's partial products in ``width`` columns (B, D, width, hidden), one row per digit
        a_i of the first number, its pairs (a_i, b_j) in column i + j and their tens in the next, each operator's
        weighted by ``multiply`` (B, O)."""
        pairs = numbers.pairs()  # (B, D*D, 100): (a_i, b_j)
        batch, places = numbers.first.shape[:2]
        hidden, size = self.pairs.shape[-1], max(width, 2 * places) + 1
        row = torch.arange(places, device=pairs.device)[:, None]
        place = (row * size + row + torch.arange(places, device=pairs.device)).reshape(-1)  # (a_i, b_j): i, i + j
        rows = pairs.new_zeros(batch, places * size, hidden)
        rows = rows.index_add(1, place, self._embedded(pairs, OWN_PRODUCTS, multiply))
        rows = rows.index_add(1, place + 1, self._embedded(pairs, PREVIOUS_PRODUCTS, multiply))
        return rows.view(batch, places, size, hidden)[:, :, :width]

    def forward(self, symbols: torch.Tensor, answer_width: int) -> CoreOutput:
        """(B, T_in, S) -> the states of ``answer_width`` columns (B, K, output_size), and the logits of the values
        of those columns and one more (B, K + 1, 2, C): a sum's or difference's as written and swapped, a product's
        first two partial products; with ``carry: machine`` followed by those of their digits after carrying and
        of the answer's (B, K + 1, 5, C): ``value_targets``. A model whose operators all multiply works products
        only, one whose operators never do works sums and differences only."""
        numbers, width = self.numbers(symbols), answer_width + 1
        multiply, add = numbers.operator * self.multiplies, numbers.operator * (1 - self.multiplies)  # (B, O) each
        share = multiply.sum(-1)[:, None, None]  # (B, 1, 1): how much the query is a product
        row_values = self.readout(self.product_rows(numbers, multiply, width))[..., 0] \
            if self.works_products else None  # (B, D, K + 1): each partial product's columns
        aligned = self.readout(self.aligned_columns(numbers, add, width)) if self.works_aligned else None
        readout = _mixed(share, None if row_values is None else _first_two(row_values).transpose(1, 2),
                         aligned)  # (B, K + 1, 2)
        values = self.rounded(readout)  # (B, K + 1, 2, C)
        if self.machine is None:
            assert self.read is not None and self.encoder is not None and self.decoder is not None
            encoded, _ = self.encoder(self.read(values[:, :-1].softmax(-1).flatten(-2)))  # (B, K, 2 hidden)
            decoded, _ = self.decoder(encoded)  # (B, K, hidden), units first
            return CoreOutput(self.dropout(decoded), values)
        differences, negative = self.carried_as_written(values, share) if self.works_aligned \
            else (None, torch.zeros_like(share[..., None]))
        products = None if row_values is None else self.multiplied(row_values)  # (B, K + 1, 3, 10)
        digits = _mixed(share[..., None], products, differences)
        written = written_characters(digits[:, :-1, 2], negative[..., 0, 0])  # (B, K, 12)
        states = written.clamp(min=1e-6).log()
        if self.encoder is not None:  # model.extra_lstm: LSTM layers over the columns that may rewrite them
            assert self.read is not None and self.rewrite is not None
            states = states + self.rewrite(self.encoder(self.read(written))[0])
        digit_logits = F.pad(digits.clamp(min=1e-6).log(), (VALUE_OFFSET, VALUE_CLASSES - VALUE_OFFSET - 10),
                             value=-1e4)  # (B, K + 1, 3, C): the digits as value classes
        return CoreOutput(self.dropout(states), torch.cat([values, digit_logits], 2))

    def carried_as_written(self, values: torch.Tensor, share: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The logits of a sum's or difference's column values as written and swapped (B, K + 1, 2, C) -> the digits
        of both and of the answer after carrying (B, K + 1, 3, 10), and the probability that the answer is negative
        (B, 1, 1, 1): a difference's borrow past its highest column, as written (none for the ``share`` (B, 1, 1)
        of a product)."""
        assert self.machine is not None
        # the machine reads the values as their own loss taught them: no gradient of the carrying bends them
        carried = self.machine(values.softmax(-1).detach())  # (B, K + 1, 2, 10)
        negative = (1 - share[..., None]) * carried[:, -1:, :1, 9:]
        answer = (1 - negative) * carried[:, :, :1] + negative * carried[:, :, 1:]
        return torch.cat([carried, answer], 2), negative

    def rounded(self, readout: torch.Tensor) -> torch.Tensor:
        """Values read out (...) -> their logits over the integers (..., C): -e^sharpness (value - integer)^2."""
        return -self.sharpness.exp() * (readout[..., None] - self.integers) ** 2

    def multiplied(self, row_values: torch.Tensor) -> torch.Tensor:
        """(B, D, K + 1) the columns of the partial products -> the digits of the first two after carrying and of
        the product (B, K + 1, 3, 10), worked as long multiplication is written: each row carried on its own, then
        added to the rows above it one at a time. Whatever D, every column the machine carries adds two digits."""
        assert self.machine is not None
        values = self.rounded(row_values).softmax(-1).detach()  # (B, D, K + 1, C)
        carried = self.machine(values.transpose(1, 2))  # (B, K + 1, D, 10): each row's digits
        total = carried[:, :, 0]
        for row in range(1, carried.shape[2]):
            pairs = torch.einsum("bkx,bky->bkxy", total, carried[:, :, row]).flatten(-2)  # (B, K + 1, 100)
            total = self.machine((pairs @ self.sums)[:, :, None])[:, :, 0]  # their sums, carried
        return torch.cat([_first_two(carried), total[:, :, None]], 2)


def _first_two(rows: torch.Tensor) -> torch.Tensor:
    """(..., R, X) -> (..., 2, X): the first two rows, a zero row after a single one (a first number of one digit)."""
    return F.pad(rows, (0, 0, 0, max(0, 2 - rows.shape[-2])))[..., :2, :]


def _mixed(share: torch.Tensor, product: torch.Tensor | None, other: torch.Tensor | None) -> torch.Tensor:
    """``share * product + (1 - share) * other``, or the one of them a model's operators give (the other is None)."""
    if product is not None and other is not None:
        return share * product + (1 - share) * other
    given = product if other is None else other
    assert given is not None
    return given


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
        self.transitions = nn.Parameter(torch.randn(VALUE_CLASSES, states, states))
        self.emissions = nn.Parameter(torch.randn(VALUE_CLASSES, states, 10))

    def forward(self, sums: torch.Tensor) -> torch.Tensor:
        """(B, K, R, VALUE_CLASSES) what the columns of R runs add (a sum or difference as written and swapped, a
        product's rows) -> their digits (B, K, R, 10)."""
        batch, columns, runs, _ = sums.shape
        state = self.start.softmax(-1).expand(batch, runs, -1)
        transitions, emissions = self.transitions.softmax(-1), self.emissions.softmax(-1)
        digits = []
        for column in range(columns):
            joint = sums[:, column, :, :, None] * state[:, :, None]  # (B, R, VALUE_CLASSES, states)
            digits.append(torch.einsum("brws,wsd->brd", joint, emissions))
            state = torch.einsum("brws,wst->brt", joint, transitions)
        return torch.stack(digits, 1)


def column_values(query: str, columns: int) -> list[tuple[int, int]]:
    """The value the written algorithm puts in each of ``columns`` answer columns of a query of two numbers, units
    first, before carrying. A sum's or a difference's column holds its aligned pair's value a_k +- b_k, with the
    numbers as written and swapped (``'58+67'``: ``[(15, 15), (11, 11), (0, 0)]``). A product is worked as long
    multiplication: one partial product per digit a_i of the first number, whose column i + j holds the units of
    a_i * b_j plus the tens of a_i * b_(j-1); these are the first two rows' (``'47*35'``: 7*35 = 245 and 40*35 =
    1400: ``[(5, 0), (4, 0), (2, 4), (0, 1), (0, 0)]``)."""
    (first, second), (operator,) = terms(query)
    if operator == "*":
        return list(zip(*(_row_values(first, second, row, columns) for row in (0, 1))))
    return list(zip(_values(first, second, operator, columns), _values(second, first, operator, columns)))


def _values(first: int, second: int, operator: str, columns: int) -> list[int]:
    a, b = (_digits(number, columns) for number in (first, second))
    return [a[k] + b[k] if operator == "+" else a[k] - b[k] for k in range(columns)]


def _row_values(first: int, second: int, row: int, columns: int) -> list[int]:
    """The columns of the partial product of ``first``'s digit ``row`` and ``second``, before carrying."""
    digit, b = _digits(first, row + 1)[row], _digits(second, columns)
    return [(digit * b[k - row] % 10 if k >= row else 0) + (digit * b[k - row - 1] // 10 if k > row else 0)
            for k in range(columns)]


def _digits(number: int, places: int) -> list[int]:
    return [number // 10**k % 10 for k in range(places)]


def column_digits(query: str, columns: int) -> list[tuple[int, int, int]]:
    """The digit the written algorithm writes in each of ``columns`` columns, units first, after carrying: a sum's
    or a difference's with the numbers as written, swapped, and of the answer. A negative difference, carried as
    written, borrows past its highest column (``'21-43'``: -22 is written ...9978); its answer is the swapped one's
    digits (22). A product's first two partial products, and the product (``'47*35'``: 245, 1400 and 1645)."""
    (first, second), (operator,) = terms(query)
    if operator == "*":
        ways = tuple(_digits(first, 2)[row] * 10**row * second for row in (0, 1))
    else:
        ways = (value_of(f"{first}{operator}{second}"), value_of(f"{second}{operator}{first}"))
    return list(zip(*(_digits(value % 10**columns, columns) for value in ways), _digits(abs(value_of(query)), columns)))
