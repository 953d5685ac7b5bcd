"""dvc.yaml declares exactly what each stage reads, so a change re-runs exactly what depends on it."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest
import yaml

from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.params import PerTask
from seq2arith.pipeline_deps import library_closure, with_code_deps

ROOT = Path(__file__).resolve().parents[1]
STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
VALID = "data/params-valid.txt"  # the params stage's output: the first stages wait for it, none reads it


def _outputs(stage: dict, kind: str) -> dict[str, dict]:
    """The ``kind`` outputs (outs, metrics or plots) of a stage: path -> its settings."""
    return {next(iter(out)) if isinstance(out, dict) else out: next(iter(out.values())) if isinstance(out, dict)
            else {} for out in stage.get(kind, [])}


TRAININGS = sorted(name for name, stage in STAGES.items()  # the stages that train a model
                   if any(out.startswith("models/") for out in _outputs(stage.get("do", stage), "outs")))


class TestCodeDeps:
    """dvc.yaml's code deps, written by ``pipeline_deps.with_code_deps``."""

    @pytest.mark.parametrize("name", sorted(STAGES))
    def test_are_exact(self, name: str) -> None:
        """Each stage depends on its script and on exactly the library modules that script imports."""
        stage = STAGES[name].get("do", STAGES[name])
        deps = set(stage["deps"])
        scripts = [d for d in deps if d.startswith("stages/")]
        assert len(scripts) == 1 and scripts[0] in stage["cmd"]
        assert sorted(d for d in deps if d.startswith("src/")) == library_closure(ROOT / scripts[0], ROOT, stage["cmd"])

    def test_are_generated(self) -> None:
        """`seq2arith deps --write` wrote dvc.yaml's code deps: regenerating them changes nothing."""
        text = (ROOT / "dvc.yaml").read_text()
        assert with_code_deps(text, ROOT) == text


class TestStages:
    """dvc.yaml's stages: their commands, deps, outputs and params."""

    @pytest.mark.parametrize("name", sorted(STAGES))
    def test_script_paths_come_from_dvc_yaml(self, name: str) -> None:
        """Stage scripts take every output path as an argument: none is written into the script."""
        stage = STAGES[name].get("do", STAGES[name])
        script = next(d for d in stage["deps"] if d.startswith("stages/"))
        source = (ROOT / script).read_text()
        for folder in ("data/", "models/", "metrics/", "plots/"):
            assert f'"{folder}' not in source, f"{script} hard-codes a path under {folder}"

    @pytest.mark.parametrize("name", sorted(STAGES))
    def test_data_deps_are_the_inputs_its_command_names(self, name: str) -> None:
        """A stage depends on exactly the data, models and plots files its command reads: what a kind does not
        read (text2text: handwriting, the classifier) is no dependency, so changing it re-runs nothing there. (The
        params stage's output, which no command reads, only orders the first stages after it.)"""
        stage = STAGES[name].get("do", STAGES[name])
        outputs = {next(iter(out)) if isinstance(out, dict) else out
                   for kind in ("outs", "metrics", "plots") for out in stage.get(kind, [])}
        named = {token for token in stage["cmd"].split() if token.startswith(("data/", "models/", "plots/"))}
        assert {dep for dep in stage["deps"] if not dep.startswith(("stages/", "src/"))} - {VALID} == named - outputs

    @pytest.mark.parametrize("name", sorted(set(STAGES) - {"params"}))  # it checks params.yaml in seconds: no cache
    def test_every_stage_can_use_the_run_cache(self, name: str) -> None:
        """No output is `persist` and every output git keeps (`cache: false`) is a metric or a plot: either would
        keep the stage out of DVC's run-cache, so a configuration run before would be trained again. (The params
        stage alone keeps its output through a failure, and needs no run-cache.)"""
        stage = STAGES[name].get("do", STAGES[name])
        for kind in ("outs", "metrics", "plots"):
            for path, settings in _outputs(stage, kind).items():
                assert not settings.get("persist"), path
                assert kind != "outs" or settings.get("cache", True), path

    @pytest.mark.parametrize("name", TRAININGS)
    def test_a_training_keeps_nothing_in_git(self, name: str) -> None:
        """Every output of a stage that trains a model, its metrics too, is in the DVC cache (its scores on the test
        pool are another stage's): DVC restores a run only where all its outputs are in the cache or on the remote, so
        a training that ran on one clone is restored on another, not trained again (tests/test_sharing.py runs it)."""
        stage = STAGES[name].get("do", STAGES[name])
        assert all(settings.get("cache", True) for kind in ("outs", "metrics", "plots")
                   for settings in _outputs(stage, kind).values())

    def test_the_params_stage_runs_before_every_other(self) -> None:
        """The params stage reads the whole params.yaml; download and glyphs depend on its output, and every other stage
        on another stage's outputs, so DVC runs it first and a bad value fails there, before DVC deletes any stage's
        outputs to run it. DVC never deletes its output (persist) and git keeps it (it is the same for every valid
        params.yaml: nothing re-runs because it ran)."""
        stage = STAGES["params"]
        assert stage["params"] == [{"params.yaml": None}]
        assert _outputs(stage, "outs") == {VALID: {"cache": False, "persist": True}}
        assert {name for name, other in STAGES.items() if VALID in other.get("do", other)["deps"]} == {"download",
                                                                                                      "glyphs"}
        assert {name for name in STAGES if not _upstream(name)} == {"params"}

    @pytest.mark.parametrize("kind", ["text2text", "img2text", "text2img"])
    def test_a_training_reads_only_its_tasks_values(self, kind: str) -> None:
        """train-<kind>@<task> lists every setting of the kind's section and, of the settings given per task, only
        its own task's: changing one task's epochs re-runs that task's training alone. img2text also reads its own
        task's section (its program answers every query of the task)."""
        params = STAGES[f"train-{kind}"]["do"]["params"]
        options = arithmetic(kind).options
        assert {key.split(".", 1)[1] for key in params if key.startswith(f"{kind}.")} == _params_read(options)
        task = {"tasks.${key}"} if kind == "img2text" else set()
        assert {key for key in params if not key.startswith(f"{kind}.")} == {"seed", "device", "model", "train", *task}

    def test_stages_per_task_run_over_params_tasks(self) -> None:
        """The task list lives in params.yaml alone: every stage that runs per task runs over its `tasks`."""
        per_task = {name for name, stage in STAGES.items() if "foreach" in stage}
        assert per_task == {"dataset", "samples", *(f"{stage}-{kind}" for stage in ("train", "evaluate")
                                                   for kind in ("text2text", "img2text", "text2img"))}
        assert {STAGES[name]["foreach"] for name in per_task} == {"${tasks}"}


