"""What a training stage builds: one kind's model for one task, the queries it trains on, and its phases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from seq2arith.data.handwriting import Handwriting
from seq2arith.data.queries import TaskConfig, terms, unseen_pairs
from seq2arith.data.query_sets import QuerySet, with_mirrors
from seq2arith.kinds.arithmetic import ArithmeticKind
from seq2arith.models.cores import ModelConfig
from seq2arith.params import ParamsError, require, section, seed
from seq2arith.runtime.seeding import rng
from seq2arith.training.architecture import Architecture
from seq2arith.training.batches import Rows
from seq2arith.training.loop import KindConfig, Phase
from seq2arith.training.reading_from_answers import load_text2text, program_of
from seq2arith.training.splits import Split


@dataclass(frozen=True)
class TrainConfig:
    """How every kind is trained alike: which queries, and the weight of its core's column values. Each key is
    explained beside its value in params.yaml (``train:``)."""

    mirror: bool = False
    value_loss: float = 0.0

    def validate(self, key: str) -> None:
        require(f"{key}.value_loss", self.value_loss, self.value_loss >= 0, "must be >= 0")


@dataclass(frozen=True)
class InputFiles:
    """The files a training stage reads: its task's query set and, for kinds that need them, the handwriting
    folders, the classifier checkpoint and the task's text2text (img2text's program, the core text2img draws
    from)."""

    data: Path
    digits: Path | None = None
    glyphs: Path | None = None
    classifier: Path | None = None
    text2text: Path | None = None


@dataclass(frozen=True)
class TrainingPlan:
    """A fresh model, what it is, and how it is trained."""

    model: nn.Module
    arch: Architecture
    queries: QuerySet  # the task's train and validation queries (no test row), training mirrors added when
    # train.mirror, the train rows as the kind draws them (kind.training_strips)
    handwriting: Handwriting | None
    options: KindConfig  # the kind's section, resolved for the task
    phases: list[Phase]
    after_epoch: Callable[[], dict[str, float]] | None = None  # validation scores beyond the objective's

    def datasets(self, phase: Phase) -> tuple[Rows, Rows]:
        """Train and validation rows of ``phase``: its own, or splits of the queries serving only the fields it reads
        and scores."""
        if phase.rows is not None:
            return phase.rows()
        return datasets(phase, self.queries, self.handwriting, self.arch.model)

    def checks(self, phase: Phase) -> dict[str, Rows]:
        """More rows scored after every epoch of a phase on the queries: ``unseen``, the validation queries trained
        in neither order, so a run that generalises past the table it saw shows when it does."""
        if phase.rows is not None:
            return {}
        held_out = np.flatnonzero(self.queries.split == "validation")
        unseen = held_out[unseen_pairs(self.queries.of("train"), [self.queries.queries[i] for i in held_out])]
        return {"unseen": Split(self.queries.subset(unseen), self.handwriting, "validation",
                                self.arch.model.reverse_answer, served_fields(phase),
                                self.arch.model.core_class.value_targets)}


def datasets(phase: Phase, queries: QuerySet, handwriting: Handwriting | None,
             model_config: ModelConfig) -> tuple[Split, Split]:
    """Train and validation splits of ``queries`` serving only the fields ``phase`` reads and scores, as the core
    of ``model_config`` reads them (its answer order, its value targets). Training never sees the test split."""
    fields, targets = served_fields(phase), model_config.core_class.value_targets
    return (Split(queries, handwriting, "train", model_config.reverse_answer, fields, targets),
            Split(queries, handwriting, "validation", model_config.reverse_answer, fields, targets))


def served_fields(phase: Phase) -> tuple[str, ...]:
    """The fields of a split that ``phase`` reads and scores."""
    return (phase.objective.inputs, *phase.objective.fields)


def check_two_numbers(queries: QuerySet, model_config: ModelConfig) -> None:
    """A core that reads digits (the columns core, digit pairs) reads two numbers."""
    numbers = len(terms(queries.queries[0])[0])
    if model_config.reads_digits and numbers != 2:
        raise ParamsError(f"params.yaml: {model_config.reads_digits}: needs queries of two numbers, this task's have "
                          f"{numbers} (tasks.<task>.num_addends); use model.core: lstm with model.features: characters")


def training_queries(queries: QuerySet) -> QuerySet:
    """The train and validation queries of a task's query set: a training stage never holds a test row."""
    return queries.subset(queries.split != "test")


def plan_training(kind: ArithmeticKind, task: str, params: dict[str, Any], inputs: InputFiles,
                  device: torch.device) -> TrainingPlan:
    """What train-<kind>@<task> trains, built from ``params`` (torch's global generator seeded first: it draws
    the initial weights)."""
    model_config = section(params, "model", ModelConfig)
    train = section(params, "train", TrainConfig)
    model_config.require_values("train.value_loss", train.value_loss)
    options = section(params, kind.name, kind.options)
    assert isinstance(options, KindConfig)
    options = options.for_task(task, kind.name)
    queries = QuerySet.load(inputs.data)
    if train.mirror:  # before the test rows go: with_mirrors must see them to
        queries = with_mirrors(queries)  # add no test query as a mirror
    queries = training_queries(queries)
    handwriting = kind.handwriting(inputs.digits, inputs.glyphs)
    if handwriting is not None:
        queries = kind.training_strips(queries, handwriting, options, rng(seed(params), f"strips-{task}-{kind.name}"))
    check_two_numbers(queries, model_config)
    text2text = None if inputs.text2text is None else load_text2text(inputs.text2text, queries,
                                                                     f"train-text2text@{task}")
    program = None
    if text2text is not None and kind.learns_from_answers(options):
        program = program_of(text2text, section(params, f"tasks.{task}", TaskConfig), queries.vocabulary).to(device)
    network, arch = kind.new_model(queries, model_config, options, inputs.classifier, text2text)
    network = network.to(device)
    phases = kind.phases(network, arch, options, handwriting, program, queries, value_loss=train.value_loss)
    return TrainingPlan(network, arch, queries, handwriting, options, phases,
                        partial(kind.pool_scores, network, handwriting, "validation") if kind.reads_images else None)
