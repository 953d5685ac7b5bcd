"""The column core: the written values and digits it is taught, how it writes them, its carry machine, its shapes
at any width, and a tiny run that generalises."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from seq2arith.data.queries import SplitConfig, TaskConfig
from seq2arith.data.query_sets import create_data, with_mirrors
from seq2arith.data.text import SYMBOLS, encode_labels
from seq2arith.evaluation.metrics import evaluate_model
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.kinds.text2text import Text2TextConfig
from seq2arith.models.columns import (
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


class TestColumnValues:
    """``columns.column_values`` (models/columns.py)."""

    @pytest.mark.parametrize(("query", "values", "carried"), [
        ("58+67", [(15, 15), (11, 11), (0, 0)], (125, 125)),  # each aligned pair: 8+7, 5+6
        ("21-43", [(-2, 2), (-2, 2), (0, 0)], (None, 22)),  # 1-3 and 2-4, and swapped 3-1 and 4-2
        ("47*5", [(5, 0), (3, 0), (0, 2), (0, 0)], (35, 200)),  # the partial products 7*5 and 40*5
        ("12*34", [(8, 0), (6, 4), (0, 3), (0, 0)], (68, 340)),  # 2*34: 2*4 = 8, 2*3 = 6; 10*34: 4, 3
        ("9*19", [(1, 0), (17, 0), (0, 0), (0, 0)], (171, 0)),  # 9*9 = 81: 1, and its 8 beside 9*1 = 9: 17
    ])
    def test_are_the_written_algorithms(self, query: str, values: list[tuple[int, int]],
                                        carried: tuple[int | None, int]) -> None:
        """Each column holds its aligned pair's value, as written and with the numbers swapped (sums and
        differences), or the units of a_i * b_j and the tens of a_i * b_(j-1) in column i + j of the partial
        product of a_i (products: the first two); carrying each up the columns gives that number."""
        assert column_values(query, len(values)) == values
        for way, number in enumerate(carried):
            carry, digits = 0, []
            for value in (pair[way] for pair in values):
                digits.append((value + carry) % 10)
                carry = (value + carry) // 10
            if number is not None:  # a negative difference, as written, borrows past its highest column
                assert int("".join(map(str, reversed(digits)))) == number


class TestColumnDigits:
    """``columns.column_digits`` (models/columns.py)."""

    @pytest.mark.parametrize(("query", "digits"), [
        ("21-43", [(8, 2, 2), (7, 2, 2), (9, 0, 0), (9, 0, 0)]),  # -22 carried as written: ...9978; swapped: 22
        ("43-21", [(2, 8, 2), (2, 7, 2), (0, 9, 0), (0, 9, 0)]),
        ("58+67", [(5, 5, 5), (2, 2, 2), (1, 1, 1), (0, 0, 0)]),
        ("12*34", [(8, 0, 8), (6, 4, 0), (0, 3, 4), (0, 0, 0)]),  # the partial products 68 and 340, and 408
    ])
    def test_are_written_after_carrying(self, query: str, digits: list[tuple[int, int, int]]) -> None:
        """The digits the written algorithm writes after carrying, as written, swapped and of the answer (products:
        of the first two partial products and of the answer): a negative difference as written borrows past its
        highest column, so its 9s say it is negative."""
        assert column_digits(query, len(digits)) == digits


class TestValueTargets:
    """``columns.value_targets`` (models/columns.py)."""

    def test_are_classes(self) -> None:
        """value_targets are the class indices of the values and digits (offset by VALUE_OFFSET), clipped to the
        classes."""
        targets = value_targets(["21-43", "99*99"], 3)
        assert targets.shape == (2, 3, 5) and targets.dtype == torch.int64
        assert (targets[0] - VALUE_OFFSET).tolist() == [[-2, 2, 8, 2, 2], [-2, 2, 7, 2, 2], [0, 0, 9, 0, 0]]
        assert targets.min() >= 0 and targets.max() < VALUE_CLASSES


class TestWrittenCharacters:
    """``columns.written_characters`` (models/columns.py)."""

    @pytest.mark.parametrize(("answer", "negative", "written"), [("0", False, "0  "), ("-7", True, "7- "),
                                                                 ("-100", True, "001-"), ("305", False, "503 ")])
    def test_write_numbers_as_people_do(self, answer: str, negative: bool, written: str) -> None:
        """From certain digits (units first) and sign: no leading zeros, the units always written, the minus after the
        highest digit of a negative answer, blanks above; every column's probabilities sum to one."""
        width = len(written)
        digits = F.one_hot(torch.tensor([[abs(int(answer)) // 10**k % 10 for k in range(width)]]), 10).float()
        probabilities = written_characters(digits, torch.tensor([[float(negative)]]))
        assert "".join(WRITTEN[i] for i in probabilities[0].argmax(-1)) == written
        assert torch.allclose(probabilities.sum(-1), torch.ones(1, width)) and (probabilities.max(-1).values == 1).all()


class TestCarryMachine:
    """``columns.CarryMachine`` (models/columns.py)."""

    def test_learns_to_carry_over_ten_columns(self) -> None:
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
            return F.one_hot(values, VALUE_CLASSES).float(), written

        for _ in range(500):
            sums, written = columns(2, 128)
            loss = F.nll_loss(machine(sums).clamp(min=1e-6).log().flatten(0, 2), written.flatten())
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        sums, written = columns(10, 500)
        with torch.no_grad():
            assert (machine(sums).argmax(-1) == written).all()


class TestWrittenCharactersHead:
    """``cores.WrittenCharacters``, the carry machine's head (models/cores.py)."""

    def test_puts_them_in_the_vocabulary(self) -> None:
        """The head of the carry machine's core places each written character in the vocabulary; an operator is
        impossible, and a minus the vocabulary lacks (a product task's) is dropped."""
        states = torch.log(torch.tensor([[[0.0] * 7 + [0.9] + [0.0] * 3 + [0.1]]]).clamp(min=1e-6))  # '7' or a blank
        head = WrittenCharacters(WRITTEN, "0123456789* ")
        probabilities = head(states).softmax(-1)[0, 0]
        assert probabilities[7] == pytest.approx(0.9, abs=1e-4) and probabilities[11] == pytest.approx(0.1, abs=1e-4)
        assert probabilities[10] < 1e-6


class TestColumnCore:
    """``columns.ColumnCore`` (models/columns.py)."""

    @pytest.mark.parametrize(("carry", "size", "ways"), [("machine", len(WRITTEN), 5), ("lstm", 8, 2)])
    @pytest.mark.parametrize(("queries", "answer_width"), [(["12*34", "5*6  "], 4), (["123*45 ", "7*890  "], 6)])
    def test_shapes_at_any_width(self, queries: list[str], answer_width: int, carry: str, size: int, ways: int) -> None:
        """One state per answer column, for numbers as wide as the query holds (the carry machine's: its written
        characters' log-probabilities), and the value (and digit) logits of those columns and one more."""
        core = ColumnCore(SYMBOLS, hidden=8, dropout=0.0, carry=carry)
        states, values = core(torch.from_numpy(encode_labels(queries, SYMBOLS)), answer_width)
        assert states.shape == (2, answer_width, size) and values.shape == (2, answer_width + 1, ways, VALUE_CLASSES)

    @pytest.mark.parametrize(("operators", "queries"), [("*", ["12*34", "5*67 ", "99*9 "]),
                                                         ("+-", ["12+34", "5-67 ", "99-9 "])])
    def test_a_model_of_one_kind_of_operator_answers_as_one_of_both(self, operators: str, queries: list[str]
                                                                    ) -> None:
        """A model whose operators all multiply works products only (one whose operators never do, sums and
        differences only), and answers exactly as a model of every operator with the same weights: the path left
        out is the one the other weights by 0 for these queries."""
        both = ColumnCore(SYMBOLS, hidden=8, dropout=0.0)
        symbols = "0123456789" + operators + " "
        one = ColumnCore(symbols, hidden=8, dropout=0.0)
        assert (one.works_products, one.works_aligned) == (operators == "*", operators != "*")
        kept = [both.numbers.operators.index(SYMBOLS.index(op)) for op in operators]
        with torch.no_grad():
            for name, weights in both.state_dict().items():
                one.state_dict()[name].copy_(weights[:, kept] if name == "pairs" else weights)
        mixed = both(torch.from_numpy(encode_labels(queries, SYMBOLS)), 4)
        alone = one(torch.from_numpy(encode_labels(queries, symbols)), 4)
        assert torch.equal(mixed.states, alone.states) and torch.equal(mixed.values, alone.values)

    def test_the_pair_of_two_zeros_adds_nothing(self) -> None:
        """The pair (0, 0), all a query of zeros holds and what zero padding adds most of, adds nothing to a column."""
        core = ColumnCore(SYMBOLS, hidden=8, dropout=0.0)
        numbers = core.numbers(torch.from_numpy(encode_labels(["0*0  ", "0+00 "], SYMBOLS)))
        every_operator = torch.ones_like(numbers.operator)
        aligned, rows = core.aligned_columns(numbers, every_operator, 4), core.product_rows(numbers, every_operator, 4)
        assert torch.count_nonzero(aligned) == 0 and torch.count_nonzero(rows) == 0

    @pytest.mark.parametrize(("first", "second"), [(47, 35), (99, 99), (95269, 81551)])
    def test_works_a_product_as_long_multiplication(self, first: int, second: int) -> None:
        """Given the columns of each partial product a_i * b, and a carry machine whose tables add with a carry (set
        by hand here, learned in training), ``multiplied`` carries each row and adds the rows up one at a time: it
        writes the first two partial products and the product, of 5-digit numbers as of 2-digit ones."""
        core = ColumnCore(SYMBOLS, hidden=8, dropout=0.0)
        added = (torch.arange(VALUE_CLASSES) - VALUE_OFFSET)[:, None] + torch.arange(3) - 1  # a column's sum plus
        # the carry its state holds (-1, 0, 1)
        with torch.no_grad():
            core.sharpness.fill_(5.0)
            core.machine.start.copy_(torch.tensor([-1e4, 0.0, -1e4]))
            core.machine.emissions.copy_(F.one_hot(added % 10, 10).float().log().clamp(min=-1e4))
            core.machine.transitions.copy_(F.one_hot((added // 10).clamp(-1, 1) + 1, 3).float().log().clamp(min=-1e4))
        places = len(str(first))
        a, b = ([number // 10**k % 10 for k in range(2 * places + 1)] for number in (first, second))
        rows = torch.tensor([[[(a[i] * b[k - i] % 10 if k >= i else 0) + (a[i] * b[k - i - 1] // 10 if k > i else 0)
                               for k in range(2 * places + 1)] for i in range(places)]], dtype=torch.float32)
        digits = core.multiplied(rows).argmax(-1)[0]  # (K + 1, 3)
        for way, number in enumerate((a[0] * second, a[1] * 10 * second, first * second)):
            assert int("".join(map(str, reversed(digits[:, way].tolist())))) == number

    def test_a_tiny_run_answers_products_it_never_saw(self, handwriting) -> None:
        """Trained for a second on half of the products of 0..29 (and their mirrors), the columns core answers most of
        the others, none of them trained in either order (unordered split): where chance is nil."""
        task = TaskConfig(operators=["*"], highest_integer=29)
        queries = create_data(task, SplitConfig(0.5, group="unordered"), handwriting, np.random.default_rng(0))
        options = Text2TextConfig(epochs=80, batch_size=64, learning_rate=0.01)
        trained = train_tiny("text2text", with_mirrors(queries), ModelConfig(hidden=16), options, value_loss=1.0)
        metrics = evaluate_model(arithmetic("text2text"), trained.model, trained.arch, queries, None,
                                 None).metrics["test"]
        assert metrics["unseen_pair_exact_match"] == metrics["exact_match"] >= 0.5

    @pytest.mark.parametrize(("carry", "layers"), [("machine", 2), ("lstm", 3)])
    def test_extra_lstm_stacks_lstm_layers_that_train(self, handwriting, carry: str, layers: int) -> None:
        """model.extra_lstm = 2 gives the column core bidirectional LSTM layers over the columns (dropout between
        them): two that may rewrite the carry machine's written characters, or three in the LSTM encoder that carries;
        one epoch of training reaches the top layer: those weights move and stay finite."""
        task = TaskConfig(operators=["+"], highest_integer=9)
        queries = create_data(task, SplitConfig(0.25), handwriting, np.random.default_rng(0))
        kind, options = arithmetic("text2text"), Text2TextConfig(epochs=1, batch_size=32, learning_rate=0.01)
        config = ModelConfig(hidden=8, extra_lstm=2, dropout=0.1, carry=carry)
        model, arch = kind.new_model(queries, config, options)
        encoder = model.core.network.encoder
        assert (encoder.num_layers, encoder.dropout, encoder.bidirectional) == (layers, 0.1, True)
        top = getattr(encoder, f"weight_hh_l{layers - 1}_reverse")
        before = top.detach().clone()
        (phase,) = kind.phases(model, arch, options, None, value_loss=1.0)
        fit(phase.trainee, phase.objective, *datasets(phase, queries, None, arch.model), options, seed_torch(0, "test"))
        assert not torch.equal(top, before) and torch.isfinite(top).all()

    def test_no_extra_lstm_leaves_the_machine_without_lstms(self) -> None:
        """With model.extra_lstm = 0 the carry machine's core has no LSTM at all: the digit pairs, the rounded
        readout and the machine's tables are all it learns; the LSTM carry keeps its one-layer encoder and decoder."""
        core = ColumnCore(SYMBOLS, hidden=8, dropout=0.3, extra_lstm=0)
        assert [name for name, _ in core.named_parameters()] == [
            "pairs", "sharpness", "readout.weight", "readout.bias", "machine.start", "machine.transitions",
            "machine.emissions"]
        lstm = ColumnCore(SYMBOLS, hidden=8, dropout=0.3, extra_lstm=0, carry="lstm")
        assert lstm.encoder is not None and (lstm.encoder.num_layers, lstm.encoder.dropout) == (1, 0.0)
