"""The report's three model kinds around one shared core, and the reference glyph classifier.

- text2text: one-hot query -> Core -> per-step softmax over the task's characters.
- img2text:  glyph strip -> per-glyph CNN (or ConvLSTM) -> Core -> per-step softmax.
- text2img:  one-hot query -> Core -> per-step image head -> (T_out, 28, 28) pixels.

The Core reads one vector per query position and gives one state per answer position. It is
the report's LSTM encoder-decoder (``model.core: lstm``) or an MLP over the whole query
(``mlp``), reading the positions as they are (``model.features: characters``) or the pairs
of digits of the two numbers built from them (``digit_pairs``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from seq2arith.config import (
    ClassifierConfig,
    FitConfig,
    Img2TextConfig,
    ModelConfig,
    Text2ImgConfig,
    Text2TextConfig,
    parse_section,
)
from seq2arith.text import DIGITS, PAD, SYMBOLS

IMAGE = 28  # glyphs are 28x28


def device_of(model: nn.Module) -> torch.device:
    """Where ``model``'s weights are: its inputs are moved there."""
    return next(model.parameters()).device


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

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.network(self.features(inputs))


class GlyphCNN(nn.Module):
    """(N, 1, 28, 28) -> (N, out_features): conv blocks (3x3 conv, batch norm, ReLU, 2x2 max-pool)."""

    def __init__(self, conv_layers: int, conv_filters: int, out_features: int) -> None:
        super().__init__()
        blocks, channels = [], 1
        for i in range(conv_layers):
            width = conv_filters * 2**i
            blocks += [nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2)]
            channels = width
        side = IMAGE // 2**conv_layers
        self.features = nn.Sequential(*blocks, nn.Flatten())
        self.head = nn.Sequential(nn.Linear(channels * side * side, 128), nn.ReLU(), nn.Dropout(0.25),
                                  nn.Linear(128, out_features))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))


class TimeDistributed(nn.Module):
    """Apply an image module to every glyph of a strip: (B, T, 28, 28) -> (B, T, F)."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, strip: torch.Tensor) -> torch.Tensor:
        batch, steps = strip.shape[:2]
        return self.module(strip.reshape(batch * steps, 1, IMAGE, IMAGE)).reshape(batch, steps, -1)


class ConvLSTM(nn.Module):
    """A convolutional LSTM over the strip (report Table 2): (B, T, 28, 28) -> (B, T, F) pooled states."""

    def __init__(self, filters: int, out_features: int) -> None:
        super().__init__()
        self.filters = filters
        self.gates = nn.Conv2d(1 + filters, 4 * filters, 3, padding=1)
        self.project = nn.Sequential(nn.AdaptiveAvgPool2d(7), nn.Flatten(), nn.Linear(filters * 49, out_features))

    def forward(self, strip: torch.Tensor) -> torch.Tensor:
        batch, steps = strip.shape[:2]
        h = strip.new_zeros(batch, self.filters, IMAGE, IMAGE)
        c = torch.zeros_like(h)
        outputs = []
        for t in range(steps):
            i, f, g, o = self.gates(torch.cat([strip[:, t, None], h], dim=1)).chunk(4, dim=1)
            c = f.sigmoid() * c + i.sigmoid() * g.tanh()
            h = o.sigmoid() * c.tanh()
            outputs.append(self.project(h))  # (B, F)
        return torch.stack(outputs, dim=1)


class DenseImageHead(nn.Module):
    """Time-distributed Dense(units, relu) -> Dense(784, sigmoid), as the report's Figure 10."""

    def __init__(self, in_features: int, units: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(in_features, units), nn.ReLU(), nn.Linear(units, IMAGE * IMAGE))

    def forward(self, steps: torch.Tensor) -> torch.Tensor:
        """(B, T, F) -> (B, T, 28, 28) logits (sigmoid gives pixels)."""
        return self.layers(steps).unflatten(-1, (IMAGE, IMAGE))


