"""The glue between data and models: reading each glyph once gives exactly the pixel path's answers, and a
sampled task beyond two 2-digit numbers goes from queries to metrics with every kind."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seq2arith import checkpoint, evaluation
from seq2arith.dataset import QuerySet, beyond_range_sets, create_data, with_mirrors
from seq2arith.handwriting import Handwriting
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.kinds.classifier import load_classifier
from seq2arith.kinds.img2text import Img2TextConfig
from seq2arith.kinds.text2img import Text2ImgConfig
from seq2arith.kinds.text2text import Text2TextConfig
from seq2arith.models.cores import ModelConfig
from seq2arith.params import ParamsError
from seq2arith.queries import SplitConfig, TaskConfig, answer_width, padded_width, pair_key
from seq2arith.seeding import seed_torch
from seq2arith.splits import Split
from seq2arith.training import fit
from seq2arith.training_plan import TrainingPlan, check_two_numbers, datasets


@pytest.fixture
def queries(handwriting: Handwriting) -> QuerySet:
    """Every one-digit product, half of them test."""
    return create_data(TaskConfig(operators=["*"], highest_integer=9), SplitConfig(0.5), handwriting,
                       np.random.default_rng(0))


def test_evaluator_matches_pixel_path(queries: QuerySet, handwriting: Handwriting) -> None:
    """For a per-glyph CNN reader, the read-once evaluator gives the same logits as the model on pixels."""
    options = Img2TextConfig(init_from_classifier=False, freeze_reader=False, conv_filters=4)
    model, _ = arithmetic("img2text").new_model(queries, ModelConfig(core="lstm", hidden=8), options)
    model.eval()
    runner, inputs = arithmetic("img2text").runner(model, handwriting)
    data = Split(queries, handwriting, True, True, fields=("query_images", "query_glyphs"))
    batch = data[np.arange(len(data))]
    with torch.no_grad():
        assert torch.allclose(runner(batch[inputs]), model(batch["query_images"]), atol=1e-5)


def test_read_queries_matches_read_strips(queries: QuerySet, handwriting: Handwriting,
                                         classifier_checkpoint) -> None:
    """Reading every pool image once gives the same query readings as reading each strip's pixels."""
    classifier = load_classifier(classifier_checkpoint)
    glyphs = queries.query_glyphs[:20]
    read = classifier.read_strips(handwriting.pixels(glyphs))
    assert evaluation.read_queries(classifier, handwriting, glyphs) == read


def test_unseen_pairs_are_the_test_pairs_trained_in_neither_order(queries: QuerySet, handwriting: Handwriting
                                                                   ) -> None:
    """TrainingPlan.unseen serves the test queries whose pair (either order) no training query has."""
    model, arch = arithmetic("text2text").new_model(queries, ModelConfig(hidden=8), Text2TextConfig())
    phases = arithmetic("text2text").phases(model, arch, handwriting)
    plan = TrainingPlan(model, arch, queries, handwriting, Text2TextConfig(), phases)
    _, test = plan.datasets(phases[0])
    unseen = plan.unseen(phases[0])
    trained = {pair_key(query) for query, is_test in zip(queries.queries, queries.is_test) if not is_test}
    assert unseen.queries == [query for query in test.queries if pair_key(query) not in trained]
    assert 0 < len(unseen) < len(test) and unseen.fields == test.fields


@pytest.mark.parametrize(("model", "key"), [(ModelConfig(core="columns"), r"model\.core = 'columns'"),
                                            (ModelConfig(core="lstm", features="digit_pairs"),
                                             r"model\.features = 'digit_pairs'")])
def test_reading_digits_needs_two_numbers(model: ModelConfig, key: str, handwriting: Handwriting) -> None:
    """The columns core and digit pairs on a task of three numbers stop with one line naming the key."""
    task = TaskConfig(operators=["+"], highest_integer=3, num_addends=3)
    queries = create_data(task, SplitConfig(0.5), handwriting, np.random.default_rng(0))
    with pytest.raises(ParamsError, match=f"{key}: needs queries of two numbers"):
        check_two_numbers(queries, model)


