"""params.yaml as typed, validated dataclasses: the machinery every stage shares.

Each section's dataclass lives beside the code that reads it (``mnist.DataConfig``, ``queries.TaskConfig``,
``models.cores.ModelConfig``, ``loop.FitConfig``, ...), so a change to one section's code re-runs only the
stages that read it. A bad value stops a stage at once with one line that names the key, the value and what
is allowed (``ParamsError``).
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar, cast

import yaml

from seq2arith.runtime.errors import Seq2ArithError

DEVICE = re.compile(r"auto|cpu|cuda(:\d+)?")  # the device setting's spellings (devices.torch_device)


class ParamsError(Seq2ArithError):
    """A value in params.yaml is missing, of the wrong type or out of range."""


def require(key: str, value: Any, ok: bool, allowed: str) -> None:
    """Raise the ParamsError ``params.yaml: <key> = <value>: <allowed>`` unless ``ok``."""
    if not ok:
        raise ParamsError(f"params.yaml: {key} = {value!r}: {allowed}")


PerTask = int | dict[str, int]  # params.yaml: one per task name ({addsub: 20, mul: 60}); code: also one for all


def per_task(value: PerTask, key: str) -> list[tuple[str, int]]:
    """(key, value) of each value a PerTask setting holds: ``key`` itself, or ``key.<task>`` per task."""
    if isinstance(value, dict):
        return [(f"{key}.{task}", task_value) for task, task_value in value.items()]
    return [(key, value)]


def for_task(value: PerTask, task: str, key: str) -> int:
    """The value of a PerTask setting ``key`` for ``task``."""
    if not isinstance(value, dict):
        return value
    require(key, value, task in value, f"names no value for task {task!r}: give one")
    return value[task]



class Section(Protocol):
    """A params.yaml section's dataclass: it checks its own values."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    def validate(self, key: str) -> None:
        """Raise a ParamsError naming ``key.<field>`` for a value out of range."""


C = TypeVar("C", bound=Section)


def _check_type(key: str, value: Any, hint: Any) -> None:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in typing.get_args(hint):
            return
        choices = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(choices) > 1:  # PerTask: a number, or a mapping of task names to numbers
            require(key, value, any(_fits(value, choice) for choice in choices),
                     "must be " + " or ".join(_describe(choice) for choice in choices))
        hint = next(choice for choice in choices if len(choices) == 1 or _fits(value, choice))
        origin = typing.get_origin(hint)
    if origin is dict:
        _, item = typing.get_args(hint)
        require(key, value, isinstance(value, dict) and len(value) > 0 and all(isinstance(k, str) for k in value),
                 f"must be {_describe(hint)}")
        for name, element in value.items():
            _check_type(f"{key}.{name}", element, item)
        return
    if origin is list:
        (item,) = typing.get_args(hint)
        require(key, value, isinstance(value, list), f"must be a list of {item.__name__}")
        for i, element in enumerate(value):
            _check_type(f"{key}[{i}]", element, item)
        return
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, hint)
    require(key, value, ok, f"must be of type {hint.__name__}")


def _fits(value: Any, hint: Any) -> bool:
    return isinstance(value, dict) if typing.get_origin(hint) is dict else \
        isinstance(value, hint) and not isinstance(value, bool)


def _describe(hint: Any) -> str:
    if typing.get_origin(hint) is dict:
        return f"a mapping of task names to {typing.get_args(hint)[1].__name__}"
    return f"of type {hint.__name__}"


def parse_section(cls: type[C], raw: Any, key: str) -> C:
    """Build and validate the dataclass ``cls`` from the mapping found at ``key``."""
    require(key, raw, isinstance(raw, dict), "must be a mapping of keys to values")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    require(f"{key}.{unknown[0]}" if unknown else key, raw.get(unknown[0]) if unknown else None, not unknown,
             f"unknown key; allowed: {', '.join(sorted(names))}")
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        require(f"{key}.{f.name}", None, f.name in raw or not required, "missing required key")
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
    require(str(path), type(params).__name__, isinstance(params, dict), "must be a YAML mapping")
    return params


def section(params: dict[str, Any], key: str, cls: type[C]) -> C:
    """The validated dataclass for ``key`` (dotted, e.g. ``tasks.addsub``) of ``params``."""
    node: Any = params
    for part in key.split("."):
        require(key, None, isinstance(node, dict) and part in node, "missing required key")
        node = node[part]
    return parse_section(cls, node, key)


def subsection(options: Section, cls: type[C]) -> C:
    """The keys of the section ``options`` that ``cls`` declares (a kind's network options, which its section
    inherits), as a ``cls``."""
    return cls(**{f.name: getattr(options, f.name) for f in dataclasses.fields(cls)})


def seed(params: dict[str, Any]) -> int:
    """The one seed every stage starts from."""
    value = params.get("seed")
    require("seed", value, isinstance(value, int) and not isinstance(value, bool) and value >= 0,
            "must be an integer >= 0")
    return cast(int, value)


def device(params: dict[str, Any]) -> str:
    """Where models train and run: auto (CUDA when available, else the CPU), cpu, cuda or cuda:N (default auto)."""
    value = params.get("device", "auto")
    require("device", value, isinstance(value, str) and DEVICE.fullmatch(value) is not None,
             "allowed: auto (CUDA when available, else the CPU), cpu, cuda, cuda:N")
    return value

