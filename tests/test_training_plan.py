"""The glue between data and models: reading each glyph once gives exactly the pixel path's answers, a training
plan holds no test row, and a sampled task beyond two 2-digit numbers goes from queries to metrics with every
kind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from seq2arith.data.handwriting import SPLITS, Handwriting
from seq2arith.data.mnist import Digits
from seq2arith.data.operator_glyphs import Glyphs
from seq2arith.data.queries import SplitConfig, TaskConfig, answer_width, padded_width, pair_key
from seq2arith.data.query_sets import QuerySet, beyond_range_sets, create_data, with_mirrors
from seq2arith.evaluation.metrics import evaluate_model, pool_readings, strips_as_read
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.kinds.classifier import load_classifier
from seq2arith.kinds.img2text import Img2TextConfig
from seq2arith.kinds.text2img import Text2ImgConfig
from seq2arith.kinds.text2text import KIND as TEXT2TEXT
from seq2arith.kinds.text2text import Text2TextConfig
from seq2arith.models.cores import ModelConfig
from seq2arith.params import ParamsError
from seq2arith.training import checkpoint
from seq2arith.training.plan import (
    InputFiles,
    TrainingPlan,
    check_two_numbers,
    plan_training,
    training_queries,
)
from seq2arith.training.splits import Split
from tiny import train_tiny


@pytest.fixture
def queries(handwriting: Handwriting) -> QuerySet:
    """Every one-digit product, half of them test and half of the others validation."""
    return create_data(TaskConfig(operators=["*"], highest_integer=9), SplitConfig(0.5, validation_ratio=0.5),
                       handwriting, np.random.default_rng(0))


class TestImg2TextKind:
    """``img2text.Img2TextKind``: its read-once runner, and the readers its core may read from."""

    def test_evaluator_matches_pixel_path(self, queries: QuerySet, handwriting: Handwriting) -> None:
        """For a per-glyph CNN reader, the read-once evaluator gives the same logits as the model on pixels."""
        options = Img2TextConfig(reader="trained", conv_filters=4)
        model, _ = arithmetic("img2text").new_model(queries, ModelConfig(core="lstm", hidden=8), options)
        model.eval()
        runner, inputs = arithmetic("img2text").runner(model, handwriting)
        data = Split(queries, handwriting, "test", True, fields=("query_images", "query_glyphs"))
        batch = data[np.arange(len(data))]
        with torch.no_grad():
            assert torch.allclose(runner(batch[inputs]), model(batch["query_images"]), atol=1e-5)

    @pytest.mark.parametrize("model", [ModelConfig(core="columns"), ModelConfig(core="lstm", features="digit_pairs")])
    def test_reading_digits_needs_a_reader_of_symbols(self, model: ModelConfig, queries: QuerySet) -> None:
        """img2text can read digits only from a reader that reads symbols (answers, the classifier): not from one
        trained with the core."""
        options = Img2TextConfig(reader="trained")
        with pytest.raises(ParamsError, match=r"img2text must read symbols to read digits"):
            arithmetic("img2text").new_model(queries, model, options)


class TestStripsAsRead:
    """``metrics.strips_as_read`` of ``metrics.pool_readings`` (evaluation/metrics.py)."""

    def test_matches_read_strips(self, queries: QuerySet, handwriting: Handwriting,
                                 classifier_checkpoint) -> None:
        """Reading every pool image once gives the same query readings as reading each strip's pixels."""
        classifier = load_classifier(classifier_checkpoint)
        glyphs = queries.query_glyphs[:20]
        read = classifier.read_strips(handwriting.pixels(glyphs))
        assert strips_as_read(pool_readings(classifier, handwriting), glyphs) == read


class TestTrainingPlan:
    """``plan.TrainingPlan`` (training/plan.py)."""

    def test_unseen_pairs_are_the_validation_pairs_trained_in_neither_order(self, queries: QuerySet,
                                                                            handwriting: Handwriting) -> None:
        """TrainingPlan.checks serves as ``unseen`` the validation queries whose pair (either order) no training query
        has; the plan's datasets are its train and validation splits."""
        queries = training_queries(queries)
        model, arch = arithmetic("text2text").new_model(queries, ModelConfig(hidden=8), Text2TextConfig())
        phases = arithmetic("text2text").phases(model, arch, Text2TextConfig(), handwriting, value_loss=0.0)
        plan = TrainingPlan(model, arch, queries, handwriting, Text2TextConfig(), phases)
        train, validation = plan.datasets(phases[0])
        assert (train.split, validation.split) == ("train", "validation")
        assert (train.queries, validation.queries) == (queries.of("train"), queries.of("validation"))
        unseen = plan.checks(phases[0])["unseen"]
        trained = {pair_key(query) for query in queries.of("train")}
        assert unseen.queries == [query for query in validation.queries if pair_key(query) not in trained]
        assert 0 < len(unseen) < len(validation) and unseen.fields == validation.fields and unseen.split == "validation"


