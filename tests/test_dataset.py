"""Tests of seq2arith.data.query_sets: query sets, their splits, mirrors and storage."""

from __future__ import annotations

import numpy as np
import pytest

from seq2arith.data.handwriting import SPLITS
from seq2arith.data.queries import SplitConfig, TaskConfig, mirror, shape, terms, unseen_pairs
from seq2arith.data.query_sets import (
    QuerySet,
    beyond_range_sets,
    create_data,
    drawn_once,
    leaked_test_queries,
    statistics,
    with_mirrors,
)
from seq2arith.data.text import DIGITS
from seq2arith.runtime.errors import Seq2ArithError

TASK = TaskConfig(operators=["+", "-"], highest_integer=12)  # 2 * 13**2 = 338 queries, answers -12..24
SPLIT = SplitConfig(test_ratio=0.25)  # validation_ratio 0.1 of the rest
TEST, VALIDATION = round(338 * 0.25), round((338 - round(338 * 0.25)) * 0.1)  # 84 and 25 queries


@pytest.fixture
def query_set(handwriting) -> QuerySet:
    return create_data(TASK, SPLIT, handwriting, np.random.default_rng(0))


class TestCreateData:
    """``query_sets.create_data`` (data/query_sets.py)."""

    def test_contents(self, query_set):
        """create_data enumerates every query with its answer, the split (test_ratio of the queries test,
        validation_ratio of the others validation) and the task's vocabulary."""
        assert len(query_set.queries) == len(query_set.answers) == 338
        assert query_set.split.tolist().count("test") == query_set.is_test.sum() == TEST
        assert query_set.split.tolist().count("validation") == VALIDATION
        assert len(query_set.of("train")) == 338 - TEST - VALIDATION and set(query_set.split) == set(SPLITS)
        assert query_set.of("validation") == [q for q, side in zip(query_set.queries, query_set.split)
                                              if side == "validation"]
        assert query_set.query_width == 5 and query_set.answer_width == 3
        assert query_set.query_glyphs.shape == (338, 5) and query_set.answer_glyphs.shape == (338, 3)
        assert query_set.vocabulary == "0123456789+- "
        assert query_set.answers[query_set.queries.index("0-11 ")] == "-11"

    def test_keeps_pools_apart(self, query_set, handwriting):
        """The queries and answers of each split use only glyphs of that split's pool."""
        for glyphs in (query_set.query_glyphs, query_set.answer_glyphs):
            for split in SPLITS:
                assert (handwriting.pool[glyphs[query_set.split == split]] == split).all(), split

    def test_glyphs_show_the_characters(self, query_set, handwriting):
        """Each stored glyph index shows the character at its position of the query or answer."""
        for texts, glyphs in ((query_set.queries, query_set.query_glyphs),
                              (query_set.answers, query_set.answer_glyphs)):
            np.testing.assert_array_equal(handwriting.symbols[glyphs], np.array([list(t) for t in texts]))

    def test_is_seeded(self, query_set, handwriting):
        """The same seed gives the same split and the same handwriting."""
        again = create_data(TASK, SPLIT, handwriting, np.random.default_rng(0))
        np.testing.assert_array_equal(again.split, query_set.split)
        np.testing.assert_array_equal(again.query_glyphs, query_set.query_glyphs)
        np.testing.assert_array_equal(again.answer_glyphs, query_set.answer_glyphs)


class TestDrawnOnce:
    """``query_sets.drawn_once`` (data/query_sets.py)."""

    def test_uses_each_train_digit_image_in_one_strip_only(self, query_set, handwriting):
        """The neuro-symbolic protocol: train strips of train queries, in train-pool images showing their characters,
        no digit image in two strips, drawn until too few of some digit are left for any train query; validation and
        test rows as they were."""
        once = drawn_once(query_set, handwriting, np.random.default_rng(0))
        train = once.split == "train"
        strips = once.query_glyphs[train]
        assert len(strips) > 0
        np.testing.assert_array_equal(handwriting.symbols[strips], np.array([list(q) for q in once.of("train")]))
        assert (handwriting.pool[strips] == "train").all() and set(once.of("train")) <= set(query_set.of("train"))
        digit_images = strips[np.isin(handwriting.symbols[strips], list(DIGITS))]
        assert len(np.unique(digit_images)) == len(digit_images)
        pool = handwriting.symbols[handwriting.in_pool("train")]
        left = {d: (pool == d).sum() - (handwriting.symbols[digit_images] == d).sum() for d in DIGITS}
        assert not any(all(left[d] >= q.count(d) for d in DIGITS) for q in query_set.of("train"))
        for side in ("validation", "test"):
            np.testing.assert_array_equal(once.query_glyphs[once.split == side],
                                          query_set.query_glyphs[query_set.split == side])
            assert once.of(side) == query_set.of(side)


