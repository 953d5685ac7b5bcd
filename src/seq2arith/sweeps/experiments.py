"""A sweep as DVC experiments, one per configuration, each run by a worker in its own clone of the repository.

What the submitting clone checks before anything starts (``check_clone``, ``check_keys``), the configurations of
DVC's own ``-S`` sweep syntax (``configurations``), and the task one worker runs (``run_experiment``): clone the
git remote at the submitted commit, `dvc exp run --pull --allow-missing` (fetching only what its stages read; a
stage whose run record and outputs are all on the DVC remote is restored instead of run), then `dvc exp push
--run-cache` to the git remote and the DVC remote. The engine that hands the tasks to workers is in ``cluster``.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from configobj import ConfigObj
from dvc.utils.cli_parse import to_path_overrides
from dvc.utils.hydra import get_hydra_sweeps

from seq2arith.params import load_params
from seq2arith.runtime.errors import Seq2ArithError

DVC = (sys.executable, "-m", "dvc")


@dataclass(frozen=True)
class Experiment:
    """One `dvc exp run`: its name, its ``key=value`` params changes and the stages it runs (default: all)."""

    name: str
    changes: tuple[str, ...]
    targets: tuple[str, ...] = ()

    def __str__(self) -> str:
        return " ".join([self.name, *(f"-S {change}" for change in self.changes), *self.targets])

    def run_arguments(self) -> list[str]:
        """`dvc exp run`'s arguments after ``exp run``."""
        return ["--name", self.name, *(part for change in self.changes for part in ("-S", change)), *self.targets]


@dataclass(frozen=True)
class Outcome:
    """What a worker did for one experiment: the stages it ran (none when none had to run)."""

    experiment: Experiment
    ran: tuple[str, ...]


class ExperimentFailed(Seq2ArithError):
    """An experiment's command failed on its worker: the experiment, the command and its last error line."""


def configurations(sets: list[str], targets: tuple[str, ...] = ()) -> list[Experiment]:
    """One experiment per combination of DVC's ``-S`` sweep values (``model.hidden=64,128``, ``seed=range(0,3)``),
    named after its changes and a short hash of them (the same configuration, the same name)."""
    if not sets:
        raise Seq2ArithError("a sweep needs at least one -S KEY=VALUES")
    overrides = to_path_overrides(sets)
    if set(overrides) != {"params.yaml"}:
        raise Seq2ArithError(f"-S changes params.yaml only, not {', '.join(set(overrides) - {'params.yaml'})}")
    try:
        sweeps = get_hydra_sweeps(overrides)
    except Exception as error:  # hydra's parser raises its own types for every malformed value
        raise Seq2ArithError(f"-S {' '.join(sets)}: {error}".replace("\n", " ")) from None
    return [Experiment(_name(tuple(sweep["params.yaml"])), tuple(sweep["params.yaml"]), targets) for sweep in sweeps]


def _name(changes: tuple[str, ...]) -> str:
    readable = "-".join(re.sub(r"[^A-Za-z0-9]+", "", change.split("=", 1)[0].split(".")[-1] + change.split("=", 1)[1])
                        for change in changes)
    return f"{readable[:40]}-{hashlib.sha256(' '.join(changes).encode()).hexdigest()[:6]}"


def check_keys(experiments: list[Experiment], params_file: Path) -> None:
    """Every changed key must be a key of ``params_file``: a typo would otherwise add a key no stage reads."""
    values = load_params(params_file)
    for experiment in experiments:
        for change in experiment.changes:
            key = change.split("=", 1)[0]
            node = values
            for part in key.split("."):
                if not isinstance(node, dict) or part not in node:
                    raise Seq2ArithError(f"-S {change}: {params_file.name} has no key {key!r}")
                node = node[part]


def output_of(folder: Path, *command: str, env: dict[str, str] | None = None) -> str:
    """What ``command`` (git, or DVC as ``*DVC``) prints in ``folder``; its error line as a Seq2ArithError."""
    result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        name = " ".join(part for part in command[:4] if not part.startswith("/"))
        raise Seq2ArithError(f"{name}: {last_error_line(result)}")
    return result.stdout.strip()


def check_clone(clone: Path, git_remote: str) -> tuple[str, str]:
    """The git remote's URL and the commit the workers start from (HEAD), once the clone is fit to sweep: no
    uncommitted change, HEAD on the git remote, a default DVC remote in the committed .dvc/config that a clone
    elsewhere reaches too."""
    if output_of(clone, "git", "status", "--porcelain", "--untracked-files=no"):
        raise Seq2ArithError("the workspace has uncommitted changes: commit them (and push), the workers clone HEAD")
    url = output_of(clone, "git", "remote", "get-url", git_remote)
    if Path(clone, url).is_dir():
        url = str(Path(clone, url).resolve())
    output_of(clone, "git", "fetch", "--quiet", git_remote)
    commit = output_of(clone, "git", "rev-parse", "HEAD")
    if not output_of(clone, "git", "for-each-ref", "--contains", commit, f"refs/remotes/{git_remote}"):
        raise Seq2ArithError(f"HEAD ({commit[:7]}) is not on the git remote {git_remote!r}: push it first")
    config = ConfigObj(str(clone / ".dvc" / "config"))  # as committed: `dvc config` would resolve the paths
    remote = config.get("core", {}).get("remote")
    if not remote:
        raise Seq2ArithError("no default DVC remote in .dvc/config: add one (`dvc remote add -d NAME URL`) and "
                             "commit it; workers push their experiments' outputs there")
    remote_url = config.get(f'remote "{remote}"', {}).get("url", "")
    if "://" not in remote_url and not Path(remote_url).is_absolute():
        raise Seq2ArithError(f"the DVC remote {remote!r} is the relative path {remote_url!r}: a worker's clone "
                             "lies elsewhere; give an absolute path or a URL")
    return url, commit


def last_error_line(result: subprocess.CompletedProcess) -> str:
    """The line that says what went wrong: our stages' ``error:`` line, else DVC's ``ERROR:``, else the last."""
    lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    for prefix in ("error:", "ERROR:"):
        found = [line for line in lines if line.startswith(prefix)]
        if found:
            return found[0]
    return lines[-1] if lines else f"exit status {result.returncode}"


def run_experiment(experiment: Experiment, origin: str, commit: str) -> Outcome:
    """The task one worker runs: ``experiment`` in a fresh clone of ``origin`` at ``commit``, pushed when done.
    The clone's own code runs the stages (its src/ first on PYTHONPATH), with this Python's tools."""
    with tempfile.TemporaryDirectory(prefix=f"seq2arith-{experiment.name}-") as folder:
        clone = Path(folder) / "repo"
        env = {**os.environ, "PYTHONPATH": str(clone / "src"), "DVC_NO_ANALYTICS": "1",
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        try:
            output_of(Path(folder), "git", "clone", "--quiet", origin, str(clone), env=env)
            output_of(clone, "git", "checkout", "--quiet", commit, env=env)
            output = output_of(clone, *DVC, "exp", "run", "--pull", "--allow-missing", *experiment.run_arguments(),
                               env=env)
            output_of(clone, *DVC, "exp", "push", "--force", "--run-cache", "origin", experiment.name, env=env)
        except Seq2ArithError as error:
            raise ExperimentFailed(f"{experiment}: {error}") from None
    ran = tuple(line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage '"))
    return Outcome(experiment, ran)
