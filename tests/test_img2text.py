"""img2text's readers: the classifier's probabilities sharpened by the reader temperature, and the reader that
learns from answers through the task's text2text (its program)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from seq2arith.data.handwriting import SPLITS, Handwriting
from seq2arith.data.queries import SplitConfig, TaskConfig, all_queries
from seq2arith.data.query_sets import QuerySet, create_data, drawn_once
from seq2arith.data.text import to_target, vocabulary
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.kinds.classifier import ClassifierNetwork
from seq2arith.kinds.img2text import Img2Text, Img2TextConfig, LabelledImages, ReaderOfPools, ReadOnce
from seq2arith.kinds.text2text import KIND as TEXT2TEXT
from seq2arith.kinds.text2text import Text2Text, Text2TextConfig
from seq2arith.models.cores import ModelConfig
from seq2arith.models.images import GlyphCNN, TimeDistributed
from seq2arith.params import ParamsError, parse_section
from seq2arith.training.reading_from_answers import UNLABELLED, AnswerProgram


def _img2text(temperature: float) -> Img2Text:
    kind = arithmetic("img2text")
    arch = kind.architecture(vocabulary(["*"]), 5, 4, ModelConfig(hidden=8), Img2TextConfig(
        reader="classifier", reader_temperature=temperature), ClassifierNetwork(conv_layers=1, conv_filters=4))
    network = kind.network(arch)
    assert isinstance(network, Img2Text)
    return network


class TestImg2TextConfig:
    """``img2text.Img2TextConfig`` (kinds/img2text.py)."""

    @pytest.mark.parametrize(("values", "fragment"), [
        ({"reader": "labels"}, "img2text.reader = 'labels': allowed: answers, classifier, trained"),
        ({"augment": ["blur"]},
         "img2text.augment = ['blur']: must be a list of augmentations from ['affine', 'faint']"),
        ({"encoder": "convlstm", "reader": "answers"}, "only img2text.reader: trained has a convlstm encoder"),
    ])
    def test_reader_settings_are_checked(self, values: dict, fragment: str) -> None:
        """A reader, augmentation or encoder img2text does not have is one line naming the key and what is allowed."""
        with pytest.raises(ParamsError) as caught:
            parse_section(Img2TextConfig, values, "img2text")
        assert fragment in str(caught.value)


class TestImg2Text:
    """``img2text.Img2Text`` (kinds/img2text.py)."""

    def test_the_temperature_sharpens_what_the_classifier_reads(self) -> None:
        """At temperature 1 img2text reads the classifier's probabilities; below 1 each glyph's p^(1/T), renormalised:
        the likeliest symbol takes more of a doubted glyph, the same symbol stays likeliest."""
        plain, sharp = _img2text(1.0), _img2text(0.01)
        sharp.reader.load_state_dict(plain.reader.state_dict())
        strip = torch.rand(2, 5, 28, 28)
        with torch.no_grad():
            probabilities, sharpened = plain.eval().read(strip), sharp.eval().read(strip)
        torch.testing.assert_close(probabilities, plain.reader(strip).exp())
        torch.testing.assert_close(sharpened, (probabilities.log() * 100).softmax(-1))  # p^100, renormalised
        assert torch.equal(sharpened.argmax(-1), probabilities.argmax(-1))
        assert (sharpened.amax(-1) >= probabilities.amax(-1)).all()

    def test_a_reader_of_features_is_not_sharpened(self) -> None:
        """A reader trained from scratch gives features, not probabilities: the temperature leaves them alone."""
        kind = arithmetic("img2text")
        options = Img2TextConfig(reader="trained", conv_filters=4, reader_temperature=0.5)
        arch = kind.architecture(vocabulary(["*"]), 5, 4, ModelConfig(core="lstm", hidden=8), options)
        network = kind.network(arch)
        strip = torch.rand(2, 5, 28, 28)
        with torch.no_grad():
            torch.testing.assert_close(network.eval().read(strip), network.reader(strip))


# --- reader: answers -----------------------------------------------------------------------------------------------

MODEL = ModelConfig(hidden=8)  # the columns core: it reads symbols
ANSWERS = Img2TextConfig(conv_layers=1, conv_filters=4)  # reader: answers, the default


@pytest.fixture
def mul(handwriting: Handwriting) -> tuple[QuerySet, Text2Text, AnswerProgram]:
    """Every one-digit product, an untrained text2text of the task, and a program that gives the true products
    (emitted units first) as the answers of the readings."""
    task = TaskConfig(operators=["*"], highest_integer=9)
    queries = create_data(task, SplitConfig(0.25), handwriting, np.random.default_rng(0))
    torch.manual_seed(0)
    network, _ = TEXT2TEXT.new_model(queries, MODEL, Text2TextConfig())
    assert isinstance(network, Text2Text)
    readings, answers = all_queries(task)
    return queries, network, AnswerProgram(readings, [to_target(a, True) for a in answers], queries.vocabulary)


class TestLabelledImages:
    """``img2text.LabelledImages`` (kinds/img2text.py)."""

    def test_weigh_each_character_alike(self) -> None:
        """The labelled images, unlabelled ones left out, each character's repeated until it has about as many rows as
        the commonest: a character of one image (the blank) is not drowned by the digits."""
        labels = torch.tensor([0, 0, 0, 0, 1, UNLABELLED, 2, 2])
        rows = LabelledImages(torch.arange(8.0)[:, None], labels)
        assert rows.labels.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
        assert rows[np.arange(len(rows))]["image"][:, 0].tolist() == [0, 1, 2, 3, 4, 4, 4, 4, 6, 6, 7, 7]


class TestImg2TextKind:
    """``img2text.Img2TextKind`` (kinds/img2text.py)."""

    def test_the_answers_reader_is_a_cnn_over_the_tasks_characters_with_the_text2texts_core(self, mul) -> None:
        """With reader: answers img2text's reader is a per-glyph CNN over the task's characters and its core and head
        are the task's text2text's, weight for weight; without a text2text it stops with one line naming the key."""
        queries, text2text, _ = mul
        model, arch = arithmetic("img2text").new_model(queries, MODEL, ANSWERS, text2text=text2text)
        assert isinstance(model, Img2Text) and isinstance(model.reader, TimeDistributed)
        assert isinstance(model.reader.module, GlyphCNN) and model.symbols == queries.vocabulary == arch.vocabulary
        for part in ("core", "head"):
            mine, its = getattr(model, part).state_dict(), getattr(text2text, part).state_dict()
            assert mine.keys() == its.keys() and all(torch.equal(mine[k], its[k]) for k in mine), part
        with pytest.raises(ParamsError, match=r"img2text.reader = 'answers' needs the task's text2text"):
            arithmetic("img2text").new_model(queries, MODEL, ANSWERS)

    def test_the_answers_reader_trains_alone_through_the_program(self, mul, handwriting: Handwriting) -> None:
        """Its one phase trains the reader's CNN alone (the core stays the text2text's), on glyph indices and answers:
        each strip's glyphs read as log-probabilities over the task's characters."""
        queries, text2text, program = mul
        kind = arithmetic("img2text")
        assert kind.learns_from_answers(ANSWERS) and not kind.learns_from_answers(Img2TextConfig(reader="classifier"))
        model, arch = kind.new_model(queries, MODEL, ANSWERS, text2text=text2text)
        (phase,) = kind.phases(model, arch, ANSWERS, handwriting, program, queries, value_loss=1.0)
        assert isinstance(phase.trainee, ReaderOfPools)
        assert {id(p) for p in phase.trainee.parameters()} == {id(p) for p in model.reader.parameters()}
        assert (phase.objective.inputs, phase.objective.fields) == ("query_glyphs", ("answer",))
        log_probs = phase.trainee.eval()(torch.from_numpy(queries.query_glyphs[:4]))
        assert log_probs.shape == (4, queries.query_width, len(queries.vocabulary))
        torch.testing.assert_close(log_probs.exp().sum(-1), torch.ones(4, queries.query_width))

    def test_with_label_epochs_the_reader_learns_again_from_the_labels_the_answers_gave(
            self, mul, handwriting: Handwriting) -> None:
        """A second phase: when it starts, every image of the train and validation strips gets the label its readings
        and the answers agree on (no other image: none of the test pool), and the reader's CNN goes back to its initial
        weights to learn, as a classifier, from those images and labels for label_epochs."""
        queries, text2text, program = mul
        kind = arithmetic("img2text")
        options = dataclasses.replace(ANSWERS, label_epochs=2)
        model, arch = kind.new_model(queries, MODEL, options, text2text=text2text)
        assert isinstance(model.reader, TimeDistributed)
        initial = {name: value.clone() for name, value in model.reader.module.state_dict().items()}
        _, labelled = kind.phases(model, arch, options, handwriting, program, queries, value_loss=1.0)
        assert labelled.trainee is model.reader.module and labelled.options.epochs == 2
        assert (labelled.objective.inputs, labelled.objective.fields) == ("image", ("label",))
        with torch.no_grad():
            next(model.reader.parameters()).add_(1.0)  # as if the first phase had trained it
        assert labelled.rows is not None
        train, validation = labelled.rows()
        for name, value in model.reader.module.state_dict().items():
            torch.testing.assert_close(value, initial[name])
        for rows, split in ((train, "train"), (validation, "validation")):
            glyphs = np.unique(queries.query_glyphs[queries.split == split])
            assert len(rows) >= len(glyphs) and set(rows[np.arange(len(rows))]) == {"image", "label"}
            assert handwriting.in_pool(split)[glyphs].all()

    def test_with_images_once_it_trains_on_strips_drawn_once(self, mul, handwriting: Handwriting) -> None:
        """images_once: the train rows are the strips of ``query_sets.drawn_once`` (each train-pool digit image in one
        strip), drawn once: no fresh handwriting, whatever fresh_handwriting says; without it the queries stay as the
        dataset stage drew them."""
        queries, _, _ = mul
        kind = arithmetic("img2text")
        once = dataclasses.replace(ANSWERS, images_once=True)
        assert kind.fresh_handwriting(ANSWERS) and not kind.fresh_handwriting(once)
        assert kind.training_strips(queries, handwriting, ANSWERS, np.random.default_rng(0)) is queries
        strips = kind.training_strips(queries, handwriting, once, np.random.default_rng(0))
        np.testing.assert_array_equal(strips.query_glyphs,
                                      drawn_once(queries, handwriting, np.random.default_rng(0)).query_glyphs)

    def test_pool_scores_are_the_readers_digit_accuracy_when_it_reads_symbols(self, mul, handwriting: Handwriting,
                                                                              classifier_checkpoint) -> None:
        """pool_scores gives the share of a pool's digits the reader reads right, for a reader of symbols (answers, the
        classifier, also read once); a reader of features (trained) has none."""
        queries, text2text, _ = mul
        kind = arithmetic("img2text")
        answers, _ = kind.new_model(queries, MODEL, ANSWERS, text2text=text2text)
        classifier, _ = kind.new_model(queries, MODEL, Img2TextConfig(reader="classifier"), classifier_checkpoint)
        trained, _ = kind.new_model(queries, ModelConfig(core="lstm", hidden=8),
                                    Img2TextConfig(reader="trained", conv_filters=4))
        assert isinstance(classifier, Img2Text)
        for model in (answers, classifier,
                      ReadOnce(classifier, handwriting.pixels(np.arange(len(handwriting.images))))):
            for pool in SPLITS:
                (score,) = kind.pool_scores(model, handwriting, pool).items()
                assert score[0] == "reader_digit_accuracy" and 0 <= score[1] <= 1
        assert kind.pool_scores(trained, handwriting, "validation") == {}