class TestQuerySet:
    """``query_sets.QuerySet`` (data/query_sets.py)."""

    def test_save_load_round_trip(self, tmp_path, query_set):
        """A saved query set loads back identical, trailing spaces and negative answers included."""
        query_set.save(tmp_path / "set")
        loaded = QuerySet.load(tmp_path / "set")
        assert loaded.queries == query_set.queries and loaded.answers == query_set.answers
        assert "5+7  " in loaded.queries and "12 " in loaded.answers and "-11" in loaded.answers
        np.testing.assert_array_equal(loaded.split, query_set.split)
        np.testing.assert_array_equal(loaded.query_glyphs, query_set.query_glyphs)
        np.testing.assert_array_equal(loaded.answer_glyphs, query_set.answer_glyphs)
        assert loaded.vocabulary == query_set.vocabulary

    @pytest.mark.parametrize("missing", ["queries.csv", "query_glyphs.npy", "vocabulary.json"])
    def test_a_folder_short_of_a_file_is_one_line_naming_it(self, tmp_path, query_set, missing):
        """A stage given a query set folder that lacks one of its files stops with one line naming the folder and the
        stage that makes it, not a traceback."""
        query_set.save(tmp_path / "set")
        (tmp_path / "set" / missing).unlink()
        with pytest.raises(Seq2ArithError, match=rf"cannot read a query set from .*set \(.*{missing}.*dataset@"):
            QuerySet.load(tmp_path / "set")


class TestStatistics:
    """``query_sets.statistics`` (data/query_sets.py)."""

    def test_statistics(self, query_set, handwriting):
        """statistics reports counts per split, the test queries a training batch can hold (none), widths, vocabulary
        size, answer range and glyph pool sizes."""
        stats = statistics(query_set, {}, handwriting)
        assert stats.pop("unseen_pair_test_queries") == unseen_pairs(query_set.of("train"), query_set.of("test")).sum()
        assert stats.pop("beyond_range_test_queries") == 0
        assert stats == {
            "queries": 338,
            "train_queries": 338 - TEST - VALIDATION,
            "validation_queries": VALIDATION,
            "test_queries": TEST,
            "test_queries_in_training": 0,
            "query_width": 5,
            "answer_width": 3,
            "vocabulary_size": 13,
            "answer_min": -12,
            "answer_max": 24,
            **{f"{pool}_glyph_images": int((handwriting.pool == pool).sum()) for pool in SPLITS},
        }
        assert stats["validation_glyph_images"] > 0


SAMPLED = TaskConfig(operators=["*"], highest_integer=12, max_queries=60)  # a sample of 169 queries: most mirrors
# of its queries are none of its queries


class TestWithMirrors:
    """``query_sets.with_mirrors`` (data/query_sets.py)."""

    def test_adds_each_mirror_that_is_no_query_as_training(self, handwriting):
        """On a sampled task with_mirrors trains on b*a for every trained a*b that is no query of the set (of any
        split), in train handwriting, with the same answer; the set's own queries stay as they were."""
        queries = create_data(SAMPLED, SPLIT, handwriting, np.random.default_rng(0))
        mirrored = with_mirrors(queries)
        count = len(queries.queries)
        added = mirrored.queries[count:]
        expected = {m for q in queries.of("train") if (m := mirror(q)) is not None} - set(queries.queries)
        assert sorted(added) == sorted(expected) and len(added) > 0
        assert (mirrored.split[count:] == "train").all()
        assert mirrored.split[:count].tolist() == queries.split.tolist()
        answers = dict(zip(queries.queries, queries.answers))
        assert all(answer == answers[mirror(query)] for query, answer in zip(added, mirrored.answers[count:]))
        assert (handwriting.pool[mirrored.query_glyphs[count:]] == "train").all()
        glyphs = dict(zip(mirrored.queries, mirrored.query_glyphs))
        for query in added:  # each mirror is drawn with its original's glyphs, rearranged
            original = mirror(query)
            assert sorted(glyphs[query]) == sorted(glyphs[original]) and handwriting.symbols[glyphs[query]].tolist() \
                == list(query)

    def test_leaves_subtraction_alone(self, handwriting):
        """Only + queries gain mirrors in a sampled addition/subtraction task."""
        queries = create_data(TaskConfig(operators=["+", "-"], highest_integer=12, max_queries=80), SPLIT, handwriting,
                              np.random.default_rng(0))
        added = with_mirrors(queries).queries[len(queries.queries):]
        assert added and all("+" in query for query in added)

    @pytest.mark.parametrize("group", ["ordered", "unordered"])
    def test_of_a_full_table_adds_nothing(self, handwriting, group):
        """On a task of every query (max_queries null) every mirror is a query of some split already: nothing is
        added, whichever way the split groups."""
        task = TaskConfig(operators=["*"], highest_integer=12)
        queries = create_data(task, SplitConfig(0.25, group=group), handwriting, np.random.default_rng(0))
        assert with_mirrors(queries).queries == queries.queries

    def test_no_test_query_reaches_training_where_the_old_mirrors_leaked(self, handwriting):
        """An ordered split of a full table has train queries whose mirror is a test query (the old with_mirrors trained
        on those); now leaked_test_queries is 0 and no test query is among the training rows, mirrors added."""
        queries = create_data(TaskConfig(operators=["*"], highest_integer=12), SPLIT, handwriting,
                              np.random.default_rng(0))
        tested = set(queries.of("test"))
        leaked = {m for q in queries.of("train") if (m := mirror(q)) in tested}
        assert len(leaked) > 10  # what the old with_mirrors added to the training rows
        assert leaked_test_queries(queries) == 0
        assert not tested & set(with_mirrors(queries).of("train"))

    def test_a_mirror_that_is_a_held_out_query_is_never_added(self, handwriting):
        """Of a hand-made set where the train query 1*2 has the test query 2*1 and the train query 3*4 the validation
        query 4*3 as mirrors, with_mirrors adds neither; it adds 6*5, which is no query of the set."""
        queries = QuerySet(["1*2", "2*1", "3*4", "4*3", "5*6"], ["2", "2", "12", "12", "30"],
                           np.array(["train", "test", "train", "validation", "train"]),
                           np.zeros((5, 3), np.int64), np.zeros((5, 2), np.int64), "0123456789* ")
        mirrored = with_mirrors(queries)
        assert mirrored.queries[5:] == ["6*5"] and mirrored.answers[5:] == ["30"]
        assert mirrored.of("train") == ["1*2", "3*4", "5*6", "6*5"]
        assert leaked_test_queries(queries) == 0

    def test_a_sampled_task_still_gets_mirrors_of_no_query(self, handwriting):
        """A sampled task (max_queries) gains mirrors, every one of them no query of the set, and its training rows hold
        no test query."""
        queries = create_data(SAMPLED, SPLIT, handwriting, np.random.default_rng(1))
        added = with_mirrors(queries).queries[len(queries.queries):]
        assert added and not set(added) & set(queries.queries)
        assert leaked_test_queries(queries) == 0


