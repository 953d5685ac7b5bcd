"""What a kind of model is to the stages and the CLI: one dispatch table per kind, filled in by its module.

A kind's module (``kinds/text2text.py``, ...) holds its params section, its network and a ``KIND`` that says
how it is built, trained, run and read; the defaults here are text2text's.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import torch
from torch import nn
from torch.utils.data import Dataset

from seq2arith.batches import ArithmeticDataset, predict
from seq2arith.dataset import QuerySet
from seq2arith.handwriting import Handwriting
from seq2arith.models.architecture import Architecture
from seq2arith.models.cores import ModelConfig
from seq2arith.models.images import ReaderConfig
from seq2arith.text import decode, from_target
from seq2arith.training import FitConfig, Phase, text_objective


class Kind:
    """What a checkpoint of this kind needs to be rebuilt."""

    name: ClassVar[str]
    options: ClassVar[type[FitConfig]]  # its params.yaml section

    def network(self, arch: Architecture) -> nn.Module:
        raise NotImplementedError


class ArithmeticKind(Kind):
    """A kind that answers queries."""

    inputs: ClassVar[str] = "query"  # the batch field its network reads: one-hot text, or "query_images" (strips)
    draws: ClassVar[bool] = False  # its answers are drawn glyphs: the classifier reads them back

    @property
    def reads_images(self) -> bool:
        """Its queries are handwriting strips: evaluating it needs the pools and the classifier."""
        return self.inputs == "query_images"

    @property
    def needs_handwriting(self) -> bool:
        """Handwriting goes in or comes out: training it needs the pools."""
        return self.reads_images or self.draws

    def starts_from_classifier(self, options: FitConfig) -> bool:
        """Training starts its glyph reader from the classifier's weights."""
        return False

    def reader(self, options: FitConfig, classifier: ReaderConfig | None) -> ReaderConfig | None:
        """Its glyph reader, given the classifier's (``classifier``)."""
        return None

    def architecture(self, vocabulary: str, query_width: int, answer_width: int, model: ModelConfig,
                     options: FitConfig, classifier: ReaderConfig | None = None) -> Architecture:
        """What train-<kind>@<task> builds for a task of these widths (``classifier``: the classifier's reader)."""
        return Architecture(self.name, vocabulary, query_width, answer_width, model, options,
                            self.reader(options, classifier))

    def new_model(self, queries: QuerySet, model: ModelConfig, options: FitConfig,
                  classifier: Path | None = None) -> tuple[nn.Module, Architecture]:
        """A fresh model for ``queries``' task (``classifier``: the classifier checkpoint, for kinds that start
        from it)."""
        arch = self.architecture(queries.vocabulary, queries.query_width, queries.answer_width, model, options)
        return self.network(arch), arch

    def handwriting(self, digits: Path | None, glyphs: Path | None) -> Handwriting | None:
        """The pools its training and evaluation read (from the download and glyphs stages' folders), if any."""
        return None

    def phases(self, model: nn.Module, options: FitConfig, handwriting: Handwriting | None) -> list[Phase]:
        """How train-<kind>@<task> trains ``model``: one or more calls of ``training.fit``."""
        return [Phase(model, text_objective(self.inputs), options)]

    def runner(self, model: nn.Module, handwriting: Handwriting | None) -> tuple[nn.Module, str]:
        """The fastest exact way to run a trained ``model`` on stored queries, and the batch field it reads."""
        return model, self.inputs

    def answers(self, model: nn.Module, arch: Architecture, dataset: Dataset, batch_size: int,
                classifier: nn.Module | None = None, inputs: str | None = None) -> tuple[list[str], torch.Tensor | None]:
        """The answers of ``model`` (of this kind) to every query of ``dataset`` as padded strings (drawn answers:
        as the classifier reads the generated glyphs), and for drawn answers the pixels in reading order
        (N, T_out, 28, 28). ``inputs``: the batch field ``model`` reads (default: the kind's own; see ``runner``)."""
        outputs = predict(model, dataset, inputs or self.inputs, batch_size)
        emitted, pixels = self.emitted(outputs, arch, classifier)
        return [from_target(text, arch.model.reverse_answer) for text in emitted], pixels

    def emitted(self, outputs: torch.Tensor, arch: Architecture, classifier: nn.Module | None
                ) -> tuple[list[str], torch.Tensor | None]:
        """Raw outputs -> the strings emitted (in the model's order) and, for drawn answers, their pixels."""
        return decode(outputs.argmax(-1).numpy(), arch.vocabulary), None

    def baselines(self, classifier: nn.Module | None, handwriting: Handwriting | None,
                  data: ArithmeticDataset) -> dict[str, float]:
        """Metrics of a split beside the model's own (img2text: the symbolic baseline)."""
        return {}
