"""text2img: one-hot query -> Core -> per-step image head -> (T_out, 28, 28) pixels (the report's 3.3).

Its drawings are scored by the judge reading them back (``read_exact_match``), and once more by the classifier.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from seq2arith.data.handwriting import Handwriting
from seq2arith.data.pools import load_handwriting
from seq2arith.data.query_sets import QuerySet
from seq2arith.data.text import target_positions
from seq2arith.kinds.arithmetic import ArithmeticKind, GlyphReader
from seq2arith.kinds.text2text import Text2Text
from seq2arith.models.cores import Core, ModelConfig, character_head
from seq2arith.models.images import ConvTransposeImageHead, DenseImageHead, StyleEncoder
from seq2arith.params import ParamsError, PerTask, for_task, per_task, require, section, subsection
from seq2arith.training.architecture import Architecture, NetworkOptions
from seq2arith.training.loop import (
    KindConfig,
    Phase,
    drawing_objective,
    image_objective,
    style_objective,
)

STYLE_MOMENTUM = 0.05  # of a batch's encoded styles in each character's fitted prior, as batch norm's momentum
STYLE_JITTER = 1e-5  # added to the prior's covariances: a character with one style a batch stays drawable


@dataclass(frozen=True)
class DrawingConfig:
    """How a trained text2img draws: read by its evaluate and samples stages and by ``seq2arith predict --draw``,
    never by its training (changing it retrains nothing). Each key is explained beside its value in params.yaml
    (``drawing:``)."""

    style_temperature: float = 1.0
    sharpness: float = 1.0

    def validate(self, key: str) -> None:
        require(f"{key}.style_temperature", self.style_temperature, 0 <= self.style_temperature <= 10,
                 "must be in [0, 10]")
        require(f"{key}.sharpness", self.sharpness, 0 < self.sharpness <= 100, "must be in (0, 100]")


def draw_as_params(model: nn.Module, params: dict[str, Any]) -> None:
    """A loaded text2img ``model`` draws as the ``drawing`` section of ``params`` says; any other model: nothing."""
    if isinstance(model, Text2Img):
        model.drawing = section(params, "drawing", DrawingConfig)


@dataclass(frozen=True)
class Text2ImgNetwork(NetworkOptions):
    """The keys of ``text2img:`` that shape its network: its image head and its styles."""

    image_decoder: str = "dense"
    dense_units: int = 128
    style_size: int = 0
    style_prior: str = "fitted"

    def validate(self, key: str) -> None:
        require(f"{key}.image_decoder", self.image_decoder, self.image_decoder in ("dense", "conv_transpose"),
                 "allowed: dense, conv_transpose")
        require(f"{key}.dense_units", self.dense_units, 1 <= self.dense_units <= 8192,
                 "must be an integer from 1 to 8192")
        require(f"{key}.style_size", self.style_size, 0 <= self.style_size <= 256, "must be an integer from 0 to 256")
        require(f"{key}.style_prior", self.style_prior, self.style_prior in ("fitted", "standard"),
                 "allowed: fitted, standard")


@dataclass(frozen=True)
class Text2ImgConfig(KindConfig, Text2ImgNetwork):
    """How text2img is built (``Text2ImgNetwork``) and trained. Each key is explained beside its value in
    params.yaml (``text2img:``)."""

    loss: str = "bce"
    text_loss: float = 1.0
    image_epochs: PerTask = 0
    image_learning_rate: float = 0.01
    image_weight_decay: float = 0.01
    image_batch_size: int = 256
    kl_weight: float = 1.0
    fresh_handwriting: bool = True

    def validate(self, key: str) -> None:
        KindConfig.validate(self, key)
        Text2ImgNetwork.validate(self, key)
        require(f"{key}.loss", self.loss, self.loss in ("bce", "mse"), "allowed: bce, mse")
        require(f"{key}.text_loss", self.text_loss, self.text_loss >= 0, "must be >= 0")
        for name, epochs in per_task(self.image_epochs, f"{key}.image_epochs"):
            require(name, epochs, 0 <= epochs <= 10_000, "must be an integer from 0 to 10000")
            require(name, epochs, epochs == 0 or self.text_loss > 0,
                     "needs text_loss > 0 (the character head is the text2text's, which the drawing reads)")
        require(f"{key}.image_learning_rate", self.image_learning_rate, 0 < self.image_learning_rate <= 1,
                 "must be in (0, 1]")
        require(f"{key}.image_weight_decay", self.image_weight_decay, 0 <= self.image_weight_decay <= 10,
                 "must be in [0, 10]")
        require(f"{key}.image_batch_size", self.image_batch_size, 1 <= self.image_batch_size <= 65_536,
                 "must be an integer from 1 to 65536")
        for name, epochs in per_task(self.image_epochs, f"{key}.image_epochs"):
            require(name, epochs, epochs > 0 or self.style_size == 0,
                     "must be > 0 with style_size > 0 (styles are learned in the drawing epochs)")
        require(f"{key}.kl_weight", self.kl_weight, 0 <= self.kl_weight <= 100, "must be in [0, 100]")

    def for_task(self, task: str, key: str) -> Text2ImgConfig:
        return dataclasses.replace(super().for_task(task, key),
                                   image_epochs=for_task(self.image_epochs, task, f"{key}.image_epochs"))


@dataclass(frozen=True)
class Text2ImgArchitecture(Architecture):
    text_head: bool = True  # it has a character head (``text2img.text_loss`` > 0)


class Text2Img(nn.Module):
    """With a character head (``text2img.text_loss`` > 0), the image head draws from each answer position's
    state and the character the character head reads there; without one, from the state alone (the report's).

    With ``style_size`` > 0 the image head is a conditional VAE's decoder: it reads the character and a style per
    glyph, which its encoder (``styles``) learns from real handwriting. It draws in styles from the prior: N(0, 1),
    or (``fitted``) for each character the Gaussian of the styles it encoded in that character's training
    handwriting, tracked while training as batch norm tracks its statistics.
    """

    style_means: torch.Tensor  # (V, style_size): buffers, saved in the checkpoint
    style_covariances: torch.Tensor  # (V, style_size, style_size)

    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        options = arch.network
        assert isinstance(arch, Text2ImgArchitecture) and isinstance(options, Text2ImgNetwork)
        self.options = options
        self.drawing = DrawingConfig()  # the drawing stages set params.yaml's
        self.hand: torch.Tensor | None = None  # (style_size,): the style every glyph is drawn in, in each
        # character's prior, instead of one drawn from it (``write_like``: seq2arith predict --style)
        self.core = Core.over_text(arch.vocabulary, arch.query_width, arch.answer_width, arch.model)
        characters = len(arch.vocabulary) if arch.text_head else 0
        self.text_head = character_head(self.core, arch.vocabulary) if characters else None
        head = DenseImageHead if options.image_decoder == "dense" else ConvTransposeImageHead
        conditions = characters if options.style_size else self.core.output_size + characters  # see ``conditions``
        self.head = head(conditions + options.style_size, options.dense_units)
        self.styles = StyleEncoder(conditions, options.style_size, options.dense_units) if options.style_size else None
        size = options.style_size
        self.register_buffer("style_means", torch.zeros(characters, size))  # the fitted prior, per character
        self.register_buffer("style_covariances", torch.eye(size).repeat(characters, 1, 1))

    def forward(self, query: torch.Tensor, answer_width: int | None = None) -> torch.Tensor:
        """(B, T_in, V) one-hot -> (B, T_out, 28, 28) pixel logits, drawn as ``drawing`` says; styles drawn from
        torch's global generator."""
        states = self.core(query, answer_width).states
        characters = None if self.text_head is None else self.text_head(states)
        conditions = self.conditions(states, characters)
        if self.styles is None:
            return self.drawing.sharpness * self.head(conditions)
        assert characters is not None
        return self.drawing.sharpness * self.draw(conditions, self.prior_styles(characters.argmax(-1)))

    def forward_with_text(self, query: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """Pixel logits (B, T_out, 28, 28) and, from the same states, character logits (B, T_out, V) or None, and the
        column core's value logits or None."""
        states, values = self.core(query)
        characters = None if self.text_head is None else self.text_head(states)
        return self.head(self.conditions(states, characters)), characters, values

    def conditions(self, states: torch.Tensor, characters: torch.Tensor | None) -> torch.Tensor:
        """(B, T_out, F) core states and (B, T_out, V) character logits or None -> what each glyph is drawn from:
        the state and the character read there; with styles, the character alone, as the style says the rest (a
        decoder that also reads the state drew less legibly: reports/handwriting.md)."""
        if characters is None:
            return states
        return characters.softmax(-1) if self.styles is not None else torch.cat([states, characters.softmax(-1)], -1)

    def draw(self, conditions: torch.Tensor, styles: torch.Tensor) -> torch.Tensor:
        """(B, T_out, C) conditions and (B, T_out, style_size) styles -> pixel logits."""
        return self.head(torch.cat([conditions, styles], dim=-1))

    def prior_styles(self, characters: torch.Tensor) -> torch.Tensor:
        """A style for each of ``characters`` (B, T_out) indices, drawn from the prior at the drawing's
        ``style_temperature``; after ``write_like``, the hand it was given, in each character's prior."""
        noise = self.drawing.style_temperature * torch.randn(*characters.shape, self.options.style_size,
                                                             device=characters.device) if self.hand is None \
            else self.hand.expand(*characters.shape, -1)
        if self.options.style_prior == "standard":
            return noise
        return self.style_means[characters] + (self.prior_spread()[characters] @ noise[..., None])[..., 0]

    def prior_spread(self) -> torch.Tensor:
        """(V, style_size, style_size): the Cholesky factor of each character's fitted prior."""
        return torch.linalg.cholesky(self.style_covariances + STYLE_JITTER * torch.eye(
            self.options.style_size, device=self.style_covariances.device))

    @torch.no_grad()
    def write_like(self, glyphs: torch.Tensor, characters: torch.Tensor) -> None:
        """Draw from now on in the hand of ``glyphs`` (G, 28, 28), each showing the character at ``characters`` (G,)
        of the vocabulary: the mean of their styles as the encoder reads them, each measured in its own
        character's prior (a thick, slanted 3 gives a thick, slanted 8, not an 8 shaped like a 3)."""
        assert self.styles is not None
        encoded, _ = self.styles(glyphs, F.one_hot(characters, len(self.style_means)).float())  # (G, style_size)
        if self.options.style_prior == "fitted":
            encoded = torch.linalg.solve_triangular(self.prior_spread()[characters],
                                                    (encoded - self.style_means[characters])[..., None],
                                                    upper=False)[..., 0]
        self.hand = encoded.mean(0)

    @torch.no_grad()
    def track_styles(self, characters: torch.Tensor, styles: torch.Tensor) -> None:
        """Move each character's prior toward the mean and covariance of the ``styles`` (B, T_out, style_size)
        encoded for it in one training batch (``characters``: (B, T_out) indices)."""
        characters, styles = characters.flatten(), styles.flatten(0, 1)
        for character in characters.unique():
            encoded = styles[characters == character]
            if len(encoded) > 1:
                self.style_means[character].lerp_(encoded.mean(0), STYLE_MOMENTUM)
                self.style_covariances[character].lerp_(torch.cov(encoded.T), STYLE_MOMENTUM)


class WithTextHead(nn.Module):
    """Trains a Text2Img through both heads: the auxiliary characters teach its core the arithmetic."""

    def __init__(self, model: Text2Img) -> None:
        super().__init__()
        self.model = model

    def forward(self, query: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        return self.model.forward_with_text(query)


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
        return self.model.head(self.frozen(query)[0])

    @torch.no_grad()
    def frozen(self, query: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """What the frozen core gives each answer position to draw from: (B, T_out, C) conditions, and (B, T_out)
        the index of the character its character head reads there."""
        assert self.model.text_head is not None
        states = self.model.core(query).states
        characters = self.model.text_head(states)
        return self.model.conditions(states, characters), characters.argmax(-1)


class StyledDrawing(DrawingOnly):
    """DrawingOnly for a conditional VAE: each target glyph's style is encoded, drawn from its posterior while
    training (its mean when scored), and decoded with what the glyph must show."""

    def forward(self, query: torch.Tensor, answer_images: torch.Tensor  # type: ignore[override]
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, T_in, V) one-hot and (B, T_out, 28, 28) target handwriting -> pixel logits, and the styles' posterior
        mean and log variance (B, T_out, style_size)."""
        assert self.model.styles is not None
        conditions, characters = self.frozen(query)
        mean, log_variance = self.model.styles(answer_images, conditions)
        if not self.training:
            return self.model.draw(conditions, mean), mean, log_variance
        self.model.track_styles(characters, mean)
        styles = mean + (0.5 * log_variance).exp() * torch.randn_like(mean)  # drawn from the posterior
        return self.model.draw(conditions, styles), mean, log_variance


class Text2ImgKind(ArithmeticKind):
    name = "text2img"
    options = Text2ImgConfig
    network_options = Text2ImgNetwork
    schema = Text2ImgArchitecture
    draws = True

    def network(self, arch: Architecture) -> nn.Module:
        return Text2Img(arch)

    def handwriting(self, digits: Path | None, glyphs: Path | None) -> Handwriting:
        assert digits is not None and glyphs is not None
        return load_handwriting(digits, glyphs)

    def fresh_handwriting(self, options: KindConfig) -> bool:
        assert isinstance(options, Text2ImgConfig)
        return options.fresh_handwriting

    def architecture(self, vocabulary: str, query_width: int, answer_width: int, model_config: ModelConfig,
                     options: KindConfig, classifier: Any = None) -> Architecture:
        assert isinstance(options, Text2ImgConfig)
        return Text2ImgArchitecture(vocabulary, query_width, answer_width, model_config,
                                    subsection(options, self.network_options), options.text_loss > 0)

    def new_model(self, queries: QuerySet, model_config: ModelConfig, options: KindConfig,
                  classifier: Path | None = None, text2text: Text2Text | None = None) -> tuple[nn.Module, Architecture]:
        """A fresh Text2Img; with ``image_epochs`` its core and character head are the task's ``text2text``'s, which
        it draws from."""
        network, arch = super().new_model(queries, model_config, options)
        assert isinstance(options, Text2ImgConfig) and isinstance(network, Text2Img)
        if options.image_epochs:
            if text2text is None:
                raise ParamsError("params.yaml: text2img.image_epochs > 0 draws from the task's text2text: give its "
                                  "checkpoint")
            assert network.text_head is not None
            text2text.copy_into(network.core, network.text_head)
        return network, arch

    def phases(self, model: nn.Module, arch: Architecture, options: KindConfig, handwriting: Handwriting | None,
               program: Any = None, queries: QuerySet | None = None, *, value_loss: float) -> list[Phase]:
        """Through its image and auxiliary character heads together, or (``text2img.image_epochs``) drawing only,
        from the text2text's frozen core."""
        assert isinstance(options, Text2ImgConfig) and isinstance(model, Text2Img)
        if options.image_epochs:
            drawing = dataclasses.replace(options, epochs=options.image_epochs, batch_size=options.image_batch_size,
                                          learning_rate=options.image_learning_rate,
                                          weight_decay=options.image_weight_decay)
            if options.style_size:
                return [Phase(StyledDrawing(model), style_objective(options.loss, options.kl_weight), drawing)]
            return [Phase(DrawingOnly(model), drawing_objective(options.loss), drawing)]
        trainee = WithTextHead(model) if options.text_loss > 0 else model
        return [Phase(trainee, image_objective(options.loss, options.text_loss, value_loss), options)]

    def emitted(self, outputs: torch.Tensor, arch: Architecture, reader: GlyphReader | None
                ) -> tuple[list[str], torch.Tensor | None]:
        """The drawn glyphs as ``reader`` (the classifier) reads them, and their pixels in reading order
        (N, T_out, 28, 28)."""
        if reader is None:
            raise ValueError("text2img's drawings need a reader: the judge (or the classifier)")
        pixels = outputs.sigmoid()
        emitted = reader.read_strips(pixels)
        order = torch.tensor(np.array([target_positions(text, arch.model.reverse_answer) for text in emitted]))
        return emitted, torch.take_along_dim(pixels, order[:, :, None, None], dim=1)


KIND = Text2ImgKind()
