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
    over_seeds: bool = False  # one row per column over the runs of ``params`` (seed): mean, 95% interval, n and
    # each run's value (report/seeds.py), not one row per experiment


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
# The report's experiments vary its LSTM: they run on report.yaml's lstm recipe (reports/README.md's $LSTM).
LSTM_RECIPE = ("model.core", "model.features", "model.hidden", "model.dropout", "train.value_loss", "train.mirror",
               "text2text.", "img2text.", "text2img.")
DEFAULT_CORE = (("model.core", "columns"),)
PAIRS_LSTM = (("model.core", "lstm"), ("model.features", "digit_pairs"))  # the default of the previous round
REPORT_LSTM = (("model.core", "lstm"), ("model.features", "characters"))
CORE_NAMES = {DEFAULT_CORE: "the default core (columns)", PAIRS_LSTM: "the LSTM over digit pairs",
              REPORT_LSTM: "the report's LSTM"}
GENERALISATION = tuple((path, key) for path in TEXT2TEXT for key in (
    "test.exact_match", "test.unseen_pair_exact_match", "train.exact_match", "beyond_range.exact_match"))
BEYOND_RANGE = tuple((f"metrics/{task}-{kind}.json", f"beyond_range.{shape}_exact_match")
                     for kind in ("text2text", "img2text", "text2img")
                     for task, shapes in (("addsub", ("3+3", "3-3")), ("mul", ("3x1", "3x2", "3x3")))
                     for shape in shapes)
PAST_THE_RANGE = tuple((f"metrics/{task}-text2text.json", key) for task, shapes in (
    ("addsub", ("3-1", "1-3", "3-3", "4-4", "10+10", "10-10")), ("mul", ("3x2", "2x3", "3x3", "4x4", "5x5")))
    for key in ("validation.exact_match", "test.unseen_pair_exact_match",
                *(f"beyond_range.{shape}_exact_match" for shape in shapes)))
THREE_DIGITS = (*((f"metrics/{task}-text2text.json", key) for task in ("add3", "mul3") for key in (
    "test.exact_match", "test.unseen_pair_exact_match", "test.char_accuracy", "train.exact_match",
    "beyond_range.exact_match")),
    *(("metrics/add3-img2text.json", f"test.{key}") for key in ("exact_match", "symbolic_exact_match")))
EVERY_KIND = tuple((f"metrics/{task}-{kind}.json", key) for task in ("addsub", "mul") for kind, key in (
    ("text2text", "test.exact_match"), ("text2text", "test.unseen_pair_exact_match"), ("img2text", "test.exact_match"),
    ("img2text", "test.symbolic_exact_match"), ("text2img", "test.read_exact_match")))
READER = (*(("metrics/classifier.json", key) for key in ("digit_accuracy", "test_accuracy", "train_accuracy")),
          *((f"metrics/{task}-img2text.json", f"test.{key}") for task in ("addsub", "mul")
            for key in ("exact_match", "symbolic_exact_match")),
          *((f"metrics/{task}-text2img.json", "test.read_exact_match") for task in ("addsub", "mul")))

def reading_scores(*tasks: str) -> tuple[tuple[str, str], ...]:
    """img2text's reader and answers per task: on validation, where choices are made, and on test."""
    return tuple((f"metrics/{task}-img2text.json", f"{split}.{key}") for task in tasks
                 for split, key in (("validation", "reader_digit_accuracy"), ("validation", "exact_match"),
                                    ("test", "reader_digit_accuracy"), ("test", "exact_match"),
                                    ("test", "symbolic_exact_match")))


READING_FROM_ANSWERS = reading_scores("addsub", "mul")
HANDWRITING = tuple((f"metrics/{task}-text2img.json", f"{split}.{key}") for task in ("addsub", "mul")
                    for split, key in (("validation", "read_exact_match"), ("validation", "diversity"),
                                       ("test", "read_exact_match"), ("test", "real_read_exact_match"),
                                       ("test", "frechet_ratio"), ("test", "diversity")))
NESY_PROTOCOL = (("metrics/train-add2-img2text.json", "train_queries"), *reading_scores("add2"))
HEADLINE = {"text2text": ("test.exact_match", "test.unseen_pair_exact_match", "beyond_range.exact_match"),
            "img2text": ("test.exact_match", "test.unseen_pair_exact_match", "test.symbolic_exact_match",
                         "test.reader_digit_accuracy", "beyond_range.exact_match"),
            "text2img": ("test.read_exact_match", "test.read_unseen_pair_exact_match", "test.real_read_exact_match",
                         "test.frechet_ratio", "test.diversity", "beyond_range.exact_match")}
SEEDS = (*((f"metrics/{task}-{kind}.json", key) for task in ("addsub", "mul") for kind, keys in HEADLINE.items()
           for key in keys),
         *((f"metrics/{reader}.json", "digit_accuracy") for reader in ("classifier", "judge")))  # every headline


def _text2text_sweep(title: str, params: tuple[str, ...], core: tuple[tuple[str, Any], ...],
                     report: tuple[str, ...] = (), figure: bool = False,
                     columns: tuple[tuple[str, str], ...] = train_and_test(TEXT2TEXT),
                     recipe: tuple[str, ...] = LSTM_RECIPE) -> TableSpec:
    """A text2text sweep of the report on one core (``where`` its settings), with each experiment's error figures."""
    return TableSpec(f"{title} (text2text), on {CORE_NAMES[core]}", params, columns, recipe, figure=figure,
                     report=report, errors=TEXT2TEXT_PREDICTIONS, where=core)