def _upstream(name: str) -> set[str]:
    """The stages whose outputs (or a folder of them) stage ``name`` depends on."""
    deps = STAGES[name].get("do", STAGES[name])["deps"]
    return {other for other, stage in STAGES.items() if other != name
            for kind in ("outs", "metrics", "plots") for out in _outputs(stage.get("do", stage), kind)
            if any(dep == out or out.startswith(f"{dep}/") for dep in deps)}


def _params_read(options: type) -> set[str]:
    """The keys of a kind's section one task's stages read: each shared setting, and its own per-task values."""
    hints = typing.get_type_hints(options)
    return {f"{field.name}.${{key}}" if hints[field.name] == PerTask else field.name
            for field in dataclasses.fields(options)}


class TestArtifacts:
    """dvc.yaml's artifacts."""

    def test_every_checkpoint_is_one_artifact(self) -> None:
        """Each `models/*.pt` the pipeline writes (for the tasks of params.yaml) is exactly one model artifact, with
        a description, labels and the metrics file that scores it."""
        tasks = yaml.safe_load((ROOT / "params.yaml").read_text())["tasks"]
        checkpoints = set()
        for stage in STAGES.values():
            body = stage.get("do", stage)
            for path in _outputs(body, "outs"):
                if path.startswith("models/"):
                    checkpoints |= {path.replace("${key}", task) for task in tasks} if "foreach" in stage else {path}
        artifacts = yaml.safe_load((ROOT / "dvc.yaml").read_text())["artifacts"]
        assert sorted(artifact["path"] for artifact in artifacts.values()) == sorted(checkpoints)
        for name, artifact in artifacts.items():
            assert artifact["path"] == f"models/{name}.pt" and artifact["type"] == "model"
            assert artifact["desc"] and artifact["labels"]
            assert (ROOT / artifact["meta"]["metrics"]).is_file()


class TestPlots:
    """dvc.yaml's top-level plots."""

    def test_every_task_and_kind_has_its_curves_in_dvc_plots_show(self) -> None:
        """A task added to params.yaml gets its stages from `foreach`, but its curves reach `dvc plots show` only
        through dvc.yaml's top-level plots: each task x kind must have its loss and accuracy plots there, drawn from
        its own curves folder."""
        tasks = yaml.safe_load((ROOT / "params.yaml").read_text())["tasks"]
        plots = {name: spec for entry in yaml.safe_load((ROOT / "dvc.yaml").read_text())["plots"]
                 for name, spec in entry.items()}
        for task in tasks:
            for kind in ("text2text", "img2text", "text2img"):
                for curve in ("loss", "accuracy"):
                    name = f"{task}-{kind}-{curve}"
                    assert name in plots, f"dvc.yaml's plots lack {name}: add it beside the other tasks' curves"
                    assert all(path.startswith(f"plots/curves/{task}-{kind}/") for path in plots[name]["y"]), name
