"""Tests of seq2arith.data.queries: enumerating and sampling queries, evaluating them and splitting them."""

from __future__ import annotations

import numpy as np
import pytest

from seq2arith.data.queries import (
    TaskConfig,
    all_queries,
    answer_width,
    mirror,
    mirror_order,
    padded_width,
    pair_key,
    sample_queries,
    split_test,
    task_queries,
    unseen_pairs,
    value_of,
)
from seq2arith.runtime.errors import Seq2ArithError


@pytest.fixture(scope="module")
def addsub() -> tuple[list[str], list[str]]:
    return all_queries(TaskConfig(operators=["+", "-"]))


@pytest.fixture(scope="module")
def mul() -> tuple[list[str], list[str]]:
    return all_queries(TaskConfig(operators=["*"]))


class TestAllQueries:
    """``queries.all_queries`` (data/queries.py)."""

    def test_addsub_counts_and_widths(self, addsub):
        """The default +/- task has 20000 distinct queries 5 wide with answers 3 wide."""
        queries, answers = addsub
        assert len(queries) == len(answers) == 20000 == len(set(queries))
        assert {len(q) for q in queries} == {5} and {len(a) for a in answers} == {3}

    def test_mul_counts_and_widths(self, mul):
        """The default * task has 10000 distinct queries with answers padded 4 wide (99*99 = 9801)."""
        queries, answers = mul
        assert len(queries) == len(answers) == 10000 == len(set(queries))
        assert {len(a) for a in answers} == {4}
        assert answers[queries.index("99*99")] == "9801"
        assert answers[queries.index("5*7  ")] == "35  "

    def test_padding_example(self, addsub):
        """'5+7' is padded to '5+7  ' and its answer to '12 '; negative answers keep their sign."""
        queries, answers = addsub
        assert answers[queries.index("5+7  ")] == "12 "
        assert answers[queries.index("0-99 ")] == "-99"
        assert answers[queries.index("99+99")] == "198"

    def test_answers_match_evaluate(self, addsub, mul):
        """Every enumerated answer is the value of its query."""
        for queries, answers in (addsub, mul):
            assert all(int(a) == value_of(q) for q, a in zip(queries, answers))

    def test_three_addends_count(self):
        """With three numbers every pair of operators appears: (n+1)^3 * ops^2 queries."""
        queries, answers = all_queries(TaskConfig(operators=["+", "*"], highest_integer=2, num_addends=3))
        assert len(set(queries)) == len(queries) == 3 ** 3 * 2 ** 2
        assert answers[queries.index("2+2*2")].strip() == "6"


class TestAnswerWidth:
    """``queries.answer_width`` (data/queries.py)."""

    @pytest.mark.parametrize("task", [
        TaskConfig(operators=["+", "-"]), TaskConfig(operators=["*"]),
        TaskConfig(operators=["-", "*"], highest_integer=7, num_addends=3),
        TaskConfig(operators=["-"], highest_integer=5, num_addends=4),
        TaskConfig(operators=["+", "*"], highest_integer=3, num_addends=4),
    ])
    def test_is_the_widest_answer(self, task):
        """answer_width, which evaluates only the queries of extreme numbers, is the width of the task's widest
        answer."""
        _, answers = all_queries(task)
        assert answer_width(task) == max(len(answer.rstrip()) for answer in answers)


class TestTaskQueries:
    """``queries.task_queries`` (data/queries.py)."""

    def test_without_max_queries_every_query(self):
        """max_queries: null gives every query, as all_queries lists them."""
        task = TaskConfig(operators=["*"], highest_integer=9)
        assert task_queries(task, np.random.default_rng(0)) == all_queries(task)

    def test_sample_of_a_task_too_large_to_list(self):
        """500 of the 8 * 10^16 queries of four 4-digit numbers: distinct, answered right, padded to the task's
        widths (not the sample's), in enumeration order, the same for the same seed and not for another."""
        task = TaskConfig(operators=["+", "-"], highest_integer=9999, num_addends=4, max_queries=500)
        queries, answers = task_queries(task, np.random.default_rng(0))
        assert len(set(queries)) == 500 and {len(q) for q in queries} == {padded_width(task)} == {19}
        assert {len(a) for a in answers} == {answer_width(task)} == {6}  # -29997 .. 39996
        assert all(int(a) == value_of(q) for q, a in zip(queries, answers))
        assert {"+", "-"} <= set("".join(queries))
        assert task_queries(task, np.random.default_rng(0)) == (queries, answers)
        assert task_queries(task, np.random.default_rng(1))[0] != queries


