"""The glue between data and models: reading each glyph once gives exactly the pixel path's answers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seq2arith import inference, recipes
from seq2arith.classifier import read_queries, read_strips
from seq2arith.config import Img2TextConfig, ModelConfig, ParamsError, SplitConfig, TaskConfig, Text2TextConfig
from seq2arith.dataset import ArithmeticDataset, create_data
from seq2arith.handwriting import Handwriting
from seq2arith.models import Architecture, ReaderConfig, build
from seq2arith.text import SYMBOLS


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
    model, arch = recipes.make_model("img2text", queries, ModelConfig(hidden=8), options)
    model.eval()
    runner, inputs = inference.evaluator(model, arch, handwriting)
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
        recipes.make_model("text2text", queries, ModelConfig(features="digit_pairs"), Text2TextConfig())


def test_digit_pairs_needs_a_reader_of_symbols() -> None:
    """img2text can pair digits only from a reader that reads symbols: the classifier."""
    handwriting, queries = _setup()
    options = Img2TextConfig(init_from_classifier=False, freeze_reader=False)
    with pytest.raises(ParamsError, match="needs img2text.init_from_classifier: true"):
        recipes.make_model("img2text", queries, ModelConfig(features="digit_pairs"), options)
