"""One training loop for every model: objective in, DVCLive curves and a progress bar out."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import trange

from seq2arith.data import glyph
from seq2arith.params import PerTask, for_task, per_task, require
from seq2arith.runtime.devices import device_of
from seq2arith.runtime.threads import Threads
from seq2arith.training.batches import Batch, Rows, batches

if TYPE_CHECKING:
    from dvclive.live import Live  # the stage scripts' curves; importing it here would slow every command

GRADIENT_CLIP = 1.0  # LSTMs on carries occasionally spike; clipping keeps one bad batch harmless

Out = TypeVar("Out")  # what a trainee returns: logits, or (pixel logits, character logits)


@dataclass(frozen=True)
class FitConfig:
    """How one model is trained: shared by every trained stage. Each key is explained beside its value in
    params.yaml (``text2text:``)."""

    epochs: int = 20
    batch_size: int = 64
    learning_rate: float = 0.001
    lr_schedule: str = "onecycle"
    weight_decay: float = 0.0

    def validate(self, key: str) -> None:
        for name, epochs in per_task(self.epochs, f"{key}.epochs"):  # a KindConfig's may differ per task
            require(name, epochs, 1 <= epochs <= 10_000, "must be an integer from 1 to 10000")
        require(f"{key}.batch_size", self.batch_size, 1 <= self.batch_size <= 65_536,
                 "must be an integer from 1 to 65536")
        require(f"{key}.learning_rate", self.learning_rate, 0 < self.learning_rate <= 1, "must be in (0, 1]")
        require(f"{key}.lr_schedule", self.lr_schedule, self.lr_schedule in ("constant", "onecycle"),
                 "allowed: constant, onecycle")
        require(f"{key}.weight_decay", self.weight_decay, 0 <= self.weight_decay <= 10, "must be in [0, 10]")


@dataclass(frozen=True)
class KindConfig(FitConfig):
    """How a model of one of the three kinds is trained; ``epochs`` may differ per task."""

    epochs: PerTask = 20  # type: ignore[assignment]

    def for_task(self, task: str, key: str) -> Self:
        """These options with every per-task value resolved for ``task`` (``key``: where they are in params)."""
        return dataclasses.replace(self, epochs=for_task(self.epochs, task, f"{key}.epochs"))


@dataclass(frozen=True)
class Objective(Generic[Out]):
    """What a model reads, and how its output is scored against the batch it came from."""

    inputs: str  # batch field the model reads
    fields: tuple[str, ...]  # batch fields the scores read
    loss: Callable[[Out, Batch], torch.Tensor]
    scores: Callable[[Out, Batch], dict[str, torch.Tensor]]  # batch means, named as evaluation.metrics names them:
    # for answers "char_accuracy" (per position, as Keras reports) and "exact_match" (whole answers right)
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None
    also_reads: tuple[str, ...] = ()  # fields (of ``fields``) the model reads after ``inputs``: a conditional VAE's
    # encoder reads its target

    def run(self, model: nn.Module, inputs: torch.Tensor, batch: Batch) -> Any:
        """``model``'s output on ``inputs`` (the batch's field, maybe augmented) and the fields it also reads."""
        return model(inputs, *(batch[field] for field in self.also_reads))


@dataclass(frozen=True)
class Phase:
    """One call of ``fit``: what it trains, on which objective, for how long."""

    trainee: nn.Module
    objective: Objective[Any]
    options: FitConfig
    rows: Callable[[], tuple[Rows, Rows]] | None = None  # its own train and validation rows, made when it starts
    # (after the phases before it); None: the task's train and validation queries


def cross_entropy(logits: torch.Tensor, one_hot: torch.Tensor) -> torch.Tensor:
    """Per-position cross entropy: (B, T, V) logits against (B, T, V) one-hot."""
    return F.cross_entropy(logits.flatten(0, -2), one_hot.argmax(-1).flatten())


def answer_scores(logits: torch.Tensor, one_hot: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-position accuracy and exact match of (B, T, V) character logits against (B, T, V) one-hot."""
    right = logits.argmax(-1) == one_hot.argmax(-1)  # (B, T)
    return {"char_accuracy": right.float().mean(), "exact_match": right.all(-1).float().mean()}


Answers = tuple[torch.Tensor, torch.Tensor | None]  # character logits; the column core's value logits, or None


def value_loss(values: torch.Tensor | None, batch: Batch, weight: float) -> torch.Tensor | float:
    """``weight`` times the cross entropy of the column core's value logits (B, T, 2, C) against the written
    column values (the batch field ``values``); 0 for a core without them."""
    if values is None or not weight:
        return 0.0
    return weight * F.cross_entropy(values.flatten(0, 2), batch["values"][:, :, :values.shape[2]].flatten())


def text_objective(inputs: str, value_weight: float = 0.0) -> Objective[Answers]:
    """text2text (``inputs="query"``) and img2text (``"query_images"``): a character per answer position, and with
    ``value_weight`` the column core's value of each column."""
    def loss(out: Answers, batch: Batch) -> torch.Tensor:
        return cross_entropy(out[0], batch["answer"]) + value_loss(out[1], batch, value_weight)

    return Objective(inputs, ("answer", "values") if value_weight else ("answer",), loss,
                     lambda out, batch: answer_scores(out[0], batch["answer"]))


