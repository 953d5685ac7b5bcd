"""Every kind's network: shapes for every option, and parameter counts against the report's tables."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn

from seq2arith import kinds
from seq2arith.data.text import SYMBOLS, encode_labels, vocabulary
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.kinds.classifier import ClassifierConfig, ClassifierNetwork
from seq2arith.kinds.img2text import Img2TextConfig
from seq2arith.kinds.text2img import Text2ImgConfig
from seq2arith.kinds.text2text import Text2TextConfig
from seq2arith.models.cores import ModelConfig
from seq2arith.training.architecture import count_parameters

ADDSUB, MUL = vocabulary(["+", "-"]), vocabulary(["*"])
LSTM_EXTRA_BIAS = 4 * 256  # PyTorch LSTMs keep b_ih and b_hh; Keras one bias: 4 * hidden more per layer
READER = ClassifierNetwork(conv_layers=2, conv_filters=8)  # img2text's reader when it starts from the classifier
OPTIONS = {"text2text": Text2TextConfig(), "img2text": Img2TextConfig(), "text2img": Text2ImgConfig()}


def network(kind: str, vocab: str = ADDSUB, answer_width: int = 3, options=None, **model) -> nn.Module:
    """A fresh ``kind`` network for queries of 5 characters, built as train-<kind>@<task> builds it."""
    chosen = arithmetic(kind)
    return chosen.network(chosen.architecture(vocab, 5, answer_width, ModelConfig(**model), options or OPTIONS[kind],
                                              READER))


LSTM = {"core": "lstm", "hidden": 16}
MODEL_OPTIONS = [  # the columns core, then the report's LSTM with each of its options
    {"core": "columns", "hidden": 16}, LSTM, {**LSTM, "decoder": "repeat"},
    {**LSTM, "bidirectional": True}, {**LSTM, "batchnorm": True, "dropout": 0.2}, {**LSTM, "extra_lstm": 3},
]


CORES = [{"core": "columns"}, {"core": "mlp", "features": "digit_pairs"},
         {"core": "mlp", "features": "characters"}, {"core": "lstm", "features": "digit_pairs"}]


class TestClassifier:
    """The classifier's network, ``classifier.Classifier`` (kinds/classifier.py)."""

    def test_shape(self) -> None:
        """The classifier maps (N, 28, 28) glyphs to one logit per symbol (digits, + - x, blank)."""
        net = kinds.named("classifier").network(READER)
        assert net(torch.rand(7, 28, 28)).shape == (7, len(SYMBOLS))


class TestText2Text:
    """text2text's network, ``text2text.Text2Text`` (kinds/text2text.py)."""

    @pytest.mark.parametrize("model", MODEL_OPTIONS)
    def test_shape(self, model: dict) -> None:
        """text2text maps a one-hot query (B, 5, V) to logits (B, T_out, V) under every core option."""
        net = network("text2text", answer_width=4, **model)
        assert net(torch.rand(3, 5, len(ADDSUB))).shape == (3, 4, len(ADDSUB))

    @pytest.mark.parametrize(("vocab", "extra_lstm", "keras_count"), [
        (ADDSUB, 1, 1_330_445),  # report Table 1, one additional LSTM layer
        (ADDSUB, 2, 1_855_757),  # report Table 1, two
        (MUL, 0, 803_852),  # report Table 4, first row
        (MUL, 3, 2_379_788),  # report Table 4, last row (three additional layers)
    ])
    def test_parameters_match_report(self, vocab: str, extra_lstm: int, keras_count: int) -> None:
        """The report-faithful text2text (hidden 256, RepeatVector decoder) has the report's parameter count
        plus one extra LSTM bias vector per layer."""
        net = network("text2text", vocab, core="lstm", extra_lstm=extra_lstm, hidden=256, decoder="repeat")
        lstm_layers = 1 + extra_lstm + 1  # encoder stack + decoder
        assert count_parameters(net) == keras_count + lstm_layers * LSTM_EXTRA_BIAS


class TestImg2Text:
    """img2text's network, ``img2text.Img2Text`` (kinds/img2text.py)."""

    @pytest.mark.parametrize(("options", "model"), [
        *((Img2TextConfig(reader=reader), model) for reader in ("answers", "classifier")  # readers of symbols
          for model in MODEL_OPTIONS[:5]),
        *((Img2TextConfig(encoder=encoder, reader="trained"), model) for encoder in ("cnn", "convlstm")
          for model in MODEL_OPTIONS[1:5]),  # a reader trained with the core reads features: no columns core
    ])
    def test_shape(self, options: Img2TextConfig, model: dict) -> None:
        """img2text maps a strip (B, 5, 28, 28) to logits (B, T_out, V) with each reader: the CNN over the task's
        characters (answers), the classifier, and the CNN and the ConvLSTM encoder trained with the core."""
        net = network("img2text", MUL, 4, options, **model)
        assert net(torch.rand(2, 5, 28, 28)).shape == (2, 4, len(MUL))

    @pytest.mark.parametrize("reader", ["answers", "classifier"])
    @pytest.mark.parametrize("core", CORES)
    def test_every_core_plugs_in(self, core: dict, reader: str) -> None:
        """img2text reads digits from its reader's symbol probabilities: the task's characters or the classifier's."""
        net = network("img2text", MUL, 4, Img2TextConfig(reader=reader), hidden=16, **core)
        assert net(torch.rand(2, 5, 28, 28)).shape == (2, 4, len(MUL))


