"""Learning to read handwriting from answers alone: img2text's default reader (``img2text.reader: answers``).

No glyph carries a label. A strip of T glyphs could be any of the task's queries (its *readings*); the program, the
task's trained text2text model, gives each reading its answer. The reader puts a distribution over the task's
characters on every glyph, so a reading's probability is the product of its characters' probabilities, and an
answer's probability is the sum over the readings the program answers so (exact inference, as DeepProbLog does
for MNIST addition). Training maximises the probability of the true answer: the gradient tells each glyph which of
its readings explain the answer, and over many strips the digits become distinguishable.

Then the reader labels itself (``img2text.label_epochs``): each training image is given the character its readings
agree on, given the answers of every strip it is in (``labels_from_answers``), and the reader, back at its initial
weights, is trained on those images and labels as a classifier is. Still no glyph label: the labels are the answers'.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from seq2arith.data.queries import TaskConfig, all_queries
from seq2arith.data.query_sets import QuerySet
from seq2arith.data.text import decode, encode, encode_labels
from seq2arith.kinds.text2text import KIND as TEXT2TEXT
from seq2arith.kinds.text2text import Text2Text
from seq2arith.runtime.devices import device_of
from seq2arith.training import checkpoint
from seq2arith.training.batches import BATCH_SIZE, Batch, Rows, batches
from seq2arith.training.checkpoint import CheckpointError
from seq2arith.training.loop import Objective

UNANSWERED = -1  # group of an answer no reading gets from the program
UNLABELLED = -1  # label of an image in no strip (labels_from_answers)


class AnswerProgram(nn.Module):
    """The task's readings grouped by the answer the program gives them.

    Answers are compared as codes of the emitted strings (``answer_code``), so a batch's one-hot answers index the
    groups directly. Buffers only; none of them is saved in a checkpoint.
    """

    readings: torch.Tensor  # (Q, T_in) character indices: every query of the task
    members: torch.Tensor  # (A, K) reading indices per answer group, padded with the group's last reading
    is_member: torch.Tensor  # (A, K) bool: which of those are real
    group_of_code: torch.Tensor  # (V ** T_out,) the group of each answer code, or UNANSWERED
    answer_of_reading: torch.Tensor  # (V ** T_in,) the answer code of each reading code, -1 if no query reads so

    def __init__(self, readings: Sequence[str], emitted: Sequence[str], vocabulary: str) -> None:
        """``readings``: the task's queries; ``emitted``: what the program emits for each (in its own order)."""
        super().__init__()
        size = len(vocabulary)
        reading_indices = torch.from_numpy(encode(readings, vocabulary))
        codes = answer_code(torch.from_numpy(encode(emitted, vocabulary)), size)
        groups, group_of_reading = codes.unique(return_inverse=True)
        order = group_of_reading.argsort(stable=True)
        counts = torch.bincount(group_of_reading, minlength=len(groups))
        starts = torch.cumsum(counts, 0) - counts
        slot = torch.arange(int(counts.max()))
        is_member = slot < counts[:, None]  # (A, K)
        members = order[starts[:, None] + slot.clamp(max=counts[:, None] - 1)]  # padded with the group's last
        group_of_code = torch.full((size ** len(emitted[0]),), UNANSWERED)
        group_of_code[groups] = torch.arange(len(groups))
        answer_of_reading = torch.full((size ** reading_indices.shape[1],), -1)
        answer_of_reading[answer_code(reading_indices, size)] = codes
        for name, value in [("readings", reading_indices), ("members", members), ("is_member", is_member),
                            ("group_of_code", group_of_code), ("answer_of_reading", answer_of_reading)]:
            self.register_buffer(name, value, persistent=False)
        self.size = size

    def log_likelihood(self, log_probs: torch.Tensor, answers: torch.Tensor) -> torch.Tensor:
        """log P(answer) of each strip: (B, T_in, V) per-glyph log-probabilities and (B,) answer codes -> (B,);
        -inf where the program gives no reading that answer."""
        _, scores = self._readings_of(log_probs, answers)
        return scores.logsumexp(-1)

    def glyph_posteriors(self, log_probs: torch.Tensor, answers: torch.Tensor) -> torch.Tensor:
        """P(glyph t reads v | its strip's answer): (B, T_in, V) per-glyph log-probabilities and (B,) answer codes ->
        (B, T_in, V); zero where the program gives no reading that answer."""
        readings, scores = self._readings_of(log_probs, answers)
        posterior = scores.softmax(-1).nan_to_num(0.0)  # (B, K): P(reading | answer)
        per_glyph = posterior.unsqueeze(1).expand(-1, readings.shape[2], -1)  # (B, T_in, K)
        return torch.zeros_like(log_probs).scatter_add_(2, readings.transpose(1, 2), per_glyph)

    def _readings_of(self, log_probs: torch.Tensor, answers: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The readings the program gives each strip's answer (B, K, T_in), and log P(reading) of each (B, K):
        -inf for padding, and for every reading of a strip whose answer the program never gives."""
        group = self.group_of_code[answers]  # (B,)
        answered = group != UNANSWERED
        group = group.clamp(min=0)
        readings = self.readings[self.members[group]]  # (B, K, T_in)
        batch, candidates, steps = readings.shape
        per_glyph = log_probs.unsqueeze(1).expand(batch, candidates, steps, log_probs.shape[-1])
        scores = per_glyph.gather(3, readings.unsqueeze(-1)).squeeze(-1).sum(-1)  # (B, K): log P(reading)
        return readings, scores.masked_fill(~(self.is_member[group] & answered[:, None]), -torch.inf)

    def answer_of_likeliest_reading(self, log_probs: torch.Tensor) -> torch.Tensor:
        """(B, T_in, V) -> (B,) the answer code the program gives the likeliest reading of each strip (-1 where that
        reading is no query of the task)."""
        return self.answer_of_reading[answer_code(log_probs.argmax(-1), self.size)]


def answer_code(indices: torch.Tensor, size: int) -> torch.Tensor:
    """(..., T) character indices -> (...) one integer per string: its digits in base ``size``."""
    places = size ** torch.arange(indices.shape[-1], device=indices.device)
    return (indices * places).sum(-1)


def answer_codes(batch: Batch, program: AnswerProgram) -> torch.Tensor:
    """The code of each of the batch's (one-hot) answers: (B,)."""
    return answer_code(batch["answer"].argmax(-1), program.size)


def answers_objective(program: AnswerProgram) -> Objective[torch.Tensor]:
    """The reader's objective: -log P(true answer) over the batch's strips (B, T_in, V) log-probabilities; scored by
    ``exact_match``, the share of strips whose likeliest reading the program answers right. Reads only the strips
    (as indices of their images) and the answers: no glyph label."""
    def loss(log_probs: torch.Tensor, batch: Batch) -> torch.Tensor:
        likelihood = program.log_likelihood(log_probs, answer_codes(batch, program))
        return -likelihood[likelihood.isfinite()].mean()

    def scores(log_probs: torch.Tensor, batch: Batch) -> dict[str, torch.Tensor]:
        right = program.answer_of_likeliest_reading(log_probs) == answer_codes(batch, program)
        return {"exact_match": right.float().mean()}

    return Objective("query_glyphs", ("answer",), loss, scores)


@torch.no_grad()
def labels_from_answers(reader: nn.Module, program: AnswerProgram, strips: Rows, images: int,
                        batch_size: int = BATCH_SIZE) -> torch.Tensor:
    """The character each of the pools' ``images`` is read as, given the answers of the ``strips`` it is in: the
    likeliest under the sum of its posteriors (``glyph_posteriors``) over those strips; UNLABELLED for an image in
    none. ``reader``: (B, T_in) glyph indices -> (B, T_in, V) log-probabilities; ``strips``: rows of
    ``query_glyphs`` and ``answer``. Only answers are read: no glyph label."""
    reader.eval()
    device = device_of(reader)
    votes = torch.zeros(images, program.size, device=device)
    for batch in batches(strips, batch_size, device=device):
        posteriors = program.glyph_posteriors(reader(batch["query_glyphs"]), answer_codes(batch, program))
        votes.index_add_(0, batch["query_glyphs"].flatten(), posteriors.flatten(0, 1))
    return votes.argmax(-1).masked_fill(votes.sum(-1) == 0, UNLABELLED).cpu()


def digit_accuracy(read: np.ndarray, truth: np.ndarray) -> float:
    """The share of digit glyphs read right: ``read`` and ``truth`` are equal-shaped arrays of characters; only the
    positions where ``truth`` is a digit count."""
    digits = np.char.isdigit(truth.astype(str))
    return float((read[digits] == truth[digits]).mean())


def load_text2text(path: Path, queries: QuerySet, stage: str) -> Text2Text:
    """The text2text checkpoint at ``path`` (made by the dvc.yaml stage ``stage``) of the task whose query set is
    ``queries``, on the CPU; one line if it is missing or answers another task."""
    network, arch = checkpoint.load(path, TEXT2TEXT, stage=stage)
    expected = (queries.vocabulary, queries.query_width, queries.answer_width)
    if (arch.vocabulary, arch.query_width, arch.answer_width) != expected:
        raise CheckpointError(f"{path} answers another task (characters {arch.vocabulary!r}, widths "
                              f"{arch.query_width}/{arch.answer_width}; this task's: {expected[0]!r}, "
                              f"{expected[1]}/{expected[2]}): run `dvc repro {stage}` to make this task's")
    assert isinstance(network, Text2Text)
    return network


def program_of(network: Text2Text, task: TaskConfig, vocabulary: str) -> AnswerProgram:
    """The answers the text2text ``network`` (on the CPU) gives every reading of ``task`` (of these characters):
    the program img2text's reader learns through."""
    readings, _ = all_queries(task)
    one_hot = torch.from_numpy(encode_labels(readings, vocabulary))
    with torch.no_grad():  # every reading answered once: a few thousand short queries
        emitted = torch.cat([network(one_hot[i:i + BATCH_SIZE]).argmax(-1) for i in range(0, len(one_hot), BATCH_SIZE)])
    return AnswerProgram(readings, decode(emitted.numpy(), vocabulary), vocabulary)