def pixel_loss(loss: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """``bce`` or ``mse`` (the report's) of pixel logits against the answer's handwriting in [0, 1]."""
    if loss == "bce":
        return F.binary_cross_entropy_with_logits
    return lambda logits, pixels: F.mse_loss(logits.sigmoid(), pixels)


def pixel_accuracy(logits: torch.Tensor, pixels: torch.Tensor) -> torch.Tensor:
    """The share of pixels on the right side of 0.5 (what the report's text2img "accuracy" counts)."""
    return ((logits > 0) == (pixels > 0.5)).float().mean()


def image_objective(loss: str, text_loss: float, value_weight: float = 0.0) -> Objective[Any]:
    """text2img: pixel logits against the answer's handwriting, plus ``text_loss`` times the cross entropy
    of the answer characters read from the same decoder states (and with ``value_weight`` the column values).
    Scores: of those characters when they are trained (char_accuracy, exact_match), else pixel_accuracy."""
    pixels = pixel_loss(loss)
    if text_loss > 0:  # the model returns (pixel logits, character logits, value logits or None)
        return Objective("query", ("answer_images", "answer", *(("values",) if value_weight else ())),
                         lambda out, batch: pixels(out[0], batch["answer_images"])
                         + text_loss * cross_entropy(out[1], batch["answer"]) + value_loss(out[2], batch, value_weight),
                         lambda out, batch: answer_scores(out[1], batch["answer"]))
    return drawing_objective(loss)


def style_objective(loss: str, kl_weight: float) -> Objective[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """A conditional VAE's drawing epochs: pixel logits against the answer's handwriting, whose styles the model
    encodes (it also reads ``answer_images``), plus ``kl_weight`` times the styles' KL divergence from N(0, 1) per
    pixel (1: the negative evidence lower bound, per pixel)."""
    pixels = pixel_loss(loss)

    def divergence(mean: torch.Tensor, log_variance: torch.Tensor) -> torch.Tensor:
        return -0.5 * (1 + log_variance - mean**2 - log_variance.exp()).sum(-1).mean() / glyph.SIDE**2

    return Objective("query", ("answer_images",),
                     lambda out, batch: pixels(out[0], batch["answer_images"]) + kl_weight * divergence(*out[1:]),
                     lambda out, batch: {"pixel_accuracy": pixel_accuracy(out[0], batch["answer_images"]),
                                         "style_divergence": divergence(*out[1:])},
                     also_reads=("answer_images",))


def drawing_objective(loss: str) -> Objective[torch.Tensor]:
    """Pixel logits against the answer's handwriting, and nothing else: what text2img's drawing epochs learn
    (their characters are frozen, so scoring them again would log the character epochs' last numbers)."""
    pixels = pixel_loss(loss)
    return Objective("query", ("answer_images",), lambda out, batch: pixels(out, batch["answer_images"]),
                     lambda out, batch: {"pixel_accuracy": pixel_accuracy(out, batch["answer_images"])})


@torch.no_grad()
def score(model: nn.Module, objective: Objective[Any], rows: Rows, batch_size: int) -> dict[str, float]:
    """Mean loss and scores over ``rows`` in evaluation mode."""
    model.eval()
    totals: dict[str, float] = {}
    for batch in batches(rows, batch_size, device=device_of(model)):
        inputs = batch[objective.inputs]
        output = objective.run(model, inputs, batch)
        _add(totals, len(inputs), {"loss": objective.loss(output, batch), **objective.scores(output, batch)})
    return {name: total / len(rows) for name, total in totals.items()}


def _add(totals: dict[str, float], weight: int, values: dict[str, torch.Tensor]) -> None:
    """Accumulate batch means weighted by the batch size."""
    for name, value in values.items():
        totals[name] = totals.get(name, 0.0) + weight * value.item()


def curves(folder: Path) -> Live:
    """The DVCLive logger of a training stage's curves in ``folder``: no report, no experiment of its own, no
    dvc.yaml (the pipeline's declares the plots)."""
    from dvclive.live import Live  # imported when a stage trains, not by every command that imports the loop

    return Live(str(folder), report=None, save_dvc_exp=False, dvcyaml=None)


def fit(model: nn.Module, objective: Objective[Any], train: Rows, validation: Rows, config: FitConfig,
        generator: torch.Generator, live: Live | None = None, before_epoch: Callable[[], object] | None = None,
        desc: str = "train", threads: Threads | None = None, checks: Mapping[str, Rows] | None = None,
        after_epoch: Callable[[], dict[str, float]] | None = None) -> dict[str, dict[str, float]]:
    """Train ``model`` for ``config.epochs`` where its weights are; log train/validation loss and accuracy per epoch
    to ``live``. The test split is never passed here: it is read once, by the evaluate stages.

    ``before_epoch``: called before every epoch (train-<kind> draws fresh handwriting for the train split).
    ``checks``: more splits scored after every epoch and logged under their names (train-<kind>'s ``unseen``).
    ``after_epoch``: more validation scores after every epoch, logged under ``validation/`` (the reader's digit
    accuracy).
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
        if before_epoch is not None:
            before_epoch()
        model.train()
        totals: dict[str, float] = {}
        for batch in batches(train, config.batch_size, generator, device):
            inputs = batch[objective.inputs]
            if objective.augment is not None:
                inputs = objective.augment(inputs, generator)
            output = objective.run(model, inputs, batch)
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
                  **{name: score(model, objective, rows, config.batch_size * 4)
                     for name, rows in {"validation": validation, **(checks or {})}.items() if len(rows)}}
        if after_epoch is not None:
            scores["validation"] = {**scores.get("validation", {}), **after_epoch()}
        shown = {"loss": scores["train"]["loss"],
                 **{f"validation_{k}": v for k, v in scores.get("validation", {}).items() if k != "loss"}}
        progress.set_postfix({name: f"{value:.4f}" for name, value in shown.items()})
        if live is not None:
            for split, values in scores.items():
                for name, value in values.items():
                    live.log_metric(f"{split}/{name}", value)
            live.next_step()
    return scores
