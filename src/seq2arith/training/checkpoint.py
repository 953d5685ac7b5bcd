"""Checkpoints: the ``state_dict`` plus the schema the model was built from (its kind's); nothing pickled."""

from __future__ import annotations

import dataclasses
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from seq2arith.kinds.kind import A, Kind
from seq2arith.params import ParamsError
from seq2arith.runtime.errors import Seq2ArithError, first_line
from seq2arith.runtime.files import write_with


class CheckpointError(Seq2ArithError):
    """A model file is missing, truncated or not one of ours."""


def save(path: Path, kind: Kind[A], model: nn.Module, arch: A) -> None:
    """Write atomically, through a file object: torch then names the archive inside "archive" instead of after
    the temporary file, so the same weights always give the same bytes. Weights are stored as CPU tensors,
    wherever the model ran, so the file loads on any machine. ``arch`` is a dataclass: stored as plain data."""
    state = model.state_dict()
    for name, value in state.items():  # in place: the state dict's type and metadata, so its bytes, stay
        state[name] = value.cpu()
    stored = {"kind": kind.name, "architecture": dataclasses.asdict(arch), "state_dict": state}

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as file:
            torch.save(stored, file)

    write_with(path, write)


def training_stage(path: Path) -> str:
    """The dvc.yaml stage that trains the model at ``path`` (``models/mul-text2img.pt`` -> ``train-text2img@mul``)."""
    task, kind = Path(path).stem.rsplit("-", 1)
    return f"train-{kind}@{task}"


def load(path: Path, kind: Kind[A], stage: str | None = None,
         device: torch.device = torch.device("cpu")) -> tuple[nn.Module, A]:
    """The ``kind`` model stored at ``path`` in evaluation mode, on ``device``, and its schema. ``stage``: the
    ``dvc repro`` target that makes it."""
    path = Path(path)
    if not path.exists():
        hint = f": run `dvc repro {stage}` to make it" if stage else ""
        raise CheckpointError(f"no model at {path}{hint}")
    try:
        stored: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
        if stored["kind"] != kind.name:
            raise CheckpointError(f"{path} holds a {stored['kind']} model, expected {kind.name}")
        arch = kind.architecture_from_dict(stored["architecture"])
        model = kind.network(arch)
        model.load_state_dict(stored["state_dict"])
    except (RuntimeError, EOFError, OSError, KeyError, TypeError, ValueError, ParamsError, pickle.UnpicklingError,
            zipfile.BadZipFile) as error:
        reason = first_line(error).removeprefix("params.yaml: ")
        raise CheckpointError(f"{path} is not a readable seq2arith checkpoint ({reason})") from None
    return model.to(device).eval(), arch
