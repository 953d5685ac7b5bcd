"""Where models run: the ``device`` setting on this machine, and where a model's weights are."""

from __future__ import annotations

import torch
from torch import nn

from seq2arith.params import ParamsError


def torch_device(name: str, setting: str = "params.yaml: device") -> torch.device:
    """The device ``name`` (auto, cpu, cuda, cuda:N; see ``config.device``) stands for on this machine.
    Asking for a CUDA device that is not here is a ParamsError naming ``setting``, where it was asked for."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ParamsError(f"{setting} = {name!r}: CUDA is not available on this machine (no GPU, or torch "
                              "built without CUDA); use auto or cpu")
        if (device.index or 0) >= count:
            raise ParamsError(f"{setting} = {name!r}: this machine has {count} CUDA device(s), "
                              f"cuda:0 to cuda:{count - 1}")
    return device


def device_of(model: nn.Module) -> torch.device:
    """Where ``model``'s weights are: its inputs are moved there."""
    return next(model.parameters()).device
