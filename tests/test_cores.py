"""The cores: each built from its one line in ``CORES``, what its class says it can do, and the digit pairs the lstm
and mlp cores may read."""

from __future__ import annotations

from typing import ClassVar

import pytest
import torch
from torch import nn

from seq2arith.data.text import SYMBOLS, encode_labels, vocabulary
from seq2arith.models.cores import CORES, Core, ModelConfig
from seq2arith.models.digit_pairs import DigitPairs
from seq2arith.models.network import CoreOutput, ValueTargets
from seq2arith.params import ParamsError

MUL = vocabulary(["*"])
QUERIES = torch.from_numpy(encode_labels(["12*34", "5*6  "], MUL))


class TestCore:
    """``cores.Core`` and its registry ``cores.CORES`` (models/cores.py)."""

    @pytest.mark.parametrize("core", CORES)
    def test_every_core_answers_the_task_width_with_column_values_where_it_has_their_targets(self, core: str) -> None:
        """One state per answer position of the task, and column values exactly where its class says so."""
        network = Core.over_text(MUL, 5, 4, ModelConfig(core=core, hidden=8))
        states, values = network(QUERIES)
        assert states.shape == (2, 4, network.output_size)
        assert (values is not None) == (CORES[core].value_targets is not None)

    @pytest.mark.parametrize("core", CORES)
    def test_only_a_core_of_any_width_answers_wider(self, core: str) -> None:
        """Asked for more answer positions than the task's, a core answers them only if its class says any width."""
        network = Core.over_text(MUL, 7, 4, ModelConfig(core=core, hidden=8))
        wider = torch.from_numpy(encode_labels(["123*45 "], MUL))
        if CORES[core].any_width:
            assert network(wider, 6).states.shape[1] == 6
        else:
            with pytest.raises(ValueError, match=r"only model\.core: columns answers numbers wider"):
                network(wider, 6)

    def test_a_new_core_is_one_class_and_one_registry_line(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Registered under a name, a core class is a valid model.core, is built by Core, and its capabilities rule
        what params.yaml may set with it: here no LSTM setting and no column values."""
        monkeypatch.setitem(CORES, "constant", Constant)
        config = ModelConfig(core="constant", hidden=8)
        config.validate("model")
        assert Core.over_text(MUL, 5, 4, config)(QUERIES).states.shape == (2, 4, 8)
        with pytest.raises(ParamsError, match=r"model\.extra_lstm = 1: only the columns and lstm cores have it"):
            ModelConfig(core="constant", extra_lstm=1).validate("model")
        with pytest.raises(ParamsError, match=r"train\.value_loss = 1\.0: only the columns core has column values"):
            config.require_values("train.value_loss", 1.0)


class Constant(nn.Module):
    """A toy core: one learned state for every answer position, whatever the query."""

    reads_symbols: ClassVar[bool] = False
    any_width: ClassVar[bool] = False
    value_targets: ClassVar[ValueTargets | None] = None
    units_first: ClassVar[bool] = False
    lstm_settings: ClassVar[tuple[str, ...]] = ()
    writes: str | None = None

    def __init__(self, answer_width: int, hidden: int) -> None:
        super().__init__()
        self.state = nn.Parameter(torch.zeros(answer_width, hidden))
        self.output_size = hidden

    @classmethod
    def build(cls, size: int, steps: int, answer_width: int, config: ModelConfig, symbols: str | None) -> Constant:
        return cls(answer_width, config.hidden)

    def forward(self, inputs: torch.Tensor, answer_width: int) -> CoreOutput:
        return CoreOutput(self.state.expand(inputs.shape[0], -1, -1), None)


class TestDigitPairs:
    """``digit_pairs.DigitPairs`` (models/digit_pairs.py)."""

    @pytest.mark.parametrize(("query", "first", "second"), [
        ("12*34", (2, 1), (4, 3)), ("5*6  ", (5, 0), (6, 0)), ("5*67 ", (5, 0), (7, 6)), ("99*9 ", (9, 9), (9, 0)),
        ("0+0  ", (0, 0), (0, 0)), ("70-8 ", (0, 7), (8, 0)),
    ])
    def test_of_text_are_one_hot_pairs(self, query: str, first: tuple, second: tuple) -> None:
        """On one-hot text, pair (i, j) is the one-hot of (i-th digit of a, j-th digit of b), units first and
        short numbers zero-padded; the operator follows."""
        pairs = DigitPairs(SYMBOLS, 5)(torch.from_numpy(encode_labels([query], SYMBOLS)))  # (1, 4, 100 + 3)
        assert pairs.shape == (1, 4, 103)
        expected = [10 * a + b for a in first for b in second]
        assert pairs[0, :, :100].argmax(-1).tolist() == expected
        assert torch.equal(pairs[0, :, :100].sum(-1), torch.ones(4))
        operator = next(char for char in query if char in "+-*")
        assert pairs[0, :, 100:].argmax(-1).tolist() == ["+-*".index(operator)] * 4

    def test_of_three_digit_numbers(self) -> None:
        """Numbers of three digits give 3 x 3 pairs, units first; a short second number is zero-padded."""
        pairs = DigitPairs(SYMBOLS, 7)(torch.from_numpy(encode_labels(["123*45 "], SYMBOLS)))
        assert pairs.shape == (1, 9, 103)
        assert pairs[0, :, :100].argmax(-1).tolist() == [10 * a + b for a in (3, 2, 1) for b in (5, 4, 0)]

    def test_of_probabilities_are_soft(self) -> None:
        """A reader torn between two digits gives each pair in proportion; the layout follows the likeliest symbols."""
        symbols = torch.from_numpy(encode_labels(["12*34"], SYMBOLS))
        symbols[0, 1] = 0
        symbols[0, 1, SYMBOLS.index("2")], symbols[0, 1, SYMBOLS.index("7")] = 0.75, 0.25  # a's units digit
        pairs = DigitPairs(SYMBOLS, 5)(symbols)[0, :, :100]
        assert pairs[0, 24].item() == pytest.approx(0.75) and pairs[0, 74].item() == pytest.approx(0.25)
        assert pairs[3, 13].item() == pytest.approx(1.0)  # (tens of a, tens of b) untouched
