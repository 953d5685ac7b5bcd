"""One training loop for every model: objective in, DVCLive curves and a progress bar out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import trange

from seq2arith.config import FitConfig, ParamsError
from seq2arith.models import device_of
from seq2arith.threads import Threads

Batch = dict[str, torch.Tensor]
GRADIENT_CLIP = 1.0  # LSTMs on carries occasionally spike; clipping keeps one bad batch harmless


Output = torch.Tensor | tuple[torch.Tensor, ...]


@dataclass(frozen=True)
class Objective:
    """What a model reads, and how its output is scored against the batch it came from."""

    inputs: str  # batch field the model reads
    fields: tuple[str, ...]  # batch fields the scores read
    loss: Callable[[Output, Batch], torch.Tensor]
    scores: Callable[[Output, Batch], dict[str, torch.Tensor]]  # batch means: "accuracy" (per position, as
    # Keras reports) and, for answers, "exact_match" (whole answers right)
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None


def torch_device(name: str, setting: str = "params.yaml: device") -> torch.device:
    """The device ``name`` (auto, cpu, cuda, cuda:N; see ``config.device``) stands for on this machine.
    Asking for a CUDA device that is not here is a ParamsError naming ``setting``, where it was asked for."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ParamsError(f"{setting} = {name!r}: CUDA is not available on this machine (no GPU, or torch "
                              "built without CUDA); use auto or cpu")
        if (device.index or 0) >= count:
            raise ParamsError(f"{setting} = {name!r}: this machine has {count} CUDA device(s), "
                              f"cuda:0 to cuda:{count - 1}")
    return device


def cross_entropy(logits: torch.Tensor, one_hot: torch.Tensor) -> torch.Tensor:
    """Per-position cross entropy: (B, T, V) logits against (B, T, V) one-hot."""
    return F.cross_entropy(logits.flatten(0, -2), one_hot.argmax(-1).flatten())


def answer_scores(logits: torch.Tensor, one_hot: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-position accuracy and exact match of (B, T, V) character logits against (B, T, V) one-hot."""
    right = logits.argmax(-1) == one_hot.argmax(-1)  # (B, T)
    return {"accuracy": right.float().mean(), "exact_match": right.all(-1).float().mean()}


def text_objective(inputs: str) -> Objective:
    """text2text (``inputs="query"``) and img2text (``"query_images"``): a character per answer position."""
    return Objective(inputs, ("answer",), lambda out, batch: cross_entropy(out, batch["answer"]),
                     lambda out, batch: answer_scores(out, batch["answer"]))


def image_objective(loss: str, text_loss: float) -> Objective:
    """text2img: pixel logits against the answer's handwriting, plus ``text_loss`` times the cross entropy
    of the answer characters read from the same decoder states. Accuracy: of those characters when they
    are trained, else of pixels on the right side of 0.5."""

    def pixel_loss(logits: torch.Tensor, pixels: torch.Tensor) -> torch.Tensor:
        if loss == "bce":
            return F.binary_cross_entropy_with_logits(logits, pixels)
        return F.mse_loss(logits.sigmoid(), pixels)

    if text_loss > 0:  # the model returns (pixel logits, character logits)
        return Objective("query", ("answer_images", "answer"),
                         lambda out, batch: pixel_loss(out[0], batch["answer_images"])
                         + text_loss * cross_entropy(out[1], batch["answer"]),
                         lambda out, batch: answer_scores(out[1], batch["answer"]))
    return Objective("query", ("answer_images",), lambda out, batch: pixel_loss(out, batch["answer_images"]),
                     lambda out, batch: {"accuracy": ((out > 0) == (batch["answer_images"] > 0.5)).float().mean()})


def batches(dataset, batch_size: int, generator: torch.Generator | None = None,
            device: torch.device | None = None) -> Iterator[Batch]:
    """Whole batches gathered in one indexing call (on the CPU) and moved to ``device``; shuffled when a
    generator is given."""
    order = torch.randperm(len(dataset), generator=generator) if generator else torch.arange(len(dataset))
    for start in range(0, len(dataset), batch_size):
        batch = dataset[order[start:start + batch_size].numpy()]
        yield batch if device is None else {name: values.to(device) for name, values in batch.items()}


@torch.no_grad()
def predict(model: nn.Module, dataset, inputs: str, batch_size: int) -> torch.Tensor:
    """The model's raw outputs for every example, in order, on the CPU."""
    model.eval()
    device = device_of(model)
    return torch.cat([model(batch[inputs]).cpu() for batch in batches(dataset, batch_size, device=device)])


@torch.no_grad()
def score(model: nn.Module, objective: Objective, dataset, batch_size: int) -> dict[str, float]:
    """Mean loss and scores over ``dataset`` in evaluation mode."""
    model.eval()
    totals: dict[str, float] = {}
    for batch in batches(dataset, batch_size, device=device_of(model)):
        inputs = batch[objective.inputs]
        output = model(inputs)
        _add(totals, len(inputs), {"loss": objective.loss(output, batch), **objective.scores(output, batch)})
    return {name: total / len(dataset) for name, total in totals.items()}


def _add(totals: dict[str, float], weight: int, values: dict[str, torch.Tensor]) -> None:
    """Accumulate batch means weighted by the batch size."""
    for name, value in values.items():
        totals[name] = totals.get(name, 0.0) + weight * value.item()


def fit(model: nn.Module, objective: Objective, train, test, config: FitConfig, generator: torch.Generator,
        live=None, redraw: np.random.Generator | None = None, desc: str = "train",
        threads: Threads | None = None) -> dict[str, dict[str, float]]:
    """Train ``model`` for ``config.epochs`` where its weights are; log train/test loss and accuracy per epoch
    to ``live``.

    ``redraw``: a generator to draw fresh handwriting for the train split before every epoch.
    ``threads``: rebalanced before every epoch (the cores other processes leave free may change).
    Returns the last epoch's scores.
    """
    device = device_of(model)
    steps = -(-len(train) // config.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    schedule = (torch.optim.lr_scheduler.OneCycleLR(optimizer, config.learning_rate, total_steps=config.epochs * steps)
                if config.lr_schedule == "onecycle" else None)
    scores: dict[str, dict[str, float]] = {}
    for _ in (progress := trange(config.epochs, desc=desc, unit="epoch", disable=None)):
        if threads is not None:
            threads.rebalance()
        if redraw is not None:
            train.redraw_handwriting(redraw)
        model.train()
        totals: dict[str, float] = {}
        for batch in batches(train, config.batch_size, generator, device):
            inputs = batch[objective.inputs]
            if objective.augment is not None:
                inputs = objective.augment(inputs, generator)
            output = model(inputs)
            loss = objective.loss(output, batch)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), GRADIENT_CLIP)
            optimizer.step()
            if schedule is not None:
                schedule.step()
            with torch.no_grad():
                _add(totals, len(inputs), {"loss": loss, **objective.scores(output, batch)})
        scores = {"train": {name: total / len(train) for name, total in totals.items()},
                  "test": score(model, objective, test, config.batch_size * 4)}
        shown = {"loss": scores["train"]["loss"], **{f"test_{k}": v for k, v in scores["test"].items() if k != "loss"}}
        progress.set_postfix({name: f"{value:.4f}" for name, value in shown.items()})
        if live is not None:
            for split, values in scores.items():
                for name, value in values.items():
                    live.log_metric(f"{split}/{name}", value)
            live.next_step()
    return scores
