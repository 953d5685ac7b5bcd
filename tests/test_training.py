"""The training loop: every model kind learns on tiny data, deterministically, curves reach DVCLive, and models
and batches go to the device asked for (checked on the shape-only meta device: these tests run on the CPU)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from seq2arith.data.queries import SplitConfig, TaskConfig
from seq2arith.data.query_sets import create_data
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.kinds.img2text import Img2TextConfig
from seq2arith.kinds.text2img import Text2Img, Text2ImgConfig
from seq2arith.kinds.text2text import Text2Text, Text2TextConfig
from seq2arith.models.cores import ModelConfig
from seq2arith.params import ParamsError
from seq2arith.runtime.devices import torch_device
from seq2arith.runtime.seeding import seed_torch
from seq2arith.runtime.threads import Threads
from seq2arith.training.architecture import Architecture
from seq2arith.training.batches import batches
from seq2arith.training.loop import curves, fit, score
from seq2arith.training.plan import datasets
from tiny import Trained, train_tiny

OPTIONS = {
    "text2text": Text2TextConfig(epochs=6, batch_size=16, learning_rate=0.01),
    "img2text": Img2TextConfig(epochs=6, batch_size=16, learning_rate=0.01, conv_filters=4,
                               reader="trained"),
    "text2img": Text2ImgConfig(epochs=6, batch_size=16, learning_rate=0.01, dense_units=16),
}


TASK = TaskConfig(operators=["+", "-"], highest_integer=9)
SMALL_CORE = ModelConfig(hidden=16, core="mlp")


@pytest.fixture(scope="module")
def queries(handwriting):
    """All 200 one-digit additions and subtractions, in the random-pixel handwriting of conftest."""
    return create_data(TASK, SplitConfig(0.25), handwriting, np.random.default_rng(0)), handwriting


def text2img(query_set, options: Text2ImgConfig) -> tuple[Text2Img, Architecture, Text2Text]:
    """A fresh text2img with ``options`` on the small core, and the untrained text2text of the task whose core and
    character head it draws from (with image_epochs); torch seeded first, so the weights are the same whichever
    tests ran before on the worker."""
    seed_torch(0, "test")
    text2text, _ = arithmetic("text2text").new_model(query_set, SMALL_CORE, Text2TextConfig())
    assert isinstance(text2text, Text2Text)
    model, arch = arithmetic("text2img").new_model(query_set, SMALL_CORE, options, text2text=text2text)
    assert isinstance(model, Text2Img)
    return model, arch, text2text


def train(kind: str, queries, core: str = "lstm", threads: Threads | None = None, classifier: Path | None = None
          ) -> Trained:
    """``kind`` with ``core`` trained a few epochs on fresh handwriting every epoch (the columns core with its value
    loss; img2text then reads with the ``classifier``, unfrozen: the columns core reads symbols)."""
    query_set, handwriting = queries
    model_config = ModelConfig(hidden=16, core=core)
    options = OPTIONS[kind]
    if kind == "img2text" and core == "columns":
        options = dataclasses.replace(options, reader="classifier")
    return train_tiny(kind, query_set, model_config, options, handwriting, classifier, threads=threads, redraw=True,
                      value_loss=1.0 if core == "columns" else 0.0)


@pytest.fixture
def torch_threads():
    """Restore torch's thread count after the test."""
    count = torch.get_num_threads()
    yield
    torch.set_num_threads(count)