LSTM_LAYERS = ("Tables 1 and 4: extra encoder LSTM layers", ("model.extra_lstm", "model.hidden", "text2text.epochs"))
TEST_RATIO = ("Figures 2-6: share of queries held out for testing", ("split.test_ratio", "text2text.epochs"))
TABLES = {
    "lstm": _text2text_sweep(*LSTM_LAYERS, PAIRS_LSTM, ("Table 1", "Table 4"), figure=True),
    "lstm-report": _text2text_sweep(*LSTM_LAYERS, REPORT_LSTM, ("Table 1", "Table 4")),
    "lstm-columns": _text2text_sweep(*LSTM_LAYERS, DEFAULT_CORE, ("Table 1", "Table 4"),
                                     columns=tuple((path, key) for path in TEXT2TEXT for key in (
                                         "validation.exact_match", "test.exact_match",
                                         "test.unseen_pair_exact_match")),
                                     recipe=("img2text.", "text2img.")),  # the default core as it is
    "test-ratio": _text2text_sweep(*TEST_RATIO, DEFAULT_CORE, figure=True, columns=GENERALISATION,
                                   recipe=("img2text.", "text2img.")),  # the default core as it is, nothing ablated
    "test-ratio-pairs": _text2text_sweep(*TEST_RATIO, PAIRS_LSTM),
    "test-ratio-report": _text2text_sweep(*TEST_RATIO, REPORT_LSTM),
    "generalisation": TableSpec(
        "Generalisation ablation (text2text): what each part of the columns core buys",
        ("split.test_ratio", "split.group", "model.core", "train.value_loss", "train.mirror", "text2text.weight_decay",
         "text2text.epochs"), GENERALISATION,
        ("model.features", "model.hidden", "model.dropout", "text2text.", "img2text.", "text2img.")),
    "every-kind": TableSpec("Every kind on a tenth of the table: test exact match (text2img: read back)",
                            ("split.test_ratio", *(f"{kind}.epochs" for kind in ("text2text", "img2text", "text2img"))),
                            EVERY_KIND),
    "beyond-range": TableSpec("Past the training range: 3-digit numbers asked of the models trained on 0..99",
                              ("split.test_ratio", "model.core"), BEYOND_RANGE,
                              ("text2text.", "img2text.", "text2img.")),
    "past-the-range": TableSpec("What each part buys past the training range (text2text, trained on 0..99)",
                                ("split.test_ratio", "model.carry", "model.extra_lstm", "text2text.epochs",
                                 "text2text.learning_rate"),
                                PAST_THE_RANGE, ("text2text.",)),
    "three-digit": TableSpec("Three-digit tasks trained: add3 and mul3, 50,000 sampled queries each",
                             ("text2text.epochs",), THREE_DIGITS, ("tasks.", "img2text.", "text2img.")),
    "reader": TableSpec("The glyph reader (classifier): what each part buys, and what img2text reaches with it",
                        (*(f"classifier.{key}" for key in ("conv_layers", "label_smoothing", "members", "epochs",
                                                            "operator_share", "augment")),
                         "img2text.reader_temperature"),
                        READER, ("img2text.", "text2img.")),
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
                           "text2img.loss", "samples.threshold"),
                          train_and_test(("metrics/addsub-text2img.json", "metrics/mul-text2img.json"),
                                         ("read_exact_match", "read_char_accuracy")), LSTM_RECIPE,
                          samples=tuple(f"plots/samples/{task}-text2img-{style}.png" for task in ("addsub", "mul")
                                        for style in ("raw", "thresholded"))),
    "handwriting": TableSpec(
        "text2img that writes like a person: what each part buys, read and compared by the judge",
        ("text2img.style_size", "text2img.style_prior", "text2img.image_decoder", "text2img.image_batch_size",
         "drawing.style_temperature", "drawing.sharpness"), HANDWRITING, ("text2img.", "drawing."),
        samples=tuple(f"plots/samples/{task}-text2img-beside-real.png" for task in ("addsub", "mul"))),
    "multiplication": TableSpec(
        "Multiplication ablation (text2text): what makes it generalise",
        (*RECIPE, "split.group", *(f"text2text.{k}" for k in (*FIT, "weight_decay"))),
        tuple(("metrics/mul-text2text.json", key) for key in (
            "test.exact_match", "test.unseen_pair_exact_match", "test.char_accuracy", "train.exact_match")),
        # what text2text does not read, and so may differ in experiments of older commits
        ("device", "tasks.", "samples.", "img2text.", "text2img.", "model.mlp_layers")),
    "reading-from-answers": TableSpec(
        "img2text's reader: learned from the answers alone, or the classifier trained with a label per glyph",
        ("img2text.reader", "img2text.epochs", "img2text.batch_size", "img2text.learning_rate",
         "img2text.weight_decay", "img2text.label_epochs", "img2text.conv_filters", "img2text.augment"),
        READING_FROM_ANSWERS, ("img2text.",)),
    "nesy-protocol": TableSpec(
        "The neuro-symbolic benchmarks' protocol: add2 (N = 2), each training digit image in one strip only",
        ("data.source", "img2text.images_once", "img2text.epochs", "img2text.label_epochs"), NESY_PROTOCOL,
        ("tasks.", "data.", "text2text.", "img2text.", "text2img.")),
    "seeds": TableSpec("Seeds: every model's headline numbers over seeds (mean and 95% interval)", ("seed",), SEEDS,
                       over_seeds=True),
}
