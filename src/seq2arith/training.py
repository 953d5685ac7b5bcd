"""One training loop for every model: objective in, DVCLive curves and a progress bar out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import trange

from seq2arith.config import FitConfig

Batch = dict[str, torch.Tensor]
GRADIENT_CLIP = 1.0  # LSTMs on carries occasionally spike; clipping keeps one bad batch harmless


@dataclass(frozen=True)
class Objective:
    """What a model reads, what it must produce, and how the two are compared."""

    inputs: str  # batch field the model reads
    target: str  # batch field it predicts
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    accuracy: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # mean over positions, as Keras reports
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None


def _cross_entropy(logits: torch.Tensor, one_hot: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits.flatten(0, -2), one_hot.argmax(-1).flatten())


def _char_accuracy(logits: torch.Tensor, one_hot: torch.Tensor) -> torch.Tensor:
    return (logits.argmax(-1) == one_hot.argmax(-1)).float().mean()


def text_objective(inputs: str) -> Objective:
    """text2text (``inputs="query"``) and img2text (``"query_images"``): a character per answer position."""
    return Objective(inputs, "answer", _cross_entropy, _char_accuracy)


def image_objective(loss: str) -> Objective:
    """text2img: pixel logits against the answer's handwriting; accuracy = pixels on the right side of 0.5."""

    def pixel_loss(logits: torch.Tensor, pixels: torch.Tensor) -> torch.Tensor:
        if loss == "bce":
            return F.binary_cross_entropy_with_logits(logits, pixels)
        return F.mse_loss(logits.sigmoid(), pixels)

    def pixel_accuracy(logits: torch.Tensor, pixels: torch.Tensor) -> torch.Tensor:
        return ((logits > 0) == (pixels > 0.5)).float().mean()

    return Objective("query", "answer_images", pixel_loss, pixel_accuracy)


def batches(dataset, batch_size: int, generator: torch.Generator | None = None) -> Iterator[Batch]:
    """Whole batches gathered in one indexing call; shuffled when a generator is given."""
    order = torch.randperm(len(dataset), generator=generator) if generator else torch.arange(len(dataset))
    for start in range(0, len(dataset), batch_size):
        yield dataset[order[start:start + batch_size].numpy()]


@torch.no_grad()
def predict(model: nn.Module, dataset, inputs: str, batch_size: int) -> torch.Tensor:
    """The model's raw outputs for every example, in order."""
    model.eval()
    return torch.cat([model(batch[inputs]) for batch in batches(dataset, batch_size)])


@torch.no_grad()
def score(model: nn.Module, objective: Objective, dataset, batch_size: int) -> dict[str, float]:
    """Mean loss and accuracy over ``dataset`` in evaluation mode."""
    model.eval()
    totals = np.zeros(2)
    for batch in batches(dataset, batch_size):
        output, target = model(batch[objective.inputs]), batch[objective.target]
        totals += len(target) * np.array([objective.loss(output, target).item(),
                                          objective.accuracy(output, target).item()])
    loss, accuracy = totals / len(dataset)
    return {"loss": float(loss), "accuracy": float(accuracy)}


def fit(model: nn.Module, objective: Objective, train, test, config: FitConfig, generator: torch.Generator,
        live=None, redraw: np.random.Generator | None = None, desc: str = "train") -> dict[str, dict[str, float]]:
    """Train ``model`` for ``config.epochs``; log train/test loss and accuracy per epoch to ``live``.

    ``redraw``: a generator to draw fresh handwriting for the train split before every epoch.
    Returns the last epoch's scores.
    """
    steps = -(-len(train) // config.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    schedule = (torch.optim.lr_scheduler.OneCycleLR(optimizer, config.learning_rate, total_steps=config.epochs * steps)
                if config.lr_schedule == "onecycle" else None)
    scores: dict[str, dict[str, float]] = {}
    for _ in (progress := trange(config.epochs, desc=desc, unit="epoch", disable=None)):
        if redraw is not None:
            train.redraw_handwriting(redraw)
        model.train()
        totals = np.zeros(2)
        for batch in batches(train, config.batch_size, generator):
            inputs, target = batch[objective.inputs], batch[objective.target]
            if objective.augment is not None:
                inputs = objective.augment(inputs, generator)
            output = model(inputs)
            loss = objective.loss(output, target)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), GRADIENT_CLIP)
            optimizer.step()
            if schedule is not None:
                schedule.step()
            totals += len(target) * np.array([loss.item(), objective.accuracy(output.detach(), target).item()])
        scores = {"train": dict(zip(("loss", "accuracy"), (totals / len(train)).tolist())),
                  "test": score(model, objective, test, config.batch_size * 4)}
        progress.set_postfix(loss=f"{scores['train']['loss']:.4f}", test_acc=f"{scores['test']['accuracy']:.4f}")
        if live is not None:
            for split, values in scores.items():
                for name, value in values.items():
                    live.log_metric(f"{split}/{name}", value)
            live.next_step()
    return scores
