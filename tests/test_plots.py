"""The figures: which test queries a sample grid shows, and that each figure is written."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seq2arith import plots


def test_sample_rows_spread_widths_and_wrong_reads():
    """Every answer width is shown, wrong reads among them, rows in order of answer width, no row twice."""
    answers = [f"{value:<4}" for value in range(0, 2000, 7)]
    read = [text if i % 5 else "9999" for i, text in enumerate(answers)]  # every fifth read wrong
    rows = plots.sample_rows(answers, read, 12, np.random.default_rng(0))
    widths = [len(answers[row].strip()) for row in rows]
    assert len(set(rows)) == 12 and widths == sorted(widths) and set(widths) == {1, 2, 3, 4}
    assert any(read[row] != answers[row] for row in rows) and any(read[row] == answers[row] for row in rows)


def test_sample_rows_never_more_than_there_are():
    rows = plots.sample_rows(["1 ", "2 ", "10"], ["1 ", "3 ", "10"], 12, np.random.default_rng(0))
    assert sorted(rows) == [0, 1, 2]


def test_sample_rows_differ_from_file_order():
    """Not the first queries of the split (once every row of a mul grid was 0*n)."""
    answers = [f"{value:<4}" for value in range(1000)]
    rows = plots.sample_rows(answers, answers, 12, np.random.default_rng(0))
    assert max(rows) > 100


def test_sample_grid_writes_a_png(tmp_path):
    pixels = np.random.default_rng(0).random((2, 3, 28, 28))
    plots.sample_grid(["1+2", "3*4"], pixels, ["3  ", "13 "], [False, True], "samples", tmp_path / "grid.png")
    assert (tmp_path / "grid.png").read_bytes()[:4] == b"\x89PNG"


def test_predictions_error_figure_writes_a_png_of_the_test_rows(tmp_path):
    """Only test queries are drawn; an unparseable answer (no difference) is left out, not an error."""
    predictions = pd.DataFrame({"split": ["train", "test", "test"], "difference": [0.0, 2.0, None]})
    plots.predictions_error_figure(predictions, "mul-text2text", tmp_path / "errors.png")
    assert (tmp_path / "errors.png").read_bytes()[:4] == b"\x89PNG"
