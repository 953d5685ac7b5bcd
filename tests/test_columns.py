"""The column core: the written values and digits it is taught, how it writes them, its carry machine, its shapes
at any width, and a tiny run that generalises."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from seq2arith.data.queries import SplitConfig, TaskConfig, value_of
from seq2arith.data.query_sets import create_data, with_mirrors
from seq2arith.data.text import SYMBOLS, encode_labels
from seq2arith.evaluation.metrics import evaluate_model
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.kinds.text2text import Text2TextConfig
from seq2arith.models.columns import (
    SUM_CLASSES,
    VALUE_CLASSES,
    VALUE_OFFSET,
    WRITTEN,
    CarryMachine,
    ColumnCore,
    column_digits,
    column_values,
    value_targets,
    written_characters,
)
from seq2arith.models.cores import ModelConfig, WrittenCharacters
from seq2arith.runtime.seeding import seed_torch
from seq2arith.training.loop import fit
from seq2arith.training.plan import datasets
from tiny import train_tiny


@pytest.mark.parametrize(("query", "values"), [
    ("47*5", [(5, 5), (3, 3), (2, 2), (0, 0)]),  # 7*5 = 35: 5; 4*5 = 20: 0 + 3; then the 2
    ("12*34", [(8, 8), (10, 10), (3, 3), (0, 0)]),  # 2*4 = 8; 1*4 + 2*3: 4 + 6 = 10 (units, summed); 1*3 = 3
    ("58+67", [(15, 15), (11, 11), (0, 0)]),  # each aligned pair: 8+7, 5+6
    ("21-43", [(-2, 2), (-2, 2), (0, 0)]),  # 1-3 and 2-4, and swapped 3-1 and 4-2
])
def test_column_values_are_the_written_algorithms(query: str, values: list[tuple[int, int]]) -> None:
    """Each column holds its aligned pair's value (sums and differences), or the units of its own pairs' products
    and the tens of the previous column's (products), as written and with the numbers swapped; carrying them up the
    columns gives the answer."""
    assert column_values(query, len(values)) == values
    written = [value for value, _ in values]
    carry, digits = 0, []
    for value in written:
        digits.append((value + carry) % 10)
        carry = (value + carry) // 10
    if value_of(query) >= 0:
        assert int("".join(map(str, reversed(digits)))) == value_of(query)


@pytest.mark.parametrize(("query", "digits"), [
    ("21-43", [(8, 2, 2), (7, 2, 2), (9, 0, 0), (9, 0, 0)]),  # -22 carried as written: ...9978; swapped: 22
    ("43-21", [(2, 8, 2), (2, 7, 2), (0, 9, 0), (0, 9, 0)]),
    ("58+67", [(5, 5, 5), (2, 2, 2), (1, 1, 1), (0, 0, 0)]),
    ("12*34", [(8, 8, 8), (0, 0, 0), (4, 4, 4), (0, 0, 0)]),
])
def test_column_digits_are_written_after_carrying(query: str, digits: list[tuple[int, int, int]]) -> None:
    """The digits the written algorithm writes after carrying, as written, swapped and of the answer: a negative
    difference as written borrows past its highest column, so its 9s say it is negative."""
    assert column_digits(query, len(digits)) == digits


def test_value_targets_are_classes() -> None:
    """value_targets are the class indices of the values and digits (offset by VALUE_OFFSET), clipped to the
    classes."""
    targets = value_targets(["21-43", "99*99"], 3)
    assert targets.shape == (2, 3, 5) and targets.dtype == torch.int64
    assert (targets[0] - VALUE_OFFSET).tolist() == [[-2, 2, 8, 2, 2], [-2, 2, 7, 2, 2], [0, 0, 9, 0, 0]]
    assert targets.min() >= 0 and targets.max() < VALUE_CLASSES


@pytest.mark.parametrize(("carry", "size", "ways"), [("machine", len(WRITTEN), 5), ("lstm", 8, 2)])
@pytest.mark.parametrize(("queries", "answer_width"), [(["12*34", "5*6  "], 4), (["123*45 ", "7*890  "], 6)])
def test_shapes_at_any_width(queries: list[str], answer_width: int, carry: str, size: int, ways: int) -> None:
    """One state per answer column, for numbers as wide as the query holds (the carry machine's: its written
    characters' log-probabilities), and the value (and digit) logits of those columns and one more."""
    core = ColumnCore(SYMBOLS, hidden=8, dropout=0.0, carry=carry)
    states, values = core(torch.from_numpy(encode_labels(queries, SYMBOLS)), answer_width)
    assert states.shape == (2, answer_width, size) and values.shape == (2, answer_width + 1, ways, VALUE_CLASSES)


def test_the_pair_of_two_zeros_adds_nothing() -> None:
    """The pair (0, 0), all a query of zeros holds and what zero padding adds most of, adds nothing to a column."""
    core = ColumnCore(SYMBOLS, hidden=8, dropout=0.0)
    columns, _ = core.columns(torch.from_numpy(encode_labels(["0*0  ", "0+00 "], SYMBOLS)), 4)
    assert torch.count_nonzero(columns) == 0


@pytest.mark.parametrize(("answer", "negative", "written"), [("0", False, "0  "), ("-7", True, "7- "),
                                                             ("-100", True, "001-"), ("305", False, "503 ")])
def test_written_characters_write_numbers_as_people_do(answer: str, negative: bool, written: str) -> None:
    """From certain digits (units first) and sign: no leading zeros, the units always written, the minus after the
    highest digit of a negative answer, blanks above; every column's probabilities sum to one."""
    width = len(written)
    digits = F.one_hot(torch.tensor([[abs(int(answer)) // 10**k % 10 for k in range(width)]]), 10).float()
    probabilities = written_characters(digits, torch.tensor([[float(negative)]]))
    assert "".join(WRITTEN[i] for i in probabilities[0].argmax(-1)) == written
    assert torch.allclose(probabilities.sum(-1), torch.ones(1, width)) and (probabilities.max(-1).values == 1).all()


def test_the_carry_machine_learns_to_carry_over_ten_columns() -> None:
    """Taught the digits of 2-digit sums and differences (as written and swapped) from their columns' values,
    the carry machine carries every 10-digit sum and difference: its tables know no width."""
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    machine = CarryMachine()
    optimiser = torch.optim.Adam(machine.parameters(), lr=0.03)

    def columns(digits: int, count: int) -> tuple[torch.Tensor, torch.Tensor]:
        a, b = (torch.randint(0, 10**digits, (count,), generator=generator) for _ in range(2))
        minus = torch.rand(count, generator=generator) < 0.5
        queries = [f"{x}{'-' if m else '+'}{y}" for x, y, m in zip(a.tolist(), b.tolist(), minus.tolist())]
        values = torch.tensor([column_values(query, digits + 1) for query in queries]) + VALUE_OFFSET
        written = torch.tensor([[d[:2] for d in column_digits(query, digits + 1)] for query in queries])
        return F.one_hot(values, SUM_CLASSES).float(), written

    for _ in range(500):
        sums, written = columns(2, 128)
        loss = F.nll_loss(machine(sums).clamp(min=1e-6).log().flatten(0, 2), written.flatten())
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    sums, written = columns(10, 500)
    with torch.no_grad():
        assert (machine(sums).argmax(-1) == written).all()


def test_written_characters_head_puts_them_in_the_vocabulary() -> None:
    """The head of the carry machine's core places each written character in the vocabulary; an operator is
    impossible, and a minus the vocabulary lacks (a product task's) is dropped."""
    states = torch.log(torch.tensor([[[0.0] * 7 + [0.9] + [0.0] * 3 + [0.1]]]).clamp(min=1e-6))  # '7' or a blank
    head = WrittenCharacters(WRITTEN, "0123456789* ")
    probabilities = head(states).softmax(-1)[0, 0]
    assert probabilities[7] == pytest.approx(0.9, abs=1e-4) and probabilities[11] == pytest.approx(0.1, abs=1e-4)
    assert probabilities[10] < 1e-6


def test_a_tiny_run_answers_products_it_never_saw(handwriting) -> None:
    """Trained for a second on half of the products of 0..29 (and their mirrors), the columns core answers most of
    the others, none of them trained in either order (unordered split): where chance is nil."""
    task = TaskConfig(operators=["*"], highest_integer=29)
    queries = create_data(task, SplitConfig(0.5, group="unordered"), handwriting, np.random.default_rng(0))
    options = Text2TextConfig(epochs=80, batch_size=64, learning_rate=0.01)
    trained = train_tiny("text2text", with_mirrors(queries), ModelConfig(hidden=16, value_loss=1.0), options)
    metrics = evaluate_model(arithmetic("text2text"), trained.model, trained.arch, queries, None, None).metrics["test"]
    assert metrics["unseen_pair_exact_match"] == metrics["exact_match"] >= 0.5


@pytest.mark.parametrize(("carry", "layers"), [("machine", 2), ("lstm", 3)])
def test_extra_lstm_stacks_lstm_layers_that_train(handwriting, carry: str, layers: int) -> None:
    """model.extra_lstm = 2 gives the column core bidirectional LSTM layers over the columns (dropout between
    them): two that may rewrite the carry machine's written characters, or three in the LSTM encoder that carries;
    one epoch of training reaches the top layer: those weights move and stay finite."""
    task = TaskConfig(operators=["+"], highest_integer=9)
    queries = create_data(task, SplitConfig(0.25), handwriting, np.random.default_rng(0))
    kind, options = arithmetic("text2text"), Text2TextConfig(epochs=1, batch_size=32, learning_rate=0.01)
    config = ModelConfig(hidden=8, extra_lstm=2, dropout=0.1, value_loss=1.0, carry=carry)
    model, arch = kind.new_model(queries, config, options)
    encoder = model.core.network.encoder
    assert (encoder.num_layers, encoder.dropout, encoder.bidirectional) == (layers, 0.1, True)
    top = getattr(encoder, f"weight_hh_l{layers - 1}_reverse")
    before = top.detach().clone()
    (phase,) = kind.phases(model, arch, None)
    fit(phase.trainee, phase.objective, *datasets(phase, queries, None, arch.model), options, seed_torch(0, "test"))
    assert not torch.equal(top, before) and torch.isfinite(top).all()


def test_no_extra_lstm_leaves_the_machine_without_lstms() -> None:
    """With model.extra_lstm = 0 the carry machine's core has no LSTM at all: the digit pairs, the rounded
    readout and the machine's tables are all it learns; the LSTM carry keeps its one-layer encoder and decoder."""
    core = ColumnCore(SYMBOLS, hidden=8, dropout=0.3, extra_lstm=0)
    assert [name for name, _ in core.named_parameters()] == [
        "pairs", "sharpness", "readout.weight", "readout.bias", "machine.start", "machine.transitions",
        "machine.emissions"]
    lstm = ColumnCore(SYMBOLS, hidden=8, dropout=0.3, extra_lstm=0, carry="lstm")
    assert lstm.encoder is not None and (lstm.encoder.num_layers, lstm.encoder.dropout) == (1, 0.0)
