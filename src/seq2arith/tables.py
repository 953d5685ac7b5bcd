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
    """One of the report's tables: which params vary (columns) and which metrics file is read."""

    title: str
    params: tuple[str, ...]  # dotted params.yaml keys shown as columns
    metrics: tuple[str, ...]  # metrics files (one block of columns each)
    scores: tuple[str, ...] = ("exact_match", "char_accuracy")


FIT = ("epochs", "learning_rate", "batch_size")
TABLES = {
    "lstm": TableSpec("Tables 1 and 4: extra encoder LSTM layers (text2text)", ("model.extra_lstm", "model.hidden"),
                      ("metrics/addsub-text2text.json", "metrics/mul-text2text.json")),
    "test-ratio": TableSpec("Figures 2-6: share of queries held out for testing (text2text)", ("split.test_ratio",),
                            ("metrics/addsub-text2text.json", "metrics/mul-text2text.json"),
                            ("exact_match", "char_accuracy", "value_mae")),
    "img2text": TableSpec("Tables 2, 3 and 5: image-to-text variants",
                          ("img2text.encoder", "img2text.conv_layers", "img2text.conv_filters", "model.extra_lstm",
                           "model.hidden", *(f"img2text.{k}" for k in FIT), "split.test_ratio"),
                          ("metrics/addsub-img2text.json", "metrics/mul-img2text.json")),
    "text2img": TableSpec("Section 3.3: text-to-image variants",
                          ("text2img.epochs", "model.bidirectional", "model.batchnorm", "model.dropout",
                           "model.extra_lstm", "text2img.image_decoder", "text2img.loss"),
                          ("metrics/addsub-text2img.json", "metrics/mul-text2img.json"),
                          ("read_exact_match", "read_char_accuracy")),
}


def _get(tree: dict, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


UNFINISHED = ("queued", "running", "failed")  # experiments whose numbers are not (yet) their own


def experiments(exp_show: list[dict]) -> Iterator[tuple[str, dict, dict]]:
    """(name, params, metrics) of the newest commit (the baseline) and of every finished experiment in
    `dvc exp show --json` output; older commits (`-n N`) contribute their experiments only."""
    commits = [entry for entry in exp_show if entry.get("rev") != "workspace" and entry.get("data")]
    for position, entry in enumerate(commits):
        if position == 0:
            yield entry.get("name") or entry["rev"][:7], *_params_and_metrics(entry["data"])
        for experiment in entry.get("experiments") or []:
            if (experiment.get("executor") or {}).get("state") in UNFINISHED:
                continue
            for rev in experiment.get("revs") or []:
                if rev.get("data"):
                    yield rev.get("name") or rev["rev"][:7], *_params_and_metrics(rev["data"])


def _flat(tree: dict, prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in tree.items():
        flat |= _flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value}
    return flat


def _varies_only(params: dict, baseline: dict, keys: tuple[str, ...]) -> bool:
    """True when ``params`` differ from ``baseline`` in no key outside ``keys``."""
    ours, theirs = _flat(params), _flat(baseline)
    return all(ours.get(key) == theirs.get(key) for key in ours.keys() | theirs.keys() if key not in keys)


def _params_and_metrics(data: dict) -> tuple[dict, dict]:
    params = (data.get("params") or {}).get("params.yaml", {}).get("data") or {}
    metrics = {path: (content or {}).get("data") or {} for path, content in (data.get("metrics") or {}).items()}
    return params, metrics


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) >= 0.001 else f"{value:g}"
    return str(value)


def experiment_table(spec: TableSpec, exp_show: list[dict]) -> str:
    """A markdown table: the baseline and each experiment that varies only this table's params, then train
    and test scores per metrics file."""
    header = ["experiment", *spec.params]
    for path in spec.metrics:
        model = Path(path).stem
        header += [f"{model} {split} {score}" for score in spec.scores for split in ("train", "test")]
    rows, baseline = [], None
    for name, params, metrics in experiments(exp_show):
        baseline = params if baseline is None else baseline
        if not _varies_only(params, baseline, spec.params):
            continue  # another sweep's experiment
        cells = [name, *(_get(params, key) for key in spec.params)]
        for path in spec.metrics:
            cells += [_get(metrics.get(path, {}), f"{split}.{score}")
                      for score in spec.scores for split in ("train", "test")]
        rows.append("| " + " | ".join(map(_cell, cells)) + " |")
    if not rows:
        raise Seq2ArithError("dvc exp show found no experiments with results: run the sweep first")
    return "\n".join([f"### {spec.title}", "", "| " + " | ".join(header) + " |",
                      "|" + "---|" * len(header), *rows]) + "\n"


REPORT = {  # the report's best test numbers (Keras accuracy = character accuracy, padding included)
    "addsub-text2text": "0.9925 (Table 1)", "addsub-img2text": "0.89 (Table 3)", "addsub-text2img": "images only",
    "mul-text2text": "0.833 (Table 4)", "mul-img2text": "0.88 (Table 5)", "mul-text2img": "not built",
}


def results_table(metrics_dir: Path) -> str:
    """The README's results table, straight from the committed metrics files."""
    lines = ["| model | test exact match | test char accuracy | train exact match | value MAE (test) | "
             "report (test char accuracy) |", "|---|---|---|---|---|---|"]
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
        lines.append(f"| {name} | {exact} | {_cell(test[f'{prefix}char_accuracy'])} | "
                     f"{_cell(train[f'{prefix}exact_match'])} | {_cell(test[f'{prefix}value_mae'])} | {report} |")
    classifier = metrics_dir / "classifier.json"
    if classifier.exists():
        accuracy = json.loads(classifier.read_text())["test_accuracy"]
        lines.append(f"| classifier (glyph reader) | {_cell(accuracy)} (per glyph) | - | - | - | - |")
    return "\n".join(lines) + "\n"


def replace_between(text: str, start: str, end: str, block: str) -> str:
    """``text`` with everything between the marker lines ``start`` and ``end`` replaced by ``block``."""
    try:
        head, rest = text.split(start + "\n", 1)
        _, tail = rest.split(end, 1)
    except ValueError:
        raise Seq2ArithError(f"markers {start} and {end} not found") from None
    return f"{head}{start}\n{block}{end}{tail}"