@pytest.mark.parametrize("model", [ModelConfig(core="columns"), ModelConfig(core="lstm", features="digit_pairs")])
def test_reading_digits_needs_a_reader_of_symbols(model: ModelConfig, queries: QuerySet) -> None:
    """img2text can read digits only from a reader that reads symbols: the classifier."""
    options = Img2TextConfig(init_from_classifier=False, freeze_reader=False)
    with pytest.raises(ParamsError, match=r"needs img2text\.init_from_classifier: true"):
        arithmetic("img2text").new_model(queries, model, options)


SAMPLED_TASKS = {  # (task, core): the default core reads two numbers of any width; three numbers need characters
    "three-digit": (TaskConfig(operators=["+", "-"], highest_integer=999, max_queries=60),
                    ModelConfig(core="columns", value_loss=1.0, hidden=8)),
    "three-numbers": (TaskConfig(operators=["+", "*"], highest_integer=99, num_addends=3, max_queries=60),
                      ModelConfig(core="mlp", features="characters", hidden=8)),
}
SMALL = {"text2text": Text2TextConfig(epochs=1, batch_size=16),
         "img2text": Img2TextConfig(epochs=1, batch_size=16),  # its reader: the classifier, frozen
         "text2img": Text2ImgConfig(epochs=1, batch_size=16, image_epochs=1, dense_units=8)}


@pytest.mark.parametrize("kind", sorted(SMALL))
@pytest.mark.parametrize("name", sorted(SAMPLED_TASKS))
def test_sampled_task_end_to_end(name: str, kind: str, handwriting: Handwriting, classifier_checkpoint,
                                 tmp_path) -> None:
    """A 60-query sample of 3-digit additions/subtractions (the columns core) or of three numbers (an MLP over
    characters) goes the way the stages take it: unordered split, mirrors, writer-disjoint handwriting, a model of
    each kind trained, saved, loaded and evaluated, every answer as wide as the task's."""
    task, model_config = SAMPLED_TASKS[name]
    queries = with_mirrors(create_data(task, SplitConfig(0.25, "unordered"), handwriting, np.random.default_rng(0)))
    assert (queries.query_width, queries.answer_width) == (padded_width(task), answer_width(task))
    assert queries.is_test.sum() > 0 and handwriting.is_test[queries.query_glyphs[queries.is_test]].all()
    assert not handwriting.is_test[queries.query_glyphs[~queries.is_test]].any()
    chosen = arithmetic(kind)
    model, arch = chosen.new_model(queries, model_config, SMALL[kind], classifier_checkpoint)
    generator = seed_torch(0, "test")
    for phase in chosen.phases(model, arch, handwriting):
        fit(phase.trainee, phase.objective, *datasets(phase, queries, handwriting, True), phase.options,
            generator)
    checkpoint.save(tmp_path / "model.pt", chosen, model, arch)
    model, arch = checkpoint.load(tmp_path / "model.pt", chosen)
    reader = load_classifier(classifier_checkpoint)
    beyond = beyond_range_sets(task, 5, handwriting, np.random.default_rng(1))  # 4-digit numbers: the columns core
    result = evaluation.evaluate_model(chosen, model, arch, queries, handwriting, reader, beyond)
    test = result.predictions[result.predictions["split"] == "test"]
    assert len(test) == queries.is_test.sum() and (test["answer"].str.len() <= answer_width(task)).all()
    metrics = result.metrics["test"]
    exact = metrics["read_exact_match" if chosen.draws else "exact_match"]
    assert metrics["read_unseen_pair_exact_match" if chosen.draws else "unseen_pair_exact_match"] is not None
    assert exact is not None and 0 <= exact <= 1
    assert set(result.metrics.get("beyond_range", {})) == ({"exact_match", "4+4_exact_match", "4-4_exact_match"}
                                                            if model_config.any_width else set())
