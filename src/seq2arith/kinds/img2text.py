"""img2text: a strip of handwritten glyphs -> per-glyph reader (the classifier, a CNN of its own, or a ConvLSTM)
-> Core -> per-step softmax over the task's characters (the report's 3.2, 4.2)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from seq2arith import checkpoint
from seq2arith.dataset import QuerySet
from seq2arith.devices import device_of
from seq2arith.handwriting import Handwriting
from seq2arith.kinds.arithmetic import ArithmeticKind, WithValues
from seq2arith.kinds.classifier import KIND as CLASSIFIER
from seq2arith.kinds.classifier import Classifier, ClassifierConfig
from seq2arith.models.architecture import Architecture
from seq2arith.models.cores import Core, ModelConfig
from seq2arith.models.images import ConvLSTM, GlyphCNN, TimeDistributed
from seq2arith.params import ParamsError, parse_section, require
from seq2arith.pools import load_handwriting
from seq2arith.text import SYMBOLS
from seq2arith.training import Answers, KindConfig, Phase, text_objective

READER_FEATURES = 128  # width of a glyph's feature vector when img2text trains its reader from scratch


@dataclass(frozen=True)
class Img2TextConfig(KindConfig):
    encoder: str = "cnn"  # cnn: time-distributed CNN per glyph (report Table 3); convlstm (report Table 2)
    conv_layers: int = 2  # conv blocks per glyph of a reader trained from scratch
    conv_filters: int = 32  # filters of the first block, doubled per block (the report's "kernel size")
    fresh_handwriting: bool = True  # redraw every train query's digits from the train pool each epoch
    init_from_classifier: bool = True  # the glyph reader starts as the trained reference classifier
    freeze_reader: bool = True  # keep it fixed: each image is read once, training costs what text2text does
    reader_temperature: float = 0.01  # the classifier's probabilities p become p^(1/T), renormalised: below 1, the
    # likeliest symbol of a glyph the classifier doubts weighs more (the columns core adds the digits' values)

    def validate(self, key: str) -> None:
        super().validate(key)
        require(f"{key}.encoder", self.encoder, self.encoder in ("cnn", "convlstm"), "allowed: cnn, convlstm")
        require(f"{key}.conv_layers", self.conv_layers, 1 <= self.conv_layers <= 3, "must be an integer from 1 to 3")
        require(f"{key}.conv_filters", self.conv_filters, 1 <= self.conv_filters <= 512,
                 "must be an integer from 1 to 512")
        require(f"{key}.init_from_classifier", self.init_from_classifier,
                 not self.init_from_classifier or self.encoder == "cnn",
                 "needs encoder: cnn (the classifier is a CNN)")
        require(f"{key}.freeze_reader", self.freeze_reader, not self.freeze_reader or self.init_from_classifier,
                "needs init_from_classifier: true (a reader trained from scratch cannot stay frozen)")
        require(f"{key}.reader_temperature", self.reader_temperature, 0 < self.reader_temperature <= 10,
                "must be in (0, 10]")


@dataclass(frozen=True)
class Img2TextArchitecture(Architecture):
    reader: ClassifierConfig | None = None  # the classifier's section, when the reader starts as the classifier

    @classmethod
    def from_dict(cls, stored: dict[str, Any], options: type[KindConfig], key: str) -> Img2TextArchitecture:
        reader = stored["reader"]
        arch = super().from_dict({**stored, "reader": None}, options, key)
        return dataclasses.replace(arch, reader=None if reader is None else
                                   parse_section(ClassifierConfig, reader, "classifier"))


def _reader(arch: Img2TextArchitecture) -> tuple[nn.Module, int]:
    """The glyph reader of ``arch`` and the width of what it reads from each glyph."""
    options = arch.options
    assert isinstance(options, Img2TextConfig)
    if arch.reader is not None:
        return TimeDistributed(Classifier(arch.reader)), len(SYMBOLS)
    if options.encoder == "convlstm":
        return ConvLSTM(options.conv_filters, READER_FEATURES), READER_FEATURES
    return TimeDistributed(GlyphCNN(options.conv_layers, options.conv_filters, READER_FEATURES)), READER_FEATURES


class Img2Text(nn.Module):
    def __init__(self, arch: Img2TextArchitecture) -> None:
        super().__init__()
        self.reader, features = _reader(arch)
        self.reads_symbols = arch.reader is not None  # the classifier's logits become symbol probabilities
        self.temperature = cast(Img2TextConfig, arch.options).reader_temperature
        self.core = Core(features, arch.query_width, arch.answer_width, arch.model,
                         SYMBOLS if self.reads_symbols else None)
        self.head = nn.Linear(self.core.output_size, len(arch.vocabulary))

    def read(self, strip: torch.Tensor) -> torch.Tensor:
        """(B, T_in, 28, 28) pixels -> (B, T_in, F) glyph features."""
        features = self.reader(strip)
        return (features / self.temperature).softmax(-1) if self.reads_symbols else features

    def forward(self, strip: torch.Tensor, answer_width: int | None = None) -> torch.Tensor:
        """(B, T_in, 28, 28) pixels -> (B, T_out, V) logits."""
        return self.head(self.core(self.read(strip), answer_width).states)

    def with_values(self, strip: torch.Tensor) -> Answers:
        states, values = self.core(self.read(strip))
        return self.head(states), values


class ReadOnce(nn.Module):
    """An Img2Text whose per-glyph reader has read every image of the handwriting pools once.

    It answers from glyph indices (B, T_in) through a lookup of those features: the same numbers
    as the model on pixels, at the cost of text2text. Training uses it when the reader is frozen,
    evaluation whenever the reader is a per-glyph CNN. Shares its weights with ``model``.
    """

    table: torch.Tensor  # (M, F): what the reader read in each pool image

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

    def forward(self, glyphs: torch.Tensor, answer_width: int | None = None) -> torch.Tensor:
        """(B, T_in) indices into the handwriting pools -> (B, T_out, V) logits."""
        return self.model.head(self.model.core(self.table[glyphs], answer_width).states)

    def with_values(self, glyphs: torch.Tensor) -> Answers:
        states, values = self.model.core(self.table[glyphs])
        return self.model.head(states), values


def read_once(model: Img2Text, handwriting: Handwriting) -> ReadOnce:
    """``model`` with every image of ``handwriting`` read once."""
    return ReadOnce(model, handwriting.pixels(np.arange(len(handwriting.images))))


class Img2TextKind(ArithmeticKind):
    name = "img2text"
    options = Img2TextConfig
    inputs = "query_images"

    def architecture_from_dict(self, stored: dict[str, Any]) -> Architecture:
        return Img2TextArchitecture.from_dict(stored, self.options, self.name)

    def network(self, arch: Architecture) -> nn.Module:
        assert isinstance(arch, Img2TextArchitecture)
        return Img2Text(arch)

    def architecture(self, vocabulary: str, query_width: int, answer_width: int, model: ModelConfig,
                     options: KindConfig, classifier: Any = None) -> Architecture:
        """Its reader is the classifier (``classifier``: its section) when it starts from it."""
        assert isinstance(options, Img2TextConfig)
        if options.init_from_classifier and not isinstance(classifier, ClassifierConfig):
            raise ValueError("img2text.init_from_classifier needs the classifier's section")
        return Img2TextArchitecture(vocabulary, query_width, answer_width, model, options,
                                    classifier if options.init_from_classifier else None)

    def new_model(self, queries: QuerySet, model: ModelConfig, options: KindConfig,
                  classifier: Path | None = None) -> tuple[nn.Module, Architecture]:
        """A fresh Img2Text whose glyph reader starts as the classifier when ``init_from_classifier``."""
        assert isinstance(options, Img2TextConfig)
        if model.reads_digits and not options.init_from_classifier:
            raise ParamsError(f"params.yaml: {model.reads_digits}: img2text must read symbols to read digits "
                              "(needs img2text.init_from_classifier: true)")
        if not options.init_from_classifier:
            return super().new_model(queries, model, options, classifier)
        if classifier is None:
            raise ParamsError("params.yaml: img2text.init_from_classifier = true needs the classifier checkpoint")
        reference, reference_options = checkpoint.load(classifier, CLASSIFIER, stage="classifier")
        arch = self.architecture(queries.vocabulary, queries.query_width, queries.answer_width, model, options,
                                 reference_options)
        network = self.network(arch)
        assert isinstance(network, Img2Text) and isinstance(network.reader, TimeDistributed)
        network.reader.module.load_state_dict(reference.state_dict())
        return network, arch

    def handwriting(self, digits: Path | None, glyphs: Path | None) -> Handwriting:
        assert digits is not None and glyphs is not None
        return load_handwriting(digits, glyphs)

    def fresh_handwriting(self, options: KindConfig) -> bool:
        assert isinstance(options, Img2TextConfig)
        return options.fresh_handwriting

    def phases(self, model: nn.Module, arch: Architecture, handwriting: Handwriting | None) -> list[Phase]:
        """A frozen reader reads every image once, and the core trains over those features at text2text's cost."""
        options = arch.options
        assert isinstance(options, Img2TextConfig) and isinstance(model, Img2Text) and handwriting is not None
        if options.freeze_reader:
            return [Phase(WithValues(read_once(model, handwriting)),
                          text_objective("query_glyphs", arch.model.value_loss), options)]
        return super().phases(model, arch, handwriting)

    def runner(self, model: nn.Module, handwriting: Handwriting | None) -> tuple[nn.Module, str]:
        """A per-glyph reader reads each image once instead of once per use: the same numbers, far faster."""
        assert isinstance(model, Img2Text) and handwriting is not None
        if isinstance(model.reader, TimeDistributed):
            return read_once(model, handwriting), "query_glyphs"
        return model, self.inputs


KIND = Img2TextKind()
