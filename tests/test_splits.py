"""Tests of seq2arith.training.splits: one split of a query set served as tensors, one example or a whole batch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seq2arith.data.handwriting import SPLITS
from seq2arith.data.queries import SplitConfig, TaskConfig
from seq2arith.data.query_sets import QuerySet, create_data
from seq2arith.data.text import decode
from seq2arith.models.columns import ColumnCore, value_targets
from seq2arith.training.splits import Split

TASK = TaskConfig(operators=["+", "-"], highest_integer=12)  # 2 * 13**2 = 338 queries, answers -12..24
FIELDS = ("query", "query_images", "answer", "answer_images")  # the fields of the report's create_data


@pytest.fixture
def query_set(handwriting) -> QuerySet:
    return create_data(TASK, SplitConfig(test_ratio=0.25), handwriting, np.random.default_rng(0))


def dataset_rows(query_set: QuerySet, answer: str) -> list[tuple[str, int, int]]:
    """(split, index in the split's dataset, index in the query set) of every query whose answer is ``answer``."""
    found = []
    for split in SPLITS:
        rows = np.flatnonzero(query_set.split == split)
        found += [(split, position, row) for position, row in enumerate(rows) if query_set.answers[row] == answer]
    return found


def _text(one_hot: torch.Tensor, vocab: str) -> list[str]:
    """The characters of (N, T, V) one-hot rows."""
    return decode(one_hot.argmax(-1).numpy(), vocab)


class TestSplit:
    """``splits.Split`` (training/splits.py)."""

    @pytest.mark.parametrize("split", SPLITS)
    def test_dataset_item_shapes(self, query_set, handwriting, split):
        """One item holds query (T_in, V), query_images (T_in, 28, 28) in [0, 1], answer (T_out, V), answer_images."""
        dataset = Split(query_set, handwriting, split=split, reverse_answer=True, fields=FIELDS)
        assert len(dataset) == (query_set.split == split).sum() > 0 and dataset.split == split
        item = dataset[0]
        assert set(item) == {"query", "query_images", "answer", "answer_images"}
        assert item["query"].shape == (5, 13) and item["answer"].shape == (3, 13)
        assert item["query_images"].shape == (5, 28, 28) and item["answer_images"].shape == (3, 28, 28)
        for name in ("query_images", "answer_images"):
            assert item[name].dtype == torch.float32
            assert item[name].min() >= 0 and item[name].max() <= 1
        assert item["query_images"].max() > 0

    def test_dataset_batch_indexing(self, query_set, handwriting):
        """Indexing with a numpy array returns every field with a leading batch dimension."""
        dataset = Split(query_set, handwriting, split="train", reverse_answer=True, fields=FIELDS)
        batch = dataset[np.array([0, 3, 7])]
        assert batch["query"].shape == (3, 5, 13) and batch["answer"].shape == (3, 3, 13)
        assert batch["query_images"].shape == (3, 5, 28, 28) and batch["answer_images"].shape == (3, 3, 28, 28)
        torch.testing.assert_close(batch["query_images"][1], dataset[3]["query_images"])

    def test_dataset_query_matches_text(self, query_set, handwriting):
        """The query one-hot decodes to the split's query and its images are the stored glyphs."""
        dataset = Split(query_set, handwriting, split="test", reverse_answer=True, fields=FIELDS)
        row = np.flatnonzero(query_set.is_test)[4]
        assert _text(dataset[4]["query"][None], query_set.vocabulary) == [query_set.queries[row]]
        torch.testing.assert_close(dataset[4]["query_images"], handwriting.pixels(query_set.query_glyphs[row]))

    @pytest.mark.parametrize("answer, target, order",
                             [("-11", "11-", [2, 1, 0]), ("-1 ", "1- ", [1, 0, 2]), ("12 ", "21 ", [1, 0, 2])])
    def test_dataset_reverse_answer(self, query_set, handwriting, answer, target, order):
        """reverse_answer=True emits the units digit first and the answer images follow that order, in every split."""
        datasets = {split: Split(query_set, handwriting, split=split, reverse_answer=True, fields=FIELDS)
                    for split in SPLITS}
        found = dataset_rows(query_set, answer)
        assert found
        for split, position, row in found:
            item = datasets[split][position]
            assert datasets[split].targets[position] == target
            assert _text(item["answer"][None], query_set.vocabulary) == [target]
            torch.testing.assert_close(item["answer_images"], handwriting.pixels(query_set.answer_glyphs[row][order]))
            assert not torch.equal(item["answer_images"], handwriting.pixels(query_set.answer_glyphs[row]))

    def test_dataset_forward_answer(self, query_set, handwriting):
        """reverse_answer=False emits the answer and its images as stored."""
        dataset = Split(query_set, handwriting, split="train", reverse_answer=False, fields=FIELDS)
        position, row = next((position, row) for split, position, row in dataset_rows(query_set, "-11")
                             if split == "train")
        assert _text(dataset[position]["answer"][None], query_set.vocabulary) == ["-11"]
        torch.testing.assert_close(dataset[position]["answer_images"], handwriting.pixels(query_set.answer_glyphs[row]))

    def test_dataset_fields(self, query_set, handwriting):
        """fields restricts what an item holds; the dataset holds the whole split, in order."""
        dataset = Split(query_set, handwriting, split="train", reverse_answer=True, fields=("query",))
        assert set(dataset[0]) == {"query"}
        assert dataset.queries == query_set.of("train")

    def test_values_are_served_from_the_cores_value_targets(self, query_set, handwriting):
        """The field ``values`` holds what the core's class gives as its value targets, for each column of the answer
        and one more; a split asked for it without them says so."""
        dataset = Split(query_set, handwriting, "train", True, ("values",), ColumnCore.value_targets)
        rows = np.arange(4)
        assert torch.equal(dataset[rows]["values"], value_targets(dataset.queries[:4], query_set.answer_width + 1))
        with pytest.raises(ValueError, match="the field values needs its core's value targets"):
            Split(query_set, handwriting, "train", True, ("values",))

    @pytest.mark.parametrize("split", SPLITS)
    def test_redraw_handwriting(self, query_set, handwriting, split):
        """redraw_handwriting picks new glyph indices from the split's own pool showing the same characters."""
        dataset = Split(query_set, handwriting, split=split, reverse_answer=True, fields=FIELDS)
        before_query, before_answer = dataset.query_glyphs.copy(), dataset.answer_glyphs.copy()
        dataset.redraw_handwriting(np.random.default_rng(1))
        assert not np.array_equal(dataset.query_glyphs, before_query)
        assert not np.array_equal(dataset.answer_glyphs, before_answer)
        for glyphs, texts in ((dataset.query_glyphs, dataset.queries), (dataset.answer_glyphs, dataset.targets)):
            assert (handwriting.pool[glyphs] == split).all()
            np.testing.assert_array_equal(handwriting.symbols[glyphs], np.array([list(t) for t in texts]))
        np.testing.assert_array_equal(handwriting.symbols[dataset.answer_glyphs],
                                      handwriting.symbols[before_answer])
