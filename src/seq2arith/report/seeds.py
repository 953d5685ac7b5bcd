"""Seed-to-seed variation: each headline metric over the experiments that differ from the baseline only in
``seed`` (mean, 95% Student t interval), as reports/seeds.md and the small reports/seeds.json beside it that the
README's results block and the other tables' noise notes read."""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seq2arith.report.dotted import get
from seq2arith.report.experiments import Run, commits, sweep
from seq2arith.report.specs import TableSpec
from seq2arith.runtime.errors import Seq2ArithError

MIN_SEEDS = 3  # fewer give no interval worth the name
SEED_RUNS = "dvc exp run --queue -S seed=0,1,2"  # how the seed experiments are made (then `dvc queue start`)
# The 0.975 quantile of Student's t by degrees of freedom (1 to 29: n up to 30 seeds), scipy.stats.t.ppf's values
# rounded to 6 places: the same digits with or without scipy, so a table regenerates byte for byte anywhere.
T_975 = (12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
         2.200985, 2.178813, 2.160369, 2.144787, 2.13145, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
         2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.04523)
PLACES = 6  # seeds.json rounds to this many decimals: the table shows 4


def t_quantile(degrees: int) -> float:
    """The two-sided 95% quantile of Student's t with ``degrees`` degrees of freedom."""
    if degrees < 1:
        raise ValueError(f"Student's t needs at least 1 degree of freedom, not {degrees}")
    if degrees <= len(T_975):
        return T_975[degrees - 1]
    try:
        from scipy.stats import t  # beyond the table only: optional
    except ImportError:
        raise Seq2ArithError(f"{degrees + 1} seeds need scipy for Student's t (the table goes to "
                             f"{len(T_975) + 1})") from None
    return round(float(t.ppf(0.975, degrees)), PLACES)


def interval(values: list[float]) -> tuple[float, float]:
    """(mean, half-width of its 95% confidence interval) of ``values``: Student t with n - 1 degrees of freedom
    times the standard error. [1, 2, 3] -> (2.0, 2.484)."""
    if len(values) < 2:
        raise ValueError(f"an interval needs at least 2 values, not {len(values)}")
    return statistics.fmean(values), t_quantile(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))


def no_difference(a: float, b: float, half_width: float) -> bool:
    """Whether two settings' numbers ``a`` and ``b`` differ by less than the seed-to-seed ``half_width``: what
    reseeding alone moves a number by, so no difference between the settings."""
    return abs(a - b) < half_width


@dataclass(frozen=True)
class Seeds:
    """The seed experiments' numbers: metrics file -> dotted key -> seed -> value, and the runs they came from."""

    values: dict[str, dict[str, dict[int, float]]]
    runs: tuple[tuple[int, str], ...]  # (seed, experiment name), by seed
    bases: tuple[str, ...]  # short revs of the commits the experiments ran on, newest first

    def stats(self, path: str, key: str) -> dict[str, Any] | None:
        """``{mean, half_width, n, values}`` of one metric, or None where fewer than MIN_SEEDS have it."""
        values = self.values.get(path, {}).get(key, {})
        if len(values) < MIN_SEEDS:
            return None
        mean, half_width = interval(list(values.values()))
        return {"mean": round(mean, PLACES), "half_width": round(half_width, PLACES), "n": len(values),
                "values": {str(seed): value for seed, value in values.items()}}

    def summary(self) -> dict[str, Any]:
        """What seeds.json holds: the seeds, and each metric's stats where it has enough seeds."""
        metrics: dict[str, dict[str, Any]] = {}
        for path, keys in self.values.items():
            for key in keys:
                stats = self.stats(path, key)
                if stats is not None:
                    metrics.setdefault(path, {})[key] = stats
        return {"seeds": [seed for seed, _ in self.runs], "metrics": metrics}


def seed_runs(spec: TableSpec, exp_show: list[dict]) -> Seeds:
    """The runs of ``sweep`` (the baseline and the experiments that differ from it only in ``spec.params``:
    ``seed``), one per seed (the first in sweep order: the baseline for its own seed), with each of
    ``spec.columns`` they made."""
    values: dict[str, dict[str, dict[int, float]]] = {}
    runs: dict[int, Run] = {}
    for run, made in sweep(spec, exp_show):
        seed = get(run.params, "seed")
        if not isinstance(seed, int) or seed in runs:
            continue
        runs[seed] = run
        for path, key in spec.columns:
            value = get(run.metrics.get(path, {}), key)
            if path in made and isinstance(value, int | float):
                values.setdefault(path, {}).setdefault(key, {})[seed] = float(value)
    bases = {run.base.rev for run in runs.values() if run.base is not None}
    return Seeds(values, tuple((seed, runs[seed].name) for seed in sorted(runs)),
                 tuple(commit.rev[:7] for commit in commits(exp_show) if commit.rev in bases))


