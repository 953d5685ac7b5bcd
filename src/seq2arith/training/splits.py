"""One split of a task's query set served to models as tensors: text one-hot, handwriting strips, answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from seq2arith.data.handwriting import Handwriting
from seq2arith.data.query_sets import QuerySet
from seq2arith.data.text import encode_labels, target_positions, to_target
from seq2arith.models.network import ValueTargets
from seq2arith.training.batches import Batch


class Split:
    """The train, validation or test queries of a QuerySet, as the tensors ``fields`` names (see ``__getitem__``).

    Index with an array of rows for a whole batch (one gather). Answers are given in the order the model emits
    them (``reverse_answer``: units digit first).
    """

    def __init__(self, queries: QuerySet, handwriting: Handwriting | None, split: str, reverse_answer: bool,
                 fields: Sequence[str], value_targets: ValueTargets | None = None) -> None:
        if handwriting is None and not {"query_images", "answer_images"}.isdisjoint(fields):
            raise ValueError("image fields need handwriting")
        if value_targets is None and "values" in fields:
            raise ValueError("the field values needs its core's value targets")
        rows = np.flatnonzero(queries.split == split)
        self.split = split
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
        self.values = value_targets(self.queries, queries.answer_width + 1) if value_targets and "values" in fields \
            else None

    def __len__(self) -> int:
        return len(self.queries)

    def __getitem__(self, rows: np.ndarray) -> Batch:
        fetch: dict[str, Callable[[], torch.Tensor]] = {
            "query": lambda: self.query_one_hot[rows],  # (B, T_in, V)
            "query_images": lambda: self._pixels(self.query_glyphs[rows]),  # (B, T_in, 28, 28)
            "query_glyphs": lambda: torch.from_numpy(np.asarray(self.query_glyphs[rows])),  # (B, T_in) indices
            "answer": lambda: self.answer_one_hot[rows],  # (B, T_out, V)
            "answer_images": lambda: self._pixels(self.answer_glyphs[rows]),  # (B, T_out, 28, 28)
            "values": lambda: self._values(rows),  # (B, T_out + 1, ways): the core's value targets
        }
        return {name: fetch[name]() for name in self.fields}

    def _values(self, rows: np.ndarray) -> torch.Tensor:
        assert self.values is not None
        return self.values[rows]

    def _pixels(self, glyphs: np.ndarray) -> torch.Tensor:
        assert self.handwriting is not None
        return self.handwriting.pixels(glyphs)

    def redraw_handwriting(self, rng: np.random.Generator) -> None:
        """Fresh handwriting for every query and answer, from this split's own pool."""
        assert self.handwriting is not None
        self.query_glyphs = self.handwriting.sample(self.queries, self.split, rng)
        self.answer_glyphs = self.handwriting.sample(self.targets, self.split, rng)
