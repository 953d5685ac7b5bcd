"""The figures of the plots, samples and evaluate stages: the report's error figure, exact match per epoch,
generated digit grids, the glyphs img2text's reader misreads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from seq2arith.data import glyph
from seq2arith.data.handwriting import Handwriting
from seq2arith.data.text import DIGITS
from seq2arith.figures.png import COLORS, plt, save_png
from seq2arith.params import require


@dataclass(frozen=True)
class SamplesConfig:
    """What only the samples stages read: changing it redraws text2img's sample grids and trains nothing. Each key
    is explained beside its value in params.yaml (``samples:``)."""

    threshold: float = 0.5

    def validate(self, key: str) -> None:
        require(f"{key}.threshold", self.threshold, 0 < self.threshold < 1, "must be between 0 and 1 (exclusive)")


def model_task(name: str) -> str:
    """The task of a model named ``<task>-<kind>`` (a task name may itself hold hyphens)."""
    return name.rsplit("-", 1)[0]


def _without_outliers(values: np.ndarray) -> np.ndarray:
    """Tukey's rule: drop values beyond 1.5 IQR of the quartiles (what the report's middle panel shows)."""
    q1, q3 = np.percentile(values, [25, 75])
    spread = 1.5 * (q3 - q1)
    return values[(values >= q1 - spread) & (values <= q3 + spread)]


def error_figure(differences: np.ndarray, title: str, path: Path) -> None:
    """The report's Figure 2-5 layout: box plot of true - predicted, histogram and box plot without outliers."""
    kept = _without_outliers(differences) if len(differences) else differences
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(12, 3.6))
    left.boxplot(differences)
    left.set_title("true - predicted")
    middle.hist(kept, bins=np.arange(kept.min(initial=0) - 0.5, kept.max(initial=0) + 1.5) if len(kept) else 10)
    middle.set_title(f"without outliers ({len(differences) - len(kept)} removed)")
    right.boxplot(kept)
    right.set_title("box plot without outliers")
    figure.suptitle(title)
    figure.tight_layout()
    save_png(figure, path)


def predictions_error_figure(predictions: pd.DataFrame, name: str, path: Path) -> None:
    """``error_figure`` of a model's test queries, from the predictions table its evaluate stage writes."""
    test = predictions[predictions["split"] == "test"]
    differences = test["difference"].dropna().to_numpy()
    error_figure(differences, f"{name}: test queries ({len(test) - len(differences)} unparseable answers left out)",
                 path)


