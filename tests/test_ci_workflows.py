"""The GitHub and GitLab CI files: valid by the published schemas (checked offline), running what our CI runs
(`bash .ci/run`) and reporting the metrics and params diff on a pull request; .ci/run installs tools via sudo."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
GITHUB = ROOT / ".github" / "workflows" / "ci.yml"
GITLAB = ROOT / ".gitlab-ci.yml"
WORKFLOW = yaml.safe_load(GITHUB.read_text())
JOB = WORKFLOW["jobs"]["ci"]
GITLAB_JOB = yaml.safe_load(GITLAB.read_text())["ci"]

# check-jsonschema's command line, run in a Python where opening any connection or resolving any host name fails:
# the schemas must come from the copies vendored in the package, never from the network.
OFFLINE_CHECK_JSONSCHEMA = """
import sys

def deny_network(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request"):
        raise RuntimeError(f"network access during the schema check: {event} {args}")

sys.addaudithook(deny_network)
from check_jsonschema import main
main(prog_name="check-jsonschema")
"""


def check_jsonschema(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", OFFLINE_CHECK_JSONSCHEMA, *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def _ci_step(steps: list[dict]) -> int:
    """The index of the step that runs `bash .ci/run`."""
    return next(i for i, step in enumerate(steps) if step.get("run") == "bash .ci/run")


class TestBothCiFiles:
    """The GitHub workflow and the GitLab job alike."""

    @pytest.mark.parametrize(("path", "schema", "options"), [
        (GITHUB, "vendor.github-workflows", []),
        (GITHUB, "custom.github-workflows-require-timeout", []),
        (GITLAB, "vendor.gitlab-ci", ["--data-transform", "gitlab-ci"]),
    ], ids=["github", "github-timeout", "gitlab"])
    def test_matches_published_schema(self, path: Path, schema: str, options: list[str]) -> None:
        """The CI file passes check-jsonschema's vendored schema for it, without touching the network."""
        result = check_jsonschema("--builtin-schema", schema, *options, path)
        assert result.returncode == 0, result.stdout + result.stderr

    def test_schema_check_catches_a_mistake(self, tmp_path: Path) -> None:
        """The same offline check rejects the workflow with a misspelt key, so a pass above means something."""
        broken = tmp_path / "ci.yml"
        broken.write_text(GITHUB.read_text().replace("runs-on:", "run-on:"))
        result = check_jsonschema("--builtin-schema", "vendor.github-workflows", broken)
        assert result.returncode == 1 and "'runs-on' is a required property" in result.stdout, (
            result.stdout + result.stderr)

    def test_comment_the_changed_plots_with_a_pinned_cml(self) -> None:
        """On a pull or merge request both CI files add .ci/plots_diff.py's images to the report, with a pinned CML."""
        github = "\n".join(step.get("run", "") for step in JOB["steps"])
        gitlab = "\n".join(GITLAB_JOB["script"])
        for script in (github, gitlab):
            assert re.search(r"\.venv/bin/python \.ci/plots_diff\.py .+ plots-diff", script)
        setup_cml = next(step for step in JOB["steps"] if step.get("uses", "").startswith("iterative/setup-cml"))
        assert re.fullmatch(r"\d+\.\d+\.\d+", setup_cml["with"]["version"])
        assert re.fullmatch(r"\d+\.\d+\.\d+", GITLAB_JOB["variables"]["CML_VERSION"]) and "latest" not in gitlab


class TestGitHubWorkflow:
    """The GitHub workflow (.github/workflows/ci.yml)."""

    def test_runs_the_ci_script(self) -> None:
        """On a push to main and on pull requests, one job checks out the whole history, sets up Python 3.11 and Node
        and runs exactly `bash .ci/run`, within 90 minutes."""
        triggers = WORKFLOW[True]  # PyYAML (YAML 1.1) reads the key `on` as the boolean true
        assert triggers["push"] == {"branches": ["main"]} and "pull_request" in triggers
        assert list(WORKFLOW["jobs"]) == ["ci"] and JOB["timeout-minutes"] == 90
        actions = {step["uses"].split("@")[0]: step.get("with", {}) for step in JOB["steps"] if "uses" in step}
        assert actions["actions/checkout"]["fetch-depth"] == 0
        assert str(actions["actions/setup-python"]["python-version"]) == "3.11" and "actions/setup-node" in actions
        assert next(step["run"] for step in JOB["steps"] if "run" in step) == "bash .ci/run"
        assert not any("if" in step for step in JOB["steps"][:_ci_step(JOB["steps"]) + 1])  # they run on every event

    def test_comments_the_diff_on_pull_requests(self) -> None:
        """After `bash .ci/run`, on pull requests only, the metrics and params diff against the base branch is posted as
        a PR comment with CML, which the job's `pull-requests: write` permission allows."""
        after = JOB["steps"][_ci_step(JOB["steps"]) + 1:]
        assert after and all(step["if"] == "github.event_name == 'pull_request'" for step in after)
        assert "iterative/setup-cml" in {step.get("uses", "").split("@")[0] for step in after}
        script = "\n".join(step.get("run", "") for step in after).replace('"', "")
        assert ".venv/bin/dvc metrics diff --md origin/${{ github.base_ref }}" in script
        assert ".venv/bin/dvc params diff --md origin/${{ github.base_ref }}" in script
        assert re.search(r"^\s*cml comment create --publish .*report\.md$", script, re.M)
        assert JOB["permissions"]["pull-requests"] == "write"


class TestGitLabJob:
    """The GitLab job (.gitlab-ci.yml)."""

    def test_runs_the_ci_script(self) -> None:
        """On GitLab the job runs `bash .ci/run` first, in python:3.11 with the whole history, within 90 minutes, for
        merge requests and the default branch."""
        assert GITLAB_JOB["image"] == "python:3.11" and GITLAB_JOB["timeout"] == "90 minutes"
        assert GITLAB_JOB["script"][0] == "bash .ci/run" and str(GITLAB_JOB["variables"]["GIT_DEPTH"]) == "0"
        assert [rule["if"] for rule in GITLAB_JOB["rules"]] == [
            '$CI_PIPELINE_SOURCE == "merge_request_event"', "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"]

    def test_reports_the_diff_on_merge_requests(self) -> None:
        """On a merge request the job then writes the metrics and params diff against the target branch to report.md,
        kept as an artifact and posted as an MR note with CML."""
        script = "\n".join(GITLAB_JOB["script"][1:]).replace('"', "")
        assert script.lstrip().startswith("if [ $CI_PIPELINE_SOURCE = merge_request_event ]; then")
        assert ".venv/bin/dvc metrics diff --md origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" in script
        assert ".venv/bin/dvc params diff --md origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" in script
        assert re.search(r"^\s*cml comment create --publish .*report\.md$", script, re.M)
        assert GITLAB_JOB["artifacts"]["paths"] == ["report.md", "plots-diff/"]


def _install_tools(tmp_path: Path, uid: int, sudo: bool = True, present: tuple[str, ...] = ()
                   ) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run .ci/run's install_tools with only fakes on PATH: `id -u` says ``uid``, ``present`` are the tools already
    there, and apt-get records each call, and whether it came through the fake sudo, in the returned log."""
    function = re.search(r"^install_tools\(\) \{.*?^\}$", (ROOT / ".ci" / "run").read_text(), re.M | re.S)
    assert function, ".ci/run defines no install_tools function"
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    fakes = {"id": f"echo {uid}",
             "apt-get": f'echo "apt-get $* (sudo: ${{UNDER_SUDO:-no}}, ${{DEBIAN_FRONTEND:-}})" >> "{log}"',
             **{tool: "exit 0" for tool in present}}
    if sudo:
        fakes["sudo"] = 'export UNDER_SUDO=yes; exec "$@"'
    for name, body in fakes.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    (bin_dir / "env").symlink_to(shutil.which("env") or "/usr/bin/env")
    result = subprocess.run(["/bin/bash", "-c", f"set -euo pipefail\n{function[0]}\ninstall_tools"],
                            env={"PATH": str(bin_dir)}, capture_output=True, text=True, timeout=30)
    return result, log.read_text().splitlines() if log.exists() else []


class TestInstallTools:
    """``install_tools`` (.ci/run)."""

    @pytest.mark.parametrize(("uid", "through"), [(0, "no"), (1001, "yes")], ids=["root", "user"])
    def test_uses_sudo_unless_root(self, tmp_path: Path, uid: int, through: str) -> None:
        """With npm and chromium missing, root runs apt-get itself and any other user runs it through sudo."""
        result, calls = _install_tools(tmp_path, uid)
        assert result.returncode == 0, result.stderr
        assert calls == [f"apt-get update -qq (sudo: {through}, )",
                         f"apt-get install -y -qq npm chromium (sudo: {through}, noninteractive)"]

    def test_installs_nothing_present(self, tmp_path: Path) -> None:
        """With npm and chromium on PATH, install_tools calls neither apt-get nor sudo."""
        result, calls = _install_tools(tmp_path, 1001, present=("npm", "chromium"))
        assert result.returncode == 0 and calls == [] and result.stderr == ""

    def test_without_root_or_sudo_fails_in_one_line(self, tmp_path: Path) -> None:
        """A user who is not root and has no sudo gets one line that says so, and apt-get is not tried."""
        result, calls = _install_tools(tmp_path, 1001, sudo=False)
        assert result.returncode != 0 and calls == []
        assert result.stderr.splitlines() == [
            ".ci/run: cannot install npm chromium: apt-get needs root or sudo, and this user has neither"]


def _ci_module(name: str):
    """One of the scripts in .ci/, imported."""
    spec = importlib.util.spec_from_file_location(name, ROOT / ".ci" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _curve(values: dict[str, list[float]]) -> list[dict]:
    """`dvc plots diff --json`'s render of a loss curve with one train/loss.tsv per revision."""
    return [{"type": "vega", "revisions": list(values), "content": {
        "title": {"text": "loss"}, "encoding": {"x": {"field": "step", "type": "quantitative"}},
        "data": {"values": [{"step": str(step), "loss": str(loss), "rev": revision, "filename": "train/loss.tsv"}
                            for revision, losses in values.items() for step, loss in enumerate(losses)]}}}]


class TestPlotsDiff:
    """``report`` (.ci/plots_diff.py)."""

    def test_shows_only_the_plots_that_changed(self, tmp_path: Path) -> None:
        """A curve whose points differ between revisions is drawn as a PNG and linked; one that is the same is not;
        image plots are linked per revision when their bytes differ."""
        for name, content in (("a.png", b"one"), ("b.png", b"two"), ("c.png", b"one")):
            (tmp_path / name).write_bytes(content)
        plots = {"changed": _curve({"main": [1.0, 0.5], "workspace": [1.0, 0.2]}),
                 "same": _curve({"main": [1.0, 0.5], "workspace": [1.0, 0.5]}),
                 "grid.png": [{"type": "image", "revisions": ["main"], "url": str(tmp_path / "a.png")},
                              {"type": "image", "revisions": ["workspace"], "url": str(tmp_path / "b.png")}],
                 "glyphs.png": [{"type": "image", "revisions": ["main"], "url": str(tmp_path / "a.png")},
                                {"type": "image", "revisions": ["workspace"], "url": str(tmp_path / "c.png")}]}
        report = _ci_module("plots_diff").report(plots, tmp_path)
        assert report.splitlines() == [f"![changed]({tmp_path / 'changed.png'})",
                                       f"![grid.png (main)]({tmp_path / 'a.png'})",
                                       f"![grid.png (workspace)]({tmp_path / 'b.png'})"]
        assert (tmp_path / "changed.png").read_bytes().startswith(b"\x89PNG") and not (tmp_path / "same.png").exists()
        assert _ci_module("plots_diff").report({"same": plots["same"]}, tmp_path) == "No plot differs.\n"


DIFF = {"metrics/mul-img2text.json": {"test.exact_match": {"old": 0.97, "new": 0.95},
                                      "test.char_accuracy": {"old": 0.99, "new": 0.90},
                                      "train_seconds": {"old": 80.0, "new": 120.0}}}


class TestMetricsDrift:
    """``drifted`` (.ci/metrics_drift.py)."""

    def test_drift_on_the_same_cpu_is_judged_by_the_tolerance(self) -> None:
        """Every metric but the times must come out within the tolerance of the committed one."""
        assert _ci_module("metrics_drift").drifted(DIFF, 0.005) == [
            "metrics/mul-img2text.json: test.char_accuracy drifted from 0.99 to 0.9 (tolerance 0.005)",
            "metrics/mul-img2text.json: test.exact_match drifted from 0.97 to 0.95 (tolerance 0.005)"]

    @pytest.mark.parametrize(("half_width", "drifted"), [(0.011, False), (0.009, True)])
    def test_drift_on_another_cpu_is_judged_by_twice_the_seed_interval(self, half_width: float, drifted: bool) -> None:
        """On another CPU only the metrics with a seed interval are checked, each against twice its half-width."""
        intervals = {"metrics/mul-img2text.json": {"test.exact_match": {"half_width": half_width}}}
        lines = _ci_module("metrics_drift").drifted(DIFF, 0.005, intervals)
        assert lines == ([f"metrics/mul-img2text.json: test.exact_match drifted from 0.97 to 0.95 (tolerance "
                          f"{2 * half_width:.4g})"] if drifted else [])


class TestCpu:
    """``cpu`` (.ci/cpu.py)."""

    def test_the_cpu_is_named_in_one_line(self) -> None:
        """What metrics/cpu.txt records: vendor, family, model and torch's kernel level."""
        line = _ci_module("cpu").cpu()
        assert "\n" not in line and " family " in line and "torch kernels " in line
