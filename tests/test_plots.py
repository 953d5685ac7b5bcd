"""The figures: which test queries a sample grid shows, and that each figure is written."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seq2arith.figures import plots


class TestSampleRows:
    """``plots.sample_rows`` (figures/plots.py)."""

    def test_spread_widths_and_wrong_reads(self):
        """Every answer width is shown, wrong reads among them, rows in order of answer width, no row twice."""
        answers = [f"{value:<4}" for value in range(0, 2000, 7)]
        read = [text if i % 5 else "9999" for i, text in enumerate(answers)]  # every fifth read wrong
        rows = plots.sample_rows(answers, read, 12, np.random.default_rng(0))
        widths = [len(answers[row].strip()) for row in rows]
        assert len(set(rows)) == 12 and widths == sorted(widths) and set(widths) == {1, 2, 3, 4}
        assert any(read[row] != answers[row] for row in rows) and any(read[row] == answers[row] for row in rows)

    def test_never_more_than_there_are(self):
        rows = plots.sample_rows(["1 ", "2 ", "10"], ["1 ", "3 ", "10"], 12, np.random.default_rng(0))
        assert sorted(rows) == [0, 1, 2]

    def test_differ_from_file_order(self):
        """Not the first queries of the split (once every row of a mul grid was 0*n)."""
        answers = [f"{value:<4}" for value in range(1000)]
        rows = plots.sample_rows(answers, answers, 12, np.random.default_rng(0))
        assert max(rows) > 100


class TestSampleGrid:
    """``plots.sample_grid`` (figures/plots.py)."""

    def test_writes_a_png(self, tmp_path):
        pixels = np.random.default_rng(0).random((2, 3, 28, 28))
        plots.sample_grid(["1+2", "3*4"], pixels, ["3  ", "13 "], [False, True], "samples", tmp_path / "grid.png")
        assert (tmp_path / "grid.png").read_bytes()[:4] == b"\x89PNG"


class TestPredictionsErrorFigure:
    """``plots.predictions_error_figure`` (figures/plots.py)."""

    def test_writes_a_png_of_the_test_rows(self, tmp_path):
        """Only test queries are drawn; an unparseable answer (no difference) is left out, not an error."""
        predictions = pd.DataFrame({"split": ["train", "test", "test"], "difference": [0.0, 2.0, None]})
        plots.predictions_error_figure(predictions, "mul-text2text", tmp_path / "errors.png")
        assert (tmp_path / "errors.png").read_bytes()[:4] == b"\x89PNG"


def _curves(folder, exact_match: list[float]) -> None:
    """A DVCLive folder whose train and validation exact match per epoch are ``exact_match``."""
    for split in ("train", "validation"):
        path = folder / "plots" / "metrics" / split / "exact_match.tsv"
        path.parent.mkdir(parents=True)
        path.write_text("step\texact_match\n" + "".join(f"{i}\t{v}\n" for i, v in enumerate(exact_match)))


class TestModelTask:
    """``plots.model_task`` (figures/plots.py)."""

    def test_keeps_hyphens_of_the_task(self) -> None:
        """A model is named <task>-<kind>: the kind is the last part, whatever hyphens the task has."""
        assert plots.model_task("add-3-text2text") == "add-3" and plots.model_task("mul-img2text") == "mul"


class TestExactMatchFigure:
    """``plots.exact_match_figure`` (figures/plots.py)."""

    def test_has_one_panel_per_task_hyphens_and_all(self, tmp_path, monkeypatch) -> None:
        """Tasks "add" and "add-3" are two panels, each with its own models only."""
        curves = {}
        for name in ("add-text2text", "add-3-text2text", "add-3-img2text"):
            _curves(tmp_path / name, [0.5, 1.0])
            curves[name] = tmp_path / name
        drawn: dict[str, list[str]] = {}
        original = plots.plt.Axes.set

        def record(ax, **kwargs):
            if "title" in kwargs:
                drawn[kwargs["title"].split(":")[0]] = sorted(line.get_label() for line in ax.get_lines())
            return original(ax, **kwargs)

        monkeypatch.setattr(plots.plt.Axes, "set", record)
        plots.exact_match_figure(curves, tmp_path / "exact-match.png")
        assert drawn == {"add": ["add-text2text train", "add-text2text validation"],
                         "add-3": sorted(f"add-3-{kind} {split}" for kind in ("img2text", "text2text")
                                         for split in ("train", "validation"))}
        assert (tmp_path / "exact-match.png").stat().st_size > 0


class TestAnswerCurves:
    """``plots.answer_curves`` (figures/plots.py)."""

    def test_are_the_models_with_validation_exact_match(self, tmp_path) -> None:
        """The exact-match figure's models are the curve folders with a validation exact match per epoch (what fit
        logs for a model answering queries; no test curve exists): not the classifier's, which scores no answers."""
        _curves(tmp_path / "mul-text2text", [0.5, 1.0])
        accuracy = tmp_path / "classifier" / "plots" / "metrics" / "validation" / "accuracy.tsv"
        accuracy.parent.mkdir(parents=True)
        accuracy.write_text("step\taccuracy\n0\t0.9\n")
        assert plots.answer_curves(tmp_path) == {"mul-text2text": tmp_path / "mul-text2text"}


class TestMisreadsFigure:
    """``plots.misreads_figure`` (figures/plots.py)."""

    def test_draws_each_reader_the_same_bytes_every_time(self, tmp_path) -> None:
        """One column per reader (its confusion over the true digits, a reading that is no digit counted as "other",
        and the glyphs it misreads); the same readings give the same PNG bytes."""
        truth = np.array(list("0123456789" * 3))
        readings = {"answers": np.where(np.arange(30) % 7 == 0, "+", truth), "classifier": truth}
        images = np.random.default_rng(0).integers(0, 255, (30, 28, 28), dtype=np.uint8)
        first, second = tmp_path / "a.png", tmp_path / "b.png"
        for path in (first, second):
            plots.misreads_figure(truth, readings, images, "misreads", path)
        assert first.read_bytes()[:4] == b"\x89PNG" and first.read_bytes() == second.read_bytes()