MUL = {"sampled": {"operators": ["*"], "highest_integer": 9, "max_queries": 60},  # train.mirror adds queries
       "full": {"operators": ["*"], "highest_integer": 9}}  # every mirror is a query already: a test one for some


def _stored(folder: Path, task: dict, handwriting: Handwriting, digits: Digits, glyphs: Glyphs
            ) -> tuple[QuerySet, InputFiles]:
    """``task``'s query set of every split, saved in ``folder`` as the dataset stage saves it, with the handwriting
    folders and a text2text checkpoint of the task (img2text's program, text2img's core) beside it."""
    queries = create_data(TaskConfig(**task), SplitConfig(0.25), handwriting, np.random.default_rng(0))
    queries.save(folder / "data")
    digits.save(folder / "digits")
    glyphs.save(folder / "glyphs")
    model, arch = TEXT2TEXT.new_model(queries, ModelConfig(hidden=8), Text2TextConfig())
    checkpoint.save(folder / "mul-text2text.pt", TEXT2TEXT, model, arch)
    return queries, InputFiles(folder / "data", folder / "digits", folder / "glyphs",
                               text2text=folder / "mul-text2text.pt")


class TestPlanTraining:
    """``plan.plan_training`` (training/plan.py)."""

    @pytest.mark.parametrize("kind", ["text2text", "img2text", "text2img"])
    @pytest.mark.parametrize("task", sorted(MUL))
    def test_the_training_stages_inputs_hold_no_test_row(self, task: str, kind: str, tmp_path: Path,
                                                         handwriting: Handwriting, digits: Digits,
                                                         glyphs: Glyphs) -> None:
        """The rows a training plan holds have no test query: its split holds train and validation alone, mirrors
        added (a sampled task gains some; a full table none), and none of the stored set's test queries is among its
        queries, nor among what its phases serve (img2text: reading from answers through the task's text2text)."""
        queries, inputs = _stored(tmp_path, MUL[task], handwriting, digits, glyphs)
        params = {"seed": 0, "model": {"hidden": 8}, "train": {"mirror": True}, "tasks": {"mul": MUL[task]},
                  kind: {"epochs": {"mul": 1}, **({"dense_units": 8} if kind == "text2img" else {})}}
        plan = plan_training(arithmetic(kind), "mul", params, inputs, torch.device("cpu"))
        assert queries.is_test.sum() > 0 and "test" not in plan.queries.split
        assert set(plan.queries.split) == {"train", "validation"}
        assert not set(queries.of("test")) & set(plan.queries.queries)
        mirrors = len(plan.queries.of("train")) - len(queries.of("train"))
        assert mirrors > 0 if task == "sampled" else mirrors == 0
        assert plan.queries.of("validation") == queries.of("validation")
        for phase in plan.phases:
            train, validation = plan.datasets(phase)
            assert not set(queries.of("test")) & (set(train.queries) | set(validation.queries) |
                                                  set(plan.checks(phase)["unseen"].queries))
        if kind == "img2text":
            assert plan.after_epoch is not None and set(plan.after_epoch()) == {"reader_digit_accuracy"}

    def test_a_weight_on_column_values_needs_a_core_that_has_them(self, tmp_path: Path) -> None:
        """train.value_loss > 0 with the report's LSTM core stops in one line naming the key, before any query is
        read."""
        params = {"seed": 0, "model": {"core": "lstm"}, "train": {"value_loss": 0.5}, "tasks": {"mul": MUL["full"]},
                  "text2text": {}}
        with pytest.raises(ParamsError, match=r"^params.yaml: train.value_loss = 0.5: only the columns core has "
                                              r"column values \(model.core is 'lstm'\); set it to 0$"):
            plan_training(arithmetic("text2text"), "mul", params, InputFiles(tmp_path / "nothing"),
                          torch.device("cpu"))


