"""dvc.yaml declares exactly what each stage reads, so a change re-runs exactly what depends on it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]


def _imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("seq2arith"):
            modules |= {f"seq2arith.{a.name}" for a in node.names} if node.module == "seq2arith" else {node.module}
        elif isinstance(node, ast.Import):
            modules |= {a.name for a in node.names if a.name.startswith("seq2arith.")}
    return modules


def _source(module: str) -> Path:
    """The file of a library module: ``seq2arith/x.py``, or a package's ``__init__.py``."""
    path = ROOT / "src" / module.replace(".", "/")
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def library_closure(script: Path, command: str = "") -> set[str]:
    """Every library file a stage script imports, directly or through other library modules (a package's
    ``__init__.py`` included): also the kind module a ``--kind X`` in its command makes it import
    (``seq2arith.kinds.named``)."""
    seen: set[str] = set()
    todo = list(_imports(script))
    words = command.split()
    if "--kind" in words:
        todo.append(f"seq2arith.kinds.{words[words.index('--kind') + 1]}")
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            parts = module.split(".")
            todo += [".".join(parts[:i]) for i in range(2, len(parts))]  # the packages it is in
            todo += _imports(_source(module))
    return {str(_source(m).relative_to(ROOT)) for m in seen}


@pytest.mark.parametrize("name", sorted(STAGES))
def test_code_deps_are_exact(name: str) -> None:
    """Each stage depends on its script and on exactly the library modules that script imports."""
    stage = STAGES[name].get("do", STAGES[name])
    deps = set(stage["deps"])
    scripts = [d for d in deps if d.startswith("stages/")]
    assert len(scripts) == 1 and scripts[0] in stage["cmd"]
    assert {d for d in deps if d.startswith("src/")} == library_closure(ROOT / scripts[0], stage["cmd"])


@pytest.mark.parametrize("name", sorted(STAGES))
def test_script_paths_come_from_dvc_yaml(name: str) -> None:
    """Stage scripts take every output path as an argument: none is written into the script."""
    stage = STAGES[name].get("do", STAGES[name])
    script = next(d for d in stage["deps"] if d.startswith("stages/"))
    source = (ROOT / script).read_text()
    for folder in ("data/", "models/", "metrics/", "plots/"):
        assert f'"{folder}' not in source, f"{script} hard-codes a path under {folder}"


@pytest.mark.parametrize("name", sorted(STAGES))
def test_data_deps_are_the_inputs_its_command_names(name: str) -> None:
    """A stage depends on exactly the data, models and plots files its command reads: what a kind does not
    read (text2text: handwriting, the classifier) is no dependency, so changing it re-runs nothing there."""
    stage = STAGES[name].get("do", STAGES[name])
    outputs = {next(iter(out)) if isinstance(out, dict) else out for out in stage.get("outs", [])}
    named = {token for token in stage["cmd"].split() if token.startswith(("data/", "models/", "plots/"))}
    assert {dep for dep in stage["deps"] if not dep.startswith(("stages/", "src/"))} == named - outputs
