"""img2text: a strip of handwritten glyphs -> per-glyph reader (the classifier, a CNN of its own, or a ConvLSTM)
-> Core -> per-step softmax over the task's characters (the report's 3.2, 4.2)."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from seq2arith.data.handwriting import Handwriting
from seq2arith.data.pools import load_handwriting
from seq2arith.data.query_sets import QuerySet, drawn_once
from seq2arith.data.text import SYMBOLS
from seq2arith.kinds.arithmetic import ArithmeticKind, WithValues
from seq2arith.kinds.classifier import AUGMENTATIONS, Classifier, ClassifierNetwork, augmented
from seq2arith.kinds.classifier import KIND as CLASSIFIER
from seq2arith.kinds.classifier import objective as glyph_objective
from seq2arith.kinds.text2text import Text2Text
from seq2arith.models.cores import Core, ModelConfig, character_head, characters_and_values
from seq2arith.models.images import ConvLSTM, GlyphCNN, TimeDistributed
from seq2arith.params import ParamsError, parse_section, require, subsection
from seq2arith.runtime.devices import device_of
from seq2arith.runtime.errors import Seq2ArithError
from seq2arith.training import checkpoint
from seq2arith.training.architecture import Architecture, NetworkOptions
from seq2arith.training.batches import Batch
from seq2arith.training.loop import Answers, KindConfig, Phase, text_objective
from seq2arith.training.reading_from_answers import (
    UNLABELLED,
    AnswerProgram,
    answers_objective,
    digit_accuracy,
    labels_from_answers,
)
from seq2arith.training.splits import Split

READER_FEATURES = 128  # width of a glyph's feature vector when img2text trains its reader with the core (trained)
READERS = ("answers", "classifier", "trained")
LABEL_SMOOTHING = 0.1  # of the labels the answers gave the training images, as the classifier's (label_epochs)


@dataclass(frozen=True)
class Img2TextNetwork(NetworkOptions):
    """The keys of ``img2text:`` that shape its network: its reader."""

    reader: str = "answers"
    encoder: str = "cnn"
    conv_layers: int = 3
    conv_filters: int = 32
    reader_temperature: float = 0.01

    def validate(self, key: str) -> None:
        require(f"{key}.reader", self.reader, self.reader in READERS, f"allowed: {', '.join(READERS)}")
        require(f"{key}.encoder", self.encoder, self.encoder in ("cnn", "convlstm"), "allowed: cnn, convlstm")
        require(f"{key}.encoder", self.encoder, self.encoder == "cnn" or self.reader == "trained",
                f"only img2text.reader: trained has a convlstm encoder (img2text.reader is {self.reader!r})")
        require(f"{key}.conv_layers", self.conv_layers, 1 <= self.conv_layers <= 3, "must be an integer from 1 to 3")
        require(f"{key}.conv_filters", self.conv_filters, 1 <= self.conv_filters <= 512,
                 "must be an integer from 1 to 512")
        require(f"{key}.reader_temperature", self.reader_temperature, 0 < self.reader_temperature <= 10,
                "must be in (0, 10]")


@dataclass(frozen=True)
class Img2TextConfig(KindConfig, Img2TextNetwork):
    """How img2text is built (``Img2TextNetwork``) and trained. Each key is explained beside its value in
    params.yaml (``img2text:``)."""

    augment: list[str] = dataclasses.field(default_factory=lambda: ["affine"])
    label_epochs: int = 0
    fresh_handwriting: bool = True
    images_once: bool = False

    def validate(self, key: str) -> None:
        KindConfig.validate(self, key)
        Img2TextNetwork.validate(self, key)
        require(f"{key}.augment", self.augment, set(self.augment) <= set(AUGMENTATIONS),
                f"must be a list of augmentations from {list(AUGMENTATIONS)}")
        require(f"{key}.label_epochs", self.label_epochs, 0 <= self.label_epochs <= 10_000,
                "must be an integer from 0 to 10000")


@dataclass(frozen=True)
class Img2TextArchitecture(Architecture):
    classifier: ClassifierNetwork | None = None  # the classifier's network, when it is the reader

    @classmethod
    def from_dict(cls, stored: dict[str, Any], network: type[NetworkOptions], key: str) -> Img2TextArchitecture:
        classifier = stored["classifier"]
        arch = super().from_dict({**stored, "classifier": None}, network, key)
        return dataclasses.replace(arch, classifier=None if classifier is None else
                                   parse_section(ClassifierNetwork, classifier, "classifier"))


def _reader(arch: Img2TextArchitecture) -> tuple[nn.Module, int, str | None]:
    """The glyph reader of ``arch``, the width of what it reads from each glyph, and the characters those entries
    stand for (None: features)."""
    network = arch.network
    assert isinstance(network, Img2TextNetwork)
    if network.reader == "answers":
        cnn = GlyphCNN(network.conv_layers, network.conv_filters, len(arch.vocabulary))
        return TimeDistributed(cnn), len(arch.vocabulary), arch.vocabulary
    if arch.classifier is not None:
        return TimeDistributed(Classifier(arch.classifier)), len(SYMBOLS), SYMBOLS
    if network.encoder == "convlstm":
        return ConvLSTM(network.conv_filters, READER_FEATURES), READER_FEATURES, None
    return TimeDistributed(GlyphCNN(network.conv_layers, network.conv_filters, READER_FEATURES)), READER_FEATURES, None


class Img2Text(nn.Module):
    """A strip of glyphs -> the reader -> the core -> answer logits. With ``reader: answers`` the core and head are
    the task's text2text (the program the reader learned through), reading the reader's character probabilities."""

    def __init__(self, arch: Img2TextArchitecture) -> None:
        super().__init__()
        self.reader, features, symbols = _reader(arch)
        self.symbols = symbols  # what the reader's outputs stand for; None: features, not symbol probabilities
        self.temperature = cast(Img2TextNetwork, arch.network).reader_temperature
        self.core = Core(features, arch.query_width, arch.answer_width, arch.model, symbols)
        self.head = character_head(self.core, arch.vocabulary)

    def read(self, strip: torch.Tensor) -> torch.Tensor:
        """(B, T_in, 28, 28) pixels -> (B, T_in, F) glyph features."""
        features = self.reader(strip)
        return (features / self.temperature).softmax(-1) if self.symbols is not None else features

    def answer(self, features: torch.Tensor, answer_width: int | None = None) -> torch.Tensor:
        """(B, T_in, F) glyph features -> (B, T_out, V) logits."""
        return characters_and_values(self.core, self.head, features, answer_width)[0]

    def forward(self, strip: torch.Tensor, answer_width: int | None = None) -> torch.Tensor:
        """(B, T_in, 28, 28) pixels -> (B, T_out, V) logits."""
        return self.answer(self.read(strip), answer_width)

    def with_values(self, strip: torch.Tensor) -> Answers:
        return characters_and_values(self.core, self.head, self.read(strip))


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
        return self.model.answer(self.table[glyphs], answer_width)

    def with_values(self, glyphs: torch.Tensor) -> Answers:
        return characters_and_values(self.model.core, self.model.head, self.table[glyphs])


def read_once(model: Img2Text, handwriting: Handwriting) -> ReadOnce:
    """``model`` with every image of ``handwriting`` read once."""
    return ReadOnce(model, handwriting.pixels(np.arange(len(handwriting.images))))


class ReaderOfPools(nn.Module):
    """Trains img2text's reader from answers: (B, T_in) glyph indices -> (B, T_in, V) log-probabilities, each
    distinct image of the batch read once (augmented in training by ``augment``)."""

    def __init__(self, model: Img2Text, pixels: torch.Tensor, augment: list[str]) -> None:
        super().__init__()
        assert isinstance(model.reader, TimeDistributed)
        self.cnn = model.reader.module
        self.pixels = pixels  # (M, 28, 28): every image of the pools
        self.augment = augmented(augment)

    def forward(self, glyphs: torch.Tensor) -> torch.Tensor:
        distinct, where = glyphs.unique(return_inverse=True)
        images = self.pixels[distinct.cpu()].to(glyphs.device)
        if self.training and self.augment is not None:
            images = self.augment(images, torch.default_generator)
        return self.cnn(images).log_softmax(-1)[where]


class LabelledImages:
    """The images of the pools that have a label: ``image`` (28, 28) and ``label`` (a character index). Each
    character weighs alike: the images of a rare one (the blank: one image a pool) repeat until it has about as many
    rows as the commonest, so the reader does not learn to read it as something else."""

    def __init__(self, pixels: torch.Tensor, labels: torch.Tensor) -> None:
        labelled = torch.nonzero(labels != UNLABELLED)[:, 0]
        per_character = torch.bincount(labels[labelled], minlength=1)
        rows = torch.repeat_interleave(labelled, -(-per_character.max() // per_character[labels[labelled]]))
        self.images, self.labels = pixels[rows], labels[rows]

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, rows: np.ndarray) -> Batch:
        return {"image": self.images[rows], "label": self.labels[rows]}


def self_labelled(reading: ReaderOfPools, program: AnswerProgram, queries: QuerySet, handwriting: Handwriting,
                  arch: Architecture, options: Img2TextConfig) -> Phase:
    """The reader learns again, from its initial weights, as a classifier on the labels that its readings and the
    answers gave the images of the train strips (``labels_from_answers``); it watches the same labels on the
    validation strips. Labelled when the phase starts, after the reader has learned from the answers."""
    initial = copy.deepcopy(reading.cnn.state_dict())

    def rows() -> tuple[LabelledImages, LabelledImages]:
        labelled = [LabelledImages(reading.pixels, labels_from_answers(
            reading, program, Split(queries, handwriting, split, arch.model.reverse_answer,
                                            ("query_glyphs", "answer")), len(reading.pixels)))
            for split in ("train", "validation")]
        if not len(labelled[0]):
            raise Seq2ArithError("img2text.label_epochs: the answers labelled no training image (the program gives "
                                 "no train strip's answer to any reading): train text2text longer or set it to 0")
        reading.cnn.load_state_dict(initial)
        return labelled[0], labelled[1]

    return Phase(reading.cnn, glyph_objective(options.augment, LABEL_SMOOTHING),
                 dataclasses.replace(options, epochs=options.label_epochs), rows)


class Img2TextKind(ArithmeticKind):
    name = "img2text"
    options = Img2TextConfig
    network_options = Img2TextNetwork
    schema = Img2TextArchitecture
    inputs = "query_images"

    def network(self, arch: Architecture) -> nn.Module:
        assert isinstance(arch, Img2TextArchitecture)
        return Img2Text(arch)

    def architecture(self, vocabulary: str, query_width: int, answer_width: int, model_config: ModelConfig,
                     options: KindConfig, classifier: Any = None) -> Architecture:
        """Its reader is the classifier (``classifier``: its network) when ``reader: classifier``."""
        assert isinstance(options, Img2TextConfig)
        if options.reader == "classifier" and not isinstance(classifier, ClassifierNetwork):
            raise ValueError("img2text.reader: classifier needs the classifier's network")
        return Img2TextArchitecture(vocabulary, query_width, answer_width, model_config,
                                    subsection(options, self.network_options),
                                    classifier if options.reader == "classifier" else None)

    def new_model(self, queries: QuerySet, model_config: ModelConfig, options: KindConfig,
                  classifier: Path | None = None, text2text: Text2Text | None = None) -> tuple[nn.Module, Architecture]:
        """A fresh Img2Text: with ``reader: answers`` its core and head are the task's ``text2text``'s, with
        ``reader: classifier`` its reader is the classifier (the checkpoint ``classifier``)."""
        assert isinstance(options, Img2TextConfig)
        if model_config.reads_digits and options.reader == "trained":
            raise ParamsError(f"params.yaml: {model_config.reads_digits}: img2text must read symbols to read digits "
                              "(img2text.reader: answers or classifier; trained needs model.core: lstm)")
        if options.reader == "trained":
            return super().new_model(queries, model_config, options)
        if options.reader == "answers":
            if text2text is None:
                raise ParamsError("params.yaml: img2text.reader = 'answers' needs the task's text2text (its program)")
            arch = self.architecture(queries.vocabulary, queries.query_width, queries.answer_width, model_config,
                                     options)
            network = self.network(arch)
            assert isinstance(network, Img2Text)
            text2text.copy_into(network.core, network.head)
            return network, arch
        if classifier is None:
            raise ParamsError("params.yaml: img2text.reader = 'classifier' needs the classifier checkpoint")
        reference, reference_network = checkpoint.load(classifier, CLASSIFIER, stage="classifier")
        arch = self.architecture(queries.vocabulary, queries.query_width, queries.answer_width, model_config, options,
                                 reference_network)
        network = self.network(arch)
        assert isinstance(network, Img2Text) and isinstance(network.reader, TimeDistributed)
        network.reader.module.load_state_dict(reference.state_dict())
        return network, arch

    def learns_from_answers(self, options: KindConfig) -> bool:
        assert isinstance(options, Img2TextConfig)
        return options.reader == "answers"

    def handwriting(self, digits: Path | None, glyphs: Path | None) -> Handwriting:
        assert digits is not None and glyphs is not None
        return load_handwriting(digits, glyphs)

    def fresh_handwriting(self, options: KindConfig) -> bool:
        assert isinstance(options, Img2TextConfig)
        return options.fresh_handwriting and not options.images_once

    def training_strips(self, queries: QuerySet, handwriting: Handwriting, options: KindConfig,
                        rng: np.random.Generator) -> QuerySet:
        """With ``images_once``, strips that use each train-pool digit image once."""
        assert isinstance(options, Img2TextConfig)
        return drawn_once(queries, handwriting, rng) if options.images_once else queries

    def phases(self, model: nn.Module, arch: Architecture, options: KindConfig, handwriting: Handwriting | None,
               program: AnswerProgram | None = None, queries: QuerySet | None = None, *,
               value_loss: float) -> list[Phase]:
        """answers: the reader learns from the answers through ``program``, the core stays the program's, then (with
        ``label_epochs``) learns again from the labels the answers gave the training images; classifier:
        the frozen classifier reads every image once, and the core trains over those readings at text2text's cost;
        trained: reader and core train together on pixels."""
        assert isinstance(options, Img2TextConfig) and isinstance(model, Img2Text) and handwriting is not None
        if options.reader == "answers":
            assert program is not None and queries is not None
            pixels = handwriting.pixels(np.arange(len(handwriting.images)))
            reading = ReaderOfPools(model, pixels, options.augment)
            from_answers = Phase(reading, answers_objective(program), options)
            if not options.label_epochs:
                return [from_answers]
            return [from_answers, self_labelled(reading, program, queries, handwriting, arch, options)]
        if options.reader == "classifier":
            return [Phase(WithValues(read_once(model, handwriting)),
                          text_objective("query_glyphs", value_loss), options)]
        return super().phases(model, arch, options, handwriting, value_loss=value_loss)

    def pool_scores(self, model: nn.Module, handwriting: Handwriting | None, pool: str) -> dict[str, float]:
        """The share of the pool's digits its own reader reads right (a reader of symbols only): per epoch on the
        validation pool, the epoch where it learns to read is watchable."""
        assert handwriting is not None
        network = model.model if isinstance(model, ReadOnce) else model
        assert isinstance(network, Img2Text)
        if network.symbols is None:
            return {}
        return {"reader_digit_accuracy": reader_digit_accuracy(network, handwriting, pool)}

    def runner(self, model: nn.Module, handwriting: Handwriting | None) -> tuple[nn.Module, str]:
        """A per-glyph reader reads each image once instead of once per use: the same numbers, far faster."""
        assert isinstance(model, Img2Text) and handwriting is not None
        if isinstance(model.reader, TimeDistributed):
            return read_once(model, handwriting), "query_glyphs"
        return model, self.inputs


def reader_digit_accuracy(model: Img2Text, handwriting: Handwriting, pool: str) -> float:
    """The share of ``pool``'s handwritten digits img2text's own reader (a reader of symbols) reads right. The
    digits' labels only score: no label reaches the reader's training."""
    digits, read = read_digits(model, handwriting, pool)
    return digit_accuracy(read, handwriting.symbols[digits])


def read_digits(model: Img2Text, handwriting: Handwriting, pool: str) -> tuple[np.ndarray, np.ndarray]:
    """The indices of ``pool``'s handwritten digits and the characters img2text's own reader (a reader of symbols)
    reads in them."""
    assert model.symbols is not None
    digits = np.flatnonzero(np.char.isdigit(handwriting.symbols.astype(str)) & handwriting.in_pool(pool))
    was_training = model.training
    with torch.no_grad():
        read = model.eval().reader(handwriting.pixels(digits)[:, None].to(device_of(model))).argmax(-1)[:, 0].cpu()
    model.train(was_training)
    return digits, np.array(list(model.symbols))[read.numpy()]


KIND = Img2TextKind()
