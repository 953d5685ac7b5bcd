"""The core every arithmetic kind shares: query vectors (B, T_in, F) -> one state per answer position.

A core is one module and one line of ``CORES``: the column core (``model.core: columns``, models/columns.py: the
written algorithm's columns), the report's LSTM encoder-decoder (``lstm``, models/lstm.py) or an MLP over the whole
query (``mlp``, models/mlp.py). What a core can do is said by its class (models/network.py). A core that does not
read symbols reads the positions as they are (``model.features: characters``) or the pairs of digits of the two
numbers built from them (``digit_pairs``, models/digit_pairs.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from seq2arith.models.columns import CARRIES, ColumnCore
from seq2arith.models.digit_pairs import DigitPairs
from seq2arith.models.lstm import Seq2Seq
from seq2arith.models.mlp import MLP
from seq2arith.models.network import CoreNetwork, CoreOutput
from seq2arith.params import require

CORES: dict[str, type[CoreNetwork]] = {"columns": ColumnCore, "lstm": Seq2Seq, "mlp": MLP}
# left on under a core it does not shape, an LSTM setting would change nothing: so it is named, not ignored
LSTM_SETTINGS = ("extra_lstm", "bidirectional", "batchnorm")


@dataclass(frozen=True)
class ModelConfig:
    """The core shared by text2text, img2text and text2img. Each key is explained beside its value in params.yaml
    (``model:``)."""

    core: str = "columns"
    features: str = "characters"
    hidden: int = 64
    mlp_layers: int = 2
    extra_lstm: int = 0
    bidirectional: bool = False
    dropout: float = 0.0
    batchnorm: bool = False
    decoder: str = "attention"
    reverse_answer: bool = True
    carry: str = "machine"

    def validate(self, key: str) -> None:
        require(f"{key}.core", self.core, self.core in CORES, f"allowed: {', '.join(CORES)}")
        require(f"{key}.features", self.features, self.features in ("characters", "digit_pairs"),
                "allowed: characters, digit_pairs")
        require(f"{key}.hidden", self.hidden, 1 <= self.hidden <= 4096, "must be an integer from 1 to 4096")
        require(f"{key}.mlp_layers", self.mlp_layers, 1 <= self.mlp_layers <= 16, "must be an integer from 1 to 16")
        require(f"{key}.extra_lstm", self.extra_lstm, 0 <= self.extra_lstm <= 16, "must be an integer from 0 to 16")
        require(f"{key}.dropout", self.dropout, 0 <= self.dropout < 1, "must be in [0, 1)")
        require(f"{key}.decoder", self.decoder, self.decoder in ("repeat", "attention"), "allowed: repeat, attention")
        require(f"{key}.carry", self.carry, self.carry in CARRIES, f"allowed: {', '.join(CARRIES)}")
        for name in LSTM_SETTINGS:
            cores = [core for core, core_class in CORES.items() if name in core_class.lstm_settings]
            require(f"{key}.{name}", getattr(self, name), self.core in cores or not getattr(self, name),
                    f"{_only(cores)} it (model.core is {self.core!r}); set model.core: {' or '.join(cores)} too")
        require(f"{key}.reverse_answer", self.reverse_answer, not self.core_class.units_first or self.reverse_answer,
                f"the {self.core} core answers units first: must be true")

    def require_values(self, key: str, weight: float) -> None:
        """A ``weight`` on the core's column values (``key``: where params.yaml sets it) needs a core that has
        them: ParamsError if not."""
        cores = [core for core, core_class in CORES.items() if core_class.value_targets is not None]
        require(key, weight, self.core in cores or not weight,
                f"{_only(cores)} column values (model.core is {self.core!r}); set it to 0")

    @property
    def core_class(self) -> type[CoreNetwork]:
        """The class of ``core``."""
        return CORES[self.core]

    @property
    def reads_digits(self) -> str | None:
        """The setting that makes the core read the digits of two numbers out of symbols (one-hot text or a reader's
        probabilities), as params.yaml writes it; None when it reads the positions as they are."""
        if self.core_class.reads_symbols:
            return f"model.core = {self.core!r}"
        return "model.features = 'digit_pairs'" if self.features == "digit_pairs" else None

    @property
    def any_width(self) -> bool:
        """The core reads numbers of any width and answers as wide as asked (models trained on 0..99 can be asked
        about 3-digit numbers)."""
        return self.core_class.any_width


class WrittenCharacters(nn.Module):
    """The head of a core whose states are already characters (``Core.writes``): their log-probabilities put in
    the places of ``vocabulary`` (B, T, len(writes)) -> (B, T, V) logits; a vocabulary character it never writes
    (an operator) is impossible, and one it writes that the vocabulary lacks (a product's minus) is dropped."""

    places: torch.Tensor
    written: torch.Tensor

    def __init__(self, writes: str, vocabulary: str) -> None:
        super().__init__()
        kept = [i for i, char in enumerate(writes) if char in vocabulary]
        self.register_buffer("written", torch.tensor(kept), persistent=False)
        self.register_buffer("places", torch.tensor([vocabulary.index(writes[i]) for i in kept]), persistent=False)
        self.size = len(vocabulary)

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        logits = states.new_full((*states.shape[:-1], self.size), -1e4)
        return logits.index_copy(-1, self.places, states.index_select(-1, self.written))


def character_head(core: Core, vocabulary: str) -> nn.Module:
    """What turns ``core``'s states into logits over ``vocabulary``: a linear layer, or where the states already
    are characters (the column core's carry machine), ``WrittenCharacters``."""
    return WrittenCharacters(core.writes, vocabulary) if core.writes else nn.Linear(core.output_size, len(vocabulary))


def characters_and_values(core: Core, head: nn.Module, inputs: torch.Tensor, answer_width: int | None = None
                          ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(B, T_in, F) query vectors -> ``head``'s character logits on ``core``'s states (B, T_out, V), and the core's
    column values (None for a core without them): what every answering kind computes, as it trains."""
    states, values = core(inputs, answer_width)
    return head(states), values


def _only(cores: list[str]) -> str:
    """'only the lstm core has', 'only the columns and lstm cores have'."""
    return f"only the {' and '.join(cores)} core{'s have' if len(cores) > 1 else ' has'}"


class Core(nn.Module):
    """What every kind shares: query vectors (B, T_in, F) -> one state per answer position (B, T_out, output_size).

    ``symbols``: the characters the F entries of a query vector stand for, when they are one-hot text or a
    reader's symbol probabilities; the columns core and ``model.features: digit_pairs`` need them.
    """

    def __init__(self, input_size: int, query_width: int, answer_width: int, config: ModelConfig,
                 symbols: str | None = None) -> None:
        super().__init__()
        if symbols is None and config.reads_digits:
            raise ValueError(f"{config.reads_digits} needs inputs that are symbols")
        self.answer_width = answer_width
        self.features: nn.Module = nn.Identity()
        steps, size = query_width, input_size
        if not config.core_class.reads_symbols and config.features == "digit_pairs":
            assert symbols is not None
            self.features = DigitPairs(symbols, query_width)
            steps, size = self.features.steps, self.features.size
        self.network = config.core_class.build(size, steps, answer_width, config, symbols)
        self.output_size: int = self.network.output_size
        self.writes = self.network.writes  # the characters its states already are

    @classmethod
    def over_text(cls, vocabulary: str, query_width: int, answer_width: int, config: ModelConfig) -> Core:
        """The core of a kind that reads the query as one-hot text over ``vocabulary``."""
        return cls(len(vocabulary), query_width, answer_width, config, vocabulary)

    def forward(self, inputs: torch.Tensor, answer_width: int | None = None) -> CoreOutput:
        """(B, T_in, F) -> the states of ``answer_width`` answer positions (default: the task's; only the columns
        core answers other widths) and, for the columns core, its column values."""
        width = answer_width or self.answer_width
        if width != self.answer_width and not self.network.any_width:
            raise ValueError(f"this core answers {self.answer_width} positions, not {width}: only model.core: "
                             "columns answers numbers wider than those it was trained on")
        return self.network(self.features(inputs), width)
