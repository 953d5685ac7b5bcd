"""Markdown tables: the report's experiment tables from `dvc exp show --json`, and the README results table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seq2arith.errors import Seq2ArithError


@dataclass(frozen=True)
class TableSpec:
    """One of the report's tables: which params vary (columns) and which metrics are shown."""

    title: str
    params: tuple[str, ...]  # dotted params.yaml keys shown as columns
    columns: tuple[tuple[str, str], ...]  # (metrics file, dotted key in it) shown as columns
    recipe: tuple[str, ...] = ()  # keys (or "section." prefixes) the sweep may also set, not shown: the recipe
    # it runs on, such as LSTM_RECIPE
    figure: bool = False  # also drawn: each column against the first param (`seq2arith tables --figures`)


def train_and_test(paths: tuple[str, ...], scores: tuple[str, ...] = ("exact_match", "char_accuracy")
                   ) -> tuple[tuple[str, str], ...]:
    """Each score on train and on test, for each metrics file."""
    return tuple((path, f"{split}.{score}") for path in paths for score in scores for split in ("train", "test"))


TEXT2TEXT = ("metrics/addsub-text2text.json", "metrics/mul-text2text.json")
FIT = ("epochs", "learning_rate", "batch_size")
RECIPE = ("model.core", "model.features", "model.hidden", "model.dropout", "train.mirror")  # what makes × generalise
# The report's experiments vary its LSTM: they run on README's $LSTM recipe, which sets these.
LSTM_RECIPE = ("model.core", "model.features", "train.mirror", "text2text.", "img2text.", "text2img.")
TABLES = {
    "lstm": TableSpec("Tables 1 and 4: extra encoder LSTM layers (text2text)", ("model.extra_lstm", "model.hidden"),
                      train_and_test(TEXT2TEXT), LSTM_RECIPE, figure=True),
    "test-ratio": TableSpec("Figures 2-6: share of queries held out for testing (text2text)", ("split.test_ratio",),
                            train_and_test(TEXT2TEXT), figure=True),
    "img2text": TableSpec("Tables 2, 3 and 5: image-to-text variants",
                          ("img2text.encoder", "img2text.conv_layers", "img2text.conv_filters", "model.extra_lstm",
                           "model.hidden", *(f"img2text.{k}" for k in FIT), "split.test_ratio"),
                          train_and_test(("metrics/addsub-img2text.json", "metrics/mul-img2text.json")), LSTM_RECIPE),
    "text2img": TableSpec("Section 3.3: text-to-image variants",
                          ("text2img.epochs", "model.bidirectional", "model.batchnorm", "model.dropout",
                           "model.extra_lstm", "text2img.image_decoder", "text2img.loss"),
                          train_and_test(("metrics/addsub-text2img.json", "metrics/mul-text2img.json"),
                                         ("read_exact_match", "read_char_accuracy")), LSTM_RECIPE),
    "multiplication": TableSpec(
        "Multiplication ablation (text2text): what makes it generalise",
        (*RECIPE, "split.group", *(f"text2text.{k}" for k in (*FIT, "weight_decay"))),
        (*(("metrics/mul-text2text.json", key) for key in (
            "test.exact_match", "test.unseen_pair_exact_match", "test.char_accuracy", "train.exact_match")),
         ("metrics/train-mul-text2text.json", "seconds")),
        # what text2text does not read, and so may differ in experiments of older commits
        ("device", "tasks.", "plots.", "img2text.", "text2img.", "model.mlp_layers")),
}


def _get(tree: dict, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


UNFINISHED = ("queued", "running", "failed")  # experiments whose numbers are not (yet) their own


@dataclass(frozen=True)
class Run:
    """One row of `dvc exp show --json`: a commit or an experiment."""

    name: str
    params: dict
    metrics: dict[str, dict]  # metrics file -> its contents
    hashes: dict[str, str]  # output -> content hash (dvc exp show gives none for metrics files)
    base: Run | None = None  # the commit an experiment is based on; None for a commit

    def made(self, path: str) -> bool:
        """Whether this run's numbers in ``path`` are its own. An experiment that did not re-run the stages
        behind them carries its base commit's file: the model they score (``metrics/[train-]X.json`` ->
        ``models/X.pt``; checkpoints are byte-stable) has the base's hash, or, without one, the numbers
        are the base's."""
        if self.base is None:
            return True
        model = f"models/{Path(path).stem.removeprefix('train-')}.pt"
        if self.hashes.get(model) and self.base.hashes.get(model):
            return self.hashes[model] != self.base.hashes[model]
        return self.metrics.get(path) != self.base.metrics.get(path)


def experiments(exp_show: list[dict]) -> Iterator[Run]:
    """The newest commit (the baseline) and every finished experiment in `dvc exp show --json` output;
    older commits (`-n N`) contribute their experiments only."""
    commits = [entry for entry in exp_show if entry.get("rev") != "workspace" and entry.get("data")]
    for position, entry in enumerate(commits):
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
    return Run(entry.get("name") or entry["rev"][:7], params, metrics, hashes, base)


def _flat(tree: dict, prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in tree.items():
        flat |= _flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value}
    return flat


def _varies_only(params: dict, baseline: dict, keys: tuple[str, ...]) -> bool:
    """True when ``params`` differ from ``baseline`` in no key outside ``keys`` (keys or "section." prefixes)."""
    ours, theirs = _flat(params), _flat(baseline)
    return all(ours.get(key) == theirs.get(key) for key in ours.keys() | theirs.keys()
               if not any(key == allowed or (allowed.endswith(".") and key.startswith(allowed)) for allowed in keys))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) >= 0.001 else f"{value:g}"
    return str(value)


