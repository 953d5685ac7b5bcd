"""Query sets served to models as tensors: one split as a torch Dataset, and whole batches of it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from seq2arith.dataset import QuerySet
from seq2arith.devices import device_of
from seq2arith.handwriting import Handwriting
from seq2arith.text import encode_labels, target_positions, to_target

Batch = dict[str, torch.Tensor]
BATCH_SIZE = 1024  # queries per forward pass when only answers are wanted: speed only, no number depends on it


class ArithmeticDataset(Dataset):
    """One split of a QuerySet, as tensors: text one-hot, query image strip, answer one-hot, answer images.

    Index with an int for one example or with an array for a whole batch (one gather, far faster).
    Answers are given in the order the model emits them (``reverse_answer``: units digit first).
    """

    def __init__(self, queries: QuerySet, handwriting: Handwriting | None, test: bool, reverse_answer: bool,
                 fields: Sequence[str]) -> None:
        if handwriting is None and not {"query_images", "answer_images"}.isdisjoint(fields):
            raise ValueError("image fields need handwriting")
        rows = np.flatnonzero(queries.is_test == test)
        self.test = test
        self.vocabulary = queries.vocabulary
        self.handwriting = handwriting
        self.fields = tuple(fields)
        self.queries = [queries.queries[i] for i in rows]
        self.answers = [queries.answers[i] for i in rows]
        self.targets = [to_target(answer, reverse_answer) for answer in self.answers]
        self.query_one_hot = torch.from_numpy(encode_labels(self.queries, self.vocabulary))
        self.answer_one_hot = torch.from_numpy(encode_labels(self.targets, self.vocabulary))
        self.query_glyphs = queries.query_glyphs[rows]
        order = np.array([target_positions(answer, reverse_answer) for answer in self.answers])
        self.answer_glyphs = np.take_along_axis(queries.answer_glyphs[rows], order, axis=1)

    def __len__(self) -> int:
        return len(self.queries)

    def __getitem__(self, index: int | np.ndarray) -> Batch:
        fetch = {
            "query": lambda: self.query_one_hot[index],  # (T_in, V)
            "query_images": lambda: self.handwriting.pixels(self.query_glyphs[index]),  # (T_in, 28, 28)
            "query_glyphs": lambda: torch.from_numpy(np.asarray(self.query_glyphs[index])),  # (T_in,) indices
            "answer": lambda: self.answer_one_hot[index],  # (T_out, V)
            "answer_images": lambda: self.handwriting.pixels(self.answer_glyphs[index]),  # (T_out, 28, 28)
        }
        return {name: fetch[name]() for name in self.fields}

    def redraw_handwriting(self, rng: np.random.Generator) -> None:
        """Fresh handwriting for every query and answer, from this split's own pool."""
        self.query_glyphs = self.handwriting.sample(self.queries, self.test, rng)
        self.answer_glyphs = self.handwriting.sample(self.targets, self.test, rng)


def batches(dataset, batch_size: int, generator: torch.Generator | None = None,
            device: torch.device | None = None) -> Iterator[Batch]:
    """Whole batches gathered in one indexing call (on the CPU) and moved to ``device``; shuffled when a
    generator is given."""
    order = torch.randperm(len(dataset), generator=generator) if generator else torch.arange(len(dataset))
    for start in range(0, len(dataset), batch_size):
        batch = dataset[order[start:start + batch_size].numpy()]
        yield batch if device is None else {name: values.to(device) for name, values in batch.items()}


@torch.no_grad()
def predict(model: nn.Module, dataset, inputs: str, batch_size: int) -> torch.Tensor:
    """The model's raw outputs for every example, in order, on the CPU."""
    model.eval()
    device = device_of(model)
    return torch.cat([model(batch[inputs]).cpu() for batch in batches(dataset, batch_size, device=device)])
