"""The kinds that answer queries (text2text, img2text, text2img): one dispatch table per kind, filled in by its
module; the defaults here are text2text's."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Protocol, cast

import numpy as np
import torch
from torch import nn

from seq2arith.data.handwriting import Handwriting
from seq2arith.data.query_sets import QuerySet
from seq2arith.data.text import decode, from_target
from seq2arith.kinds import ARITHMETIC, named
from seq2arith.kinds.kind import Kind
from seq2arith.models.cores import ModelConfig
from seq2arith.params import subsection
from seq2arith.training.architecture import Architecture, NetworkOptions
from seq2arith.training.batches import Rows, raw_outputs
from seq2arith.training.loop import Answers, KindConfig, Phase, text_objective


class GlyphReader(Protocol):
    """What reads drawn or handwritten glyphs back: the classifier, or the judge."""

    def read_strips(self, strips: torch.Tensor) -> list[str]:
        """(N, T, 28, 28) pixels -> N strings of T characters."""
        ...


class Answering(Protocol):
    """A network that answers in characters, as it trains: the character logits and its core's column values."""

    def with_values(self, inputs: torch.Tensor) -> Answers: ...


class WithValues(nn.Module):
    """Trains an answering network through its characters and its core's column values (``text_objective``)."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, inputs: torch.Tensor) -> Answers:
        return cast(Answering, self.network).with_values(inputs)


class ArithmeticKind(Kind[Architecture]):
    """A kind that answers queries: how it is built, trained and run, and how its outputs are read."""

    options: ClassVar[type[KindConfig]]  # its params.yaml section
    network_options: ClassVar[type[NetworkOptions]] = NetworkOptions  # the keys of it that shape its network
    schema: ClassVar[type[Architecture]] = Architecture  # what its checkpoints store
    inputs: ClassVar[str] = "query"  # the batch field its network reads: one-hot text, or "query_images" (strips)
    draws: ClassVar[bool] = False  # its answers are drawn glyphs: the judge reads them back

    @property
    def reads_images(self) -> bool:
        """Its queries are handwriting strips: evaluating it needs the pools and the classifier."""
        return self.inputs == "query_images"

    @property
    def needs_handwriting(self) -> bool:
        """Handwriting goes in or comes out: training it needs the pools."""
        return self.reads_images or self.draws

    def architecture_from_dict(self, stored: dict[str, Any]) -> Architecture:
        return self.schema.from_dict(stored, self.network_options, self.name)

    def architecture(self, vocabulary: str, query_width: int, answer_width: int, model_config: ModelConfig,
                     options: KindConfig, classifier: Any = None) -> Architecture:
        """What train-<kind>@<task> builds for a task of these widths (``classifier``: the classifier's network,
        for a kind that starts from it)."""
        return Architecture(vocabulary, query_width, answer_width, model_config,
                            subsection(options, self.network_options))

    def new_model(self, queries: QuerySet, model_config: ModelConfig, options: KindConfig,
                  classifier: Path | None = None, text2text: Any = None) -> tuple[nn.Module, Architecture]:
        """A fresh model for ``queries``' task (``classifier``: the classifier checkpoint, for a kind that starts
        from it; ``text2text``: the task's trained ``Text2Text``, for a kind whose core is its core)."""
        arch = self.architecture(queries.vocabulary, queries.query_width, queries.answer_width, model_config, options)
        return self.network(arch), arch

    def learns_from_answers(self, options: KindConfig) -> bool:
        """With ``options``, it learns through the answers the task's text2text gives every reading (its phases
        need that program)."""
        return False

    def handwriting(self, digits: Path | None, glyphs: Path | None) -> Handwriting | None:
        """The pools its training and evaluation read (from the download and glyphs stages' folders), if any."""
        return None

    def fresh_handwriting(self, options: KindConfig) -> bool:
        """Training draws new handwriting for the train queries every epoch."""
        return False

    def training_strips(self, queries: QuerySet, handwriting: Handwriting, options: KindConfig,
                        rng: np.random.Generator) -> QuerySet:
        """The training queries as its training draws them in ``handwriting``: as the dataset stage drew them."""
        return queries

    def phases(self, model: nn.Module, arch: Architecture, options: KindConfig, handwriting: Handwriting | None,
               program: Any = None, queries: QuerySet | None = None, *, value_loss: float) -> list[Phase]:
        """How train-<kind>@<task> trains ``model`` (built for ``arch``) as its section ``options`` says: one or
        more calls of ``loop.fit`` (``program``: the ``reading_from_answers.AnswerProgram`` of the task's text2text,
        for a kind that ``learns_from_answers``; ``queries``: the train and validation queries, for a phase that
        makes rows of its own from them; ``value_loss``: the weight of the core's column values, as
        ``train.value_loss`` sets it)."""
        return [Phase(WithValues(model), text_objective(self.inputs, value_loss), options)]

    def pool_scores(self, model: nn.Module, handwriting: Handwriting | None, pool: str) -> dict[str, float]:
        """Scores of ``model`` on one handwriting pool beyond its answers' (img2text: its reader's digit accuracy),
        logged after every training epoch on the validation pool and written by the evaluate stage."""
        return {}

    def runner(self, model: nn.Module, handwriting: Handwriting | None) -> tuple[nn.Module, str]:
        """The fastest exact way to run a trained ``model`` on stored queries, and the batch field it reads."""
        return model, self.inputs

    def answers(self, model: nn.Module, arch: Architecture, rows: Rows, reader: GlyphReader | None = None,
                inputs: str | None = None, answer_width: int | None = None) -> tuple[list[str], torch.Tensor | None]:
        """The answers of ``model`` (of this kind) to every query of ``rows`` as padded strings ``answer_width`` wide
        (default: the task's; queries wider than the task's need ``arch.model.any_width``); drawn answers as
        ``reader`` reads the generated glyphs, and their pixels in reading order (N, T_out, 28, 28). ``inputs``: the
        batch field ``model`` reads (default: the kind's own; see ``runner``)."""
        return self.read(raw_outputs(model, rows, inputs or self.inputs, answer_width), arch, reader)

    def read(self, outputs: torch.Tensor, arch: Architecture, reader: GlyphReader | None = None
             ) -> tuple[list[str], torch.Tensor | None]:
        """``answers`` from the raw outputs of its model: the same drawings can be read by more than one reader."""
        emitted, pixels = self.emitted(outputs, arch, reader)
        return [from_target(text, arch.model.reverse_answer) for text in emitted], pixels

    def emitted(self, outputs: torch.Tensor, arch: Architecture, reader: GlyphReader | None
                ) -> tuple[list[str], torch.Tensor | None]:
        """Raw outputs -> the strings emitted (in the model's order) and, for drawn answers, their pixels."""
        return decode(outputs.argmax(-1).numpy(), arch.vocabulary), None


def arithmetic(name: str) -> ArithmeticKind:
    """The kind ``name``, one of ARITHMETIC, its module imported now."""
    return cast(ArithmeticKind, named(name, ARITHMETIC))