class TestFit:
    """``loop.fit`` (training/loop.py)."""

    @pytest.mark.parametrize("core", ["columns", "lstm", "mlp"])
    @pytest.mark.parametrize("kind", sorted(OPTIONS))
    def test_loss_falls(self, kind: str, core: str, queries, classifier_checkpoint) -> None:
        """A few epochs on tiny data lower the training loss of every model kind, with every core."""
        trained = train(kind, queries, core, classifier=classifier_checkpoint)
        assert trained.after["train"]["loss"] < trained.before["loss"]

    def test_training_is_deterministic(self, queries) -> None:
        """Same seed, same data: identical weights after training."""
        first, second = train("text2text", queries).model, train("text2text", queries).model
        for (name, a), (_, b) in zip(first.state_dict().items(), second.state_dict().items()):
            assert torch.equal(a, b), name

    @pytest.mark.parametrize(("kind", "core", "tolerance"), [("text2text", "mlp", 1e-6), ("text2img", "mlp", 1e-4)])
    def test_thread_count_changes_no_result(self, kind: str, core: str, tolerance: float, queries,
                                            torch_threads) -> None:
        """fit trains with the thread count it is given; 1 or 2 threads give weights that differ in float noise only:
        MKL splits its sums by thread on some processors (1e-7 on this AMD EPYC, none on Intel ones before), and
        text2img's pixel loss is summed in per-thread chunks."""
        weights = []
        for count in (1, 2):
            model = train(kind, queries, core, Threads(count)).model
            assert torch.get_num_threads() == count
            weights.append(model.state_dict())
        for name, value in weights[0].items():
            torch.testing.assert_close(value, weights[1][name], rtol=0, atol=tolerance, msg=name)

    def test_curves_logged(self, queries, tmp_path) -> None:
        """fit logs train and validation loss, character accuracy and exact match for every epoch through DVCLive,
        the same scores of every split it is given to check, under its name, and after_epoch's scores under
        validation; no test curve."""
        query_set, handwriting = queries
        options = Text2TextConfig(epochs=2, batch_size=32)
        model, arch = arithmetic("text2text").new_model(query_set, ModelConfig(hidden=8), options)
        (phase,) = arithmetic("text2text").phases(model, arch, options, handwriting, value_loss=0.0)
        train_set, validation_set = datasets(phase, query_set, handwriting, arch.model)
        assert validation_set.split == "validation" and len(validation_set) > 0
        calls = []
        with curves(tmp_path / "live") as live:
            last = fit(phase.trainee, phase.objective, train_set, validation_set, options, seed_torch(0, "t"), live,
                       checks={"unseen": validation_set}, after_epoch=lambda: calls.append(1) or {"extra": 0.5})
        assert len(calls) == 2 and last["validation"]["extra"] == 0.5 and "exact_match" in last["validation"]
        for split, names in (("train", ("loss", "char_accuracy", "exact_match")),
                             ("validation", ("loss", "char_accuracy", "exact_match", "extra")),
                             ("unseen", ("loss", "char_accuracy", "exact_match"))):
            for name in names:
                rows = (tmp_path / f"live/plots/metrics/{split}/{name}.tsv").read_text().splitlines()
                assert rows[0].split("\t") == ["step", name] and len(rows) == 3
        assert not (tmp_path / "live/plots/metrics/test").exists()


class TestImg2TextKind:
    """``img2text.Img2TextKind``'s training (kinds/img2text.py)."""

    def test_frozen_reader_from_classifier(self, queries, classifier_checkpoint) -> None:
        """img2text started from a classifier with a frozen reader learns through its lookup table and leaves
        the reader's weights exactly as the classifier's."""
        query_set, handwriting = queries
        options = Img2TextConfig(reader="classifier", epochs=4, batch_size=16, learning_rate=0.01)
        seed_torch(0, "test")  # the same weights whichever tests ran before on the worker
        model, arch = arithmetic("img2text").new_model(query_set, ModelConfig(hidden=16), options,
                                                       classifier_checkpoint)
        before_weights = {k: v.clone() for k, v in model.reader.state_dict().items()}
        (phase,) = arithmetic("img2text").phases(model, arch, options, handwriting, value_loss=0.0)
        train_set, test_set = datasets(phase, query_set, handwriting, arch.model)
        before = score(phase.trainee, phase.objective, train_set, 64)
        after = fit(phase.trainee, phase.objective, train_set, test_set, options, seed_torch(0, "t"))
        assert after["train"]["loss"] < before["loss"]
        for name, value in model.reader.state_dict().items():
            assert torch.equal(value, before_weights[name]), name


