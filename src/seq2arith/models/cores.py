"""The core every arithmetic kind shares: query vectors (B, T_in, F) -> one state per answer position.

It is the column core (``model.core: columns``, models/columns.py: the written algorithm's columns), the report's
LSTM encoder-decoder (``lstm``) or an MLP over the whole query (``mlp``); the last two read the positions as they are
(``model.features: characters``) or the pairs of digits of the two numbers built from them (``digit_pairs``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from seq2arith.models.columns import CARRIES, ColumnCore
from seq2arith.models.numbers import NumberReader
from seq2arith.params import require

CORES = ("columns", "lstm", "mlp")
# the cores each LSTM setting shapes: left on under another core it would change nothing, so it is named, not ignored
LSTM_SETTINGS = {"extra_lstm": ("lstm", "columns"), "bidirectional": ("lstm",), "batchnorm": ("lstm",)}


@dataclass(frozen=True)
class ModelConfig:
    """The core shared by text2text, img2text and text2img."""

    core: str = "columns"  # columns: the written algorithm's columns; lstm: the report's encoder-decoder; mlp
    features: str = "characters"  # lstm and mlp: what they read: characters (one per position) | digit_pairs
    hidden: int = 64  # the width of every layer (the report's "LSTM size")
    mlp_layers: int = 2  # hidden ReLU layers of the mlp core
    extra_lstm: int = 0  # lstm: encoder LSTM layers beyond the first; columns: LSTMs over its columns (Tables 1, 4)
    bidirectional: bool = False  # lstm: bidirectional encoder and decoder LSTMs (report 3.3.3)
    dropout: float = 0.0  # before the output head (lstm, columns: also between stacked layers; mlp: after each layer)
    batchnorm: bool = False  # lstm: batch norm on the decoder outputs (report 3.3.3 "regularisation")
    decoder: str = "attention"  # lstm: repeat (the report's RepeatVector) | attention (each step reads the encoder)
    reverse_answer: bool = True  # emit the answer units-digit first, as written sums carry
    value_loss: float = 0.0  # columns: weight of the auxiliary loss on each column's written value
    carry: str = "machine"  # columns: machine (a learned finite-state machine carries) | lstm (LSTMs carry)

    def validate(self, key: str) -> None:
        require(f"{key}.core", self.core, self.core in CORES, f"allowed: {', '.join(CORES)}")
        require(f"{key}.features", self.features, self.features in ("characters", "digit_pairs"),
                "allowed: characters, digit_pairs")
        require(f"{key}.hidden", self.hidden, 1 <= self.hidden <= 4096, "must be an integer from 1 to 4096")
        require(f"{key}.mlp_layers", self.mlp_layers, 1 <= self.mlp_layers <= 16, "must be an integer from 1 to 16")
        require(f"{key}.extra_lstm", self.extra_lstm, 0 <= self.extra_lstm <= 16, "must be an integer from 0 to 16")
        require(f"{key}.dropout", self.dropout, 0 <= self.dropout < 1, "must be in [0, 1)")
        require(f"{key}.decoder", self.decoder, self.decoder in ("repeat", "attention"), "allowed: repeat, attention")
        require(f"{key}.value_loss", self.value_loss, self.value_loss >= 0, "must be >= 0")
        require(f"{key}.carry", self.carry, self.carry in CARRIES, f"allowed: {', '.join(CARRIES)}")
        for name, cores in LSTM_SETTINGS.items():
            value = getattr(self, name)
            require(f"{key}.{name}", value, self.core in cores or not value,
                    f"only the {' and '.join(cores)} core{'s have' if len(cores) > 1 else ' has'} it (model.core is "
                    f"{self.core!r}); set model.core: {' or '.join(cores)} too")
        require(f"{key}.value_loss", self.value_loss, self.core == "columns" or not self.value_loss,
                f"only the columns core has column values (model.core is {self.core!r}); set it to 0")
        require(f"{key}.reverse_answer", self.reverse_answer, self.core != "columns" or self.reverse_answer,
                "the columns core answers units first: must be true")

    @property
    def reads_digits(self) -> str | None:
        """The setting that makes the core read the digits of two numbers out of symbols (one-hot text or a reader's
        probabilities), as params.yaml writes it; None when it reads the positions as they are."""
        if self.core == "columns":
            return "model.core = 'columns'"
        return "model.features = 'digit_pairs'" if self.features == "digit_pairs" else None

    @property
    def any_width(self) -> bool:
        """The core reads numbers of any width and answers as wide as asked (models trained on 0..99 can be asked
        about 3-digit numbers)."""
        return self.core == "columns"


class Seq2Seq(nn.Module):
    """Encoder LSTM stack -> summary repeated T_out times (Keras' RepeatVector) -> decoder LSTM.

    ``decoder: attention`` also gives each output step its own learned read of the encoder
    outputs, so step t can look at the digits it needs without squeezing them through one vector.
    """

    def __init__(self, input_size: int, answer_width: int, config: ModelConfig) -> None:
        super().__init__()
        directions = 2 if config.bidirectional else 1
        width = config.hidden * directions
        self.answer_width = answer_width
        self.encoder = nn.LSTM(input_size, config.hidden, num_layers=1 + config.extra_lstm, batch_first=True,
                               dropout=config.dropout if config.extra_lstm else 0.0,
                               bidirectional=config.bidirectional)
        self.attention = None
        if config.decoder == "attention":
            self.step_queries = nn.Parameter(torch.randn(answer_width, width) / math.sqrt(width))
            self.attention = nn.Linear(2 * width, width)
        self.decoder = nn.LSTM(width * (2 if self.attention else 1), config.hidden, batch_first=True,
                               bidirectional=config.bidirectional)
        self.norm = nn.BatchNorm1d(width) if config.batchnorm else nn.Identity()
        self.dropout = nn.Dropout(config.dropout)
        self.output_size = width

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """(B, T_in, F) -> (B, T_out, output_size)."""
        outputs, (h, _) = self.encoder(inputs)  # outputs: (B, T_in, W); h: (layers * dirs, B, H)
        directions = 2 if self.encoder.bidirectional else 1
        summary = torch.cat(list(h[-directions:]), dim=-1)  # (B, W): last layer, both directions
        steps = summary.unsqueeze(1).repeat(1, self.answer_width, 1)  # (B, T_out, W): the RepeatVector
        if self.attention is not None:
            query = self.attention(torch.cat([steps, self.step_queries.expand_as(steps)], dim=-1))  # (B, T_out, W)
            scores = query @ outputs.transpose(1, 2) / math.sqrt(outputs.shape[-1])  # (B, T_out, T_in)
            steps = torch.cat([steps, scores.softmax(-1) @ outputs], dim=-1)  # (B, T_out, 2W)
        decoded, _ = self.decoder(steps)  # (B, T_out, W)
        decoded = self.norm(decoded.transpose(1, 2)).transpose(1, 2)
        return self.dropout(decoded)


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
        first, second, operator = self.numbers(symbols)
        batch, places = first.shape[:2]
        pairs = torch.einsum("bix,bjy->bijxy", first, second).reshape(batch, places * places, 100)
        return torch.cat([pairs, operator[:, None].expand(-1, places * places, -1)], dim=-1)


class MLP(nn.Module):
    """The whole query at once: (B, T, F) flattened -> ``mlp_layers`` x (Linear, ReLU) -> (B, T_out, hidden),
    one state per answer position from one last linear layer."""

    def __init__(self, input_size: int, answer_width: int, config: ModelConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = input_size
        for _ in range(config.mlp_layers):
            layers += [nn.Linear(width, config.hidden), nn.ReLU(), nn.Dropout(config.dropout)]
            width = config.hidden
        layers += [nn.Linear(width, answer_width * config.hidden), nn.Unflatten(1, (answer_width, config.hidden))]
        self.layers = nn.Sequential(*layers)
        self.output_size = config.hidden

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.layers(inputs)


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


class CoreOutput(NamedTuple):
    states: torch.Tensor  # (B, T_out, output_size): one per answer position
    values: torch.Tensor | None  # (B, T_out, 2, VALUE_CLASSES): the column core's column values; None for others


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
        if config.core != "columns" and config.features == "digit_pairs":
            assert symbols is not None
            self.features = DigitPairs(symbols, query_width)
            steps, size = self.features.steps, self.features.size
        self.network: nn.Module
        if config.core == "columns":
            assert symbols is not None
            self.network = ColumnCore(symbols, config.hidden, config.dropout, config.extra_lstm, config.carry)
        elif config.core == "lstm":
            self.network = Seq2Seq(size, answer_width, config)
        else:
            self.network = MLP(steps * size, answer_width, config)
        self.output_size: int = self.network.output_size
        self.writes: str | None = getattr(self.network, "writes", None)  # characters its states already are

    @classmethod
    def over_text(cls, vocabulary: str, query_width: int, answer_width: int, config: ModelConfig) -> Core:
        """The core of a kind that reads the query as one-hot text over ``vocabulary``."""
        return cls(len(vocabulary), query_width, answer_width, config, vocabulary)

    def forward(self, inputs: torch.Tensor, answer_width: int | None = None) -> CoreOutput:
        """(B, T_in, F) -> the states of ``answer_width`` answer positions (default: the task's; only the columns
        core answers other widths) and, for the columns core, its column values."""
        width = answer_width or self.answer_width
        if isinstance(self.network, ColumnCore):
            return CoreOutput(*self.network(inputs, width))
        if width != self.answer_width:
            raise ValueError(f"this core answers {self.answer_width} positions, not {width}: only model.core: "
                             "columns answers numbers wider than those it was trained on")
        return CoreOutput(self.network(self.features(inputs)), None)
