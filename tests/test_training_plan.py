"""The glue between data and models: reading each glyph once gives exactly the pixel path's answers, and a
sampled task beyond two 2-digit numbers goes from queries to metrics with every kind."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seq2arith import checkpoint, evaluation, kinds
from seq2arith.batches import ArithmeticDataset
from seq2arith.dataset import create_data, with_mirrors
from seq2arith.handwriting import Handwriting
from seq2arith.kinds import build
from seq2arith.kinds.classifier import read_queries, read_strips
from seq2arith.kinds.img2text import Img2TextConfig
from seq2arith.kinds.text2img import Text2ImgConfig
from seq2arith.kinds.text2text import Text2TextConfig
from seq2arith.models.architecture import Architecture
from seq2arith.models.cores import ModelConfig
from seq2arith.models.images import ReaderConfig
from seq2arith.params import ParamsError
from seq2arith.queries import (
    SplitConfig,
    TaskConfig,
    answer_width,
    padded_width,
    unseen_pairs,
)
from seq2arith.seeding import seed_torch
from seq2arith.text import SYMBOLS
from seq2arith.training import fit
from seq2arith.training_plan import check_digit_pairs, datasets


def _setup():
    rng = np.random.default_rng(0)
    symbols = np.repeat(list(SYMBOLS), 4)
    handwriting = Handwriting(rng.integers(0, 256, (len(symbols), 28, 28), dtype=np.uint8), symbols,
                              np.tile([False, False, True, True], len(SYMBOLS)))
    queries = create_data(TaskConfig(operators=["*"], highest_integer=9), SplitConfig(0.5), handwriting, rng)
    return handwriting, queries


def test_evaluator_matches_pixel_path() -> None:
    """For a per-glyph CNN reader, the read-once evaluator gives the same logits as the model on pixels."""
    handwriting, queries = _setup()
    options = Img2TextConfig(init_from_classifier=False, freeze_reader=False, conv_filters=4)
    model, arch = kinds.arithmetic("img2text").new_model(queries, ModelConfig(hidden=8), options)
    model.eval()
    runner, inputs = kinds.arithmetic(arch.kind).runner(model, handwriting)
    data = ArithmeticDataset(queries, handwriting, True, True, fields=("query_images", "query_glyphs"))
    batch = data[np.arange(len(data))]
    with torch.no_grad():
        assert torch.allclose(runner(batch[inputs]), model(batch["query_images"]), atol=1e-5)


def test_read_queries_matches_read_strips() -> None:
    """Reading every pool image once gives the same query readings as reading each strip's pixels."""
    handwriting, queries = _setup()
    reader = ReaderConfig(conv_layers=1, conv_filters=4, out_features=len(SYMBOLS))
    classifier = build(Architecture("classifier", SYMBOLS, reader=reader)).eval()
    glyphs = queries.query_glyphs[:20]
    assert read_queries(classifier, handwriting, glyphs) == read_strips(classifier, handwriting.pixels(glyphs))


def test_digit_pairs_needs_two_numbers() -> None:
    """digit_pairs on a task of three numbers stops with one line naming the key."""
    handwriting, _ = _setup()
    task = TaskConfig(operators=["+"], highest_integer=3, num_addends=3)
    queries = create_data(task, SplitConfig(0.5), handwriting, np.random.default_rng(0))
    with pytest.raises(ParamsError, match="model.features = 'digit_pairs': needs queries of two numbers"):
        check_digit_pairs(queries, ModelConfig(features="digit_pairs"))


def test_digit_pairs_needs_a_reader_of_symbols() -> None:
    """img2text can pair digits only from a reader that reads symbols: the classifier."""
    handwriting, queries = _setup()
    options = Img2TextConfig(init_from_classifier=False, freeze_reader=False)
    with pytest.raises(ParamsError, match="needs img2text.init_from_classifier: true"):
        kinds.arithmetic("img2text").new_model(queries, ModelConfig(features="digit_pairs"), options)


SAMPLED_TASKS = {  # (task, model.features): what the pipeline's default features can and cannot read
    "three-digit": (TaskConfig(operators=["+", "-"], highest_integer=999, max_queries=60), "digit_pairs"),
    "three-numbers": (TaskConfig(operators=["+", "*"], highest_integer=99, num_addends=3, max_queries=60),
                      "characters"),
}
SMALL = {"text2text": Text2TextConfig(epochs=1, batch_size=16),
         "img2text": Img2TextConfig(epochs=1, batch_size=16),  # its reader: the classifier, frozen
         "text2img": Text2ImgConfig(epochs=1, batch_size=16, image_epochs=1, dense_units=8)}


@pytest.mark.parametrize("kind", sorted(SMALL))
@pytest.mark.parametrize("name", sorted(SAMPLED_TASKS))
def test_sampled_task_end_to_end(name: str, kind: str, tmp_path) -> None:
    """A 60-query sample of 3-digit additions/subtractions (digit_pairs) or of three numbers (characters) goes
    the way the stages take it: unordered split, mirrors, writer-disjoint handwriting, a model of each kind
    trained, saved, loaded and evaluated, every answer as wide as the task's."""
    task, features = SAMPLED_TASKS[name]
    handwriting, _ = _setup()
    rng = np.random.default_rng(0)
    queries = with_mirrors(create_data(task, SplitConfig(0.25, "unordered"), handwriting, rng))
    assert (queries.query_width, queries.answer_width) == (padded_width(task), answer_width(task))
    assert queries.is_test.sum() > 0 and handwriting.is_test[queries.query_glyphs[queries.is_test]].all()
    assert not handwriting.is_test[queries.query_glyphs[~queries.is_test]].any()
    reader = ReaderConfig(conv_layers=1, conv_filters=4, out_features=len(SYMBOLS))
    classifier = build(Architecture("classifier", SYMBOLS, reader=reader)).eval()
    checkpoint.save(tmp_path / "classifier.pt", classifier, Architecture("classifier", SYMBOLS, reader=reader))
    model, arch = kinds.arithmetic(kind).new_model(queries, ModelConfig(core="mlp", features=features, hidden=8),
                                                   SMALL[kind], tmp_path / "classifier.pt")
    generator = seed_torch(0, "test")
    for phase in kinds.arithmetic(kind).phases(model, SMALL[kind], handwriting):
        fit(phase.trainee, phase.objective, *datasets(phase, queries, handwriting, True), phase.options,
            generator)
    checkpoint.save(tmp_path / "model.pt", model, arch)
    model, arch = checkpoint.load(tmp_path / "model.pt", kinds.named(kind))
    runner, inputs = kinds.arithmetic(arch.kind).runner(model, handwriting)
    splits = [ArithmeticDataset(queries, handwriting, test, True, fields=(inputs,)) for test in (False, True)]
    predicted, _ = kinds.arithmetic(arch.kind).answers(runner, arch, splits[1], 64, classifier, inputs)
    assert len(predicted) == len(splits[1]) and {len(p) for p in predicted} == {answer_width(task)}
    metrics = evaluation.scores(splits[1].answers, predicted, unseen_pairs(splits[0].queries, splits[1].queries))
    assert metrics["unseen_pair_exact_match"] is not None and 0 <= metrics["exact_match"] <= 1
