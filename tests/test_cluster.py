"""A sweep on a real Dask cluster on 127.0.0.1: a scheduler and two worker processes started by the test, a bare
git repository as origin, a folder as the DVC remote; one worker killed mid-experiment; the sweep run again
trains nothing. And every bad input stops the sweep in one line before anything starts."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline_repo import PipelineRepo, make_pipeline_repo
from seq2arith.params import ParamsError
from seq2arith.runtime.errors import Seq2ArithError
from seq2arith.sweeps.cluster import run_sweep
from seq2arith.sweeps.experiments import check_keys, configurations

DASK = str(Path(sys.executable).parent / "dask")
TARGET = "evaluate-text2text@mul"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _published(repo: PipelineRepo, remote: str) -> PipelineRepo:
    """``repo`` with the DVC remote ``remote`` committed and HEAD pushed to a bare ``origin`` beside it."""
    repo.dvc("remote", "add", "-d", "shared", remote)
    repo.run("git", "commit", "-qam", "a DVC remote")
    origin = repo.path.parent / "origin.git"
    repo.run("git", "init", "-q", "--bare", str(origin))
    repo.run("git", "remote", "add", "origin", str(origin))
    repo.run("git", "push", "-q", "origin", "HEAD:refs/heads/main")
    return repo


@pytest.fixture
def small_clone(tmp_path: Path) -> PipelineRepo:
    """A git and DVC repository holding this project's params.yaml, pushed to its origin, with a DVC remote."""
    repo = PipelineRepo(tmp_path / "repo")
    repo.path.mkdir()
    (repo.path / "params.yaml").write_bytes((Path(__file__).parents[1] / "params.yaml").read_bytes())
    repo.run("git", "init", "-q")
    repo.dvc("init", "-q")
    repo.run("git", "add", "-A")
    repo.run("git", "commit", "-qm", "params")
    return _published(repo, str(tmp_path / "remote"))


def _sweep_error(repo: PipelineRepo, *sets: str, address: str | None = "tcp://127.0.0.1:1") -> str:
    with pytest.raises(Seq2ArithError) as error:
        run_sweep(configurations(list(sets)), address, clone=repo.path)
    assert "\n" not in str(error.value)
    return str(error.value)


class TestCheckKeys:
    """``experiments.check_keys`` (sweeps/experiments.py)."""

    def test_a_clone_without_params_yaml_is_one_line(self, tmp_path: Path) -> None:
        """Run where there is no params.yaml (a clone with no work tree), the sweep stops in one line naming it."""
        with pytest.raises(ParamsError) as error:
            check_keys(configurations(["seed=1"]), tmp_path / "params.yaml")
        assert "params.yaml: cannot read parameters" in str(error.value) and "\n" not in str(error.value)


class TestConfigurations:
    """``experiments.configurations`` (sweeps/experiments.py)."""

    def test_take_dvc_sweep_syntax(self) -> None:
        """A grid of DVC's -S values: one experiment per combination, named after its changes, stable."""
        experiments = configurations(["model.hidden=8,16", "seed=range(0,2)"], ("train-text2text@mul",))
        assert [experiment.changes for experiment in experiments] == [
            ("model.hidden=8", "seed=0"), ("model.hidden=8", "seed=1"), ("model.hidden=16", "seed=0"),
            ("model.hidden=16", "seed=1")]
        assert experiments[0].name.startswith("hidden8-seed0-") and len({e.name for e in experiments}) == 4
        assert (configurations(["seed=0", "model.hidden=8"])[0].name
                == configurations(["seed=0", "model.hidden=8"])[0].name)
        assert experiments[0].run_arguments()[-1] == "train-text2text@mul"


