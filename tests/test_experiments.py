"""Experiments with the real DVC on tiny params: each key is read by exactly the stages that list it, a run
re-runs them and what follows and nothing of another task, a configuration run before is restored from the
run-cache, a bad value fails before any stage deletes its outputs, and a failed or killed stage is undone by one
command."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dvc.repo import Repo

from pipeline_repo import EXPERIMENT, KINDS, RESTORE, TASKS, PipelineRepo, make_pipeline_repo
from seq2arith.report.dotted import nested
from test_mnist import NAMES, idx_bytes, mnist_arrays

pytestmark = pytest.mark.slow
TRAININGS = {f"train-{kind}@{task}" for kind in KINDS for task in TASKS}
CHECK = "params"  # the stage that checks every value of params.yaml first: any change re-runs it (in seconds)


@pytest.fixture(scope="module")
def repo(tiny_pipeline: PipelineRepo, tmp_path_factory: pytest.TempPathFactory) -> PipelineRepo:
    return tiny_pipeline.copy(tmp_path_factory.mktemp("experiments") / "repo")


@pytest.fixture
def clean(repo: PipelineRepo):
    """Each test starts from, and leaves, the committed state."""
    yield repo
    repo.run("git", "reset", "-q", "--hard")
    repo.dvc("checkout", "--force", "-q")


@pytest.fixture
def committed_params(repo: PipelineRepo):
    """Each test starts from, and leaves, the committed params.yaml (and changes nothing else)."""
    committed = (repo.path / "params.yaml").read_text()
    yield repo
    (repo.path / "params.yaml").write_text(committed)


def _changed_stages(repo: PipelineRepo) -> set[str]:
    """The stages `dvc status` says changed: those whose own code, data or params changed. (DVC's Python API,
    in this process: what the `dvc status` command prints, a second sooner.)"""
    with contextlib.chdir(repo.path), Repo() as dvc:  # (from inside it, as the command: stages by their names)
        return set(dvc.status())


class TestSetParams:
    """`dvc exp run -S`: what a changed key re-runs, and what the run-cache brings back."""

    @pytest.mark.parametrize(("key", "value", "readers"), [
        ("text2text.epochs.mul", 2, {"train-text2text@mul"}),
        ("text2img.image_epochs.addsub", 2, {"train-text2img@addsub"}),
        ("img2text.batch_size", 16, {"train-img2text@addsub", "train-img2text@mul"}),
        ("model.hidden", 16, TRAININGS),
        ("train.mirror", False, TRAININGS),
        ("classifier.epochs", 2, {"classifier"}),
        ("judge.epochs", 2, {"judge"}),
        ("drawing.style_temperature", 0.5, {"evaluate-text2img@addsub", "evaluate-text2img@mul", "samples@addsub",
                                            "samples@mul"}),
        ("glyphs.jitter", 1, {"glyphs"}),
        ("samples.threshold", 0.4, {"samples@addsub", "samples@mul"}),
        ("split.test_ratio", 0.5, {"dataset@addsub", "dataset@mul"}),
        ("split.validation_ratio", 0.2, {"dataset@addsub", "dataset@mul"}),
        ("tasks.mul.highest_integer", 8, {"dataset@mul", "train-img2text@mul"}),  # img2text's program: every query
        ("data.source", "idx", {"download"}),
        ("device", "cpu", {"classifier", "evaluate-classifier", "judge", "evaluate-judge", *TRAININGS,
                           *(f"evaluate-{kind}@{task}" for kind in KINDS for task in TASKS),
                           "samples@addsub", "samples@mul"}),
    ])
    def test_a_key_is_read_by_exactly_its_stages(self, committed_params: PipelineRepo, key: str, value,
                                                 readers: set[str]) -> None:
        """A changed params key makes exactly the stages that read it out of date (and the params stage, which checks
        them all): one task's epochs only that task's training, the core every training and no dataset or classifier,
        how text2img draws only its evaluations and samples, samples.threshold only the samples, a task's numbers its
        dataset and its img2text (whose program answers every query of the task)."""
        committed_params.write_params(nested({key: value}, committed_params.params()))
        assert _changed_stages(committed_params) == readers | {CHECK}

    def test_one_tasks_epochs_rerun_that_task_then_come_back_from_the_run_cache(self, tiny_experiment: PipelineRepo,
                                                                                tmp_path: Path) -> None:
        """`-S text2text.epochs.mul=2` (the fixture's experiment) trained the mul model again and what reads it (mul's
        img2text and text2img, whose core is the text2text's), nothing of addsub; with its results in the workspace the
        diffs show it, and going back to the committed epochs restores every output from the run-cache, training
        nothing (the params stage checks the values again)."""
        experiment = tiny_experiment.copy(tmp_path / "repo")
        assert experiment.ran_stages(experiment.experiment_run) == {CHECK, "plots", "samples@mul", *(
            f"{stage}-{kind}@mul" for stage in ("train", "evaluate") for kind in ("text2text", "img2text", "text2img"))}
        experiment.dvc("exp", "apply", EXPERIMENT)
        assert "text2text.epochs.mul" in experiment.dvc("params", "diff").stdout
        assert "metrics/train-mul-text2text.json" in experiment.dvc("metrics", "diff", "--all").stdout
        back = experiment.dvc("exp", "run", "-S", "text2text.epochs.mul=1").stdout
        assert experiment.ran_stages(back) == {CHECK}
        assert "Stage 'train-text2text@mul' is cached" in back
        assert experiment.run("git", "status", "--porcelain", "--untracked-files=no", "--", "metrics",
                              "plots").stdout == ""


def _committed(repo: PipelineRepo, paths: list[str]) -> dict[str, bytes]:
    return {path: (repo.path / path).read_bytes() for path in paths}


class TestFailedRuns:
    """A bad value, a failed stage and a killed training, and README's one command that undoes them."""

    def test_a_bad_value_fails_before_any_stage_deletes_its_outputs(self, clean: PipelineRepo) -> None:
        """`-S split.test_ratio=1.5` fails in the params stage, which DVC runs first, with one line naming the key,
        the value and what is allowed: dataset@addsub never ran, so its query set and metrics are still there as
        committed, and `dvc status` lists no deleted output."""
        dataset = ["metrics/dataset-addsub.json", *(str(path.relative_to(clean.path))
                                                    for path in sorted((clean.path / "data/addsub").rglob("*"))
                                                    if path.is_file())]
        before = _committed(clean, dataset)
        failed = clean.dvc("exp", "run", "-S", "split.test_ratio=1.5", check=False)
        assert failed.returncode != 0
        assert [line for line in (failed.stdout + failed.stderr).splitlines() if "split.test_ratio" in line] == [
            "error: params.yaml: split.test_ratio = 1.5: must be between 0 and 1 (exclusive)"]
        assert clean.ran_stages(failed.stdout) == {CHECK}
        assert len(dataset) > 1 and _committed(clean, dataset) == before
        status = clean.dvc("status").stdout
        assert "deleted" not in status and "dataset@addsub" in status  # out of date (its params changed), not emptied

    def test_a_failed_stage_says_why_and_one_command_restores_it(self, clean: PipelineRepo) -> None:
        """A stage that fails on a bad value says why in one line; README's one command brings back exactly the
        committed results, and `dvc status` is clean."""
        before = _committed(clean, KEPT)
        failed = clean.dvc("exp", "run", "-S", "img2text.conv_layers=9", check=False)
        assert failed.returncode != 0
        assert "error: params.yaml: img2text.conv_layers = 9: must be an integer from 1 to 3" in failed.stderr
        clean.run("bash", "-c", RESTORE)
        assert _committed(clean, KEPT) == before
        assert "up to date" in clean.dvc("status").stdout

    def test_a_killed_training_is_undone_by_one_command(self, clean: PipelineRepo) -> None:
        """`dvc repro` killed in the middle of a training leaves no checkpoint (DVC cleared the stage's outputs,
        and nothing half-written is kept); README's one command brings back exactly the committed results."""
        before = _committed(clean, KEPT)
        clean.write_params(nested({"text2text.epochs.addsub": 10_000}, clean.params()))
        process = subprocess.Popen([sys.executable, "-m", "dvc", "repro", "train-text2text@addsub"], cwd=clean.path,
                                   env=clean.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        curve = clean.path / "plots/curves/addsub-text2text/plots/metrics/train/loss.tsv"
        deadline = time.monotonic() + 120
        while not (curve.exists() and len(curve.read_text().splitlines()) > 2) and time.monotonic() < deadline:
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGKILL)  # dvc and the training it started
        process.wait()
        model = clean.path / "models/addsub-text2text.pt"
        assert not model.exists() and not list(model.parent.glob(".addsub-text2text*"))
        clean.run("bash", "-c", RESTORE)
        assert _committed(clean, KEPT) == before
        assert "up to date" in clean.dvc("status").stdout

    def test_restore_command_is_the_readmes(self) -> None:
        """The command these tests run is the one README gives."""
        assert RESTORE in (Path(__file__).parents[1] / "README.md").read_text()


KEPT = ["metrics/addsub-img2text.json", "metrics/train-addsub-text2text.json", "models/addsub-text2text.pt",
        "plots/curves/addsub-text2text/plots/metrics/train/loss.tsv", "plots/errors/mul-text2img.png"]


class TestNeuroSymbolicProtocol:
    """reports/reading-from-answers.md's protocol, run by `dvc exp run`."""

    def test_the_neuro_symbolic_protocol_runs_on_mnist_idx_files(self, tmp_path: Path) -> None:
        """reports/reading-from-answers.md's protocol on MNIST's own files (here small ones the test writes, MNIST's
        shape and names): an added addition task, img2text.images_once, data.source idx. Each training digit image is
        in one strip only, so there are at most as many strips as the train pool has digits over the digits a strip
        shows (two here); the reader is scored on the test file's digits."""
        repo = make_pipeline_repo(tmp_path / "repo")  # its own data: nothing of the tiny pipeline's results is used
        arrays = mnist_arrays(train=400, test=100)
        for key, name in NAMES.items():
            (tmp_path / name).write_bytes(idx_bytes(arrays[key]))
        repo.dvc("exp", "run", "-S", "+tasks.add2={operators: [+], highest_integer: 9}",
                 "-S", "+text2text.epochs.add2=1", "-S", "+img2text.epochs.add2=1", "-S", "+text2img.epochs.add2=1",
                 "-S", "+text2img.image_epochs.add2=1", "-S", "img2text.images_once=true", "-S", "data.source=idx",
                 "-S", f"data.idx_dir={tmp_path}", "evaluate-img2text@add2")
        strips = json.loads((repo.path / "metrics/train-add2-img2text.json").read_text())["train_queries"]
        train_pool_digits = 400 - 400 // 10  # a tenth of the train images is the validation pool
        assert 0 < strips <= train_pool_digits // 2
        metrics = json.loads((repo.path / "metrics/add2-img2text.json").read_text())
        assert 0 <= metrics["test"]["reader_digit_accuracy"] <= 1 and "exact_match" in metrics["test"]
