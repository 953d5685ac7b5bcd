"""img2text: a strip of handwritten glyphs -> per-glyph CNN (or ConvLSTM) -> Core -> per-step softmax over the
task's characters (the report's 3.2, 4.2); its symbolic baseline reads each glyph with the classifier and
computes."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from seq2arith import checkpoint
from seq2arith.batches import ArithmeticDataset
from seq2arith.dataset import QuerySet
from seq2arith.devices import device_of
from seq2arith.errors import Seq2ArithError
from seq2arith.evaluation import text_metrics
from seq2arith.handwriting import Handwriting
from seq2arith.kinds.classifier import KIND as CLASSIFIER
from seq2arith.kinds.classifier import read_queries
from seq2arith.kinds.kind import ArithmeticKind
from seq2arith.models.architecture import Architecture
from seq2arith.models.cores import Core, ModelConfig
from seq2arith.models.images import ConvLSTM, GlyphCNN, ReaderConfig, TimeDistributed
from seq2arith.params import ParamsError, require
from seq2arith.pools import load_handwriting
from seq2arith.queries import evaluate
from seq2arith.text import PAD, SYMBOLS
from seq2arith.training import FitConfig, KindConfig, Phase, text_objective

READER_FEATURES = 128  # width of a glyph's feature vector when img2text trains its reader from scratch
UNREADABLE = "?"  # fills a symbolic answer too wide for the task: it can match nothing


@dataclass(frozen=True)
class Img2TextConfig(KindConfig):
    encoder: str = "cnn"  # cnn: time-distributed CNN per glyph (report Table 3); convlstm (report Table 2)
    conv_layers: int = 2  # conv blocks per glyph (ignored when init_from_classifier: the classifier's shape)
    conv_filters: int = 32  # filters of the first block, doubled per block (the report's "kernel size")
    fresh_handwriting: bool = True  # redraw every train query's digits from the train pool each epoch
    init_from_classifier: bool = True  # start the glyph CNN from the trained reference classifier
    freeze_reader: bool = True  # keep that CNN fixed: each image is read once, training costs what text2text does

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


def read_once(model: Img2Text, handwriting: Handwriting) -> ReadOnce:
    """``model`` with every image of ``handwriting`` read once."""
    return ReadOnce(model, handwriting.pixels(np.arange(len(handwriting.images))))


def symbolic_answers(read_queries: Sequence[str], answer_width: int) -> list[str]:
    """The symbolic baseline: compute what the classifier read; a malformed reading answers blank."""
    results = []
    for query in read_queries:
        try:
            answer = str(evaluate(query))
        except Seq2ArithError:
            answer = ""
        results.append(answer.ljust(answer_width, PAD) if len(answer) <= answer_width else UNREADABLE * answer_width)
    return results


def symbolic_exact_match(classifier: nn.Module, handwriting: Handwriting, glyphs: np.ndarray,
                         answers: Sequence[str]) -> float:
    """The exact match of the symbolic baseline on the strips drawn with ``glyphs`` (N, T_in)."""
    read = read_queries(classifier, handwriting, glyphs)
    return text_metrics(answers, symbolic_answers(read, len(answers[0])))["exact_match"]


class Img2TextKind(ArithmeticKind):
    name = "img2text"
    options = Img2TextConfig
    inputs = "query_images"

    def network(self, arch: Architecture) -> nn.Module:
        return Img2Text(arch)

    def starts_from_classifier(self, options: FitConfig) -> bool:
        assert isinstance(options, Img2TextConfig)
        return options.init_from_classifier

    def reader(self, options: FitConfig, classifier: ReaderConfig | None) -> ReaderConfig:
        """The classifier's glyph CNN when it starts from the classifier, else its own."""
        assert isinstance(options, Img2TextConfig)
        if not options.init_from_classifier:
            return ReaderConfig(options.conv_layers, options.conv_filters, READER_FEATURES)
        if classifier is None:
            raise ValueError("img2text.init_from_classifier needs the classifier's reader")
        return classifier

    def new_model(self, queries: QuerySet, model: ModelConfig, options: FitConfig,
                  classifier: Path | None = None) -> tuple[nn.Module, Architecture]:
        """A fresh Img2Text whose glyph reader starts as the classifier when ``init_from_classifier``."""
        assert isinstance(options, Img2TextConfig)
        if model.features == "digit_pairs" and not options.init_from_classifier:
            raise ParamsError("params.yaml: model.features = 'digit_pairs': img2text must read symbols to pair "
                              "digits (needs img2text.init_from_classifier: true)")
        if not options.init_from_classifier:
            return super().new_model(queries, model, options, classifier)
        if classifier is None:
            raise ParamsError("params.yaml: img2text.init_from_classifier = true needs the classifier checkpoint")
        reference, reference_arch = checkpoint.load(classifier, CLASSIFIER, stage="classifier")
        arch = self.architecture(queries.vocabulary, queries.query_width, queries.answer_width, model, options,
                                 reference_arch.reader)
        network = Img2Text(arch)
        network.reader.module.load_state_dict(reference.net.state_dict())
        return network, arch

    def handwriting(self, digits: Path | None, glyphs: Path | None) -> Handwriting:
        assert digits is not None and glyphs is not None
        return load_handwriting(digits, glyphs)

    def phases(self, model: nn.Module, options: FitConfig, handwriting: Handwriting | None) -> list[Phase]:
        """A frozen reader reads every image once, and the core trains over those features at text2text's cost."""
        assert isinstance(options, Img2TextConfig) and isinstance(model, Img2Text) and handwriting is not None
        if options.freeze_reader:
            return [Phase(read_once(model, handwriting), text_objective("query_glyphs"), options)]
        return super().phases(model, options, handwriting)

    def runner(self, model: nn.Module, handwriting: Handwriting | None) -> tuple[nn.Module, str]:
        """A per-glyph CNN reads each image once instead of once per use: the same numbers, far faster."""
        assert isinstance(model, Img2Text) and handwriting is not None
        if isinstance(model.reader, TimeDistributed):
            return read_once(model, handwriting), "query_glyphs"
        return model, self.inputs

    def baselines(self, classifier: nn.Module | None, handwriting: Handwriting | None,
                  data: ArithmeticDataset) -> dict[str, float]:
        assert classifier is not None and handwriting is not None
        return {"symbolic_exact_match": symbolic_exact_match(classifier, handwriting, data.query_glyphs,
                                                             data.answers)}


KIND = Img2TextKind()
