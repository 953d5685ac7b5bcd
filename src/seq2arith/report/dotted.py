"""Params trees addressed by dotted keys (``text2text.epochs.mul``), as `dvc exp run -S` addresses them."""

from __future__ import annotations

import copy
from typing import Any


def get(tree: dict, dotted: str) -> Any:
    """The value at ``dotted`` in ``tree``, or None."""
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def flat(tree: dict, prefix: str = "") -> dict[str, Any]:
    """Every leaf of ``tree`` under its dotted key."""
    leaves: dict[str, Any] = {}
    for key, value in tree.items():
        leaves |= flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value}
    return leaves


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
