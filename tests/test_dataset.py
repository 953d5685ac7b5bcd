"""Tests of seq2arith.dataset: query sets, their splits, mirrors and storage."""

from __future__ import annotations

import numpy as np
import pytest

from seq2arith.dataset import QuerySet, beyond_range_sets, create_data, statistics, with_mirrors
from seq2arith.queries import SplitConfig, TaskConfig, mirror, shape, terms, unseen_pairs

TASK = TaskConfig(operators=["+", "-"], highest_integer=12)  # 2 * 13**2 = 338 queries, answers -12..24
SPLIT = SplitConfig(test_ratio=0.25)


@pytest.fixture
def query_set(handwriting) -> QuerySet:
    return create_data(TASK, SPLIT, handwriting, np.random.default_rng(0))


# --- create_data ---------------------------------------------------------------------------------------------------

def test_create_data_contents(query_set):
    """create_data enumerates every query with its answer, the split and the task's vocabulary."""
    assert len(query_set.queries) == len(query_set.answers) == 338
    assert query_set.is_test.sum() == round(338 * 0.25)
    assert query_set.query_width == 5 and query_set.answer_width == 3
    assert query_set.query_glyphs.shape == (338, 5) and query_set.answer_glyphs.shape == (338, 3)
    assert query_set.vocabulary == "0123456789+- "
    assert query_set.answers[query_set.queries.index("0-11 ")] == "-11"


def test_create_data_keeps_pools_apart(query_set, handwriting):
    """Test queries and answers use only test-pool glyphs, train ones only train-pool glyphs."""
    for glyphs in (query_set.query_glyphs, query_set.answer_glyphs):
        assert handwriting.is_test[glyphs[query_set.is_test]].all()
        assert not handwriting.is_test[glyphs[~query_set.is_test]].any()


def test_create_data_glyphs_show_the_characters(query_set, handwriting):
    """Each stored glyph index shows the character at its position of the query or answer."""
    for texts, glyphs in ((query_set.queries, query_set.query_glyphs), (query_set.answers, query_set.answer_glyphs)):
        np.testing.assert_array_equal(handwriting.symbols[glyphs], np.array([list(t) for t in texts]))


def test_create_data_is_seeded(query_set, handwriting):
    """The same seed gives the same split and the same handwriting."""
    again = create_data(TASK, SPLIT, handwriting, np.random.default_rng(0))
    np.testing.assert_array_equal(again.is_test, query_set.is_test)
    np.testing.assert_array_equal(again.query_glyphs, query_set.query_glyphs)
    np.testing.assert_array_equal(again.answer_glyphs, query_set.answer_glyphs)


def test_query_set_save_load_round_trip(tmp_path, query_set):
    """A saved query set loads back identical, trailing spaces and negative answers included."""
    query_set.save(tmp_path / "set")
    loaded = QuerySet.load(tmp_path / "set")
    assert loaded.queries == query_set.queries and loaded.answers == query_set.answers
    assert "5+7  " in loaded.queries and "12 " in loaded.answers and "-11" in loaded.answers
    np.testing.assert_array_equal(loaded.is_test, query_set.is_test)
    np.testing.assert_array_equal(loaded.query_glyphs, query_set.query_glyphs)
    np.testing.assert_array_equal(loaded.answer_glyphs, query_set.answer_glyphs)
    assert loaded.vocabulary == query_set.vocabulary


def test_statistics(query_set, handwriting):
    """statistics reports counts, widths, vocabulary size, answer range and glyph pool sizes."""
    stats = statistics(query_set, {}, handwriting)
    sides = [[q for q, test in zip(query_set.queries, query_set.is_test) if test == side] for side in (False, True)]
    assert stats.pop("unseen_pair_test_queries") == unseen_pairs(*sides).sum()
    assert stats.pop("beyond_range_test_queries") == 0
    assert stats == {
        "queries": 338,
        "train_queries": 338 - round(338 * 0.25),
        "test_queries": round(338 * 0.25),
        "query_width": 5,
        "answer_width": 3,
        "vocabulary_size": 13,
        "answer_min": -12,
        "answer_max": 24,
        "train_glyph_images": int((~handwriting.is_test).sum()),
        "test_glyph_images": int(handwriting.is_test.sum()),
    }


