"""The kinds of model, one module each. ``named`` imports only the kind asked for, so a stage that trains or
evaluates one kind depends on that kind's module alone (dvc.yaml lists it; tests/test_dvc_yaml.py checks)."""

from __future__ import annotations

import importlib
from typing import cast

from torch import nn

from seq2arith.kinds.kind import ArithmeticKind, Kind
from seq2arith.models.architecture import Architecture
from seq2arith.params import ParamsError

ARITHMETIC = ("text2text", "img2text", "text2img")  # the kinds that answer queries: train-<kind>@<task>, ...
KINDS = (*ARITHMETIC, "classifier")


def named(name: str) -> Kind:
    """The kind ``name`` (one of KINDS), its module imported now."""
    if name not in KINDS:
        raise ParamsError(f"no model kind {name!r} (allowed: {', '.join(KINDS)})")
    return cast(Kind, importlib.import_module(f"seq2arith.kinds.{name}").KIND)


def arithmetic(name: str) -> ArithmeticKind:
    """The kind ``name`` of ARITHMETIC."""
    if name not in ARITHMETIC:
        raise ParamsError(f"no model kind {name!r} (allowed: {', '.join(ARITHMETIC)})")
    return cast(ArithmeticKind, named(name))


def build(arch: Architecture) -> nn.Module:
    """A fresh network for ``arch``, of its kind."""
    return named(arch.kind).network(arch)
