"""The report's three model kinds around one recurrent core, and the reference glyph classifier.

- text2text: one-hot query -> Seq2Seq -> per-step softmax over the task's characters.
- img2text:  glyph strip -> per-glyph CNN (or ConvLSTM) -> Seq2Seq -> per-step softmax.
- text2img:  one-hot query -> Seq2Seq -> per-step image head -> (T_out, 28, 28) pixels.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from seq2arith.config import Img2TextConfig, ModelConfig, Text2ImgConfig
from seq2arith.text import SYMBOLS

IMAGE = 28  # glyphs are 28x28


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
class Architecture:
    """Everything needed to rebuild a model: saved inside every checkpoint."""

    kind: str  # text2text | img2text | text2img | classifier
    vocabulary: str  # the task's characters (classifier: every glyph symbol)
    query_width: int = 0
    answer_width: int = 0
    model: dict = field(default_factory=dict)  # ModelConfig fields
    options: dict = field(default_factory=dict)  # the kind's own settings (Img2TextConfig, ...)
    reader: dict = field(default_factory=dict)  # img2text's GlyphCNN: conv_layers, conv_filters, out_features

    def to_dict(self) -> dict:
        return asdict(self)


class Text2Text(nn.Module):
    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        self.core = Seq2Seq(len(arch.vocabulary), arch.answer_width, ModelConfig(**arch.model))
        self.head = nn.Linear(self.core.output_size, len(arch.vocabulary))

    def forward(self, query: torch.Tensor) -> torch.Tensor:
        """(B, T_in, V) one-hot -> (B, T_out, V) logits."""
        return self.head(self.core(query))


class Img2Text(nn.Module):
    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        options = Img2TextConfig(**arch.options)
        features = arch.reader["out_features"]
        if options.encoder == "convlstm":
            self.reader: nn.Module = ConvLSTM(arch.reader["conv_filters"], features)
        else:
            self.reader = TimeDistributed(GlyphCNN(**arch.reader))
        self.reads_symbols = options.init_from_classifier  # the classifier's logits become symbol probabilities
        self.core = Seq2Seq(features, arch.answer_width, ModelConfig(**arch.model))
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
        with torch.no_grad():  # (M, F): one row per image
            table = torch.cat([model.read(images[i:i + batch_size].unsqueeze(1)).squeeze(1)
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
    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        options = Text2ImgConfig(**arch.options)
        self.core = Seq2Seq(len(arch.vocabulary), arch.answer_width, ModelConfig(**arch.model))
        head = DenseImageHead if options.image_decoder == "dense" else ConvTransposeImageHead
        self.head = head(self.core.output_size, options.dense_units)
        self.text_head = nn.Linear(self.core.output_size, len(arch.vocabulary)) if options.text_loss > 0 else None

    def forward(self, query: torch.Tensor) -> torch.Tensor:
        """(B, T_in, V) one-hot -> (B, T_out, 28, 28) pixel logits."""
        return self.head(self.core(query))

    def forward_with_text(self, query: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Pixel logits (B, T_out, 28, 28) and, from the same decoder states, character logits (B, T_out, V)."""
        states = self.core(query)
        return self.head(states), self.text_head(states)


class WithTextHead(nn.Module):
    """Trains a Text2Img through both heads: the auxiliary characters teach its core the arithmetic."""

    def __init__(self, model: Text2Img) -> None:
        super().__init__()
        self.model = model

    def forward(self, query: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.forward_with_text(query)


class Classifier(nn.Module):
    """The reference reader: one glyph -> one of SYMBOLS (digits, + - x, blank)."""

    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        self.net = GlyphCNN(**arch.reader)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 28, 28) pixels -> (N, len(SYMBOLS)) logits."""
        return self.net(images.unsqueeze(1))


MODELS: dict[str, type[nn.Module]] = {
    "text2text": Text2Text, "img2text": Img2Text, "text2img": Text2Img, "classifier": Classifier,
}


def build(arch: Architecture) -> nn.Module:
    return MODELS[arch.kind](arch)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
