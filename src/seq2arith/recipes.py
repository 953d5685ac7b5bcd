"""How each model kind is built, fed, trained and read: the glue between data, models and training."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch
from torch import nn

from seq2arith import checkpoint
from seq2arith.classifier import read_strips
from seq2arith.config import FitConfig, Img2TextConfig, ModelConfig, Text2ImgConfig
from seq2arith.dataset import ArithmeticDataset, QuerySet
from seq2arith.handwriting import Handwriting
from seq2arith.models import Architecture, ReadOnce, WithTextHead, build
from seq2arith.text import decode, from_target, target_positions
from seq2arith.training import Objective, image_objective, predict, text_objective

READER_FEATURES = 128  # width of a glyph's feature vector when img2text trains its reader from scratch
INPUTS = {"text2text": "query", "img2text": "query_images", "text2img": "query"}


def make_model(kind: str, queries: QuerySet, model: ModelConfig, options: FitConfig,
               classifier_path: Path | None = None) -> tuple[nn.Module, Architecture]:
    """A fresh model of ``kind`` for ``queries``' task; img2text may start its reader from the classifier."""
    reader, classifier = {}, None
    if isinstance(options, Img2TextConfig):
        reader = {"conv_layers": options.conv_layers, "conv_filters": options.conv_filters,
                  "out_features": READER_FEATURES}
        if options.init_from_classifier:
            classifier, classifier_arch = checkpoint.load(classifier_path, "classifier", stage="classifier")
            reader = classifier_arch.reader
    arch = Architecture(kind, queries.vocabulary, queries.query_width, queries.answer_width,
                        dataclasses.asdict(model), dataclasses.asdict(options), reader)
    network = build(arch)
    if classifier is not None:
        network.reader.module.load_state_dict(classifier.net.state_dict())
    return network, arch


def _frozen_reader(options: FitConfig) -> bool:
    return isinstance(options, Img2TextConfig) and options.freeze_reader


def training_input(kind: str, options: FitConfig) -> str:
    """The batch field training feeds the model: a frozen reader's model takes glyph indices."""
    return "query_glyphs" if _frozen_reader(options) else INPUTS[kind]


def trainee(model: nn.Module, options: FitConfig, handwriting: Handwriting) -> nn.Module:
    """What ``fit`` trains: ``model`` itself, its recurrent part over features its frozen reader read once,
    or text2img through both its image and its auxiliary character head."""
    if _frozen_reader(options):
        return _read_once(model, handwriting)
    if isinstance(options, Text2ImgConfig) and options.text_loss > 0:
        return WithTextHead(model)
    return model


def _read_once(model: nn.Module, handwriting: Handwriting) -> ReadOnce:
    return ReadOnce(model, handwriting.pixels(np.arange(len(handwriting.images))))


def evaluator(model: nn.Module, arch: Architecture, handwriting: Handwriting) -> tuple[nn.Module, str]:
    """The fastest exact way to run ``model`` on stored queries, and the batch field it reads:
    a per-glyph CNN reader reads each image once instead of once per use."""
    if arch.kind == "img2text" and arch.options["encoder"] == "cnn":
        return _read_once(model, handwriting), "query_glyphs"
    return model, INPUTS[arch.kind]


def objective(kind: str, options: FitConfig) -> Objective:
    if isinstance(options, Text2ImgConfig):
        return image_objective(options.loss, options.text_loss)
    return text_objective(training_input(kind, options))


def datasets(kind: str, options: FitConfig, queries: QuerySet, handwriting: Handwriting,
             reverse_answer: bool) -> tuple[ArithmeticDataset, ArithmeticDataset]:
    """Train and test splits serving only the fields training ``kind`` reads and predicts."""
    fields = (training_input(kind, options), *objective(kind, options).fields)
    return (ArithmeticDataset(queries, handwriting, False, reverse_answer, fields),
            ArithmeticDataset(queries, handwriting, True, reverse_answer, fields))


def answers(model: nn.Module, arch: Architecture, dataset: ArithmeticDataset, batch_size: int,
            classifier: nn.Module | None = None, inputs: str | None = None) -> tuple[list[str], torch.Tensor | None]:
    """The model's answers to every query of ``dataset`` as padded strings (text2img: as the classifier
    reads the generated glyphs), and for text2img the generated pixels in reading order (N, T_out, 28, 28).
    ``inputs``: the batch field ``model`` reads (default: the kind's own, see ``evaluator``)."""
    reverse = arch.model["reverse_answer"]
    outputs = predict(model, dataset, inputs or INPUTS[arch.kind], batch_size)
    if arch.kind == "text2img":
        emitted = read_strips(classifier, outputs.sigmoid())
        order = torch.tensor(np.array([target_positions(text, reverse) for text in emitted]))
        pixels = torch.take_along_dim(outputs.sigmoid(), order[:, :, None, None], dim=1)  # reading order
    else:
        pixels, emitted = None, decode(outputs.argmax(-1).numpy(), arch.vocabulary)
    return [from_target(text, reverse) for text in emitted], pixels
