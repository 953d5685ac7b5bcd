"""The classifier: the reference glyph reader (one glyph -> one of SYMBOLS: digits, + - x, blank).

It scores text2img's drawings, gives img2text's symbolic baseline and img2text's starting reader. Its checkpoint
stores the keys of its params section that shape its network (``ClassifierNetwork``): that is all it is built
from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from seq2arith.data import glyph
from seq2arith.data.handwriting import Handwriting
from seq2arith.data.text import DIGITS, OPERATORS, PAD, SYMBOLS
from seq2arith.kinds.kind import Kind
from seq2arith.models.images import GlyphCNN
from seq2arith.params import parse_section, require
from seq2arith.runtime.devices import device_of
from seq2arith.runtime.seeding import seed_torch
from seq2arith.runtime.threads import Threads
from seq2arith.training import checkpoint
from seq2arith.training.batches import Batch
from seq2arith.training.loop import FitConfig, Objective, fit

if TYPE_CHECKING:
    from dvclive.live import Live

MAX_ROTATION = math.radians(12)
MAX_SHIFT = 0.15  # of half the image: about 2 pixels
SCALE_RANGE = (0.9, 1.1)
MIN_BRIGHTNESS = 0.4  # faint: the dimmest strokes (text2img's drawn digits peak near 0.6)
READ_BATCH = 256  # images per forward pass when reading: speed only (CPU convolutions 3x faster than at 4096)
MAX_BLUR, BLUR_RADIUS = 1.5, 3  # faint: the widest Gaussian blur (pixels) and its kernel's half-width


@dataclass(frozen=True)
class ClassifierNetwork:
    """The keys of ``classifier:`` (and ``judge:``) that shape its network: what its checkpoints store."""

    conv_layers: int = 3
    conv_filters: int = 32
    members: int = 1

    def validate(self, key: str) -> None:
        require(f"{key}.conv_layers", self.conv_layers, 1 <= self.conv_layers <= 3, "must be an integer from 1 to 3")
        require(f"{key}.conv_filters", self.conv_filters, 1 <= self.conv_filters <= 512,
                "must be an integer from 1 to 512")
        require(f"{key}.members", self.members, 1 <= self.members <= 16, "must be an integer from 1 to 16")


@dataclass(frozen=True)
class ClassifierConfig(FitConfig, ClassifierNetwork):
    """How the classifier (and the judge, the same network) is built (``ClassifierNetwork``) and trained. Each key
    is explained beside its value in params.yaml (``classifier:``)."""

    augment: list[str] = field(default_factory=lambda: list(AUGMENTATIONS))
    label_smoothing: float = 0.1
    operator_share: float = 0.33
    blanks: int = 400

    def validate(self, key: str) -> None:
        FitConfig.validate(self, key)
        ClassifierNetwork.validate(self, key)
        require(f"{key}.augment", self.augment, set(self.augment) <= set(AUGMENTATIONS),
                f"must be a list of augmentations from {list(AUGMENTATIONS)}")
        require(f"{key}.label_smoothing", self.label_smoothing, 0 <= self.label_smoothing < 1, "must be in [0, 1)")
        require(f"{key}.operator_share", self.operator_share, 0 < self.operator_share <= 1, "must be in (0, 1]")
        require(f"{key}.blanks", self.blanks, self.blanks >= 1, "must be an integer >= 1")


class Classifier(nn.Module):
    """(N, 28, 28) pixels -> (N, len(SYMBOLS)) log-probabilities: the mean of its members' probabilities."""

    def __init__(self, network: ClassifierNetwork, members: Sequence[GlyphCNN] = ()) -> None:
        """``members``: trained CNNs; without them, as many fresh ones as its network says."""
        super().__init__()
        self.members = nn.ModuleList(members or [GlyphCNN(network.conv_layers, network.conv_filters, len(SYMBOLS))
                                                 for _ in range(network.members)])

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        members = torch.stack([member(images).log_softmax(-1) for member in self.members])  # (M, N, S)
        return members.logsumexp(0) - math.log(len(self.members))

    def read_strips(self, strips: torch.Tensor) -> list[str]:
        """What it reads in each strip: (N, T, 28, 28) pixels -> N strings of T characters."""
        labels = self._in_batches(lambda images: self(images).argmax(-1),
                                  strips.reshape(-1, glyph.SIDE, glyph.SIDE))
        chars = np.array(list(SYMBOLS))[labels.reshape(strips.shape[:2]).numpy()]
        return ["".join(row) for row in chars]

    def features(self, images: torch.Tensor) -> np.ndarray:
        """(N, 28, 28) pixels -> (N, 128 x members): its members' hidden layers, side by side."""
        return self._in_batches(lambda batch: torch.cat([cast(GlyphCNN, member).hidden(batch)
                                                         for member in self.members], 1), images).numpy()

    @torch.no_grad()
    def _in_batches(self, read: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor) -> torch.Tensor:
        """``read`` of (N, 28, 28) ``images``, READ_BATCH at a time on the model's device, back on the CPU."""
        self.eval()
        device = device_of(self)
        return torch.cat([read(images[i:i + READ_BATCH].to(device)).cpu() for i in range(0, len(images), READ_BATCH)])


