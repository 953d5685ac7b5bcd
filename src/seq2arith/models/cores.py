"""The core every arithmetic kind shares: query vectors (B, T_in, F) -> one state per answer position.

It is the report's LSTM encoder-decoder (``model.core: lstm``) or an MLP over the whole query
(``mlp``), reading the positions as they are (``model.features: characters``) or the pairs
of digits of the two numbers built from them (``digit_pairs``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from seq2arith.params import require
from seq2arith.text import DIGITS, PAD


@dataclass(frozen=True)
class ModelConfig:
    """The core shared by text2text, img2text and text2img."""

    core: str = "lstm"  # lstm: the report's encoder-decoder; mlp: a feed-forward network over the whole query
    features: str = "characters"  # what the core reads: characters (one per position) | digit_pairs (a_i, b_j)
    hidden: int = 256  # LSTM width (the report's "LSTM size"), or MLP layer width
    mlp_layers: int = 2  # hidden ReLU layers of the mlp core
    extra_lstm: int = 0  # encoder LSTM layers beyond the first (report Tables 1 and 4)
    bidirectional: bool = False  # bidirectional encoder and decoder LSTMs (report 3.3.3)
    dropout: float = 0.0  # lstm: between stacked layers and before the output head; mlp: after each layer
    batchnorm: bool = False  # batch norm on the LSTM decoder outputs (report 3.3.3 "regularisation")
    decoder: str = "attention"  # repeat: the report's RepeatVector; attention: each step also reads the encoder
    reverse_answer: bool = True  # emit the answer units-digit first, as written sums carry

    def validate(self, key: str) -> None:
        require(f"{key}.core", self.core, self.core in ("lstm", "mlp"), "allowed: lstm, mlp")
        require(f"{key}.features", self.features, self.features in ("characters", "digit_pairs"),
                 "allowed: characters, digit_pairs")
        require(f"{key}.hidden", self.hidden, 1 <= self.hidden <= 4096, "must be an integer from 1 to 4096")
        require(f"{key}.mlp_layers", self.mlp_layers, 1 <= self.mlp_layers <= 16, "must be an integer from 1 to 16")
        require(f"{key}.extra_lstm", self.extra_lstm, 0 <= self.extra_lstm <= 16, "must be an integer from 0 to 16")
        require(f"{key}.dropout", self.dropout, 0 <= self.dropout < 1, "must be in [0, 1)")
        require(f"{key}.decoder", self.decoder, self.decoder in ("repeat", "attention"), "allowed: repeat, attention")
        for name in ("extra_lstm", "bidirectional", "batchnorm"):  # LSTM-only settings left on under the MLP
            value = getattr(self, name)
            require(f"{key}.{name}", value, self.core == "lstm" or not value,
                     f"only the lstm core has it (model.core is {self.core!r}); set model.core: lstm too")


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
    pair; on a reader's probabilities it is soft. Where the numbers sit is read from the most likely
    symbol of each position: the likeliest operator position splits them, padding ends the second.
    """

    def __init__(self, symbols: str, query_width: int) -> None:
        super().__init__()
        self.digit_places = (query_width - 1) // 2  # D: '99*99' -> 2
        self.operators = [i for i, char in enumerate(symbols) if char not in DIGITS + PAD]
        self.pad = symbols.index(PAD)
        self.steps, self.size = self.digit_places**2, 100 + len(self.operators)

    def _digits(self, digits: torch.Tensor, last: torch.Tensor, first: torch.Tensor) -> torch.Tensor:
        """(B, D, 10): the digit distributions at positions last, last-1, ...; zero where before ``first``."""
        places = last[:, None] - torch.arange(self.digit_places, device=last.device)  # (B, D) positions, units first
        gathered = digits.gather(1, places.clamp(min=0)[..., None].expand(-1, -1, 10))  # (B, D, 10)
        zero = torch.zeros_like(gathered)
        zero[..., 0] = 1
        return torch.where((places >= first[:, None])[..., None], gathered, zero)

    def forward(self, symbols: torch.Tensor) -> torch.Tensor:
        batch, width, _ = symbols.shape
        positions = torch.arange(width, device=symbols.device)
        operator = symbols[..., self.operators].sum(-1).argmax(-1)  # (B,)
        padding = (symbols.argmax(-1) == self.pad) & (positions > operator[:, None])  # (B, T_in)
        end = torch.where(padding, positions, width).min(-1).values  # (B,) one past the second number
        digits = symbols[..., :10] / symbols[..., :10].sum(-1, keepdim=True).clamp(min=1e-6)  # (B, T_in, 10)
        first = self._digits(digits, operator - 1, torch.zeros_like(operator))  # (B, D, 10)
        second = self._digits(digits, end - 1, operator + 1)
        pairs = torch.einsum("bix,bjy->bijxy", first, second).reshape(batch, self.steps, 100)
        ops = symbols[torch.arange(batch, device=symbols.device), operator][:, self.operators]  # (B, operators)
        ops = ops / ops.sum(-1, keepdim=True).clamp(min=1e-6)
        return torch.cat([pairs, ops[:, None].expand(-1, self.steps, -1)], dim=-1)


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


class Core(nn.Module):
    """What every kind shares: query vectors (B, T_in, F) -> one state per answer position (B, T_out, output_size).

    ``symbols``: the characters the F entries of a query vector stand for, when they are one-hot text or a
    reader's symbol probabilities; ``model.features: digit_pairs`` needs them.
    """

    def __init__(self, input_size: int, query_width: int, answer_width: int, config: ModelConfig,
                 symbols: str | None = None) -> None:
        super().__init__()
        steps, size = query_width, input_size
        self.features: nn.Module = nn.Identity()
        if config.features == "digit_pairs":
            if symbols is None:
                raise ValueError("digit_pairs needs inputs that are symbols")
            self.features = DigitPairs(symbols, query_width)
            steps, size = self.features.steps, self.features.size
        self.network = Seq2Seq(size, answer_width, config) if config.core == "lstm" else MLP(
            steps * size, answer_width, config)
        self.output_size = self.network.output_size

    @classmethod
    def over_text(cls, vocabulary: str, query_width: int, answer_width: int, config: ModelConfig) -> Core:
        """The core of a kind that reads the query as one-hot text over ``vocabulary``."""
        return cls(len(vocabulary), query_width, answer_width, config, vocabulary)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.network(self.features(inputs))
