"""The real `dvc repro` on tiny params, in a temporary git repository: every stage runs once, writes what it
declares, and leaves one run-cache entry; nothing runs twice; `dvc plots show` works without the offline page."""

from __future__ import annotations

import json

import pytest
import yaml

from pipeline_repo import KINDS, TASKS, PipelineRepo

pytestmark = pytest.mark.slow
STAGES = ({"params", "download", "glyphs", "classifier", "evaluate-classifier", "judge", "evaluate-judge", "plots"}
          | {f"{stage}@{t}" for stage in ("dataset", "samples") for t in TASKS}
          | {f"{stage}-{k}@{t}" for stage in ("train", "evaluate") for t in TASKS for k in KINDS})


class TestRepro:
    """`dvc repro` of the whole pipeline, on tiny params."""

    def test_first_repro_runs_every_stage(self, tiny_pipeline: PipelineRepo) -> None:
        """A fresh copy runs all stages, one per task of params.yaml where a stage runs per task: params, download,
        glyphs, datasets, classifier, judge, six trains and evaluations (img2text's reader learning from answers through
        its task's text2text), text2img's samples and plots."""
        assert tiny_pipeline.ran_stages(tiny_pipeline.first_run) == STAGES

    def test_outputs_exist(self, tiny_pipeline: PipelineRepo) -> None:
        """Every declared output is written: data, checkpoints, metrics of the train, validation and test splits (no
        test query among the training rows), predictions, figures and curves (validation: no test curve)."""
        path = tiny_pipeline.path
        for name in ["data/mnist/images.npy", "data/glyphs/images.npy", "plots/glyphs.png", "models/classifier.pt",
                     "models/judge.pt", "plots/samples/addsub-text2img-raw.png",
                     "plots/samples/mul-text2img-thresholded.png", "plots/samples/mul-text2img-beside-real.png",
                     "plots/samples/addsub-text2img-styles.png", "plots/exact-match.png"]:
            assert (path / name).is_file(), name
        for task in TASKS:
            stats = json.loads((path / f"metrics/dataset-{task}.json").read_text())
            assert stats["queries"] == (200 if task == "addsub" else 100)
            assert stats["test_queries_in_training"] == 0 and stats["validation_queries"] > 0
            assert stats["validation_glyph_images"] > 0
            for kind in KINDS:
                metrics = json.loads((path / f"metrics/{task}-{kind}.json").read_text())
                splits = ("train", "validation", "test")
                assert set(metrics) == {*splits, "beyond_range"}  # the columns core answers wider numbers
                if kind == "img2text":  # its reader (answers) reads symbols
                    assert all("reader_digit_accuracy" in metrics[split] for split in splits)
                if kind == "text2img":  # read by the judge and by the classifier; like real digits of the pool or not
                    assert all({"real_read_exact_match", "classifier_read_exact_match"} <= set(metrics[split])
                               for split in splits)
                    assert {"frechet_distance", "frechet_ratio", "diversity"} <= set(metrics["test"])
                assert set(json.loads((path / f"metrics/train-{task}-{kind}.json").read_text())) == {
                    "epochs", "train_queries"}  # no wall clock among the metrics: it would differ in every diff
                assert json.loads((path / f"plots/curves/{task}-{kind}/metrics.json").read_text())["seconds"] >= 0
                assert (path / f"plots/errors/{task}-{kind}.png").is_file()
                assert (path / f"plots/predictions/{task}-{kind}.csv").is_file()
                curves = path / f"plots/curves/{task}-{kind}/plots/metrics"
                watched = "pixel_accuracy" if kind == "text2img" else "exact_match"  # it draws from text2text's answers
                assert (curves / f"validation/{watched}.tsv").is_file() and not (curves / "test").exists()
            assert (path / f"plots/curves/{task}-img2text/plots/metrics/validation/reader_digit_accuracy.tsv").is_file()
        for reader in ("classifier", "judge"):
            assert set(json.loads((path / f"metrics/{reader}.json").read_text())) == {
                "train_accuracy", "validation_accuracy", "test_accuracy", "validation_digit_accuracy", "digit_accuracy"}

    def test_second_repro_runs_nothing(self, tiny_pipeline: PipelineRepo) -> None:
        """Nothing changed, so a second `dvc repro` runs no stage and `dvc status` is clean."""
        assert tiny_pipeline.ran_stages(tiny_pipeline.dvc("repro").stdout) == set()
        assert "up to date" in tiny_pipeline.dvc("status").stdout

    def test_one_run_cache_entry_per_stage(self, tiny_pipeline: PipelineRepo) -> None:
        """Every stage but params saved its run in DVC's run-cache (no output keeps it out: none is `persist`, and every
        output git keeps is a metric or a plot), so a configuration run once is restored, not run again. (The params
        stage's output persists and it checks params.yaml in seconds: it needs none.)"""
        entries = [path for path in (tiny_pipeline.path / ".dvc/cache/runs").rglob("*") if path.is_file()]
        commands = {yaml.safe_load(entry.read_text())["cmd"] for entry in entries}
        assert len(entries) == len(commands) == len(STAGES - {"params"})


class TestPlotsShow:
    """`dvc plots show` of the pipeline's results."""

    def test_without_the_offline_page(self, tiny_pipeline: PipelineRepo, tmp_path) -> None:
        """A copy where `make setup` never wrote the offline page (so no `.dvc/config.local` names it) draws
        `dvc plots show` with DVC's own page."""
        assert not (tiny_pipeline.path / ".dvc/config.local").exists()
        tiny_pipeline.dvc("plots", "show", "-o", str(tmp_path / "page"))
        html = (tmp_path / "page" / "index.html").read_text()
        assert "{plot_divs}" not in html and "mul-text2text-accuracy" in html