class ClassifierKind(Kind[ClassifierNetwork]):
    name = "classifier"

    def architecture_from_dict(self, stored: dict[str, Any]) -> ClassifierNetwork:
        return parse_section(ClassifierNetwork, stored, self.name)

    def network(self, arch: ClassifierNetwork) -> nn.Module:
        return Classifier(arch)


KIND = ClassifierKind()


def load_classifier(path: Path, device: torch.device = torch.device("cpu"), stage: str = "classifier") -> Classifier:
    """The checkpoint at ``path`` of the classifier stage (or of the judge, its twin trained apart), on ``device``."""
    model, _ = checkpoint.load(path, KIND, stage=stage, device=device)
    assert isinstance(model, Classifier)
    return model


class GlyphDataset:
    """One pool of Handwriting plus ``blanks`` empty images: ``image`` (28, 28) and ``label`` (SYMBOLS index).

    With ``operator_share`` < 1 it serves every digit and blank but only that share of the operator glyphs,
    drawn afresh by ``draw_operators`` (before every epoch).
    """

    def __init__(self, handwriting: Handwriting, pool: str, blanks: int, operator_share: float = 1.0) -> None:
        members = handwriting.in_pool(pool)
        blank = np.zeros((blanks, glyph.SIDE, glyph.SIDE), np.uint8)
        self.images = np.concatenate([handwriting.images[members], blank])
        symbols = np.concatenate([handwriting.symbols[members], [PAD] * blanks])
        self.labels = torch.tensor([SYMBOLS.index(s) for s in symbols])
        is_operator = np.isin(symbols, list(OPERATORS))
        self.always, self.operators = np.flatnonzero(~is_operator), np.flatnonzero(is_operator)
        self.drawn = round(operator_share * len(self.operators))
        self.rows = np.concatenate([self.always, self.operators[:self.drawn]])

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, rows: np.ndarray) -> Batch:
        chosen = self.rows[rows]
        return {"image": torch.from_numpy(self.images[chosen]).float().div_(255), "label": self.labels[chosen]}

    def draw_operators(self, generator: torch.Generator) -> None:
        """A fresh random share of the operator glyphs for the next epoch."""
        drawn = self.operators[torch.randperm(len(self.operators), generator=generator)[:self.drawn].numpy()]
        self.rows = np.concatenate([self.always, drawn])


