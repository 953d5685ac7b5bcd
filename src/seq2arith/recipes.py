"""How each model kind is built, fed and trained: the glue between data, models and training."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from seq2arith import checkpoint
from seq2arith.config import FitConfig, Img2TextConfig, ModelConfig, ParamsError, Text2ImgConfig
from seq2arith.dataset import ArithmeticDataset, QuerySet
from seq2arith.handwriting import Handwriting
from seq2arith.models import KINDS, Architecture, ReaderConfig, ReadOnce, TextOnly, WithTextHead, build
from seq2arith.queries import terms
from seq2arith.training import Objective, image_objective, text_objective

READER_FEATURES = 128  # width of a glyph's feature vector when img2text trains its reader from scratch


def _check_digit_pairs(kind: str, queries: QuerySet, model: ModelConfig, options: FitConfig) -> None:
    """digit_pairs reads two numbers, from text or from a reader that reads symbols."""
    if model.features != "digit_pairs":
        return
    numbers = len(terms(queries.queries[0])[0])
    if numbers != 2:
        raise ParamsError(f"params.yaml: model.features = 'digit_pairs': needs queries of two numbers, this task's "
                          f"have {numbers} (tasks.<task>.num_addends); use characters")
    if isinstance(options, Img2TextConfig) and not options.init_from_classifier:
        raise ParamsError(f"params.yaml: model.features = 'digit_pairs': {kind} must read symbols to pair digits "
                          f"(needs {kind}.init_from_classifier: true)")


def make_model(kind: str, queries: QuerySet, model: ModelConfig, options: FitConfig,
               classifier_path: Path | None = None,
               device: torch.device = torch.device("cpu")) -> tuple[nn.Module, Architecture]:
    """A fresh model of ``kind`` for ``queries``' task, on ``device``; img2text may start its reader from the
    classifier."""
    _check_digit_pairs(kind, queries, model, options)
    reader, classifier = None, None
    if isinstance(options, Img2TextConfig):
        reader = ReaderConfig(options.conv_layers, options.conv_filters, READER_FEATURES)
        if options.init_from_classifier:
            if classifier_path is None:
                raise ParamsError(f"params.yaml: {kind}.init_from_classifier = true needs the classifier checkpoint")
            classifier, classifier_arch = checkpoint.load(classifier_path, "classifier", stage="classifier")
            reader = classifier_arch.reader
    arch = Architecture(kind, queries.vocabulary, queries.query_width, queries.answer_width, model, options, reader)
    network = build(arch)
    if classifier is not None:
        network.reader.module.load_state_dict(classifier.net.state_dict())
    return network.to(device), arch


def _frozen_reader(options: FitConfig) -> bool:
    return isinstance(options, Img2TextConfig) and options.freeze_reader


@dataclass(frozen=True)
class Phase:
    """One call of ``fit``: what it trains, on which objective, for how long."""

    trainee: nn.Module
    objective: Objective
    options: FitConfig


def phases(kind: str, options: FitConfig, model: nn.Module, handwriting: Handwriting | None) -> list[Phase]:
    """How ``model`` is trained: itself on its own objective; img2text's core over features its frozen reader
    read once; text2img through its image and auxiliary character heads together, or first through the
    characters alone and then drawing only (``text2img.image_epochs``)."""
    if _frozen_reader(options):
        return [Phase(read_once(model, handwriting), text_objective("query_glyphs"), options)]
    if not isinstance(options, Text2ImgConfig):
        return [Phase(model, text_objective(KINDS[kind].inputs), options)]
    drawing = image_objective(options.loss, options.text_loss)
    if options.image_epochs:
        return [Phase(TextOnly(model), text_objective("query"), options),
                Phase(WithTextHead(model, drawing_only=True), drawing,
                      dataclasses.replace(options, epochs=options.image_epochs,
                                          learning_rate=options.image_learning_rate,
                                          weight_decay=options.image_weight_decay))]
    return [Phase(WithTextHead(model) if options.text_loss > 0 else model, drawing, options)]


def read_once(model: nn.Module, handwriting: Handwriting) -> ReadOnce:
    return ReadOnce(model, handwriting.pixels(np.arange(len(handwriting.images))))


def datasets(phase: Phase, queries: QuerySet, handwriting: Handwriting | None,
             reverse_answer: bool) -> tuple[ArithmeticDataset, ArithmeticDataset]:
    """Train and test splits serving only the fields ``phase`` reads and scores."""
    fields = (phase.objective.inputs, *phase.objective.fields)
    return (ArithmeticDataset(queries, handwriting, False, reverse_answer, fields),
            ArithmeticDataset(queries, handwriting, True, reverse_answer, fields))
