"""Markdown tables: the report's experiment tables from `dvc exp show --json`, and the README results table."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from seq2arith.errors import Seq2ArithError

REPORT_NUMBERS = Path(__file__).with_name("report.yaml")  # the student report's own numbers, typed once


def report_numbers(path: Path = REPORT_NUMBERS) -> dict:
    return yaml.safe_load(path.read_text())


@dataclass(frozen=True)
class ReportRow:
    """One row of one of the report's tables: the params that run it here, and what the report measured."""

    table: str  # "Table 3"
    params: dict[str, Any]  # dotted params.yaml keys
    test: float  # the report's test accuracy (Keras' per-character accuracy, padding included)
    train: float
    parameters: int | None = None  # trainable parameters, where the report gives them
    recipe: dict[str, Any] = field(default_factory=dict)  # what every row of its table sets besides ``params``

    def matches(self, params: dict) -> bool:
        return all(_get(params, key) == value for key, value in self.params.items())


def report_rows(tables: tuple[str, ...], path: Path = REPORT_NUMBERS) -> list[ReportRow]:
    """The rows of the report's ``tables`` ("Table 1", ...), in the report's order."""
    numbers = report_numbers(path)["tables"]
    return [ReportRow(name, **row, recipe=numbers[name]["recipe"]) for name in tables for row in numbers[name]["rows"]]


def setting(value: Any) -> str:
    """A value as `dvc exp run -S` reads it (false, not False)."""
    return value if isinstance(value, str) else json.dumps(value)


def report_runs(table: str, rows: list[int] | None = None, path: Path = REPORT_NUMBERS) -> list[list[str]]:
    """`dvc exp run --queue` arguments that run ``rows`` (1-based; default all) of the report's ``table`` on
    its recipe, each experiment named after its row (``table-3-row-1``)."""
    tables = report_numbers(path)["tables"]
    if table not in tables:
        raise Seq2ArithError(f"no {table!r} in the report's numbers; choose from {', '.join(tables)}")
    spec = tables[table]
    count = len(spec["rows"])
    wrong = [row for row in rows or [] if not 1 <= row <= count]
    if wrong:
        raise Seq2ArithError(f"{table} has rows 1 to {count}, not {', '.join(map(str, wrong))}")
    runs = []
    for number, row in enumerate(spec["rows"], start=1):
        if rows and number not in rows:
            continue
        settings = spec["recipe"] | row["params"]
        name = f"{table.lower().replace(' ', '-')}-row-{number}"
        runs.append(["exp", "run", "--queue", "--name", name,
                     *(part for key, value in settings.items() for part in ("-S", f"{key}={setting(value)}")),
                     spec["stage"]])
    return runs


@dataclass(frozen=True)
class TableSpec:
    """One of the report's tables: which params vary (columns) and which metrics are shown."""

    title: str
    params: tuple[str, ...]  # dotted params.yaml keys shown as columns
    columns: tuple[tuple[str, str], ...]  # (metrics file, dotted key in it) shown as columns
    recipe: tuple[str, ...] = ()  # keys (or "section." prefixes) the sweep may also set, not shown: the recipe
    # it runs on, such as LSTM_RECIPE
    figure: bool = False  # also drawn: each column against the first param (`seq2arith tables --figures`)
    report: tuple[str, ...] = ()  # the report's tables (report.yaml) whose numbers stand beside ours
    samples: tuple[str, ...] = ()  # figures each experiment draws, kept per experiment (`tables --figures`)
    errors: tuple[str, ...] = ()  # predictions each experiment writes, drawn per experiment as the report's error
    # figure (`tables --figures`)
    where: tuple[tuple[str, Any], ...] = ()  # params every experiment of the sweep has (the baseline need not)


def train_and_test(paths: tuple[str, ...], scores: tuple[str, ...] = ("exact_match", "char_accuracy")
                   ) -> tuple[tuple[str, str], ...]:
    """Each score on train and on test, for each metrics file."""
    return tuple((path, f"{split}.{score}") for path in paths for score in scores for split in ("train", "test"))


TEXT2TEXT = ("metrics/addsub-text2text.json", "metrics/mul-text2text.json")
TEXT2TEXT_PREDICTIONS = tuple(f"plots/predictions/{Path(path).stem}.csv" for path in TEXT2TEXT)
FIT = ("epochs", "learning_rate", "batch_size")
IMG2TEXT_FIT = tuple(f"img2text.{key}" for key in FIT)
IMG2TEXT_DATA = ("split.test_ratio", "img2text.fresh_handwriting")  # which queries, drawn once or every epoch
TRAINING_SECONDS = {task: (f"metrics/train-{task}-img2text.json", "seconds") for task in ("addsub", "mul")}
RECIPE = ("model.core", "model.features", "model.hidden", "model.dropout", "train.mirror")  # what makes × generalise
# The report's experiments vary its LSTM: they run on README's $LSTM recipe, which sets these.
LSTM_RECIPE = ("model.core", "model.features", "train.mirror", "text2text.", "img2text.", "text2img.")