class TestSampleQueries:
    """``queries.sample_queries`` (data/queries.py)."""

    def test_sample_of_every_query_is_all_queries(self):
        """A sample as large as the task is all_queries: the same queries, order, answers and padding."""
        task = TaskConfig(operators=["+", "*"], highest_integer=4, num_addends=3)
        assert sample_queries(task, task.distinct_queries, np.random.default_rng(0)) == all_queries(task)

    def test_sample_of_most_of_a_task(self):
        """A sample of nearly every query (one draw without replacement) is distinct and sorted like all_queries."""
        task = TaskConfig(operators=["+"], highest_integer=20)
        everything, _ = all_queries(task)
        queries, _ = sample_queries(task, 400, np.random.default_rng(0))
        assert len(set(queries)) == 400 and queries == sorted(queries, key=everything.index)


class TestValueOf:
    """``queries.value_of`` (data/queries.py)."""

    @pytest.mark.parametrize("query, value", [
        ("2+3*4", 14), ("2*3+4", 10), ("2-3*4", -10), ("2*3-4*5", -14), ("10-2-3", 5), ("2*3*4", 24),
        ("5+7  ", 12), ("0-99 ", -99), ("7", 7),
    ])
    def test_evaluate_precedence(self, query, value):
        """evaluate applies * before + and -, and + and - left to right."""
        assert value_of(query) == value

    @pytest.mark.parametrize("query", ["", "   ", "+5", "5+", "5++7", "5+*7+", "1+-+2", "a+1", "5/2", "5+7=12"])
    def test_evaluate_rejects_malformed(self, query):
        """Queries not of the form number (operator number)... raise Seq2ArithError."""
        with pytest.raises(Seq2ArithError, match="is not of the form"):
            value_of(query)


class TestSplitTest:
    """``queries.split_test`` (data/queries.py)."""

    @pytest.mark.parametrize("count, ratio", [(1000, 0.25), (20000, 0.25), (7, 0.5)])
    def test_ratio(self, count, ratio):
        """split_test marks round(count * ratio) of the queries as test."""
        mask = split_test([f"{i}*1" for i in range(count)], ratio, "ordered", np.random.default_rng(0))
        assert mask.shape == (count,) and mask.dtype == bool
        assert mask.sum() == round(count * ratio)

    def test_is_seeded(self):
        """The same seed gives the same split and another seed a different one."""
        queries = [f"{i}*1" for i in range(1000)]
        first = split_test(queries, 0.25, "ordered", np.random.default_rng(5))
        np.testing.assert_array_equal(first, split_test(queries, 0.25, "ordered", np.random.default_rng(5)))
        assert not np.array_equal(first, split_test(queries, 0.25, "ordered", np.random.default_rng(6)))

    @pytest.mark.parametrize("ratio", [0.25, 0.5])
    def test_unordered_split_never_separates_a_pair(self, mul, ratio):
        """split.group unordered puts a*b and b*a on the same side, and still holds out about test_ratio."""
        queries, _ = mul
        is_test = split_test(queries, ratio, "unordered", np.random.default_rng(0))
        side = dict(zip(queries, is_test))
        assert all(side[q] == side[m] for q in queries if (m := mirror(q)) is not None)
        assert abs(is_test.mean() - ratio) < 0.02

    def test_ordered_split_separates_pairs(self, mul):
        """The report's ordered split leaves many test queries whose mirror is trained on."""
        queries, _ = mul
        is_test = split_test(queries, 0.25, "ordered", np.random.default_rng(0))
        side = dict(zip(queries, is_test))
        assert sum(side[q] and not side[m] for q in queries if (m := mirror(q)) is not None) > 1000


class TestPairKeyAndMirror:
    """``queries.pair_key`` and ``queries.mirror`` (data/queries.py)."""

    def test_pair_key_and_mirror(self):
        """A query and its mirror share a key; only all-commutative queries have a mirror, padded alike."""
        assert pair_key("12*34") == pair_key("34*12") == (("*",), (12, 34))
        assert pair_key("7-3  ") == pair_key("3-7  ")
        assert mirror("5*12 ") == "12*5 " and mirror("2+3+40") == "40+3+2"
        assert mirror("7-3  ") is None and mirror("2+3*4") is None and mirror("11*11") is None


class TestMirrorOrder:
    """``queries.mirror_order`` (data/queries.py)."""

    def test_rearranges_the_original(self):
        """Reading the original at mirror_order's positions gives the mirror, padding included."""
        assert mirror_order("12*5 ") == [3, 2, 0, 1, 4]
        for query in ("5*12 ", "2+3+40", "99*1", "7*70 "):
            assert "".join(query[i] for i in mirror_order(query)) == mirror(query)


class TestUnseenPairs:
    """``queries.unseen_pairs`` (data/queries.py)."""

    def test_on_a_hand_made_split(self):
        """A test query is unseen only when neither it nor its mirror is trained on; a square counts as unseen
        when it is not trained on."""
        trained = ["12*34", "5*6  ", "1*1  "]
        tested = ["34*12", "6*5  ", "7*8  ", "2*2  ", "1*1  ", "8*7  "]
        assert unseen_pairs(trained, tested).tolist() == [False, False, True, True, False, True]
        assert unseen_pairs(["3-7  "], ["7-3  ", "7+3  "]).tolist() == [False, True]