class TestCheckTwoNumbers:
    """``plan.check_two_numbers`` (training/plan.py)."""

    @pytest.mark.parametrize(("model", "key"), [(ModelConfig(core="columns"), r"model\.core = 'columns'"),
                                                (ModelConfig(core="lstm", features="digit_pairs"),
                                                 r"model\.features = 'digit_pairs'")])
    def test_reading_digits_needs_two_numbers(self, model: ModelConfig, key: str, handwriting: Handwriting) -> None:
        """The columns core and digit pairs on a task of three numbers stop with one line naming the key."""
        task = TaskConfig(operators=["+"], highest_integer=3, num_addends=3)
        queries = create_data(task, SplitConfig(0.5), handwriting, np.random.default_rng(0))
        with pytest.raises(ParamsError, match=f"{key}: needs queries of two numbers"):
            check_two_numbers(queries, model)


SAMPLED_TASKS = {  # (task, core, train.value_loss): the default core reads two numbers of any width, and learns
    # its column values; three numbers need characters
    "three-digit": (TaskConfig(operators=["+", "-"], highest_integer=999, max_queries=60),
                    ModelConfig(core="columns", hidden=8), 1.0),
    "three-numbers": (TaskConfig(operators=["+", "*"], highest_integer=99, num_addends=3, max_queries=60),
                      ModelConfig(core="mlp", features="characters", hidden=8), 0.0),
}
SMALL = {"text2text": Text2TextConfig(epochs=1, batch_size=16),
         "img2text": Img2TextConfig(epochs=1, batch_size=16, reader="classifier"),  # frozen: read once
         "text2img": Text2ImgConfig(epochs=1, batch_size=16, image_epochs=1, dense_units=8)}


class TestSampledTask:
    """A sampled task, the way the stages take it, for every kind."""

    @pytest.mark.parametrize("kind", sorted(SMALL))
    @pytest.mark.parametrize("name", sorted(SAMPLED_TASKS))
    def test_end_to_end(self, name: str, kind: str, handwriting: Handwriting, classifier_checkpoint,
                        tmp_path) -> None:
        """A 60-query sample of 3-digit additions/subtractions (the columns core) or of three numbers (an MLP over
        characters) goes the way the stages take it: unordered split, each split in its own pool of handwriting, a
        model of each kind trained on the train and validation rows (mirrors added), saved, loaded and evaluated on
        every split (img2text: also its reader's digit accuracy on the split's pool), every answer as wide as the
        task's."""
        task, model_config, value_loss = SAMPLED_TASKS[name]
        queries = create_data(task, SplitConfig(0.25, group="unordered"), handwriting, np.random.default_rng(0))
        assert (queries.query_width, queries.answer_width) == (padded_width(task), answer_width(task))
        for split in SPLITS:
            rows = queries.split == split
            assert rows.sum() > 0 and (handwriting.pool[queries.query_glyphs[rows]] == split).all(), split
        trained = training_queries(with_mirrors(queries))  # as plan_training: mirrors first, then no test row
        chosen = arithmetic(kind)
        text2text, _ = arithmetic("text2text").new_model(trained, model_config, SMALL["text2text"])  # text2img's core
        tiny = train_tiny(kind, trained, model_config, SMALL[kind], handwriting, classifier_checkpoint, text2text,
                          value_loss=value_loss)
        checkpoint.save(tmp_path / "model.pt", chosen, tiny.model, tiny.arch)
        model, arch = checkpoint.load(tmp_path / "model.pt", chosen)
        reader = load_classifier(classifier_checkpoint)
        beyond = beyond_range_sets(task, 5, handwriting, np.random.default_rng(1))  # 4-digit numbers: the columns core
        result = evaluate_model(chosen, model, arch, queries, handwriting, reader, beyond,
                                           judge=reader, rng=np.random.default_rng(2))  # the classifier as the judge
        test = result.predictions[result.predictions["split"] == "test"]
        assert len(test) == queries.is_test.sum() and (test["answer"].str.len() <= answer_width(task)).all()
        assert set(SPLITS) <= set(result.metrics) and set(result.predictions["split"]) == set(SPLITS)
        for split in SPLITS:
            metrics = result.metrics[split]
            exact = metrics["read_exact_match" if chosen.draws else "exact_match"]
            unseen = metrics.get("read_unseen_pair_exact_match" if chosen.draws else "unseen_pair_exact_match")
            assert (unseen is None) == (split == "train"), split
            assert exact is not None and 0 <= exact <= 1
            assert ("reader_digit_accuracy" in metrics) == (kind == "img2text"), split  # its reader reads symbols
        shapes = {"exact_match", *(f"{name}_exact_match" for name in beyond)}  # 4+1, 1+4, ..., 15-15
        if kind == "img2text":  # and its symbolic baseline's
            shapes |= {key.replace("exact_match", "symbolic_exact_match") for key in shapes}
        assert set(result.metrics.get("beyond_range", {})) == (shapes if model_config.any_width else set())