def _text2text_sweep(title: str, params: tuple[str, ...], features: str, report: tuple[str, ...] = (),
                     figure: bool = False) -> TableSpec:
    """A text2text sweep of the report on one core: the experiments reading ``features`` (the default core reads
    digit pairs, the report's LSTM characters), with each experiment's error figures."""
    core = "the default core" if features == "digit_pairs" else "the report's LSTM"
    return TableSpec(f"{title} (text2text), on {core}", params, train_and_test(TEXT2TEXT), LSTM_RECIPE,
                     figure=figure, report=report, errors=TEXT2TEXT_PREDICTIONS, where=(("model.features", features),))


LSTM_LAYERS = ("Tables 1 and 4: extra encoder LSTM layers", ("model.extra_lstm", "model.hidden", "text2text.epochs"))
TEST_RATIO = ("Figures 2-6: share of queries held out for testing", ("split.test_ratio", "text2text.epochs"))
TABLES = {
    "lstm": _text2text_sweep(*LSTM_LAYERS, "digit_pairs", ("Table 1", "Table 4"), figure=True),
    "lstm-report": _text2text_sweep(*LSTM_LAYERS, "characters", ("Table 1", "Table 4")),
    "test-ratio": _text2text_sweep(*TEST_RATIO, "digit_pairs", figure=True),
    "test-ratio-report": _text2text_sweep(*TEST_RATIO, "characters"),
    "convlstm": TableSpec("Table 2: ConvLSTM image-to-text, addition/subtraction",
                          ("img2text.encoder", "model.extra_lstm", *IMG2TEXT_FIT, *IMG2TEXT_DATA),
                          (*train_and_test(("metrics/addsub-img2text.json",)), TRAINING_SECONDS["addsub"]),
                          LSTM_RECIPE, report=("Table 2",),
                          where=(("img2text.encoder", "convlstm"),)),
    "img2text-addsub": TableSpec("Table 3: time-distributed CNN + LSTMs image-to-text, addition/subtraction",
                                 ("img2text.encoder", "model.extra_lstm", "model.hidden", "img2text.conv_filters",
                                  *IMG2TEXT_FIT, *IMG2TEXT_DATA),
                                 (*train_and_test(("metrics/addsub-img2text.json",)), TRAINING_SECONDS["addsub"]),
                                 LSTM_RECIPE, report=("Table 3",),
                                 where=(("img2text.encoder", "cnn"),)),
    "img2text-mul": TableSpec("Table 5: time-distributed CNN + LSTMs image-to-text, multiplication",
                              ("img2text.encoder", "model.extra_lstm", "model.hidden", "img2text.conv_layers",
                               "img2text.conv_filters", *IMG2TEXT_FIT, *IMG2TEXT_DATA),
                              (*train_and_test(("metrics/mul-img2text.json",)), TRAINING_SECONDS["mul"]),
                              LSTM_RECIPE, report=("Table 5",),
                              where=(("img2text.encoder", "cnn"),)),
    "text2img": TableSpec("Section 3.3: text-to-image variants",
                          ("text2img.epochs", "text2img.image_epochs", "text2img.text_loss", "model.bidirectional",
                           "model.batchnorm", "model.dropout", "model.extra_lstm", "text2img.image_decoder",
                           "text2img.loss", "plots.threshold"),
                          train_and_test(("metrics/addsub-text2img.json", "metrics/mul-text2img.json"),
                                         ("read_exact_match", "read_char_accuracy")), LSTM_RECIPE,
                          samples=tuple(f"plots/samples/{task}-text2img-{style}.png" for task in ("addsub", "mul")
                                        for style in ("raw", "thresholded"))),
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
    rev: str  # its git commit: experiments are commits too (refs/exps)
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
    return Run(entry.get("name") or entry["rev"][:7], entry["rev"], params, metrics, hashes, base)


def _flat(tree: dict, prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in tree.items():
        flat |= _flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value}
    return flat


def _varies_only(params: dict, baseline: dict, keys: tuple[str, ...]) -> bool:
    """True when ``params`` differ from ``baseline`` in no key outside ``keys`` (keys or "section." prefixes)."""
    ours, theirs = _flat(params), _flat(baseline)
    return all(ours.get(key) == theirs.get(key) for key in ours.keys() | theirs.keys()
               if not any(key == allowed or key.startswith(allowed if allowed.endswith(".") else f"{allowed}.")
                          for allowed in keys))  # text2text.epochs covers its per-task text2text.epochs.mul


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):  # per-task epochs
        return ", ".join(f"{key}: {_cell(item)}" for key, item in value.items())
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
    """The baseline and each experiment that varies only ``spec``'s params (and has its ``where`` values), sorted
    by them, each with the metrics files it made (``Run.made``): the numbers of a file it did not re-make are
    not its own. Experiments that made none of them are left out."""
    runs, baseline = [], None
    for run in experiments(exp_show):
        baseline = baseline or run
        if not _varies_only(run.params, baseline.params, spec.params + spec.recipe):
            continue  # another sweep's experiment
        if run is not baseline and any(_get(run.params, key) != value for key, value in spec.where):
            continue
        made = {path for path, _ in spec.columns if run.made(path)}
        if made:
            runs.append((run, made))
    if not runs:
        raise Seq2ArithError("dvc exp show found no experiments with results: run the sweep first")
    return sorted(runs, key=lambda item: _sort_key(spec, item[0].params))


