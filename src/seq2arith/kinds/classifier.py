"""The classifier: the reference glyph reader (one glyph -> one of SYMBOLS: digits, + - x, blank).

It scores text2img's drawings, gives img2text's symbolic baseline and img2text's starting reader. Its checkpoint
stores its params section: that is all it is built from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from seq2arith import checkpoint, glyph
from seq2arith.batches import Batch
from seq2arith.devices import device_of
from seq2arith.handwriting import Handwriting
from seq2arith.kinds.kind import Kind
from seq2arith.models.images import GlyphCNN
from seq2arith.params import parse_section, require
from seq2arith.text import PAD, SYMBOLS
from seq2arith.training import FitConfig, Objective

MAX_ROTATION = math.radians(12)
MAX_SHIFT = 0.15  # of half the image: about 2 pixels
SCALE_RANGE = (0.9, 1.1)


@dataclass(frozen=True)
class ClassifierConfig(FitConfig):
    conv_layers: int = 2  # conv blocks (img2text's reader is this network when it starts from the classifier)
    conv_filters: int = 32  # filters of the first block, doubled per block
    augment: bool = True  # random small rotations, shifts and scalings of every training glyph
    blanks: int = 400  # empty images added per pool, so "no glyph" is a class like any other

    def validate(self, key: str) -> None:
        super().validate(key)
        require(f"{key}.conv_layers", self.conv_layers, 1 <= self.conv_layers <= 3, "must be an integer from 1 to 3")
        require(f"{key}.conv_filters", self.conv_filters, 1 <= self.conv_filters <= 512,
                 "must be an integer from 1 to 512")
        require(f"{key}.blanks", self.blanks, self.blanks >= 1, "must be an integer >= 1")


class Classifier(nn.Module):
    """(N, 28, 28) pixels -> (N, len(SYMBOLS)) logits."""

    def __init__(self, options: ClassifierConfig) -> None:
        super().__init__()
        self.net = GlyphCNN(options.conv_layers, options.conv_filters, len(SYMBOLS))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)

    @torch.no_grad()
    def read_strips(self, strips: torch.Tensor, batch_size: int = 4096) -> list[str]:
        """What it reads in each strip: (N, T, 28, 28) pixels -> N strings of T characters."""
        self.eval()
        flat, device = strips.reshape(-1, glyph.SIDE, glyph.SIDE), device_of(self)
        labels = torch.cat([self(flat[i:i + batch_size].to(device)).argmax(-1).cpu()
                            for i in range(0, len(flat), batch_size)])
        chars = np.array(list(SYMBOLS))[labels.reshape(strips.shape[:2]).numpy()]
        return ["".join(row) for row in chars]


class ClassifierKind(Kind[ClassifierConfig]):
    name = "classifier"

    def architecture_from_dict(self, stored: dict[str, Any]) -> ClassifierConfig:
        return parse_section(ClassifierConfig, stored, self.name)

    def network(self, arch: ClassifierConfig) -> nn.Module:
        return Classifier(arch)


KIND = ClassifierKind()


def load_classifier(path: Path, device: torch.device = torch.device("cpu")) -> Classifier:
    """The classifier stage's checkpoint at ``path``, on ``device``."""
    model, _ = checkpoint.load(path, KIND, stage="classifier", device=device)
    assert isinstance(model, Classifier)
    return model


class GlyphDataset:
    """One pool of Handwriting plus ``blanks`` empty images: ``image`` (28, 28) and ``label`` (SYMBOLS index)."""

    def __init__(self, handwriting: Handwriting, test: bool, blanks: int) -> None:
        members = handwriting.is_test == test
        blank = np.zeros((blanks, glyph.SIDE, glyph.SIDE), np.uint8)
        self.images = np.concatenate([handwriting.images[members], blank])
        symbols = np.concatenate([handwriting.symbols[members], [PAD] * blanks])
        self.labels = torch.tensor([SYMBOLS.index(s) for s in symbols])

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, rows: np.ndarray) -> Batch:
        return {"image": torch.from_numpy(self.images[rows]).float().div_(255), "label": self.labels[rows]}


def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
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


def objective(augmented: bool) -> Objective:
    """Cross entropy of the glyph's symbol; training glyphs randomly rotated, scaled and shifted if ``augmented``."""
    return Objective("image", ("label",), lambda logits, batch: F.cross_entropy(logits, batch["label"]),
                     lambda logits, batch: {"accuracy": (logits.argmax(-1) == batch["label"]).float().mean()},
                     augment if augmented else None)
