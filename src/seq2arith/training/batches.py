"""Batches for models: whole batches gathered from anything indexable by arrays of rows, and the raw outputs of a
model over all of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np
import torch
from torch import nn

from seq2arith.runtime.devices import device_of

Batch = dict[str, torch.Tensor]
BATCH_SIZE = 256  # examples per forward pass when only outputs are wanted: speed only, no number depends on it


class Rows(Protocol):
    """What models are served from: a length, and a whole batch (field -> tensor) for an array of row numbers."""

    def __len__(self) -> int: ...

    def __getitem__(self, rows: np.ndarray) -> Batch: ...


def batches(rows: Rows, batch_size: int, generator: torch.Generator | None = None,
            device: torch.device | None = None) -> Iterator[Batch]:
    """Whole batches gathered in one indexing call (on the CPU) and moved to ``device``; shuffled when a
    generator is given."""
    order = torch.randperm(len(rows), generator=generator) if generator else torch.arange(len(rows))
    for start in range(0, len(rows), batch_size):
        batch = rows[order[start:start + batch_size].numpy()]
        yield batch if device is None else {name: values.to(device) for name, values in batch.items()}


@torch.no_grad()
def raw_outputs(model: nn.Module, rows: Rows, inputs: str, answer_width: int | None = None,
            batch_size: int = BATCH_SIZE) -> torch.Tensor:
    """An arithmetic model's raw outputs for the field ``inputs`` of every row, in order, on the CPU, for answers
    ``answer_width`` wide (default: its task's)."""
    model.eval()
    device = device_of(model)
    return torch.cat([model(batch[inputs], answer_width).cpu() for batch in batches(rows, batch_size, device=device)])