def test_with_mirrors_adds_each_missing_mirror_as_training(handwriting):
    """with_mirrors trains on b*a for every trained a*b not trained on already, in train handwriting, with
    the same answer; test queries stay as they were."""
    queries = create_data(TaskConfig(operators=["*"], highest_integer=12), SPLIT, handwriting,
                          np.random.default_rng(0))
    mirrored = with_mirrors(queries)
    trained = {q for q, test in zip(queries.queries, queries.is_test) if not test}
    added = mirrored.queries[len(queries.queries):]
    expected = {m for q in trained if (m := mirror(q)) is not None} - trained
    assert sorted(added) == sorted(expected) and len(added) > 0
    assert not mirrored.is_test[len(queries.queries):].any()
    assert mirrored.is_test[:len(queries.queries)].tolist() == queries.is_test.tolist()
    answers = dict(zip(queries.queries, queries.answers))
    assert all(answer == answers[query] for query, answer in zip(added, mirrored.answers[len(queries.queries):]))
    assert not handwriting.is_test[mirrored.query_glyphs[len(queries.queries):]].any()
    glyphs = dict(zip(mirrored.queries, mirrored.query_glyphs))
    for query in added:  # each mirror is drawn with its original's glyphs, rearranged
        original = mirror(query)
        assert sorted(glyphs[query]) == sorted(glyphs[original]) and handwriting.symbols[glyphs[query]].tolist() \
            == list(query)


def test_with_mirrors_leaves_subtraction_alone(query_set, handwriting):
    """Only + queries gain mirrors in an addition/subtraction task."""
    added = with_mirrors(query_set).queries[len(query_set.queries):]
    assert added and all("+" in query for query in added)


def test_with_mirrors_of_an_unordered_split_adds_nothing(handwriting):
    """Under split.group unordered every mirror of a training query is a training query already."""
    task = TaskConfig(operators=["*"], highest_integer=12)
    queries = create_data(task, SplitConfig(0.25, "unordered"), handwriting, np.random.default_rng(0))
    assert with_mirrors(queries).queries == queries.queries


# --- beyond_range_sets ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("operators", "widths"), [(["+", "-"], {"3+3": 4, "3-3": 4}),
                                                   (["*"], {"3x1": 4, "3x2": 5, "3x3": 6})])
def test_beyond_range_sets_are_wider_than_anything_trained(operators, widths, handwriting):
    """Queries past the range of a 0..99 task, a set per shape: its count of distinct queries, every number of
    them with more digits than the task's (so none is a training query, nor a mirror of one), all test queries
    in test-pool handwriting, queries padded on the right to 7 characters, answers right and padded to the widest
    answer of their shape."""
    task = TaskConfig(operators=operators, highest_integer=99)
    beyond = beyond_range_sets(task, 40, handwriting, np.random.default_rng(0))
    trained = {query.rstrip() for query in create_data(task, SPLIT, handwriting, np.random.default_rng(0)).queries}
    assert {name: shaped.answer_width for name, shaped in beyond.items()} == widths
    for name, shaped in beyond.items():
        assert len(set(shaped.queries)) == len(shaped.queries) == 40
        assert {shape(query) for query in shaped.queries} == {name}
        assert all(max(terms(query)[0]) > 99 for query in shaped.queries)
        assert not {query.rstrip() for query in shaped.queries} & trained
        assert shaped.is_test.all() and handwriting.is_test[shaped.query_glyphs].all()
        assert all(query == query.rstrip().ljust(7) for query in shaped.queries)
        assert all(int(answer) == eval(query) for query, answer in zip(shaped.queries, shaped.answers))


def test_no_beyond_range_sets_for_three_numbers(handwriting):
    """A task of three numbers has no queries past its range (the cores that reach past it read two numbers)."""
    task = TaskConfig(operators=["+"], highest_integer=9, num_addends=3)
    assert beyond_range_sets(task, 10, handwriting, np.random.default_rng(0)) == {}