def _sort_key(spec: TableSpec, params: dict) -> list[tuple]:
    return [_order(_get(params, key)) for key in spec.params]


def _column(path: str, key: str) -> str:
    return f"{Path(path).stem} {key.replace('.', ' ')}"


def _report_scores(rows: list[ReportRow], table: str) -> tuple[str, ...]:
    """What the report gives for ``table``: test and train accuracy, and parameter counts where it has them."""
    counted = any(row.parameters is not None for row in rows if row.table == table)
    return ("test", "train", "parameters") if counted else ("test", "train")


def _report_cells(spec: TableSpec, rows: list[ReportRow], params: dict) -> list[Any]:
    """The report's numbers of the first row of each of ``spec.report`` run by ``params``."""
    cells = []
    for table in spec.report:
        row = next((row for row in rows if row.table == table and row.matches(params)), None)
        cells += [getattr(row, score) if row else None for score in _report_scores(rows, table)]
    return cells


def nested(dotted: dict[str, Any], base: dict | None = None) -> dict:
    """``base`` (a params tree; default empty) with each dotted key of ``dotted`` set, as `dvc exp run -S` sets
    them; ``base`` itself is left as it was."""
    tree: dict = copy.deepcopy(base or {})
    for key, value in dotted.items():
        *sections, last = key.split(".")
        node = tree
        for section in sections:
            node = node.setdefault(section, {})
        node[last] = value
    return tree


def experiment_table(spec: TableSpec, exp_show: list[dict], report: Path = REPORT_NUMBERS,
                     figures: dict[str, list[str]] | None = None) -> str:
    """A markdown table of ``sweep``: the params, then the spec's metric columns ('-' where the experiment did
    not make the numbers), then the report's own numbers for the rows of its tables that these params run.
    A row of the report that no experiment ran is a row of its own, ours '-'. ``figures``: experiment name ->
    links to its own figures (``experiment_files``), a last column."""
    rows = report_rows(spec.report, report)
    header = ["experiment", *_short(spec.params), *(_column(path, key) for path, key in spec.columns),
              *(f"{table} {score}" for table in spec.report for score in _report_scores(rows, table)),
              *(["figures"] if figures is not None else [])]
    lines = []
    runs = sweep(spec, exp_show)
    for run, made in runs:
        cells = [run.name, *(_get(run.params, key) for key in spec.params),
                 *(_get(run.metrics.get(path, {}), key) if path in made else None for path, key in spec.columns),
                 *_report_cells(spec, rows, run.params)]
        if figures is not None:
            cells.append(" ".join(f"[{Path(link).stem.removeprefix(run.name + '-')}]({link})"
                                  for link in figures.get(run.name, [])) or None)
        lines.append((_sort_key(spec, run.params), cells))
    not_run = [row.recipe | row.params for row in rows if not any(row.matches(run.params) for run, _ in runs)]
    for dotted in [dotted for i, dotted in enumerate(not_run) if dotted not in not_run[:i]]:
        params = nested(dict(spec.where) | dotted)
        cells = ["not run", *(_get(params, key) for key in spec.params), *(None for _ in spec.columns),
                 *_report_cells(spec, rows, params), *([None] if figures is not None else [])]
        lines.append((_sort_key(spec, params), cells))
    lines.sort(key=lambda line: line[0])
    return "\n".join([f"### {spec.title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header),
                      *("| " + " | ".join(map(_cell, cells)) + " |" for _, cells in lines)]) + "\n"


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
        x = _get(run.params, spec.params[0])
        for path, key in spec.columns:
            value = _get(run.metrics.get(path, {}), key)
            if path in made and x is not None and value is not None:
                curves.setdefault(Path(path).stem, {}).setdefault(key, []).append((x, value))
    return curves


def _best(entry: dict) -> str:
    return f"{entry['test']} ({entry['where']})" if "test" in entry else entry["where"]


def results_table(metrics_dir: Path, report: Path = REPORT_NUMBERS) -> str:
    """The README's results table, straight from the committed metrics files, beside the report's best."""
    lines = ["| model | test exact match | unseen-pair exact match | test char accuracy | train exact match | "
             "value MAE (test) | training | report (test char accuracy) |", "|---|---|---|---|---|---|---|---|"]
    for name, best in report_numbers(report)["best"].items():
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
                     f"{_cell(fit.get('epochs'))} epochs, {_cell(fit.get('seconds'))} s | {_best(best)} |")
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