class TestText2ImgKind:
    """``text2img.Text2ImgKind``'s drawing epochs (kinds/text2img.py)."""

    def test_draws_from_its_tasks_text2text(self, queries) -> None:
        """With image_epochs, text2img's core and character head are the task's text2text's, and only its image head
        learns: the pixel loss falls while the core and character head stay exactly the text2text's."""
        query_set, handwriting = queries
        options = dataclasses.replace(OPTIONS["text2img"], epochs=2, image_epochs=3, image_learning_rate=0.02,
                                      image_weight_decay=0.5)
        model, arch, text2text = text2img(query_set, options)
        (drawing,) = arithmetic("text2img").phases(model, arch, options, handwriting, value_loss=0.0)
        assert (drawing.options.epochs, drawing.options.learning_rate, drawing.options.weight_decay) == (3, 0.02, 0.5)
        train_set, validation_set = datasets(drawing, query_set, handwriting, arch.model)
        before = score(drawing.trainee, drawing.objective, train_set, 64)
        after = fit(drawing.trainee, drawing.objective, train_set, validation_set, drawing.options, seed_torch(0, "t"))
        assert after["train"]["loss"] < before["loss"]
        assert model.text_head is not None
        for mine, its in ((model.core, text2text.core), (model.text_head, text2text.head)):
            for name, value in mine.state_dict().items():
                assert torch.equal(value, its.state_dict()[name]), name

    def test_drawing_from_a_text2text_needs_one(self, queries) -> None:
        """image_epochs without the task's text2text to draw from stops in one line."""
        options = dataclasses.replace(OPTIONS["text2img"], image_epochs=1)
        with pytest.raises(ParamsError,
                           match=r"^params.yaml: text2img.image_epochs > 0 draws from the task's text2text"):
            arithmetic("text2img").new_model(queries[0], SMALL_CORE, options)

    def test_drawing_epochs_score_the_drawings(self, queries) -> None:
        """text2img's drawing epochs log their pixel loss alone and their pixel accuracy: not the frozen character
        head's loss and exact match, which would repeat the character epochs' last numbers as a flat line."""
        query_set, handwriting = queries
        options = dataclasses.replace(OPTIONS["text2img"], image_epochs=1)
        model, arch, _ = text2img(query_set, options)
        (drawing,) = arithmetic("text2img").phases(model, arch, options, handwriting, value_loss=0.0)
        batch = datasets(drawing, query_set, handwriting, arch.model)[0][np.arange(8)]
        pixels = drawing.trainee(batch["query"])
        assert pixels.shape == batch["answer_images"].shape
        torch.testing.assert_close(drawing.objective.loss(pixels, batch),
                                   F.binary_cross_entropy_with_logits(pixels, batch["answer_images"]))
        assert set(drawing.objective.scores(pixels, batch)) == {"pixel_accuracy"}

    def test_styled_drawing_is_a_conditional_vae(self, queries) -> None:
        """With style_size, the drawing epochs train a conditional VAE: the model also reads the target handwriting,
        the loss is the pixels' plus the styles' KL divergence per pixel, it falls while the core stays as it was, and
        each character's fitted prior moves from N(0, 1) toward the styles encoded for it."""
        query_set, handwriting = queries
        options = dataclasses.replace(OPTIONS["text2img"], image_epochs=3, style_size=3)
        model, arch, _ = text2img(query_set, options)
        (drawing,) = arithmetic("text2img").phases(model, arch, options, handwriting, value_loss=0.0)
        train_set, test_set = datasets(drawing, query_set, handwriting, arch.model)
        batch = train_set[np.arange(8)]
        drawing.trainee.eval()  # scored: each style its posterior mean
        pixels, mean, log_variance = drawing.objective.run(drawing.trainee, batch["query"], batch)
        divergence = -0.5 * (1 + log_variance - mean**2 - log_variance.exp()).sum(-1).mean() / 784
        torch.testing.assert_close(drawing.objective.loss((pixels, mean, log_variance), batch),
                                   F.binary_cross_entropy_with_logits(pixels, batch["answer_images"]) + divergence)
        core = {k: v.clone() for k, v in model.core.state_dict().items()}
        before = score(drawing.trainee, drawing.objective, train_set, 64)
        after = fit(drawing.trainee, drawing.objective, train_set, test_set, drawing.options, seed_torch(0, "t"))
        assert after["train"]["loss"] < before["loss"]
        assert all(torch.equal(value, core[name]) for name, value in model.core.state_dict().items())
        assert model.style_means.abs().sum() > 0
        assert not torch.equal(model.style_covariances, torch.eye(3).expand_as(model.style_covariances))

    @pytest.mark.parametrize("style_size", [0, 3])
    def test_styles_draw_a_query_differently_each_time(self, queries, style_size: int) -> None:
        """Drawn twice, a query's answer is drawn in two styles; without styles (the report's decoders), twice the
        same."""
        query_set, _ = queries
        model, arch, _ = text2img(query_set, dataclasses.replace(OPTIONS["text2img"], image_epochs=1,
                                                                 style_size=style_size))
        query = torch.eye(len(arch.vocabulary))[torch.zeros(2, arch.query_width, dtype=torch.long)]
        with torch.no_grad():
            assert torch.equal(model(query), model(query)) == (style_size == 0)

    @pytest.mark.parametrize("prior", ["fitted", "standard"])
    def test_writes_in_the_hand_it_is_given(self, queries, prior: str) -> None:
        """Given the hand of a 7 (``write_like``), every glyph is drawn in it, the same each time: a 7 in exactly
        the style the encoder reads in that 7, an 8 at the place in the 8s' prior where that style sits in the
        7s'."""
        query_set, handwriting = queries
        model, arch, _ = text2img(query_set, dataclasses.replace(OPTIONS["text2img"], image_epochs=1, style_size=3,
                                                                 style_prior=prior))
        with torch.no_grad():  # each character a prior of its own, as training fits them
            model.style_means.normal_()
            spreads = torch.randn_like(model.style_covariances)
            model.style_covariances.copy_(spreads @ spreads.mT + torch.eye(3))
        seven, eight = (arch.vocabulary.index(digit) for digit in "78")
        glyph = handwriting.pixels(handwriting.sample(["7"], "train", np.random.default_rng(0))[0])  # (1, 28, 28)
        model.write_like(glyph, torch.tensor([seven]))
        with torch.no_grad():
            encoded = model.styles(glyph, F.one_hot(torch.tensor([seven]), len(arch.vocabulary)).float())[0][0]
            drawn_seven, drawn_eight = model.prior_styles(torch.tensor([[seven, eight]]))[0]
            query = torch.eye(len(arch.vocabulary))[torch.zeros(2, arch.query_width, dtype=torch.long)]
            assert torch.equal(model(query), model(query))
        torch.testing.assert_close(drawn_seven, encoded)
        if prior == "standard":
            torch.testing.assert_close(drawn_eight, encoded)
        else:
            spread = model.prior_spread()
            place = torch.linalg.solve_triangular(spread[seven], (encoded - model.style_means[seven])[:, None],
                                                  upper=False)
            torch.testing.assert_close(drawn_eight, model.style_means[eight] + (spread[eight] @ place)[:, 0])


