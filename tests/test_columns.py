"""The column core: the written values it is taught, its shapes at any width, and a tiny run that generalises."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seq2arith.dataset import create_data, with_mirrors
from seq2arith.evaluation import evaluate_model
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.kinds.text2text import Text2TextConfig
from seq2arith.models.columns import VALUE_CLASSES, VALUE_OFFSET, ColumnCore, column_values, value_targets
from seq2arith.models.cores import ModelConfig
from seq2arith.queries import SplitConfig, TaskConfig, evaluate
from seq2arith.seeding import seed_torch
from seq2arith.text import SYMBOLS, encode_labels
from seq2arith.training import fit
from seq2arith.training_plan import datasets


@pytest.mark.parametrize(("query", "values"), [
    ("47*5", [(5, 5), (3, 3), (2, 2), (0, 0)]),  # 7*5 = 35: 5; 4*5 = 20: 0 + 3; then the 2
    ("12*34", [(8, 8), (10, 10), (3, 3), (0, 0)]),  # 2*4 = 8; 1*4 + 2*3: 4 + 6 = 10 (units, summed); 1*3 = 3
    ("58+67", [(5, 5), (2, 2), (1, 1)]),  # 8+7 = 15: 5; 5+6 = 11: 1 + 1; its ten: 1
    ("21-43", [(8, 2), (7, 2), (-1, 0)]),  # 1-3 = -2: 8 (and -1 into the tens); 2-4 = -2: 8 - 1; its borrow -1
])
def test_column_values_are_the_written_algorithms(query: str, values: list[tuple[int, int]]) -> None:
    """Each column holds the units of its own pairs' values and the tens of the previous column's, as written and
    with the numbers swapped; carrying them up the columns gives the answer."""
    assert column_values(query, len(values)) == values
    written = [value for value, _ in values]
    carry, digits = 0, []
    for value in written:
        digits.append((value + carry) % 10)
        carry = (value + carry) // 10
    if evaluate(query) >= 0:
        assert int("".join(map(str, reversed(digits)))) == evaluate(query)


def test_value_targets_are_classes() -> None:
    """value_targets are the class indices of the values (offset by VALUE_OFFSET), clipped to the classes."""
    targets = value_targets(["21-43", "99*99"], 3)
    assert targets.shape == (2, 3, 2) and targets.dtype == torch.int64
    assert targets[0, 2].tolist() == [-1 + VALUE_OFFSET, VALUE_OFFSET]
    assert targets.min() >= 0 and targets.max() < VALUE_CLASSES


@pytest.mark.parametrize(("queries", "answer_width"), [(["12*34", "5*6  "], 4), (["123*45 ", "7*890  "], 6)])
def test_shapes_at_any_width(queries: list[str], answer_width: int) -> None:
    """One state and two column values per answer column, for numbers as wide as the query holds."""
    core = ColumnCore(SYMBOLS, hidden=8, dropout=0.0)
    states, values = core(torch.from_numpy(encode_labels(queries, SYMBOLS)), answer_width)
    assert states.shape == (2, answer_width, 8) and values.shape == (2, answer_width, 2, VALUE_CLASSES)


def test_the_pair_of_two_zeros_adds_nothing() -> None:
    """The pair (0, 0), all a query of zeros holds and what zero padding adds most of, adds nothing to a column."""
    core = ColumnCore(SYMBOLS, hidden=8, dropout=0.0)
    columns = core.columns(torch.from_numpy(encode_labels(["0*0  ", "0+00 "], SYMBOLS)), 4)
    assert torch.count_nonzero(columns) == 0


def test_a_tiny_run_answers_products_it_never_saw(handwriting) -> None:
    """Trained for a second on half of the products of 0..29 (and their mirrors), the columns core answers most of
    the others, none of them trained in either order (unordered split): where chance is nil."""
    task = TaskConfig(operators=["*"], highest_integer=29)
    queries = create_data(task, SplitConfig(0.5, group="unordered"), handwriting, np.random.default_rng(0))
    trained = with_mirrors(queries)
    kind, options = arithmetic("text2text"), Text2TextConfig(epochs=30, batch_size=64, learning_rate=0.01)
    model, arch = kind.new_model(trained, ModelConfig(hidden=16, value_loss=1.0), options)
    generator = seed_torch(0, "test")
    (phase,) = kind.phases(model, arch, None)
    fit(phase.trainee, phase.objective, *datasets(phase, trained, None, True), options, generator)
    metrics = evaluate_model(kind, model, arch, queries, None, None).metrics["test"]
    assert metrics["unseen_pair_exact_match"] == metrics["exact_match"] >= 0.5


def test_extra_lstm_stacks_encoder_layers_that_train(handwriting) -> None:
    """model.extra_lstm = 2 gives the columns core a 3-layer bidirectional encoder (dropout between its layers),
    and one epoch of training reaches its top layer: those weights move and stay finite."""
    task = TaskConfig(operators=["+"], highest_integer=9)
    queries = create_data(task, SplitConfig(0.25), handwriting, np.random.default_rng(0))
    kind, options = arithmetic("text2text"), Text2TextConfig(epochs=1, batch_size=32, learning_rate=0.01)
    model, arch = kind.new_model(queries, ModelConfig(hidden=8, extra_lstm=2, dropout=0.1, value_loss=1.0), options)
    encoder = model.core.network.encoder
    assert (encoder.num_layers, encoder.dropout, encoder.bidirectional) == (3, 0.1, True)
    top = encoder.weight_hh_l2_reverse.detach().clone()
    (phase,) = kind.phases(model, arch, None)
    fit(phase.trainee, phase.objective, *datasets(phase, queries, None, True), options, seed_torch(0, "test"))
    assert not torch.equal(encoder.weight_hh_l2_reverse, top) and torch.isfinite(encoder.weight_hh_l2_reverse).all()


def test_no_extra_lstm_builds_the_core_as_before() -> None:
    """With model.extra_lstm = 0 the columns core is the one trained checkpoints hold: the same parameters in the
    same order (a seed draws the same weights), a one-layer encoder without dropout between layers."""
    core = ColumnCore(SYMBOLS, hidden=8, dropout=0.3, extra_lstm=0)
    lstm = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    assert [name for name, _ in core.named_parameters()] == [
        "pairs", "sharpness", "readout.weight", "readout.bias", "read_values.weight",
        *(f"encoder.{weight}_{layer}" for layer in ("l0", "l0_reverse") for weight in lstm),
        *(f"decoder.{weight}_l0" for weight in lstm)]
    assert (core.encoder.num_layers, core.encoder.dropout, core.encoder.input_size) == (1, 0.0, 8)
