"""A tiny training in one call, as the train stage trains: ``train_tiny(kind, queries, core, options)``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from torch import nn

from seq2arith.data.handwriting import Handwriting
from seq2arith.data.query_sets import QuerySet
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.models.cores import ModelConfig
from seq2arith.runtime.seeding import seed_torch
from seq2arith.runtime.threads import Threads
from seq2arith.training.architecture import Architecture
from seq2arith.training.loop import KindConfig, fit, score
from seq2arith.training.plan import datasets
from seq2arith.training.splits import Split


@dataclass
class Trained:
    model: nn.Module
    arch: Architecture
    before: dict[str, float]  # the first phase's scores on its train rows before training
    after: dict[str, dict[str, float]]  # the last phase's scores after it, per split


def train_tiny(kind: str, queries: QuerySet, core: ModelConfig, options: KindConfig,
               handwriting: Handwriting | None = None, classifier: Path | None = None,
               text2text: nn.Module | None = None, threads: Threads | None = None,
               redraw: bool = False, value_loss: float = 0.0) -> Trained:
    """A fresh ``kind`` model on ``core`` for ``queries`` (torch seeded first: the same call, the same weights),
    trained through every phase its kind has on the train rows and scored on the validation rows; ``redraw``: fresh
    handwriting every epoch, as the stage draws it; ``value_loss``: train.value_loss."""
    generator = seed_torch(0, "test")
    chosen = arithmetic(kind)
    model, arch = chosen.new_model(queries, core, options, classifier, text2text)
    before: dict[str, float] = {}
    after: dict[str, dict[str, float]] = {}
    for number, phase in enumerate(chosen.phases(model, arch, options, handwriting, value_loss=value_loss)):
        train, validation = datasets(phase, queries, handwriting, core)
        before = score(phase.trainee, phase.objective, train, 64) if number == 0 else before
        fresh = partial(train.redraw_handwriting, np.random.default_rng(1)) if redraw and isinstance(train, Split) \
            else None
        after = fit(phase.trainee, phase.objective, train, validation, phase.options, generator, before_epoch=fresh,
                    threads=threads)
    return Trained(model, arch, before, after)
