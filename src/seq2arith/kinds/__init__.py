"""The kinds of model, one module each. ``named`` imports only the kind asked for, so a stage that trains or
evaluates one kind depends on that kind's module alone (dvc.yaml lists it; tests/test_dvc_yaml.py checks)."""

from __future__ import annotations

import importlib
from typing import Any, cast

from seq2arith.kinds.kind import Kind
from seq2arith.params import ParamsError

ARITHMETIC = ("text2text", "img2text", "text2img")  # the kinds that answer queries: train-<kind>@<task>, ...
KINDS = (*ARITHMETIC, "classifier")


def named(name: str, allowed: tuple[str, ...] = KINDS) -> Kind[Any]:
    """The kind ``name`` (one of ``allowed``), its module imported now."""
    if name not in allowed:
        raise ParamsError(f"no model kind {name!r} (allowed: {', '.join(allowed)})")
    return cast(Kind[Any], importlib.import_module(f"seq2arith.kinds.{name}").KIND)