def affine(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random rotation, scale and shift per image: (N, 28, 28) -> (N, 28, 28)."""
    n = len(images)
    uniform = lambda low, high: low + (high - low) * torch.rand(n, generator=generator)  # noqa: E731
    angle, scale = uniform(-MAX_ROTATION, MAX_ROTATION), uniform(*SCALE_RANGE)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = angle.cos() / scale
    theta[:, 0, 1], theta[:, 1, 0] = -angle.sin() / scale, angle.sin() / scale
    theta[:, 0, 2], theta[:, 1, 2] = uniform(-MAX_SHIFT, MAX_SHIFT), uniform(-MAX_SHIFT, MAX_SHIFT)
    grid = F.affine_grid(theta.to(images.device), [n, 1, glyph.SIDE, glyph.SIDE], align_corners=False)
    return F.grid_sample(images.unsqueeze(1), grid, align_corners=False).squeeze(1)


def faint(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each image's strokes dimmed to a random brightness and blurred by a Gaussian of random width, as the mean
    digits text2img draws look: (N, 28, 28) -> (N, 28, 28)."""
    n = len(images)
    brightness = MIN_BRIGHTNESS + (1 - MIN_BRIGHTNESS) * torch.rand(n, generator=generator)
    sigma = 0.05 + (MAX_BLUR - 0.05) * torch.rand(n, generator=generator)
    offsets = torch.arange(-BLUR_RADIUS, BLUR_RADIUS + 1, dtype=images.dtype)
    kernels = torch.exp(-(offsets / sigma[:, None]) ** 2 / 2)
    kernels = (kernels / kernels.sum(-1, keepdim=True)).to(images.device)  # (N, 2 R + 1): one per image
    blurred = (images * brightness.to(images.device)[:, None, None])[None]  # (1, N, 28, 28): one channel per image
    rows, columns = kernels[:, None, None, :], kernels[:, None, :, None]  # (N, 1, 1, K) and (N, 1, K, 1)
    blurred = F.conv2d(blurred, rows, padding=(0, BLUR_RADIUS), groups=n)
    blurred = F.conv2d(blurred, columns, padding=(BLUR_RADIUS, 0), groups=n)
    return blurred[0]


AUGMENTATIONS: dict[str, Callable[[torch.Tensor, torch.Generator], torch.Tensor]] = {"affine": affine, "faint": faint}


def augmented(kinds: list[str]) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None:
    """The augmentations ``kinds`` names, one after the other (None for none)."""
    if not kinds:
        return None

    def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        for kind in kinds:
            images = AUGMENTATIONS[kind](images, generator)
        return images

    return augment


def objective(augment: list[str] | None = None, label_smoothing: float = 0.0) -> Objective[torch.Tensor]:
    """Cross entropy of the glyph's symbol (smoothed by ``label_smoothing``); training glyphs augmented by the
    kinds of ``augment``."""
    return Objective("image", ("label",),
                     lambda logits, batch: F.cross_entropy(logits, batch["label"], label_smoothing=label_smoothing),
                     lambda logits, batch: {"accuracy": (logits.argmax(-1) == batch["label"]).float().mean()},
                     augmented(augment or []))


def train_classifier(options: ClassifierConfig, train: GlyphDataset, validation: GlyphDataset, seed: int,
                     device: torch.device, live: Live | None = None, threads: Threads | None = None) -> Classifier:
    """A Classifier whose members are trained one after the other, member k from the seed k after ``seed`` (its
    initial weights, batches and augmentations); their curves follow each other in ``live``."""
    members = []
    for number in range(options.members):
        generator = seed_torch(seed + number, "classifier", device)
        member = GlyphCNN(options.conv_layers, options.conv_filters, len(SYMBOLS)).to(device)
        fit(member, objective(options.augment, options.label_smoothing), train, validation, options, generator, live,
            partial(train.draw_operators, generator), desc=f"classifier {number + 1}/{options.members}",
            threads=threads)
        members.append(member)
    return Classifier(options, members)


def digit_accuracy(classifier: Classifier, handwriting: Handwriting, pool: str = "test") -> float:
    """The share of one pool's handwritten digits the classifier reads right (operators and blanks, read right
    almost always, left out: a digit misread is what costs a query its answer)."""
    digits = np.flatnonzero(np.isin(handwriting.symbols, list(DIGITS)) & handwriting.in_pool(pool))
    read = classifier.read_strips(handwriting.pixels(digits)[None])[0]
    return float(np.mean([char == symbol for char, symbol in zip(read, handwriting.symbols[digits])]))
