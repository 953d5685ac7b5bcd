"""How much drawn digits look like handwriting: the Fréchet distance of their features to real digits', and how
much drawings of one digit differ from each other, each beside the same figure for real handwriting."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from seq2arith.data.handwriting import Handwriting
from seq2arith.data.text import DIGITS

Features = Callable[[torch.Tensor], np.ndarray]  # (N, 28, 28) pixels -> (N, F): the judge's penultimate layer


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The Fréchet distance between Gaussians fitted to two sets of feature vectors, (N, F) and (M, F); 0 for a
    set against itself."""
    mean_a, mean_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = _psd_sqrt(cov_a)
    cross = np.sqrt(np.linalg.eigvalsh(root_a @ cov_b @ root_a).clip(min=0)).sum()  # trace of (cov_a cov_b)^1/2
    return max(0.0, float(((mean_a - mean_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * cross))


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(values.clip(min=0))) @ vectors.T


def diversity(images: torch.Tensor, labels: np.ndarray) -> float:
    """The mean Euclidean distance between two images (N, 28, 28) of the same label, averaged over the labels;
    0 when every image of a label is the same."""
    return float(np.mean([torch.pdist(images[labels == label].flatten(1)).mean().item()
                          for label in np.unique(labels) if (labels == label).sum() > 1]))


def likeness(features: Features, drawn: torch.Tensor, labels: np.ndarray, handwriting: Handwriting, pool: str,
             rng: np.random.Generator) -> dict[str, float]:
    """Drawn digits (N, 28, 28) of ``labels`` against the real digits of ``pool`` (the reference), one drawing of
    the same label picked for each reference digit:

    - ``frechet_distance``: between the drawings' features and the reference's;
    - ``frechet_ratio``: that, over the same distance for real train-pool digits of the same labels (the floor:
      other real handwriting of the same digits);
    - ``diversity``: of the drawings, as a share of the reference's (1: as varied as real handwriting).
    """
    reference = np.flatnonzero(np.isin(handwriting.symbols, list(DIGITS)) & handwriting.in_pool(pool))
    reference = reference[np.isin(handwriting.symbols[reference], labels)]  # digits the drawings never show: out
    wanted = handwriting.symbols[reference]
    train = np.flatnonzero(handwriting.in_pool("train"))
    drawings = drawn[_same_labels(labels, wanted, rng)]
    real = handwriting.pixels(reference)
    other_real = handwriting.pixels(train[_same_labels(handwriting.symbols[train], wanted, rng)])
    real_features = features(real)
    distance = frechet_distance(features(drawings), real_features)
    return {"frechet_distance": distance,
            "frechet_ratio": distance / frechet_distance(features(other_real), real_features),
            "diversity": diversity(drawings, wanted) / diversity(real, wanted)}


def _same_labels(labels: np.ndarray, wanted: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each of ``wanted``, the index of a random one of ``labels`` equal to it: a different one each time
    while there are enough."""
    chosen = np.zeros(len(wanted), np.int64)
    for label in np.unique(wanted):
        where, candidates = wanted == label, np.flatnonzero(labels == label)
        chosen[where] = rng.choice(candidates, size=int(where.sum()), replace=len(candidates) < where.sum())
    return chosen