def seeds_table(spec: TableSpec, seeds: Seeds, into: Path | None, seeds_file: Path) -> str:
    """Markdown: how the table was made (the commands, the commit the experiments ran on), then one row per metric
    of ``spec.columns`` that some seed has: mean, 95% half-width, n and each seed's value (``-`` where too few
    seeds). With fewer than MIN_SEEDS seeds it says so instead."""
    since = f" --commits $(git rev-list --count {seeds.bases[-1]}^..HEAD)" if seeds.bases else ""
    target = f" --into {into}" if into is not None else ""
    ran_on = f", the experiments run on commit {', '.join(seeds.bases)}" if seeds.bases else ""
    lines = [f"### {spec.title}", "",
             f"Made by `{SEED_RUNS}` and `dvc queue start` (seed 0 is the committed `dvc repro`), then "
             f"`seq2arith tables seeds{since}{target}`: every run whose params differ from the committed ones only "
             f"in `seed`{ran_on}. ± is the half-width of the 95% confidence interval of the mean (Student t, n - 1 "
             f"degrees of freedom), n the seeds that have the metric; {seeds_file} holds the same numbers for "
             "`seq2arith results`.", ""]
    if len(seeds.runs) < MIN_SEEDS:
        found = ", ".join(f"{seed} (`{name}`)" for seed, name in seeds.runs) or "none"
        lines.append(f"Fewer than {MIN_SEEDS} seeds here (seeds {found}): no interval yet.")
        return "\n".join(lines) + "\n"
    header = ["model", "metric", "mean", "± 95%", "n", *(f"{name} (seed {seed})" for seed, name in seeds.runs)]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for path, key in spec.columns:
        values = seeds.values.get(path, {}).get(key)
        if not values:
            continue  # a metric no seed has (reader_digit_accuracy before it existed)
        stats = seeds.stats(path, key)
        cells = [Path(path).stem, key.replace(".", " "), *(
            (_number(stats["mean"]), _number(stats["half_width"])) if stats else
            (_number(statistics.fmean(values.values())), "-")), str(len(values)),
            *(_number(values[seed]) if seed in values else "-" for seed, _ in seeds.runs)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return f"{value:.4f}" if abs(value) >= 0.001 else f"{value:g}"


def seeds_json(seeds: Seeds) -> str:
    """seeds.json's text: ``Seeds.summary``, keys sorted, so that the same runs give the same bytes."""
    return json.dumps(seeds.summary(), indent=2, sort_keys=True) + "\n"


def load_seeds(path: Path | None) -> dict[str, Any] | None:
    """seeds.json's contents, or None where there is none (no seed experiments summarised yet)."""
    if path is None or not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise Seq2ArithError(f"{path} is not what `seq2arith tables seeds` writes: {error}") from None


def seed_stats(seeds: dict[str, Any] | None, path: str, key: str) -> dict[str, Any] | None:
    """One metric's ``{mean, half_width, n, values}`` from seeds.json's contents, or None."""
    return ((seeds or {}).get("metrics") or {}).get(path, {}).get(key)


def noise_note(columns: tuple[tuple[str, str], ...], seeds: dict[str, Any] | None, seeds_table_file: Path
               ) -> str | None:
    """The line under a table that compares settings: differences smaller than the widest seed-to-seed
    half-width among its ``columns`` are no difference (``no_difference``). None without seed numbers for them."""
    widths = [(stats["half_width"], path, key) for path, key in columns
              if (stats := seed_stats(seeds, path, key)) is not None]
    if not widths:
        return None
    width, path, key = max(widths, key=lambda item: item[0])
    if width == 0:
        return (f"Every seed gives the same numbers in the columns of this table that {seeds_table_file} has: any "
                "difference between settings there is one.")
    return (f"Differences smaller than ±{_number(width)} (the seed-to-seed 95% half-width of {Path(path).stem} "
            f"{key.replace('.', ' ')}, {seeds_table_file}) are no difference.")
