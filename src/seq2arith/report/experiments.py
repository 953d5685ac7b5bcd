"""The experiments of `dvc exp show --json`, and the sweep of a table among them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seq2arith.report.dotted import flat, get
from seq2arith.report.specs import TableSpec
from seq2arith.runtime.errors import Seq2ArithError

UNFINISHED = ("queued", "running", "failed")  # experiments whose numbers are not (yet) their own


@dataclass(frozen=True)
class Run:
    """One row of `dvc exp show --json`: a commit or an experiment."""

    name: str
    rev: str  # its git commit: experiments are commits too (refs/exps)
    params: dict
    metrics: dict[str, dict]  # metrics file -> its contents
    hashes: dict[str, str | None]  # output -> content hash (dvc exp show gives none for metrics files)
    base: Run | None = None  # the commit an experiment is based on; None for a commit

    def made(self, path: str) -> bool:
        """Whether this run's numbers in ``path`` are its own. An experiment that did not re-run the stages
        behind them carries its base commit's file: the model they score (``metrics/[train-]X.json`` ->
        ``models/X.pt``; checkpoints are byte-stable) has the base's hash and the numbers are the base's. The
        same model scored differently was scored again (text2img's drawings read by another classifier)."""
        if self.base is None:
            return True
        model = f"models/{Path(path).stem.removeprefix('train-')}.pt"
        retrained = self.hashes.get(model) and self.hashes.get(model) != self.base.hashes.get(model)
        return bool(retrained) or self.metrics.get(path) != self.base.metrics.get(path)


def _commit_entries(exp_show: list[dict]) -> list[dict]:
    return [entry for entry in exp_show if entry.get("rev") != "workspace" and entry.get("data")]


def commits(exp_show: list[dict]) -> list[Run]:
    """The commits of `dvc exp show --json` output, newest first, without their experiments."""
    return [_run(entry) for entry in _commit_entries(exp_show)]


def recent(exp_show: list[dict], count: int) -> list[dict]:
    """``exp_show`` as `dvc exp show --json -n count` gives it: the workspace and the ``count`` newest commits
    (with their experiments), out of the output of a larger ``-n``."""
    kept, commits_left = [], count
    for entry in exp_show:
        if entry.get("rev") != "workspace":
            if commits_left == 0:
                continue
            commits_left -= 1
        kept.append(entry)
    return kept


def experiments(exp_show: list[dict]) -> Iterator[Run]:
    """The newest commit (the baseline) and every finished experiment in `dvc exp show --json` output;
    older commits (`-n N`) contribute their experiments only."""
    for position, entry in enumerate(_commit_entries(exp_show)):
        commit = _run(entry)
        if position == 0:
            yield commit
        for experiment in entry.get("experiments") or []:
            if (experiment.get("executor") or {}).get("state") in UNFINISHED:
                continue
            for rev in experiment.get("revs") or []:
                if rev.get("data"):
                    yield _run(rev, commit)


def _run(entry: dict, base: Run | None = None) -> Run:
    data = entry["data"]
    params = (data.get("params") or {}).get("params.yaml", {}).get("data") or {}
    metrics = {path: (content or {}).get("data") or {} for path, content in (data.get("metrics") or {}).items()}
    hashes = {path: (out or {}).get("hash") for path, out in (data.get("outs") or {}).items()}
    return Run(entry.get("name") or entry["rev"][:7], entry["rev"], params, metrics, hashes, base)


def _varies_only(params: dict, baseline: dict, keys: tuple[str, ...]) -> bool:
    """True when ``params`` differ from ``baseline`` in no key outside ``keys`` (keys or "section." prefixes)."""
    ours, theirs = flat(params), flat(baseline)
    return all(ours.get(key) == theirs.get(key) for key in ours.keys() | theirs.keys()
               if not any(key == allowed or key.startswith(allowed if allowed.endswith(".") else f"{allowed}.")
                          for allowed in keys))  # text2text.epochs covers its per-task text2text.epochs.mul


def _order(value: Any) -> tuple:
    """Sort key for param values of any type: numbers in order, then the rest as text, missing last."""
    if value is None:
        return (2, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


def sweep(spec: TableSpec, exp_show: list[dict]) -> list[tuple[Run, set[str]]]:
    """The baseline and each experiment that varies only ``spec``'s params (and has its ``where`` values), sorted
    by them, each with the metrics files it made (``Run.made``): the numbers of a file it did not re-make are
    not its own. Runs that made none of them (the baseline too, where it has none) are left out."""
    runs, baseline = [], None
    for run in experiments(exp_show):
        baseline = baseline or run
        if not _varies_only(run.params, baseline.params, spec.params + spec.recipe):
            continue  # another sweep's experiment
        if run is not baseline and any(get(run.params, key) != value for key, value in spec.where):
            continue
        made = {path for path, _ in spec.columns if path in run.metrics and run.made(path)}
        if made:
            runs.append((run, made))
    if not runs:
        raise Seq2ArithError("dvc exp show found no experiments with results: run the sweep first")
    return sorted(runs, key=lambda item: sort_key(spec, item[0].params))


def sort_key(spec: TableSpec, params: dict) -> list[tuple]:
    return [_order(get(params, key)) for key in spec.params]


def experiment_files(spec: TableSpec, exp_show: list[dict]) -> list[tuple[Run, str]]:
    """(experiment, path in its commit) for each of ``spec.samples`` and ``spec.errors`` whose model the
    experiment made (``mul-text2img-raw.png`` is made with ``metrics/mul-text2img.json``), in the order of
    ``sweep``."""
    return [(run, path) for run, made in sweep(spec, exp_show) for path in (*spec.samples, *spec.errors)
            if any(Path(path).stem.startswith(Path(metrics).stem) for metrics in made)]


def sweep_curves(spec: TableSpec, exp_show: list[dict]) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """What ``spec``'s figure draws: metrics file stem -> column key (``test.exact_match``) -> points
    (first param, value), in the order of ``sweep``."""
    curves: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for run, made in sweep(spec, exp_show):
        x = get(run.params, spec.params[0])
        for path, key in spec.columns:
            value = get(run.metrics.get(path, {}), key)
            if path in made and x is not None and value is not None:
                curves.setdefault(Path(path).stem, {}).setdefault(key, []).append((x, value))
    return curves
