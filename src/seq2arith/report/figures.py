"""The figures `seq2arith tables --figures` draws: each sweep against its parameter, and each experiment's own
figures out of its commit."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import dvc.api
import pandas as pd
from dvc.exceptions import DvcException

from seq2arith.figures.plots import predictions_error_figure
from seq2arith.figures.png import COLORS, plt, save_png
from seq2arith.report.experiments import experiment_files
from seq2arith.report.specs import TableSpec


def sweep_figure(title: str, parameter: str, curves: dict[str, dict[str, list[tuple[float, float]]]],
                 path: Path) -> None:
    """One panel per model: each score (``train.exact_match``, ...) against the swept ``parameter``, at the
    values swept; train dashed, test solid, one colour per score; the scale starts just below the lowest."""
    figure, axes = plt.subplots(1, len(curves), figsize=(5.5 * len(curves), 4), squeeze=False)
    for ax, (model, scores) in zip(axes[0], sorted(curves.items())):
        names = sorted({key.split(".", 1)[1] for key in scores})
        for key, points in sorted(scores.items()):
            split, score = key.split(".", 1)
            x, y = zip(*points)
            ax.plot(x, y, "--o" if split == "train" else "-o", color=COLORS[names.index(score)],
                    label=f"{split} {score}")
        values = [value for points in scores.values() for value in points]
        low = min(y for _, y in values)
        ax.set(title=model, xlabel=parameter, ylim=(max(0.0, low - 0.05), 1.005), xticks=sorted({x for x, _ in values}))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower left")
    figure.suptitle(title)
    figure.tight_layout()
    save_png(figure, path)


def experiment_figures(spec: TableSpec, exp_show: list[dict], folder: Path, links_from: Path
                        ) -> dict[str, list[str]]:
    """Each experiment's own figures, out of its commit, into ``folder`` as ``<experiment>-<figure>``: its
    sample grids copied, its predictions drawn as the report's error figure (``<experiment>-<model>-errors.png``).
    Returns experiment name -> the figures' paths relative to ``links_from``. A file missing from a commit (an
    experiment that did not re-run the stage that writes it) is named on stderr."""
    drawn: dict[str, list[str]] = {}
    for run, path in experiment_files(spec, exp_show):
        try:  # from git or, for outputs DVC keeps, from its cache
            content = dvc.api.read(path, rev=run.rev, mode="rb")
        except (FileNotFoundError, DvcException):
            print(f"note: experiment {run.name} has no {path} (run it with the stage that writes it)", file=sys.stderr)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        figure = _figure(spec, folder, run.name, path)
        if path in spec.errors:
            predictions_error_figure(pd.read_csv(io.BytesIO(content)), f"{run.name} {Path(path).stem}", figure)
        else:
            figure.write_bytes(content)
        drawn.setdefault(run.name, []).append(os.path.relpath(figure, links_from))
    return drawn


def _figure(spec: TableSpec, folder: Path, experiment: str, path: str) -> Path:
    """Where ``experiment``'s figure of ``path`` is drawn: its error figure, or its sample grid's copy."""
    if path in spec.errors:
        return folder / f"{experiment}-{Path(path).stem}-errors.png"
    return folder / f"{experiment}-{Path(path).name}"


def drawn_figures(spec: TableSpec, exp_show: list[dict], folder: Path, links_from: Path) -> dict[str, list[str]]:
    """What ``experiment_figures`` returns, from the figures already in ``folder`` (those drawn when the table was
    made), drawing and reading nothing: the links a table regenerated in memory has."""
    drawn: dict[str, list[str]] = {}
    for run, path in experiment_files(spec, exp_show):
        figure = _figure(spec, folder, run.name, path)
        if figure.exists():
            drawn.setdefault(run.name, []).append(os.path.relpath(figure, links_from))
    return drawn