class ConvTransposeImageHead(nn.Module):
    """Project to 7x7 feature maps, then two stride-2 transposed convolutions (report Figure 7)."""

    def __init__(self, in_features: int, units: int) -> None:
        super().__init__()
        self.project = nn.Linear(in_features, units * 7 * 7)
        self.upsample = nn.Sequential(
            nn.ReLU(), nn.ConvTranspose2d(units, units // 2, 4, stride=2, padding=1),  # 7 -> 14
            nn.ReLU(), nn.ConvTranspose2d(units // 2, 1, 4, stride=2, padding=1),  # 14 -> 28
        )

    def forward(self, steps: torch.Tensor) -> torch.Tensor:
        batch, width = steps.shape[:2]
        maps = self.project(steps).reshape(batch * width, -1, 7, 7)
        return self.upsample(maps).reshape(batch, width, IMAGE, IMAGE)


@dataclass(frozen=True)
class ReaderConfig:
    """The per-glyph CNN of img2text and of the classifier."""

    conv_layers: int
    conv_filters: int
    out_features: int  # classifier: one logit per symbol; img2text from scratch: a feature vector


@dataclass(frozen=True)
class Architecture:
    """Everything needed to rebuild a model: saved inside every checkpoint as plain data."""

    kind: str  # a key of KINDS
    vocabulary: str  # the task's characters (classifier: every glyph symbol)
    query_width: int = 0
    answer_width: int = 0
    model: ModelConfig = field(default_factory=ModelConfig)
    options: FitConfig = field(default_factory=FitConfig)  # the kind's own section: Img2TextConfig, ...
    reader: ReaderConfig | None = None  # img2text's and the classifier's glyph CNN

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> Architecture:
        """The inverse of ``to_dict``, every section validated as params.yaml's are (ParamsError if not)."""
        kind = KINDS[stored["kind"]]
        reader = stored["reader"]
        return cls(stored["kind"], stored["vocabulary"], stored["query_width"], stored["answer_width"],
                   parse_section(ModelConfig, stored["model"], "model"),
                   parse_section(kind.options, stored["options"], stored["kind"]),
                   None if reader is None else ReaderConfig(**reader))


def _text_core(arch: Architecture) -> Core:
    """The core of a kind that reads the query as one-hot text."""
    return Core(len(arch.vocabulary), arch.query_width, arch.answer_width, arch.model, arch.vocabulary)


class Text2Text(nn.Module):
    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        self.core = _text_core(arch)
        self.head = nn.Linear(self.core.output_size, len(arch.vocabulary))

    def forward(self, query: torch.Tensor) -> torch.Tensor:
        """(B, T_in, V) one-hot -> (B, T_out, V) logits."""
        return self.head(self.core(query))


class Img2Text(nn.Module):
    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        reader = arch.reader
        if arch.options.encoder == "convlstm":
            self.reader: nn.Module = ConvLSTM(reader.conv_filters, reader.out_features)
        else:
            self.reader = TimeDistributed(GlyphCNN(**dataclasses.asdict(reader)))
        self.reads_symbols = arch.options.init_from_classifier  # the classifier's logits become symbol probabilities
        self.core = Core(reader.out_features, arch.query_width, arch.answer_width, arch.model,
                         SYMBOLS if self.reads_symbols else None)
        self.head = nn.Linear(self.core.output_size, len(arch.vocabulary))

    def read(self, strip: torch.Tensor) -> torch.Tensor:
        """(B, T_in, 28, 28) pixels -> (B, T_in, F) glyph features."""
        features = self.reader(strip)
        return features.softmax(-1) if self.reads_symbols else features

    def forward(self, strip: torch.Tensor) -> torch.Tensor:
        """(B, T_in, 28, 28) pixels -> (B, T_out, V) logits."""
        return self.head(self.core(self.read(strip)))


class ReadOnce(nn.Module):
    """An Img2Text whose per-glyph reader has read every image of the handwriting pools once.

    It answers from glyph indices (B, T_in) through a lookup of those features: the same numbers
    as the model on pixels, at the cost of text2text. Training uses it when the reader is frozen,
    evaluation whenever the reader is a per-glyph CNN. Shares its weights with ``model``.
    """

    def __init__(self, model: Img2Text, images: torch.Tensor, batch_size: int = 1024) -> None:
        super().__init__()
        self.model = model
        model.reader.requires_grad_(False)
        model.reader.eval()
        device = device_of(model)  # the table is read, and kept, where the model is
        with torch.no_grad():  # (M, F): one row per image
            table = torch.cat([model.read(images[i:i + batch_size].to(device).unsqueeze(1)).squeeze(1)
                               for i in range(0, len(images), batch_size)])
        self.register_buffer("table", table, persistent=False)

    def train(self, mode: bool = True) -> ReadOnce:
        super().train(mode)
        self.model.reader.eval()  # batch norm statistics stay those the table was read with
        return self

    def forward(self, glyphs: torch.Tensor) -> torch.Tensor:
        """(B, T_in) indices into the handwriting pools -> (B, T_out, V) logits."""
        return self.model.head(self.model.core(self.table[glyphs]))


class Text2Img(nn.Module):
    """With a character head (``text2img.text_loss`` > 0), the image head draws from each answer position's
    state and the character the character head reads there; without one, from the state alone (the report's)."""

    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        options = arch.options
        self.core = _text_core(arch)
        characters = len(arch.vocabulary) if options.text_loss > 0 else 0
        self.text_head = nn.Linear(self.core.output_size, characters) if characters else None
        head = DenseImageHead if options.image_decoder == "dense" else ConvTransposeImageHead
        self.head = head(self.core.output_size + characters, options.dense_units)

    def forward(self, query: torch.Tensor) -> torch.Tensor:
        """(B, T_in, V) one-hot -> (B, T_out, 28, 28) pixel logits."""
        return self.forward_with_text(query)[0]

    def forward_with_text(self, query: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Pixel logits (B, T_out, 28, 28) and, from the same states, character logits (B, T_out, V) or None."""
        states = self.core(query)
        characters = None if self.text_head is None else self.text_head(states)
        return self.draw(states, characters), characters

    def draw(self, states: torch.Tensor, characters: torch.Tensor | None) -> torch.Tensor:
        """(B, T_out, F) core states and (B, T_out, V) character logits or None -> pixel logits."""
        inputs = states if characters is None else torch.cat([states, characters.softmax(-1)], dim=-1)
        return self.head(inputs)


class WithTextHead(nn.Module):
    """Trains a Text2Img through both heads: the auxiliary characters teach its core the arithmetic.

    ``drawing_only``: no gradient reaches the core or the character head (the core stays in evaluation
    mode); only the image head learns, to draw what the core already knows.
    """

    def __init__(self, model: Text2Img, drawing_only: bool = False) -> None:
        super().__init__()
        self.model = model
        self.drawing_only = drawing_only

    def train(self, mode: bool = True) -> WithTextHead:
        super().train(mode)
        if self.drawing_only:
            self.model.core.eval()
        return self

    def forward(self, query: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.drawing_only:
            return self.model.forward_with_text(query)
        with torch.no_grad():
            states = self.model.core(query)
            characters = self.model.text_head(states)
        return self.model.draw(states, characters), characters


class TextOnly(nn.Module):
    """A Text2Img read through its character head alone: how its core learns the arithmetic first."""

    def __init__(self, model: Text2Img) -> None:
        super().__init__()
        self.model = model

    def forward(self, query: torch.Tensor) -> torch.Tensor:
        """(B, T_in, V) one-hot -> (B, T_out, V) character logits."""
        return self.model.text_head(self.model.core(query))


class Classifier(nn.Module):
    """The reference reader: one glyph -> one of SYMBOLS (digits, + - x, blank)."""

    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        self.net = GlyphCNN(**dataclasses.asdict(arch.reader))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 28, 28) pixels -> (N, len(SYMBOLS)) logits."""
        return self.net(images.unsqueeze(1))


@dataclass(frozen=True)
class Kind:
    """How one kind of model is built, configured, fed and read: the table stages and the CLI consult."""

    network: type[nn.Module]
    options: type[FitConfig]  # its params.yaml section
    inputs: str  # the batch field its network reads (see dataset.FIELDS)
    answers_in_images: bool = False  # its answers are drawn: the classifier reads them back

    @property
    def reads_images(self) -> bool:
        """Its queries are handwriting strips: evaluating it needs the pools and the classifier."""
        return self.inputs == "query_images"

    @property
    def trains_on_handwriting(self) -> bool:
        """Handwriting goes in or comes out: training it needs the pools."""
        return self.reads_images or self.answers_in_images


KINDS: dict[str, Kind] = {
    "text2text": Kind(Text2Text, Text2TextConfig, "query"),
    "img2text": Kind(Img2Text, Img2TextConfig, "query_images"),
    "text2img": Kind(Text2Img, Text2ImgConfig, "query", answers_in_images=True),
    "classifier": Kind(Classifier, ClassifierConfig, "image"),
}
ARITHMETIC = ("text2text", "img2text", "text2img")  # the kinds that answer queries: train-<kind>@<task>, evaluate-…


def build(arch: Architecture) -> nn.Module:
    return KINDS[arch.kind].network(arch)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