# --- devices -------------------------------------------------------------------------------------------------------

META = torch.device("meta")  # tensors with shapes and no data: where a model "is" can be checked without a GPU


class TestTorchDevice:
    """``devices.torch_device`` (runtime/devices.py)."""

    def test_auto_and_cpu(self) -> None:
        """auto is CUDA where there is one and the CPU elsewhere; cpu is the CPU."""
        assert torch_device("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")
        assert torch_device("cpu") == torch.device("cpu")

    @pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
    @pytest.mark.parametrize("name", ["cuda", "cuda:1"])
    def test_cuda_without_cuda(self, name: str) -> None:
        """Asking for CUDA where there is none is one line naming the setting and the way out."""
        with pytest.raises(ParamsError) as caught:
            torch_device(name, "--device")
        assert str(caught.value) == (f"--device = {name!r}: CUDA is not available on this machine (no GPU, or torch "
                                     "built without CUDA); use auto or cpu")

    def test_cuda_index_beyond_the_devices_there_are(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """cuda:N past the last CUDA device names how many there are."""
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
        assert torch_device("cuda:1") == torch.device("cuda:1")
        with pytest.raises(ParamsError, match=r"params.yaml: device = 'cuda:2': this machine has 2 CUDA device\(s\)"):
            torch_device("cuda:2")


class TestOnTheDevice:
    """A model, its batches (``batches.batches``) and its training phases on a device."""

    @pytest.mark.parametrize("core", ["columns", "lstm", "mlp"])
    @pytest.mark.parametrize("kind", sorted(OPTIONS))
    def test_models_and_batches_go_to_the_device(self, kind: str, core: str, queries, classifier_checkpoint) -> None:
        """A model moved to a device has every weight there; a frozen reader reads its table there; batches move
        there; and every training phase runs there, digit pairs included."""
        query_set, handwriting = queries
        options = dataclasses.replace(OPTIONS[kind], **({"reader": "classifier"}
                                                       if kind == "img2text" else {}))
        model, arch = arithmetic(kind).new_model(query_set, ModelConfig(hidden=8, core=core, features="digit_pairs"),
                                                 options, classifier_checkpoint)
        model = model.to(META)
        assert {p.device for p in model.parameters()} == {META}
        for phase in arithmetic(kind).phases(model, arch, options, handwriting, value_loss=0.0):
            assert {b.device for b in phase.trainee.buffers()} <= {META}  # ReadOnce's table among them
            train_set, _ = datasets(phase, query_set, handwriting, arch.model)
            batch = next(batches(train_set, 4, device=META))
            assert {value.device for value in batch.values()} == {META}
            output = phase.trainee(batch[phase.objective.inputs])
            outputs = output if isinstance(output, tuple) else (output,)
            assert {tensor.device for tensor in outputs if tensor is not None} == {META}
