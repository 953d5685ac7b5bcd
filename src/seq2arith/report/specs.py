"""The tables `seq2arith tables` writes: which params each sweep varies and which metrics it shows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TableSpec:
    """One of the report's tables: which params vary (columns) and which metrics are shown."""

    title: str
    params: tuple[str, ...]  # dotted params.yaml keys shown as columns
    columns: tuple[tuple[str, str], ...]  # (metrics file, dotted key in it) shown as columns
    recipe: tuple[str, ...] = ()  # keys (or "section." prefixes) the sweep may also set, not shown: the recipe
    # it runs on, such as LSTM_RECIPE
    figure: bool = False  # also drawn: each column against the first param (`seq2arith tables --figures`)
    report: tuple[str, ...] = ()  # the report's tables (report.yaml) whose numbers stand beside ours
    samples: tuple[str, ...] = ()  # figures each experiment draws, kept per experiment (`tables --figures`)
    errors: tuple[str, ...] = ()  # predictions each experiment writes, drawn per experiment as the report's error
    # figure (`tables --figures`)
    where: tuple[tuple[str, Any], ...] = ()  # params every experiment of the sweep has (the baseline need not)


def train_and_test(paths: tuple[str, ...], scores: tuple[str, ...] = ("exact_match", "char_accuracy")
                   ) -> tuple[tuple[str, str], ...]:
    """Each score on train and on test, for each metrics file."""
    return tuple((path, f"{split}.{score}") for path in paths for score in scores for split in ("train", "test"))


TEXT2TEXT = ("metrics/addsub-text2text.json", "metrics/mul-text2text.json")
TEXT2TEXT_PREDICTIONS = tuple(f"plots/predictions/{Path(path).stem}.csv" for path in TEXT2TEXT)
FIT = ("epochs", "learning_rate", "batch_size")
IMG2TEXT_FIT = tuple(f"img2text.{key}" for key in FIT)
IMG2TEXT_DATA = ("split.test_ratio", "img2text.fresh_handwriting")  # which queries, drawn once or every epoch
RECIPE = ("model.core", "model.features", "model.hidden", "model.dropout", "train.mirror")  # what makes × generalise
# The report's experiments vary its LSTM: they run on reports/README.md's $LSTM recipe, which sets these.
LSTM_RECIPE = ("model.core", "model.features", "train.mirror", "text2text.", "img2text.", "text2img.")


def _text2text_sweep(title: str, params: tuple[str, ...], features: str, report: tuple[str, ...] = (),
                     figure: bool = False) -> TableSpec:
    """A text2text sweep of the report on one core: the experiments reading ``features`` (the default core reads
    digit pairs, the report's LSTM characters), with each experiment's error figures."""
    core = "the default core" if features == "digit_pairs" else "the report's LSTM"
    return TableSpec(f"{title} (text2text), on {core}", params, train_and_test(TEXT2TEXT), LSTM_RECIPE,
                     figure=figure, report=report, errors=TEXT2TEXT_PREDICTIONS, where=(("model.features", features),))


LSTM_LAYERS = ("Tables 1 and 4: extra encoder LSTM layers", ("model.extra_lstm", "model.hidden", "text2text.epochs"))
TEST_RATIO = ("Figures 2-6: share of queries held out for testing", ("split.test_ratio", "text2text.epochs"))
TABLES = {
    "lstm": _text2text_sweep(*LSTM_LAYERS, "digit_pairs", ("Table 1", "Table 4"), figure=True),
    "lstm-report": _text2text_sweep(*LSTM_LAYERS, "characters", ("Table 1", "Table 4")),
    "test-ratio": _text2text_sweep(*TEST_RATIO, "digit_pairs", figure=True),
    "test-ratio-report": _text2text_sweep(*TEST_RATIO, "characters"),
    "convlstm": TableSpec("Table 2: ConvLSTM image-to-text, addition/subtraction",
                          ("img2text.encoder", "model.extra_lstm", *IMG2TEXT_FIT, *IMG2TEXT_DATA),
                          train_and_test(("metrics/addsub-img2text.json",)), LSTM_RECIPE, report=("Table 2",),
                          where=(("img2text.encoder", "convlstm"),)),
    "img2text-addsub": TableSpec("Table 3: time-distributed CNN + LSTMs image-to-text, addition/subtraction",
                                 ("img2text.encoder", "model.extra_lstm", "model.hidden", "img2text.conv_filters",
                                  *IMG2TEXT_FIT, *IMG2TEXT_DATA),
                                 train_and_test(("metrics/addsub-img2text.json",)), LSTM_RECIPE,
                                 report=("Table 3",),
                                 where=(("img2text.encoder", "cnn"),)),
    "img2text-mul": TableSpec("Table 5: time-distributed CNN + LSTMs image-to-text, multiplication",
                              ("img2text.encoder", "model.extra_lstm", "model.hidden", "img2text.conv_layers",
                               "img2text.conv_filters", *IMG2TEXT_FIT, *IMG2TEXT_DATA),
                              train_and_test(("metrics/mul-img2text.json",)), LSTM_RECIPE, report=("Table 5",),
                              where=(("img2text.encoder", "cnn"),)),
    "text2img": TableSpec("Section 3.3: text-to-image variants",
                          ("text2img.epochs", "text2img.image_epochs", "text2img.text_loss", "model.bidirectional",
                           "model.batchnorm", "model.dropout", "model.extra_lstm", "text2img.image_decoder",
                           "text2img.loss", "plots.threshold"),
                          train_and_test(("metrics/addsub-text2img.json", "metrics/mul-text2img.json"),
                                         ("read_exact_match", "read_char_accuracy")), LSTM_RECIPE,
                          samples=tuple(f"plots/samples/{task}-text2img-{style}.png" for task in ("addsub", "mul")
                                        for style in ("raw", "thresholded"))),
    "multiplication": TableSpec(
        "Multiplication ablation (text2text): what makes it generalise",
        (*RECIPE, "split.group", *(f"text2text.{k}" for k in (*FIT, "weight_decay"))),
        tuple(("metrics/mul-text2text.json", key) for key in (
            "test.exact_match", "test.unseen_pair_exact_match", "test.char_accuracy", "train.exact_match")),
        # what text2text does not read, and so may differ in experiments of older commits
        ("device", "tasks.", "plots.", "img2text.", "text2img.", "model.mlp_layers")),
}
