"""The reference glyph reader: data, augmentation and reading strips of generated or real glyphs."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from seq2arith.handwriting import Handwriting
from seq2arith.models import device_of
from seq2arith.text import SYMBOLS
from seq2arith.training import Objective

MAX_ROTATION = math.radians(12)
MAX_SHIFT = 0.15  # of half the image: about 2 pixels
SCALE_RANGE = (0.9, 1.1)


class GlyphDataset(Dataset):
    """One pool of Handwriting plus ``blanks`` empty images: ``image`` (28, 28) and ``label`` (SYMBOLS index)."""

    def __init__(self, handwriting: Handwriting, test: bool, blanks: int) -> None:
        members = handwriting.is_test == test
        self.images = np.concatenate([handwriting.images[members], np.zeros((blanks, 28, 28), np.uint8)])
        symbols = np.concatenate([handwriting.symbols[members], [" "] * blanks])
        self.labels = torch.tensor([SYMBOLS.index(s) for s in symbols])

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int | np.ndarray) -> dict[str, torch.Tensor]:
        return {"image": torch.from_numpy(self.images[index]).float().div_(255), "label": self.labels[index]}


def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random rotation, scale and shift per image: (N, 28, 28) -> (N, 28, 28)."""
    n = len(images)
    uniform = lambda low, high: low + (high - low) * torch.rand(n, generator=generator)  # noqa: E731
    angle, scale = uniform(-MAX_ROTATION, MAX_ROTATION), uniform(*SCALE_RANGE)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = angle.cos() / scale
    theta[:, 0, 1], theta[:, 1, 0] = -angle.sin() / scale, angle.sin() / scale
    theta[:, 0, 2], theta[:, 1, 2] = uniform(-MAX_SHIFT, MAX_SHIFT), uniform(-MAX_SHIFT, MAX_SHIFT)
    grid = F.affine_grid(theta.to(images.device), (n, 1, 28, 28), align_corners=False)
    return F.grid_sample(images.unsqueeze(1), grid, align_corners=False).squeeze(1)


def objective(augmented: bool) -> Objective:
    """Cross entropy of the glyph's symbol; training glyphs randomly rotated, scaled and shifted if ``augmented``."""
    return Objective("image", ("label",), lambda logits, batch: F.cross_entropy(logits, batch["label"]),
                     lambda logits, batch: {"accuracy": (logits.argmax(-1) == batch["label"]).float().mean()},
                     augment if augmented else None)


def read_queries(classifier: nn.Module, handwriting: Handwriting, glyphs: np.ndarray) -> list[str]:
    """What the classifier reads in the strips drawn with ``glyphs`` (N, T) indices: each image read once."""
    symbols = np.array(list(read_strips(classifier, handwriting.pixels(np.arange(len(handwriting.images)))[None])[0]))
    return ["".join(row) for row in symbols[glyphs]]


@torch.no_grad()
def read_strips(classifier: nn.Module, strips: torch.Tensor, batch_size: int = 4096) -> list[str]:
    """What the classifier reads in each strip: (N, T, 28, 28) pixels -> N strings of T characters."""
    classifier.eval()
    flat, device = strips.reshape(-1, 28, 28), device_of(classifier)
    labels = torch.cat([classifier(flat[i:i + batch_size].to(device)).argmax(-1).cpu()
                        for i in range(0, len(flat), batch_size)])
    chars = np.array(list(SYMBOLS))[labels.reshape(strips.shape[:2]).numpy()]
    return ["".join(row) for row in chars]
