"""The real `dvc repro` on tiny params, in a temporary git repository."""

from __future__ import annotations

import json

import pytest
from pipeline_repo import PipelineRepo, make_pipeline_repo

pytestmark = pytest.mark.slow
TASKS, KINDS = ("addsub", "mul"), ("text2text", "img2text", "text2img")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> PipelineRepo:
    repo = make_pipeline_repo(tmp_path_factory.mktemp("pipeline"))
    repo.first_run = repo.dvc("repro").stdout
    return repo


def test_first_repro_runs_every_stage(repo: PipelineRepo) -> None:
    """A fresh copy runs all stages: download, glyphs, datasets, classifier, six trains and evaluations, plots and
    text2img's samples."""
    expected = {"download", "glyphs", "classifier", "plots"} | {f"{stage}@{t}" for stage in ("dataset", "samples")
                                                                for t in TASKS} | {
        f"{stage}-{k}@{t}" for stage in ("train", "evaluate") for t in TASKS for k in KINDS}
    assert repo.ran_stages(repo.first_run) == expected


def test_outputs_exist(repo: PipelineRepo) -> None:
    """Every declared output is written: data, checkpoints, metrics, predictions, figures and curves."""
    for path in ["data/mnist/images.npy", "data/glyphs/images.npy", "plots/glyphs.png", "models/classifier.pt",
                 "plots/samples/addsub-text2img-raw.png", "plots/samples/mul-text2img-thresholded.png"]:
        assert (repo.path / path).is_file(), path
    for task in TASKS:
        stats = json.loads((repo.path / f"metrics/dataset-{task}.json").read_text())
        assert stats["queries"] == (200 if task == "addsub" else 100)
        for kind in KINDS:
            metrics = json.loads((repo.path / f"metrics/{task}-{kind}.json").read_text())
            assert set(metrics) == {"train", "test"}
            assert (repo.path / f"plots/errors/{task}-{kind}.png").is_file()
            assert (repo.path / f"plots/curves/{task}-{kind}/plots/metrics/test/accuracy.tsv").is_file()


def test_second_repro_runs_nothing(repo: PipelineRepo) -> None:
    """Nothing changed, so a second `dvc repro` runs no stage and `dvc status` is clean."""
    assert repo.ran_stages(repo.dvc("repro").stdout) == set()
    assert "up to date" in repo.dvc("status").stdout
