"""`--check`: whether the committed tables and README block are what their experiments and metrics give. Each
committed table names the command that made it (``seq2arith tables ... --into <that file>``); the check re-runs
that command in memory, writing nothing."""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from seq2arith.report.experiments import commits, experiments
from seq2arith.report.markdown import run_names
from seq2arith.runtime.errors import Seq2ArithError

COMMAND = re.compile(r"seq2arith tables [^`\n]*")  # up to the closing backtick or the end of the line
COMMITS_SINCE = re.compile(r"\$\(git rev-list --count ([^\s^)]+)\^\.\.HEAD\)")  # the one shell part the check runs
SECONDS = re.compile(r"epochs, [^|]* s \|")  # the README's training time cell, after its epochs


@dataclass(frozen=True)
class Committed:
    """A committed table file and the command, as written in it, that made it."""

    path: Path
    command: str

    def argv(self) -> list[str]:
        """The command's arguments after ``seq2arith``, with ``$(git rev-list --count REV^..HEAD)`` counted."""
        text = COMMITS_SINCE.sub(lambda match: str(_commits_since(match.group(1))), self.command)
        if "$" in text or "`" in text:
            raise Seq2ArithError(f"its command has shell the check cannot run: {self.command}")
        return shlex.split(text, comments=True)[1:]


def _commits_since(rev: str) -> int:
    done = subprocess.run(["git", "rev-list", "--count", f"{rev}^..HEAD"], capture_output=True, text=True)
    if done.returncode != 0:
        raise Seq2ArithError(f"cannot count the commits since {rev}: git has no {rev}^ here")
    return int(done.stdout)


def committed_tables(folder: Path) -> list[Committed]:
    """Every markdown file of ``folder`` that names the `seq2arith tables` command writing into it (the first,
    where it names several), sorted by name."""
    found = []
    for path in sorted(folder.glob("*.md")):
        for command in COMMAND.findall(path.read_text()):
            try:
                words = shlex.split(command, comments=True)
            except ValueError:  # unbalanced quotes: not a command
                continue
            into = next((words[i + 1] for i, word in enumerate(words[:-1]) if word == "--into"), None)
            if into is not None and Path(into).resolve() == path.resolve():
                found.append(Committed(path, command.strip()))
                break
    return found


def missing_runs(committed_block: str, exp_show: list[dict]) -> tuple[set[str], set[str]]:
    """(the experiments a committed block names, those of them this clone's `dvc exp show` lacks): experiments
    are local git refs, and a fresh clone has none. The commits' own rows are not counted."""
    here_commits = {run.name for run in commits(exp_show)}
    named = run_names(committed_block) - here_commits
    return named, named - {run.name for run in experiments(exp_show)}


def table_status(committed: Committed, committed_block: str, block: str | Exception, exp_show: list[dict]
                 ) -> tuple[str, bool]:
    """(the line ``--check`` prints for one table file, whether it differs): ``block`` is the table regenerated,
    or why it could not be."""
    if committed_block == block:
        return f"{committed.path}: the same as its experiments give", False
    named, missing = missing_runs(committed_block, exp_show)
    if missing == named and named:
        return f"{committed.path}: not checked (no experiments here)", False
    if missing:
        return f"{committed.path}: not checked (its experiments {', '.join(sorted(missing))} are not here)", False
    if isinstance(block, Exception):
        return f"{committed.path}: cannot be regenerated ({block}): run `{committed.command}`", True
    return differs(committed.path, "its experiments", committed.command), True


def differs(path: Path, source: str, command: str) -> str:
    return f"{path}: differs from what {source} give: run `{command}`"


def same_results(committed: str, generated: str) -> bool:
    """Whether the README's committed results block is ``generated``, the training seconds aside: they are wall
    clock, read from the curves (DVC outputs, not in git), and differ with every run."""
    return SECONDS.sub("epochs, - s |", committed) == SECONDS.sub("epochs, - s |", generated)
