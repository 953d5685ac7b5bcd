"""Sharing results through a DVC remote: push from one clone, pull into fresh ones, predict without training;
experiments pushed and pulled, run records shared, and checkpoints fetched as artifacts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline_repo import EXPERIMENT, EXPERIMENT_CHANGE, PipelineRepo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shared(tiny_experiment: PipelineRepo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, PipelineRepo]:
    """``author``: the tiny pipeline with its results, its DVC remote and its experiment EXPERIMENT, pushed: the
    commits to the git server ``origin``, the outputs to the remote (`dvc push`), the experiment to both
    (`dvc exp push`), and the run-cache. ``clone``: a fresh git clone of origin that ran `dvc pull` and nothing
    else (a test adds the run records, nothing more)."""
    author = tiny_experiment.copy(tmp_path_factory.mktemp("sharing") / "author")
    author.run("git", "clone", "-q", "--bare", str(author.path), str(author.path.parent / "origin"))
    author.run("git", "remote", "add", "origin", str(author.path.parent / "origin"))
    author.dvc("push")
    author.dvc("exp", "push", "origin", EXPERIMENT)
    author.dvc("push", "--run-cache")
    return {"author": author, "clone": clone_of(author, "clone")}


def clone_of(author: PipelineRepo, name: str, pull: bool = True) -> PipelineRepo:
    """A git clone of the author's origin, beside it, that ran `dvc pull` (unless not ``pull``)."""
    path = author.path.parent / name
    author.run("git", "clone", "-q", str(author.path.parent / "origin"), str(path))
    clone = PipelineRepo(path)
    if pull:
        clone.dvc("pull")
    return clone


class TestPushAndPull:
    """`dvc push` to the DVC remote, and `dvc pull` in a clone."""

    def test_push_fills_the_remote(self, shared: dict[str, PipelineRepo]) -> None:
        """After `dvc push` the remote holds everything the cache does."""
        assert "in sync" in shared["author"].dvc("status", "--cloud").stdout

    def test_pull_brings_every_output(self, shared: dict[str, PipelineRepo]) -> None:
        """The fresh clone has the author's data, checkpoints and curves, byte for byte, and `dvc status` is clean."""
        author, clone = shared["author"], shared["clone"]
        for path in ["data/mnist/images.npy", "data/addsub/queries.csv", "models/classifier.pt",
                     "models/addsub-text2text.pt", "models/mul-text2img.pt", "plots/predictions/mul-img2text.csv",
                     "plots/curves/mul-text2text/plots/metrics/validation/exact_match.tsv"]:
            assert (clone.path / path).read_bytes() == (author.path / path).read_bytes(), path
        assert "up to date" in clone.dvc("status").stdout

    def test_nothing_reruns_after_pull(self, shared: dict[str, PipelineRepo]) -> None:
        """`dvc repro` in the clone runs no stage: the pulled results are the pipeline's, not a cache to rebuild."""
        output = shared["clone"].dvc("repro").stdout
        assert shared["clone"].ran_stages(output) == set() and "up to date" in output

    def test_predict_answers_in_the_clone(self, shared: dict[str, PipelineRepo]) -> None:
        """`seq2arith predict` answers in the clone from the pulled checkpoints: the author's answer, one line."""
        answer = shared["clone"].predict("2+3")
        assert len(answer.splitlines()) == 1 and answer == shared["author"].predict("2+3")


class TestExpPull:
    """`dvc exp pull` of an experiment the author pushed."""

    def test_a_pulled_experiment_applies_and_predicts(self, shared: dict[str, PipelineRepo]) -> None:
        """`dvc exp pull` brings the author's experiment into another clone; `dvc exp apply` puts its model in the
        workspace, and `seq2arith predict` answers with it."""
        author = shared["author"]
        reader = clone_of(author, "reader")
        reader.dvc("exp", "pull", "origin", EXPERIMENT)
        reader.dvc("exp", "apply", EXPERIMENT)
        assert author.experiment_models is not None
        model = "mul-text2text.pt"
        assert (reader.path / "models" / model).read_bytes() == (author.experiment_models / model).read_bytes()
        assert reader.predict("7*8") == author.predict("7*8", models=author.experiment_models)


class TestRunCache:
    """`dvc push --run-cache` and `dvc pull --run-cache`."""

    def test_the_run_cache_travels(self, shared: dict[str, PipelineRepo]) -> None:
        """`dvc push --run-cache` and `dvc pull --run-cache` carry the author's run records to another clone. (DVC
        3.67 carries the records alone, not the outputs they name: restoring one needs those outputs in the cache,
        docs/sharing.md says more.)"""
        reader = shared["clone"]
        reader.dvc("pull", "--run-cache")

        def records(repo: PipelineRepo) -> set[str]:
            runs = repo.path / ".dvc/cache/runs"
            return {str(path.relative_to(runs)) for path in runs.rglob("*") if path.is_file()}

        assert records(shared["author"]) and records(shared["author"]) <= records(reader)

    def test_a_training_run_elsewhere_is_restored_not_trained_again(self, shared: dict[str, PipelineRepo]) -> None:
        """The author's experiment run again under another name in a fresh clone that pulled nothing, as a sweep's
        worker runs it (`dvc exp run --pull --allow-missing`), trains nothing: every output of a training is in the
        DVC cache, so each of the experiment's trainings is restored from the run record and outputs the author
        pushed. (Its trainings alone are asked for: the stages that keep a file in git run again, seconds each.)"""
        worker = clone_of(shared["author"], "worker", pull=False)
        trainings = [f"train-{kind}@mul" for kind in ("text2text", "img2text", "text2img")]  # what the change re-runs
        done = worker.dvc("exp", "run", "--pull", "--allow-missing", "-n", "again", "-S", EXPERIMENT_CHANGE,
                          *trainings)
        assert all(f"Stage '{stage}' is cached - skipping run" in done.stdout for stage in trainings), done.stdout
        assert worker.ran_stages(done.stdout) == {"params"}  # which checks the values again


class TestArtifactsGet:
    """`dvc artifacts get` of a checkpoint registered with GTO."""

    def test_artifacts_get_gives_a_checkpoint_predict_uses(self, shared: dict[str, PipelineRepo],
                                                           tmp_path: Path) -> None:
        """A checkpoint registered as a version with GTO (a git tag) is fetched by `dvc artifacts get <repo>
        mul-text2text` from the repository's remote, and `seq2arith predict --models` answers with it."""
        author = shared["author"]
        author.run("gto", "register", "mul-text2text", "--version", "v1.0.0")
        models = tmp_path / "models"
        models.mkdir()
        author.dvc("artifacts", "get", str(author.path), "mul-text2text", "-o", str(models / "mul-text2text.pt"))
        assert (models / "mul-text2text.pt").read_bytes() == (author.path / "models/mul-text2text.pt").read_bytes()
        assert author.predict("7*8", models=models) == author.predict("7*8")