def _short(keys: tuple[str, ...]) -> list[str]:
    """Column names for params keys: the last part alone (``text2text.epochs`` -> ``epochs``) where that is
    unambiguous within the table, else the whole key."""
    last = [key.split(".")[-1] for key in keys]
    return [name if last.count(name) == 1 else key for name, key in zip(last, keys)]


def _order(value: Any) -> tuple:
    """Sort key for param values of any type: numbers in order, then the rest as text, missing last."""
    if value is None:
        return (2, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


def sweep(spec: TableSpec, exp_show: list[dict]) -> list[tuple[Run, set[str]]]:
    """The baseline and each experiment that varies only ``spec``'s params, sorted by them, each with the metrics
    files it made (``Run.made``): the numbers of a file it did not re-make are not its own. Experiments that
    made none of them are left out."""
    runs, baseline = [], None
    for run in experiments(exp_show):
        baseline = baseline or run
        if not _varies_only(run.params, baseline.params, spec.params + spec.recipe):
            continue  # another sweep's experiment
        made = {path for path, _ in spec.columns if run.made(path)}
        if made:
            runs.append((run, made))
    if not runs:
        raise Seq2ArithError("dvc exp show found no experiments with results: run the sweep first")
    return sorted(runs, key=lambda item: [_order(_get(item[0].params, key)) for key in spec.params])


def _column(path: str, key: str) -> str:
    return f"{Path(path).stem} {key.replace('.', ' ')}"


def experiment_table(spec: TableSpec, exp_show: list[dict]) -> str:
    """A markdown table of ``sweep``: the params, then the spec's metric columns ('-' where the experiment did
    not make the numbers)."""
    header = ["experiment", *_short(spec.params), *(_column(path, key) for path, key in spec.columns)]
    rows = []
    for run, made in sweep(spec, exp_show):
        cells = [run.name, *(_get(run.params, key) for key in spec.params),
                 *(_get(run.metrics.get(path, {}), key) if path in made else None for path, key in spec.columns)]
        rows.append("| " + " | ".join(map(_cell, cells)) + " |")
    return "\n".join([f"### {spec.title}", "", "| " + " | ".join(header) + " |",
                      "|" + "---|" * len(header), *rows]) + "\n"


def sweep_curves(spec: TableSpec, exp_show: list[dict]) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """What ``spec``'s figure draws: metrics file stem -> column key (``test.exact_match``) -> points
    (first param, value), in the order of ``sweep``."""
    curves: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for run, made in sweep(spec, exp_show):
        x = _get(run.params, spec.params[0])
        for path, key in spec.columns:
            value = _get(run.metrics.get(path, {}), key)
            if path in made and x is not None and value is not None:
                curves.setdefault(Path(path).stem, {}).setdefault(key, []).append((x, value))
    return curves


REPORT = {  # the report's best test numbers (Keras accuracy = character accuracy, padding included)
    "addsub-text2text": "0.9925 (Table 1)", "addsub-img2text": "0.89 (Table 3)", "addsub-text2img": "images only",
    "mul-text2text": "0.833 (Table 4)", "mul-img2text": "0.88 (Table 5)", "mul-text2img": "not built",
}


def results_table(metrics_dir: Path) -> str:
    """The README's results table, straight from the committed metrics files."""
    lines = ["| model | test exact match | unseen-pair exact match | test char accuracy | train exact match | "
             "value MAE (test) | training | report (test char accuracy) |", "|---|---|---|---|---|---|---|---|"]
    for name, report in REPORT.items():
        path = metrics_dir / f"{name}.json"
        if not path.exists():
            continue
        metrics = json.loads(path.read_text())
        prefix = "read_" if name.endswith("text2img") else ""
        test, train = metrics["test"], metrics["train"]
        exact = _cell(test[f"{prefix}exact_match"])
        if "symbolic_exact_match" in test:
            exact += f" (symbolic baseline {_cell(test['symbolic_exact_match'])})"
        training = metrics_dir / f"train-{name}.json"
        fit = json.loads(training.read_text()) if training.exists() else {}
        lines.append(f"| {name} | {exact} | {_cell(test.get(f'{prefix}unseen_pair_exact_match'))} | "
                     f"{_cell(test[f'{prefix}char_accuracy'])} | {_cell(train[f'{prefix}exact_match'])} | "
                     f"{_cell(test[f'{prefix}value_mae'])} | "
                     f"{_cell(fit.get('epochs'))} epochs, {_cell(fit.get('seconds'))} s | {report} |")
    classifier = metrics_dir / "classifier.json"
    if classifier.exists():
        accuracy = json.loads(classifier.read_text())["test_accuracy"]
        lines.append(f"| classifier (glyph reader) | {_cell(accuracy)} (per glyph) | - | - | - | - | - | - |")
    return "\n".join(lines) + "\n"


def replace_between(text: str, start: str, end: str, block: str) -> str:
    """``text`` with everything between the marker lines ``start`` and ``end`` replaced by ``block``."""
    try:
        head, rest = text.split(start + "\n", 1)
        _, tail = rest.split(end, 1)
    except ValueError:
        raise Seq2ArithError(f"markers {start} and {end} not found") from None
    return f"{head}{start}\n{block}{end}{tail}"
