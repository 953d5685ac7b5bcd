"""Sharing results through a DVC remote: push from one clone, pull into a fresh one, predict without training."""

from __future__ import annotations

import pytest
from pipeline_repo import PipelineRepo, make_pipeline_repo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clones(tmp_path_factory: pytest.TempPathFactory) -> tuple[PipelineRepo, PipelineRepo]:
    """A tiny copy that ran its pipeline, committed the results and a folder remote, and pushed; and a fresh
    `git clone` of it that ran `dvc pull` and nothing else."""
    root = tmp_path_factory.mktemp("sharing")
    origin = make_pipeline_repo(root / "origin")
    origin.dvc("repro")
    origin.dvc("remote", "add", "-d", "shared", str(root / "remote"))
    origin.run("git", "add", "-A")
    origin.run("git", "commit", "-qm", "results and a shared remote")
    origin.dvc("push")
    origin.run("git", "clone", "-q", str(origin.path), str(root / "clone"))
    clone = PipelineRepo(root / "clone")
    clone.dvc("pull")
    return origin, clone


def test_push_fills_the_remote(clones: tuple[PipelineRepo, PipelineRepo]) -> None:
    """After `dvc push` the remote holds everything the cache does."""
    origin, _ = clones
    assert "in sync" in origin.dvc("status", "--cloud").stdout


def test_pull_brings_every_output(clones: tuple[PipelineRepo, PipelineRepo]) -> None:
    """The fresh clone has the origin's data and checkpoints, byte for byte, and `dvc status` is clean."""
    origin, clone = clones
    for path in ["data/mnist/images.npy", "data/addsub/queries.csv", "models/classifier.pt",
                 "models/addsub-text2text.pt", "models/mul-text2img.pt"]:
        assert (clone.path / path).read_bytes() == (origin.path / path).read_bytes(), path
    assert "up to date" in clone.dvc("status").stdout


def test_nothing_reruns_after_pull(clones: tuple[PipelineRepo, PipelineRepo]) -> None:
    """`dvc repro` in the clone runs no stage: the pulled results are the pipeline's, not a cache to rebuild."""
    _, clone = clones
    output = clone.dvc("repro").stdout
    assert clone.ran_stages(output) == set() and "up to date" in output


def test_predict_answers_in_the_clone(clones: tuple[PipelineRepo, PipelineRepo]) -> None:
    """`seq2arith predict` answers in the clone from the pulled checkpoints: the origin's answer, one line."""
    origin, clone = clones
    answer = clone.run("seq2arith", "predict", "2+3").stdout
    assert len(answer.splitlines()) == 1 and answer == origin.run("seq2arith", "predict", "2+3").stdout
