"""A throw-away copy of this repository, as a git repo with tiny params, for real `dvc` runs in tests."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from seq2arith import cli

ROOT = Path(__file__).resolve().parents[1]

TINY = {  # every section shrunk so the whole pipeline runs in about a minute on 2 cores
    "glyphs": {"train_per_operator": 30, "test_per_operator": 10},
    "tasks": {"addsub": {"highest_integer": 9}, "mul": {"highest_integer": 9}},
    "split": {"beyond_range": 20},
    "model": {"hidden": 8},
    "text2text": {"epochs": {"addsub": 1, "mul": 1}, "batch_size": 32},
    "img2text": {"epochs": {"addsub": 1, "mul": 1}, "batch_size": 32,
                 "label_epochs": 0},  # a one-epoch program gives no strip its answer: no image would be labelled
    "text2img": {"epochs": {"addsub": 1, "mul": 1}, "batch_size": 32, "image_epochs": {"addsub": 1, "mul": 1},
                 "dense_units": 8, "style_size": 2},
    "classifier": {"epochs": 1, "batch_size": 256, "conv_filters": 4, "blanks": 20},
    "judge": {"epochs": 1, "batch_size": 256, "conv_filters": 4, "blanks": 20},
}
TASKS, KINDS = ("addsub", "mul"), ("text2text", "img2text", "text2img")
EXPERIMENT, EXPERIMENT_CHANGE = "longer-mul", "text2text.epochs.mul=2"  # one task's text2text and what reads it:
# its evaluation, the task's img2text and text2img (the text2text is their core) with their evaluations, the samples
# and the plots
RESTORE = "git checkout -- params.yaml dvc.lock metrics plots && dvc checkout --force"  # README's one command


def _merge(base: dict, changes: dict) -> dict:
    """``base`` with ``changes`` laid over it, section by section."""
    return {key: _merge(value, changes[key]) if isinstance(value, dict) and isinstance(changes.get(key), dict)
            else changes.get(key, value) for key, value in base.items()}


class PipelineRepo:
    """Run commands inside the copy with the project's virtualenv first on PATH."""

    first_run = ""  # what the first `dvc repro` printed, where the fixture ran it
    experiment_run = ""  # what `dvc exp run` of EXPERIMENT printed, where the fixture ran it
    experiment_models: Path | None = None  # a copy of the checkpoints EXPERIMENT trained

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                    "DVC_NO_ANALYTICS": "1", "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com",
                    "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.com"}

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(command, cwd=self.path, env=self.env, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def dvc(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-m", "dvc", *args, check=check)

    def reproduce(self, *targets: str) -> str:
        """`dvc repro` of ``targets`` (every stage without), its results committed: what it printed."""
        printed = self.dvc("repro", *targets).stdout
        self.run("git", "add", "-A")
        self.run("git", "commit", "-qm", "results")
        return printed

    def predict(self, *queries: str, models: Path | None = None) -> str:
        """What `seq2arith predict QUERIES` prints here, with this copy's checkpoints or those in ``models``: the
        command's own code, run in this process (starting another would import torch again, seconds each)."""
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            cli.main(["predict", "--params", str(self.path / "params.yaml"), "--data", str(self.path / "data"),
                      "--models", str(models or self.path / "models"), *queries])
        return printed.getvalue()

    def ran_stages(self, output: str) -> set[str]:
        """Names of the stages a `dvc repro` / `dvc exp run` output says it ran."""
        return {line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage '")}

    def params(self) -> dict:
        return yaml.safe_load((self.path / "params.yaml").read_text())

    def write_params(self, params: dict) -> None:
        (self.path / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

    def copy(self, path: Path) -> PipelineRepo:
        """A copy of this repository at ``path``, its git history, experiments and DVC cache included (DVC's
        temporary state left out: it is keyed by this copy's files)."""
        shutil.copytree(self.path, path, symlinks=True,
                        ignore=lambda folder, names: ["tmp"] if Path(folder).name == ".dvc" else [])
        copied = PipelineRepo(path)
        copied.first_run, copied.experiment_run = self.first_run, self.experiment_run
        copied.experiment_models = self.experiment_models
        return copied


def make_pipeline_repo(path: Path) -> PipelineRepo:
    """Copy the tracked and new files of this checkout into ``path``, shrink params.yaml, commit."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    for name in files:
        if (ROOT / name).is_file():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, path / name)
    repo = PipelineRepo(path)
    repo.write_params(_merge(repo.params(), TINY))
    repo.run("git", "init", "-q")
    repo.run("git", "add", "-A")
    repo.run("git", "commit", "-qm", "tiny copy")
    return repo