class TestText2Img:
    """text2img's network, ``text2img.Text2Img`` (kinds/text2img.py)."""

    @pytest.mark.parametrize("decoder", ["dense", "conv_transpose"])
    @pytest.mark.parametrize("model", MODEL_OPTIONS[:5])
    def test_shape(self, decoder: str, model: dict) -> None:
        """text2img maps a one-hot query to pixel logits (B, T_out, 28, 28) with both image decoders."""
        net = network("text2img", options=Text2ImgConfig(image_decoder=decoder, dense_units=16), **model)
        assert net(torch.rand(2, 5, len(ADDSUB))).shape == (2, 3, 28, 28)

    def test_parameters_match_report(self) -> None:
        """The report's Figure 10 text2img (LSTM 256 -> repeat -> LSTM 256 -> Dense 128 -> Dense 784) has
        276,480 + 525,312 + 32,896 + 101,136 Keras parameters, plus two extra LSTM bias vectors."""
        net = network("text2img", core="lstm", extra_lstm=0, hidden=256, decoder="repeat", dropout=0.0,
                      options=Text2ImgConfig(image_decoder="dense", dense_units=128, text_loss=0.0))
        assert count_parameters(net) == 276_480 + 525_312 + 32_896 + 101_136 + 2 * LSTM_EXTRA_BIAS


class TestTextKinds:
    """The networks that read text, text2text's and text2img's."""

    @pytest.mark.parametrize("core", CORES)
    @pytest.mark.parametrize("kind", ["text2text", "text2img"])
    def test_every_core_plugs_in(self, kind: str, core: dict) -> None:
        """The columns core, the MLP core and digit-pair features give the same output shapes as the report's LSTM."""
        options = Text2ImgConfig(dense_units=16) if kind == "text2img" else None
        net = network(kind, MUL, 4, options, hidden=16, **core)
        query = torch.from_numpy(encode_labels(["12*34", "5*6  "], MUL))
        assert net(query).shape == ((2, 4, 28, 28) if kind == "text2img" else (2, 4, len(MUL)))


FIT = {"epochs": 7, "batch_size": 3, "learning_rate": 0.5, "lr_schedule": "constant", "weight_decay": 1.0}
TRAINING = {  # every key of a kind's section that says how it is trained, set apart from its default
    "text2text": FIT,
    "img2text": {**FIT, "augment": [], "label_epochs": 3, "fresh_handwriting": False, "images_once": True},
    "text2img": {**FIT, "loss": "mse", "text_loss": 2.0, "image_epochs": 2, "image_learning_rate": 0.5,
                 "image_weight_decay": 1.0, "image_batch_size": 3, "kl_weight": 0.5, "fresh_handwriting": False},
}


class TestArchitecture:
    """``ArithmeticKind.architecture`` (kinds/arithmetic.py): what a checkpoint stores to rebuild the network."""

    @pytest.mark.parametrize("kind", kinds.ARITHMETIC)
    def test_holds_nothing_of_how_the_model_is_trained(self, kind: str) -> None:
        """Every key of a kind's section shapes its network (its network options) or says how it is trained; two
        sections that differ in every training key give the same architecture."""
        chosen = arithmetic(kind)
        network_keys = {f.name for f in dataclasses.fields(chosen.network_options)}
        assert {f.name for f in dataclasses.fields(chosen.options)} == network_keys | set(TRAINING[kind])
        trained_apart = dataclasses.replace(OPTIONS[kind], **TRAINING[kind])
        assert (chosen.architecture(ADDSUB, 5, 3, ModelConfig(), OPTIONS[kind])
                == chosen.architecture(ADDSUB, 5, 3, ModelConfig(), trained_apart))

    def test_the_classifiers_checkpoint_holds_its_network_alone(self) -> None:
        """The classifier's section is its network's keys and those of how it is trained, which its checkpoint
        leaves out."""
        training = {"augment", "label_smoothing", "operator_share", "blanks", *FIT}
        assert ({f.name for f in dataclasses.fields(ClassifierConfig)}
                == {f.name for f in dataclasses.fields(ClassifierNetwork)} | training)
