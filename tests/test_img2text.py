"""img2text's reading of the classifier: its probabilities sharpened by the reader temperature."""

from __future__ import annotations

import torch

from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.kinds.classifier import ClassifierConfig
from seq2arith.kinds.img2text import Img2Text, Img2TextConfig
from seq2arith.models.cores import ModelConfig
from seq2arith.text import vocabulary


def _img2text(temperature: float) -> Img2Text:
    kind = arithmetic("img2text")
    arch = kind.architecture(vocabulary(["*"]), 5, 4, ModelConfig(hidden=8), Img2TextConfig(
        reader_temperature=temperature), ClassifierConfig(conv_layers=1, conv_filters=4))
    network = kind.network(arch)
    assert isinstance(network, Img2Text)
    return network


def test_the_temperature_sharpens_what_the_classifier_reads() -> None:
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


def test_a_reader_of_features_is_not_sharpened() -> None:
    """A reader trained from scratch gives features, not probabilities: the temperature leaves them alone."""
    kind = arithmetic("img2text")
    options = Img2TextConfig(init_from_classifier=False, freeze_reader=False, conv_filters=4, reader_temperature=0.5)
    arch = kind.architecture(vocabulary(["*"]), 5, 4, ModelConfig(core="lstm", hidden=8), options)
    network = kind.network(arch)
    strip = torch.rand(2, 5, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(network.eval().read(strip), network.reader(strip))