def sample_rows(answers: list[str], read: list[str], count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` queries worth showing: every answer width in turn, within a width the ones read wrong and the
    ones read right alternately, each drawn at random (so operands differ); in order of answer width."""
    widths = np.array([len(answer.strip()) for answer in answers])
    wrong = np.array([answer.strip() != text.strip() for answer, text in zip(answers, read)])
    order = rng.permutation(len(answers))
    queues = [[list(order[(widths[order] == width) & (wrong[order] == miss)]) for miss in (True, False)]
              for width in np.unique(widths)]
    chosen: list[int] = []
    while len(chosen) < min(count, len(answers)):
        for width_queues in queues:
            for queue in width_queues if len(chosen) % 2 == 0 else width_queues[::-1]:
                if queue and len(chosen) < count:
                    chosen.append(queue.pop(0))
                    break
    return np.array(sorted(chosen, key=lambda row: (widths[row], answers[row])), dtype=int)


def sample_grid(queries: list[str], pixels: np.ndarray, read: list[str], wrong: list[bool], title: str,
                path: Path) -> None:
    """Generated answers as glyph strips: one row per query, ``pixels`` (N, T_out, 28, 28) in [0, 1]; the rows
    whose drawing was read as a wrong answer are labelled in red."""
    rows, width = pixels.shape[:2]
    figure, axes = plt.subplots(rows, width, figsize=(width * 0.9 + 1.8, rows * 0.9), squeeze=False)
    for row, (query, strip, text, miss) in enumerate(zip(queries, pixels, read, wrong)):
        for col in range(width):
            axes[row, col].imshow(strip[col], cmap="gray_r", vmin=0, vmax=1)
            axes[row, col].set_xticks([])
            axes[row, col].set_yticks([])
        axes[row, 0].set_ylabel(f"{query.strip()}\nread {text.strip()!r}{' ✗' if miss else ''}", rotation=0,
                                ha="right", va="center", fontsize=8, color="red" if miss else "black")
    figure.suptitle(title)
    figure.tight_layout()
    save_png(figure, path)


def beside_real_figure(drawn: np.ndarray, labels: np.ndarray, handwriting: Handwriting, count: int,
                       rng: np.random.Generator, title: str, path: Path) -> None:
    """One row per digit: ``count`` drawn glyphs of it, picked at random from ``drawn`` (N, T, 28, 28) in [0, 1]
    whose characters are ``labels`` (N, T), beside ``count`` real test-pool digits of it."""
    digits = [digit for digit in DIGITS if (labels == digit).any()]
    glyphs = drawn.reshape(-1, glyph.SIDE, glyph.SIDE)
    figure, axes = plt.subplots(len(digits), 2 * count, figsize=(2 * count * 0.8 + 0.6, len(digits) * 0.8),
                                squeeze=False)
    for row, digit in enumerate(digits):
        real = np.flatnonzero((handwriting.symbols == digit) & handwriting.in_pool("test"))
        shown = [*glyphs[rng.choice(np.flatnonzero(labels.ravel() == digit), count)],
                 *handwriting.pixels(rng.choice(real, count)).numpy()]
        for col, image in enumerate(shown):
            axes[row, col].imshow(image, cmap="gray_r", vmin=0, vmax=1)
            axes[row, col].set_xticks([])
            axes[row, col].set_yticks([])
    axes[0, 0].set_title("drawn", loc="left", fontsize=9)
    axes[0, count].set_title("real", loc="left", fontsize=9)
    figure.suptitle(title)
    figure.tight_layout()
    save_png(figure, path)


def answer_curves(folder: Path) -> dict[str, Path]:
    """Model name -> DVCLive folder, for each model under ``folder`` whose curves score whole answers (those of the
    train-<kind>@<task> stages: the classifier's do not)."""
    return {curves.name: curves for curves in sorted(folder.iterdir())
            if (curves / "plots" / "metrics" / "validation" / "exact_match.tsv").is_file()}


def exact_match_figure(curves: dict[str, Path], path: Path) -> None:
    """Exact match per epoch, train (dashed), validation (solid) and unseen pairs (dotted), of every model, one
    panel per task.

    ``curves``: model name (``<task>-<kind>``) -> its DVCLive folder. A model that generalises climbs on validation
    with train; one that memorises reaches 1.0 on train while validation stays behind.
    """
    tasks = sorted({model_task(name) for name in curves})
    figure, axes = plt.subplots(1, len(tasks), figsize=(6 * len(tasks), 4), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        for color, (name, folder) in zip(COLORS, sorted(curves.items())):
            if model_task(name) != task:
                continue
            for split, style in (("train", "--"), ("validation", "-"), ("unseen", ":")):
                tsv = folder / "plots" / "metrics" / split / "exact_match.tsv"
                if tsv.exists():  # unseen: absent where every validation pair was trained in the other order
                    table = np.loadtxt(tsv, skiprows=1, ndmin=2)
                    ax.plot(table[:, 0] + 1, table[:, 1], style, color=color, label=f"{name} {split}")
        ax.set(title=f"{task}: exact match per epoch", xlabel="epoch", ylabel="exact match", ylim=(0, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    save_png(figure, path)


MISREADS_SHOWN = 30  # misread glyphs drawn per reader


def misreads_figure(truth: np.ndarray, readings: dict[str, np.ndarray], images: np.ndarray, title: str,
                    path: Path) -> None:
    """For each reader, a column: its confusion matrix over handwritten digits (``truth``, one character per image)
    and the first glyphs it misreads (``images`` (N, 28, 28) uint8), each labelled true -> read."""
    digits = sorted(set(truth))
    figure = plt.figure(figsize=(6.2 * len(readings), 8.5))
    columns = figure.subfigures(1, len(readings), squeeze=False)[0]
    for column, (name, read) in zip(columns, readings.items()):
        misread = np.flatnonzero(read != truth)
        confusion_axes, glyph_rows = column.subplots(2, 1, height_ratios=[3, 2])
        glyph_rows.remove()
        labels = [*digits, "other"]  # a reading that is no digit: other
        counts = np.zeros((len(digits), len(labels)), int)
        for true, seen in zip(truth, read):
            counts[digits.index(true), digits.index(seen) if seen in digits else len(digits)] += 1
        confusion_axes.imshow(np.log1p(counts), cmap="Blues")
        for (row, col), count in np.ndenumerate(counts):
            if count:
                confusion_axes.text(col, row, str(count), ha="center", va="center", fontsize=7,
                                    color="white" if row == col else "red")
        confusion_axes.set_xticks(range(len(labels)), labels)
        confusion_axes.set_yticks(range(len(digits)), digits)
        confusion_axes.set_xlabel("read as")
        confusion_axes.set_ylabel("true digit")
        confusion_axes.set_title(f"{name}: {len(misread)} of {len(truth)} digits misread", fontsize=10)
        grid = column.add_gridspec(2, 1, height_ratios=[3, 2])[1].subgridspec(3, MISREADS_SHOWN // 3)
        for place, image in enumerate(misread[:MISREADS_SHOWN]):
            axes = column.add_subplot(grid[place // grid.ncols, place % grid.ncols])
            axes.imshow(images[image], cmap="gray_r")
            axes.set_axis_off()
            axes.set_title(f"{truth[image]}→{read[image]}", fontsize=8, color="red")
    figure.suptitle(title)
    save_png(figure, path)