class TestRunSweep:
    """``cluster.run_sweep`` (sweeps/cluster.py)."""

    def test_a_key_not_in_params_is_named(self, small_clone: PipelineRepo) -> None:
        assert _sweep_error(small_clone, "model.hiden=8,16") == "-S model.hiden=8: params.yaml has no key 'model.hiden'"

    def test_a_dirty_workspace_starts_nothing(self, small_clone: PipelineRepo) -> None:
        (small_clone.path / "params.yaml").write_text((small_clone.path / "params.yaml").read_text() + "\n")
        assert "uncommitted changes" in _sweep_error(small_clone, "model.hidden=8")

    def test_a_commit_not_on_origin_starts_nothing(self, small_clone: PipelineRepo) -> None:
        small_clone.run("git", "commit", "-q", "--allow-empty", "-m", "not pushed")
        assert "is not on the git remote 'origin': push it first" in _sweep_error(small_clone, "model.hidden=8")

    def test_no_dvc_remote_starts_nothing(self, small_clone: PipelineRepo) -> None:
        small_clone.dvc("remote", "remove", "shared")
        small_clone.run("git", "commit", "-qam", "no remote")
        small_clone.run("git", "push", "-q", "origin", "HEAD:refs/heads/main")
        assert "no default DVC remote in .dvc/config" in _sweep_error(small_clone, "model.hidden=8")

    def test_a_relative_dvc_remote_is_named(self, small_clone: PipelineRepo) -> None:
        small_clone.dvc("remote", "modify", "shared", "url", "../remote")
        small_clone.run("git", "commit", "-qam", "relative")
        small_clone.run("git", "push", "-q", "origin", "HEAD:refs/heads/main")
        assert "is the relative path '../../remote'" in _sweep_error(small_clone, "model.hidden=8")

    def test_an_unreachable_cluster_is_named(self, small_clone: PipelineRepo, monkeypatch: pytest.MonkeyPatch) -> None:
        # as long as the message is the same, sooner
        monkeypatch.setattr("seq2arith.sweeps.cluster.CONNECT_TIMEOUT", "1s")
        address = f"tcp://127.0.0.1:{_free_port()}"
        assert _sweep_error(small_clone, "model.hidden=8", address=address).startswith(
            f"cannot reach the Dask scheduler at {address}")

    @pytest.mark.slow
    def test_a_sweep_on_a_cluster_survives_a_killed_worker_and_never_trains_twice(
            self, tmp_path: Path, cluster: tuple[str, list[subprocess.Popen], list[Path]]) -> None:
        """Two configurations and a bad one on two workers, one killed mid-experiment: the two land once each in
        the submitting clone's `dvc exp show` with their metrics, the bad one fails in one line naming it; the same
        sweep again finds each on origin, pulls it and trains nothing."""
        address, workers, folders = cluster
        author = make_pipeline_repo(tmp_path / "author")
        author.reproduce(TARGET)  # what the sweep's stages read, pushed below: the experiments pull it
        author = _published(author, str(tmp_path / "remote"))
        author.dvc("push")
        author.dvc("push", "--run-cache")
        sweep = ["seq2arith", "sweep", "-S", "text2text.epochs.mul=2,3", TARGET, "--cluster", address]

        first = subprocess.Popen([*sweep[:3], "text2text.epochs.mul=2,3,-1", *sweep[4:]], cwd=author.path,
                                 env=author.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _kill_when_running(workers[0], folders[0], first)
        stdout, stderr = first.communicate(timeout=600)
        assert first.returncode == 1, stderr
        failed = [line for line in stderr.splitlines() if line.startswith("failed:")]
        assert len(failed) == 1 and "-S text2text.epochs.mul=-1" in failed[0] and "text2text.epochs.mul" in failed[0]
        assert stderr.splitlines()[-1].startswith("error: 1 of 3 experiments failed: mul1-")
        names = {experiment.name for experiment in configurations(["text2text.epochs.mul=2,3"])}
        assert {line.split(":")[0] for line in stdout.splitlines() if "ran " in line} == names

        shown = json.loads(author.dvc("exp", "show", "--json").stdout)
        experiments = {rev["name"]: rev["data"] for baseline in shown
                       for experiment in baseline.get("experiments") or [] for rev in experiment["revs"]}
        assert set(experiments) == names  # each once
        for data in experiments.values():
            epochs = data["params"]["params.yaml"]["data"]["text2text"]["epochs"]["mul"]
            assert epochs in (2, 3)
            assert data["metrics"]["metrics/mul-text2text.json"]["data"]["test"]["exact_match"] is not None

        again = subprocess.run(sweep, cwd=author.path, env=author.env, capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stderr
        assert sorted(again.stdout.splitlines()[:-1]) == sorted(f"{name}: on origin already, nothing ran"
                                                               for name in names)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen], list[Path]]]:
    """A Dask scheduler and two workers (one task each) on 127.0.0.1, each worker with its own temp folder;
    stopped (their process groups killed) at the end."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    env = {**os.environ, "SEQ2ARITH_THREADS": "1", "DVC_NO_ANALYTICS": "1", "GIT_AUTHOR_NAME": "test",
           "GIT_AUTHOR_EMAIL": "test@example.com", "GIT_COMMITTER_NAME": "test",
           "GIT_COMMITTER_EMAIL": "test@example.com"}
    processes = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                   "--no-dashboard"], env=env, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    folders = [tmp_path / f"worker-{number}" for number in (1, 2)]
    for folder in folders:
        folder.mkdir()
        processes.append(subprocess.Popen([DASK, "worker", address, "--nthreads", "1", "--no-dashboard",
                                           "--host", "127.0.0.1"], env={**env, "TMPDIR": str(folder)},
                                          start_new_session=True, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
    try:
        from distributed import Client
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address, processes[1:], folders
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _kill_when_running(worker: subprocess.Popen, folder: Path, sweep: subprocess.Popen) -> None:
    """Kill ``worker`` (its whole process group: the nanny, the worker and its dvc) once it runs an experiment:
    its clone has begun `dvc exp run`."""
    deadline = time.monotonic() + 180
    while not list(folder.glob("seq2arith-*/repo/.dvc/tmp")):
        assert sweep.poll() is None and time.monotonic() < deadline, "the worker never started an experiment"
        time.sleep(0.2)
    os.killpg(worker.pid, signal.SIGKILL)
