"""Sharing results through a DVC remote: push from one clone, pull into fresh ones, predict without training;
experiments pushed and pulled, run records shared, and checkpoints fetched as artifacts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline_repo import PipelineRepo

pytestmark = pytest.mark.slow
EXPERIMENT = ("-S", "text2text.epochs.mul=2")  # one task's training changed: three stages run


@pytest.fixture(scope="module")
def shared(tiny_pipeline: PipelineRepo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, PipelineRepo]:
    """``origin``: the tiny pipeline with its results and a folder remote committed, pushed. ``author``: a git
    clone of it that pulled, ran the experiment ``shared`` and pushed it (`dvc exp push`) and the run-cache.
    ``clone``: a fresh git clone that ran `dvc pull` and nothing else."""
    root = tmp_path_factory.mktemp("sharing")
    origin = tiny_pipeline.copy(root / "origin")
    origin.dvc("remote", "add", "-d", "shared", str(root / "remote"))
    origin.run("git", "commit", "-qam", "a shared remote")
    origin.dvc("push")
    author = clone_of(origin, root / "author")
    author.dvc("exp", "run", "-n", "shared", *EXPERIMENT)
    author.dvc("exp", "push", "origin", "shared")
    author.dvc("push", "--run-cache")
    return {"origin": origin, "author": author, "clone": clone_of(origin, root / "clone")}


def clone_of(origin: PipelineRepo, path: Path) -> PipelineRepo:
    origin.run("git", "clone", "-q", str(origin.path), str(path))
    clone = PipelineRepo(path)
    clone.dvc("pull")
    return clone


def test_push_fills_the_remote(shared: dict[str, PipelineRepo]) -> None:
    """After `dvc push` the remote holds everything the cache does."""
    assert "in sync" in shared["origin"].dvc("status", "--cloud").stdout


def test_pull_brings_every_output(shared: dict[str, PipelineRepo]) -> None:
    """The fresh clone has the origin's data, checkpoints and curves, byte for byte, and `dvc status` is clean."""
    origin, clone = shared["origin"], shared["clone"]
    for path in ["data/mnist/images.npy", "data/addsub/queries.csv", "models/classifier.pt",
                 "models/addsub-text2text.pt", "models/mul-text2img.pt", "plots/predictions/mul-img2text.csv",
                 "plots/curves/mul-text2text/plots/metrics/test/exact_match.tsv"]:
        assert (clone.path / path).read_bytes() == (origin.path / path).read_bytes(), path
    assert "up to date" in clone.dvc("status").stdout


def test_nothing_reruns_after_pull(shared: dict[str, PipelineRepo]) -> None:
    """`dvc repro` in the clone runs no stage: the pulled results are the pipeline's, not a cache to rebuild."""
    output = shared["clone"].dvc("repro").stdout
    assert shared["clone"].ran_stages(output) == set() and "up to date" in output


def test_predict_answers_in_the_clone(shared: dict[str, PipelineRepo]) -> None:
    """`seq2arith predict` answers in the clone from the pulled checkpoints: the origin's answer, one line."""
    answer = shared["clone"].run("seq2arith", "predict", "2+3").stdout
    assert len(answer.splitlines()) == 1 and answer == shared["origin"].run("seq2arith", "predict", "2+3").stdout


def test_a_pulled_experiment_applies_and_predicts(shared: dict[str, PipelineRepo], tmp_path: Path) -> None:
    """`dvc exp pull` brings the author's experiment into another clone; `dvc exp apply` puts its model in the
    workspace, and `seq2arith predict` answers with it."""
    reader = clone_of(shared["origin"], tmp_path / "reader")
    reader.dvc("exp", "pull", "origin", "shared")
    reader.dvc("exp", "apply", "shared")
    model = "models/mul-text2text.pt"
    assert (reader.path / model).read_bytes() == (shared["author"].path / model).read_bytes()
    assert (reader.run("seq2arith", "predict", "7*8").stdout
            == shared["author"].run("seq2arith", "predict", "7*8").stdout)


def test_the_run_cache_travels(shared: dict[str, PipelineRepo], tmp_path: Path) -> None:
    """`dvc push --run-cache` and `dvc pull --run-cache` carry the author's run records to another clone. (DVC
    3.67 carries the records alone, not the outputs they name: restoring one needs those outputs in the cache,
    docs/sharing.md says more.)"""
    reader = clone_of(shared["origin"], tmp_path / "reader")
    reader.dvc("pull", "--run-cache")

    def records(repo: PipelineRepo) -> set[str]:
        runs = repo.path / ".dvc/cache/runs"
        return {str(path.relative_to(runs)) for path in runs.rglob("*") if path.is_file()}

    assert records(shared["author"]) and records(shared["author"]) <= records(reader)


def test_artifacts_get_gives_a_checkpoint_predict_uses(shared: dict[str, PipelineRepo], tmp_path: Path) -> None:
    """A checkpoint registered as a version with GTO (a git tag) is fetched by `dvc artifacts get <repo>
    mul-text2text` from the repository's remote, and `seq2arith predict --models` answers with it."""
    origin = shared["origin"]
    origin.run("gto", "register", "mul-text2text", "--version", "v1.0.0")
    models = tmp_path / "models"
    models.mkdir()
    origin.dvc("artifacts", "get", str(origin.path), "mul-text2text", "-o", str(models / "mul-text2text.pt"))
    assert (models / "mul-text2text.pt").read_bytes() == (origin.path / "models/mul-text2text.pt").read_bytes()
    answer = origin.run("seq2arith", "predict", "--models", str(models), "7*8").stdout
    assert answer == origin.run("seq2arith", "predict", "7*8").stdout