# --- beyond_range_sets ---------------------------------------------------------------------------------------------

NEAR_WIDTHS = {"3{}1": (3, 1), "1{}3": (1, 3), "3{}2": (3, 2), "2{}3": (2, 3), "3{}3": (3, 3)}


class TestBeyondRangeSets:
    """``query_sets.beyond_range_sets`` (data/query_sets.py)."""

    @pytest.mark.parametrize(("operators", "far"), [(["+", "-"], (4, 5, 10)), (["*"], (4, 5))])
    def test_are_every_shape_past_anything_trained(self, operators, far, handwriting):
        """Queries past the range of a 0..99 task, a set per shape: every pair of widths up to one digit past it, in
        both orders, and the far shapes; each its count of distinct queries, its numbers exactly as wide as its name
        says (so none is a training query, nor a mirror of one), all in test-pool handwriting, queries padded on the
        right to hold two numbers of the shape's widest, answers right and padded to the widest answer of their
        shape."""
        task = TaskConfig(operators=operators, highest_integer=99)
        beyond = beyond_range_sets(task, 40, handwriting, np.random.default_rng(0))
        trained = {query.rstrip() for query in create_data(task, SPLIT, handwriting, np.random.default_rng(0)).queries}
        expected = {name.format("x" if op == "*" else op): pair for op in operators
                    for name, pair in [*NEAR_WIDTHS.items(), *((f"{w}{{}}{w}", (w, w)) for w in far)]}
        assert list(beyond) == list(expected)
        for name, shaped in beyond.items():
            assert len(set(shaped.queries)) == len(shaped.queries) == 40
            assert {tuple(len(str(number)) for number in terms(query)[0])
                    for query in shaped.queries} == {expected[name]}
            assert {shape(query) for query in shaped.queries} == {name}
            assert not {query.rstrip() for query in shaped.queries} & trained
            assert (shaped.split == "test").all() and handwriting.is_test[shaped.query_glyphs].all()
            assert all(query == query.rstrip().ljust(2 * max(expected[name]) + 1) for query in shaped.queries)
            assert all(int(answer) == eval(query) for query, answer in zip(shaped.queries, shaped.answers))
        known = {"3+1": 4, "1-3": 4, "2-3": 4, "10+10": 11, "10-10": 11, "3x1": 4, "2x3": 5, "5x5": 10}
        assert all(beyond[name].answer_width == width for name, width in known.items() if name in beyond)

    def test_no_beyond_range_sets_for_three_numbers(self, handwriting):
        """A task of three numbers has no queries past its range (the cores that reach past it read two numbers)."""
        task = TaskConfig(operators=["+"], highest_integer=9, num_addends=3)
        assert beyond_range_sets(task, 10, handwriting, np.random.default_rng(0)) == {}
