"""Answers from a trained model: what ``evaluate``, ``plots`` and ``seq2arith predict`` share."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from seq2arith import checkpoint
from seq2arith.classifier import read_strips
from seq2arith.handwriting import Handwriting
from seq2arith.models import KINDS, Architecture
from seq2arith.queries import Query, QueryError
from seq2arith.recipes import read_once
from seq2arith.strips import StripError, read_strip
from seq2arith.text import PAD, decode, encode_labels, from_target, target_positions
from seq2arith.training import predict

BATCH_SIZE = 1024  # queries per forward pass: speed only


class Inputs:
    """The least of a dataset that ``answers`` needs: one input field, indexed by arrays of rows."""

    def __init__(self, field: str, values: torch.Tensor) -> None:
        self.field, self.values = field, values

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, rows: np.ndarray) -> dict[str, torch.Tensor]:
        return {self.field: self.values[torch.as_tensor(rows)]}


def encode_queries(queries: Sequence[Query], arch: Architecture, task: str) -> torch.Tensor:
    """Queries padded to the checkpoint's width, one-hot over its vocabulary: (N, T_in, V)."""
    for query in queries:
        if len(query.text) > arch.query_width:
            raise QueryError(f"query {query.text!r} is wider than the {arch.query_width} characters the "
                             f"{task} models read: params.yaml changed since training; run `dvc repro`")
    padded = [query.text.ljust(arch.query_width, PAD) for query in queries]
    return torch.from_numpy(encode_labels(padded, arch.vocabulary))


def load_model(models: Path, task: str, kind: str,
               device: torch.device = torch.device("cpu")) -> tuple[nn.Module, Architecture]:
    """The pipeline's trained ``kind`` model for ``task`` from the folder ``models``, on ``device``."""
    path = models / f"{task}-{kind}.pt"
    return checkpoint.load(path, kind, stage=checkpoint.training_stage(path), device=device)


def evaluator(model: nn.Module, arch: Architecture, handwriting: Handwriting | None) -> tuple[nn.Module, str]:
    """The fastest exact way to run ``model`` on stored queries, and the batch field it reads:
    a per-glyph CNN reader reads each image once instead of once per use."""
    if arch.kind == "img2text" and arch.options.encoder == "cnn":
        return read_once(model, handwriting), "query_glyphs"
    return model, KINDS[arch.kind].inputs


def answers(model: nn.Module, arch: Architecture, dataset, batch_size: int, classifier: nn.Module | None = None,
            inputs: str | None = None) -> tuple[list[str], torch.Tensor | None]:
    """The model's answers to every query of ``dataset`` as padded strings (drawn answers: as the classifier
    reads the generated glyphs), and for drawn answers the pixels in reading order (N, T_out, 28, 28).
    ``inputs``: the batch field ``model`` reads (default: the kind's own, see ``evaluator``)."""
    reverse = arch.model.reverse_answer
    outputs = predict(model, dataset, inputs or KINDS[arch.kind].inputs, batch_size)
    if KINDS[arch.kind].answers_in_images:
        emitted = read_strips(classifier, outputs.sigmoid())
        order = torch.tensor(np.array([target_positions(text, reverse) for text in emitted]))
        pixels = torch.take_along_dim(outputs.sigmoid(), order[:, :, None, None], dim=1)  # reading order
    else:
        pixels, emitted = None, decode(outputs.argmax(-1).numpy(), arch.vocabulary)
    return [from_target(text, reverse) for text in emitted], pixels


def text_answers(resolved: Sequence[tuple[Query, str]], models: Path,
                 device: torch.device = torch.device("cpu")) -> list[str]:
    """text2text's answers, stripped, in the order asked; each task's model is loaded once, on ``device``."""
    texts: list[str] = [""] * len(resolved)
    for task in dict.fromkeys(name for _, name in resolved):
        rows = [i for i, (_, name) in enumerate(resolved) if name == task]
        model, arch = load_model(models, task, "text2text", device)
        inputs = encode_queries([resolved[i][0] for i in rows], arch, task)
        predicted, _ = answers(model, arch, Inputs("query", inputs), BATCH_SIZE)
        for i, text in zip(rows, predicted):
            texts[i] = text.strip()
    return texts


def image_answers(paths: Sequence[Path], models: Path, task: str,
                  device: torch.device = torch.device("cpu")) -> list[str | StripError]:
    """img2text's answer to each strip, stripped, in the order given, the model loaded once: a strip that cannot
    be read is its StripError, and the others are still answered."""
    model, arch = load_model(models, task, "img2text", device)
    strips: list[torch.Tensor | StripError] = []
    for path in paths:
        try:
            strips.append(read_strip(path, arch.query_width))
        except StripError as error:
            strips.append(error)
    readable = [strip for strip in strips if isinstance(strip, torch.Tensor)]
    texts = iter(answers(model, arch, Inputs("query_images", torch.stack(readable)), BATCH_SIZE)[0]
                 if readable else [])
    return [strip if isinstance(strip, StripError) else next(texts).strip() for strip in strips]
