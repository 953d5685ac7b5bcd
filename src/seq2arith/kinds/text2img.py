"""text2img: one-hot query -> Core -> per-step image head -> (T_out, 28, 28) pixels (the report's 3.3).

Its drawings are scored by the classifier reading them back (``read_exact_match``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from seq2arith.dataset import QuerySet
from seq2arith.handwriting import Handwriting
from seq2arith.kinds.arithmetic import ArithmeticKind, GlyphReader
from seq2arith.models.architecture import Architecture
from seq2arith.models.cores import Core, character_head
from seq2arith.models.images import ConvTransposeImageHead, DenseImageHead
from seq2arith.params import PerTask, for_task, per_task, require
from seq2arith.pools import load_handwriting
from seq2arith.text import target_positions
from seq2arith.training import Answers, KindConfig, Phase, drawing_objective, image_objective, text_objective


@dataclass(frozen=True)
class Text2ImgConfig(KindConfig):
    image_decoder: str = "dense"  # dense: Dense(dense_units, relu) -> Dense(784, sigmoid); conv_transpose (Fig. 7)
    dense_units: int = 128
    loss: str = "bce"  # bce | mse (the report's)
    text_loss: float = 1.0  # weight of an auxiliary cross entropy on the answer characters; 0: images only
    image_epochs: PerTask = 0  # > 0: the core learns from the characters alone for `epochs`, then the image head
    # learns to draw from its frozen states for this many epochs; 0: images and characters together throughout
    image_learning_rate: float = 0.01  # the drawing epochs' own peak learning rate ...
    image_weight_decay: float = 0.01  # ... and weight decay: drawing is a lookup, it needs no grokking
    fresh_handwriting: bool = True  # redraw every target answer's digits each epoch

    def validate(self, key: str) -> None:
        super().validate(key)
        require(f"{key}.image_decoder", self.image_decoder, self.image_decoder in ("dense", "conv_transpose"),
                 "allowed: dense, conv_transpose")
        require(f"{key}.dense_units", self.dense_units, 1 <= self.dense_units <= 8192,
                 "must be an integer from 1 to 8192")
        require(f"{key}.loss", self.loss, self.loss in ("bce", "mse"), "allowed: bce, mse")
        require(f"{key}.text_loss", self.text_loss, self.text_loss >= 0, "must be >= 0")
        for name, epochs in per_task(self.image_epochs, f"{key}.image_epochs"):
            require(name, epochs, 0 <= epochs <= 10_000, "must be an integer from 0 to 10000")
            require(name, epochs, epochs == 0 or self.text_loss > 0,
                     "needs text_loss > 0 (the characters are what the core learns from first)")
        require(f"{key}.image_learning_rate", self.image_learning_rate, 0 < self.image_learning_rate <= 1,
                 "must be in (0, 1]")
        require(f"{key}.image_weight_decay", self.image_weight_decay, 0 <= self.image_weight_decay <= 10,
                 "must be in [0, 10]")

    def for_task(self, task: str, key: str) -> Text2ImgConfig:
        return dataclasses.replace(super().for_task(task, key),
                                   image_epochs=for_task(self.image_epochs, task, f"{key}.image_epochs"))


class Text2Img(nn.Module):
    """With a character head (``text2img.text_loss`` > 0), the image head draws from each answer position's
    state and the character the character head reads there; without one, from the state alone (the report's)."""

    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        options = arch.options
        assert isinstance(options, Text2ImgConfig)
        self.core = Core.over_text(arch.vocabulary, arch.query_width, arch.answer_width, arch.model)
        characters = len(arch.vocabulary) if options.text_loss > 0 else 0
        self.text_head = character_head(self.core, arch.vocabulary) if characters else None
        head = DenseImageHead if options.image_decoder == "dense" else ConvTransposeImageHead
        self.head = head(self.core.output_size + characters, options.dense_units)

    def forward(self, query: torch.Tensor, answer_width: int | None = None) -> torch.Tensor:
        """(B, T_in, V) one-hot -> (B, T_out, 28, 28) pixel logits."""
        states = self.core(query, answer_width).states
        return self.draw(states, None if self.text_head is None else self.text_head(states))

    def forward_with_text(self, query: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """Pixel logits (B, T_out, 28, 28) and, from the same states, character logits (B, T_out, V) or None, and the
        column core's value logits or None."""
        states, values = self.core(query)
        characters = None if self.text_head is None else self.text_head(states)
        return self.draw(states, characters), characters, values

    def draw(self, states: torch.Tensor, characters: torch.Tensor | None) -> torch.Tensor:
        """(B, T_out, F) core states and (B, T_out, V) character logits or None -> pixel logits."""
        inputs = states if characters is None else torch.cat([states, characters.softmax(-1)], dim=-1)
        return self.head(inputs)


class WithTextHead(nn.Module):
    """Trains a Text2Img through both heads: the auxiliary characters teach its core the arithmetic."""

    def __init__(self, model: Text2Img) -> None:
        super().__init__()
        self.model = model

    def forward(self, query: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        return self.model.forward_with_text(query)


class TextOnly(nn.Module):
    """A Text2Img read through its character head alone: how its core learns the arithmetic first."""

    def __init__(self, model: Text2Img) -> None:
        super().__init__()
        self.model = model

    def forward(self, query: torch.Tensor) -> Answers:
        """(B, T_in, V) one-hot -> (B, T_out, V) character logits, and the column core's value logits or None."""
        assert self.model.text_head is not None
        states, values = self.model.core(query)
        return self.model.text_head(states), values


class DrawingOnly(nn.Module):
    """A Text2Img whose core and character head are frozen: no gradient reaches them (the core stays in
    evaluation mode) and only the image head learns, to draw what the core already knows."""

    def __init__(self, model: Text2Img) -> None:
        super().__init__()
        self.model = model

    def train(self, mode: bool = True) -> DrawingOnly:
        super().train(mode)
        self.model.core.eval()
        return self

    def forward(self, query: torch.Tensor) -> torch.Tensor:
        """(B, T_in, V) one-hot -> (B, T_out, 28, 28) pixel logits."""
        assert self.model.text_head is not None
        with torch.no_grad():
            states = self.model.core(query).states
            characters = self.model.text_head(states)
        return self.model.draw(states, characters)


class Text2ImgKind(ArithmeticKind):
    name = "text2img"
    options = Text2ImgConfig
    draws = True

    def network(self, arch: Architecture) -> nn.Module:
        return Text2Img(arch)

    def handwriting(self, digits: Path | None, glyphs: Path | None) -> Handwriting:
        assert digits is not None and glyphs is not None
        return load_handwriting(digits, glyphs)

    def fresh_handwriting(self, options: KindConfig) -> bool:
        assert isinstance(options, Text2ImgConfig)
        return options.fresh_handwriting

    def phases(self, model: nn.Module, arch: Architecture, handwriting: Handwriting | None,
               program: Any = None, queries: QuerySet | None = None) -> list[Phase]:
        """Through its image and auxiliary character heads together, or first through the characters alone and
        then drawing only (``text2img.image_epochs``)."""
        options, values = arch.options, arch.model.value_loss
        assert isinstance(options, Text2ImgConfig) and isinstance(model, Text2Img)
        if options.image_epochs:
            drawing = dataclasses.replace(options, epochs=options.image_epochs,
                                          learning_rate=options.image_learning_rate,
                                          weight_decay=options.image_weight_decay)
            return [Phase(TextOnly(model), text_objective("query", values), options),
                    Phase(DrawingOnly(model), drawing_objective(options.loss), drawing)]
        trainee = WithTextHead(model) if options.text_loss > 0 else model
        return [Phase(trainee, image_objective(options.loss, options.text_loss, values), options)]

    def emitted(self, outputs: torch.Tensor, arch: Architecture, reader: GlyphReader | None
                ) -> tuple[list[str], torch.Tensor | None]:
        """The drawn glyphs as ``reader`` (the classifier) reads them, and their pixels in reading order
        (N, T_out, 28, 28)."""
        if reader is None:
            raise ValueError("text2img's drawings need a reader: the classifier")
        pixels = outputs.sigmoid()
        emitted = reader.read_strips(pixels)
        order = torch.tensor(np.array([target_positions(text, arch.model.reverse_answer) for text in emitted]))
        return emitted, torch.take_along_dim(pixels, order[:, :, None, None], dim=1)


KIND = Text2ImgKind()
