"""dvc.yaml's code deps, generated: each stage depends on its script and on exactly the library files that script
imports, directly or through other library modules (``seq2arith deps --write``; tests/test_dvc_yaml.py checks)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from seq2arith.runtime.errors import Seq2ArithError

LIBRARY_DEP = re.compile(r"^(\s+)- src/seq2arith/\S+\n", re.MULTILINE)


def imports(path: Path, root: Path) -> set[str]:
    """The library modules ``path`` imports: ``from seq2arith.kinds import classifier`` imports the package and
    its module ``classifier``."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("seq2arith"):
            modules.add(str(node.module))
            modules |= {f"{node.module}.{a.name}" for a in node.names if _is_module(f"{node.module}.{a.name}", root)}
        elif isinstance(node, ast.Import):
            modules |= {a.name for a in node.names if a.name.startswith("seq2arith.")}
    return modules - {"seq2arith"}


def _is_module(name: str, root: Path) -> bool:
    path = root / "src" / name.replace(".", "/")
    return path.is_dir() or path.with_suffix(".py").is_file()


def source(module: str, root: Path) -> Path:
    """The file of a library module: ``seq2arith/x.py``, or a package's ``__init__.py``."""
    path = root / "src" / module.replace(".", "/")
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def library_closure(script: Path, root: Path, command: str = "") -> list[str]:
    """Every library file (relative to ``root``) a stage script imports, directly or through other library modules
    (a package's ``__init__.py`` included where it holds code), sorted: also the kind modules its command makes it
    import by name (``seq2arith.kinds.named``): ``--kind X`` the kind X, ``--classifier`` the classifier."""
    seen: set[str] = set()
    todo = list(imports(script, root))
    words = command.split()
    if "--kind" in words:
        todo.append(f"seq2arith.kinds.{words[words.index('--kind') + 1]}")
    if "--classifier" in words:
        todo.append("seq2arith.kinds.classifier")
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            parts = module.split(".")
            todo += [".".join(parts[:i]) for i in range(2, len(parts))]  # the packages it is in
            todo += imports(source(module, root), root)
    return sorted(str(source(m, root).relative_to(root)) for m in seen if not _docstring_only(source(m, root)))


def _docstring_only(path: Path) -> bool:
    """A package's ``__init__.py`` that holds nothing but its docstring: no code for a stage to depend on."""
    body = ast.parse(path.read_text()).body
    return path.name == "__init__.py" and all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                                              for node in body)


def stage_script(stage: dict) -> str:
    """The one ``stages/*.py`` a stage (or a foreach stage's ``do``) depends on."""
    scripts = [dep for dep in stage["deps"] if str(dep).startswith("stages/")]
    if len(scripts) != 1:
        raise ValueError(f"a stage must depend on exactly one stage script, not {scripts}")
    return str(scripts[0])


def with_code_deps(dvc_yaml: str, root: Path) -> str:
    """``dvc_yaml``'s text with every stage's ``src/`` deps replaced by its script's library closure, in place of
    the old ones (right after the script), all else kept as written."""
    stages = yaml.safe_load(dvc_yaml)["stages"]
    start = re.search(r"(?m)^stages:\n", dvc_yaml)
    assert start is not None
    end = re.search(r"(?m)^\S", dvc_yaml[start.end():])
    head, body = dvc_yaml[:start.end()], dvc_yaml[start.end():start.end() + end.start() if end else None]
    tail = dvc_yaml[len(head) + len(body):]
    blocks = re.split(r"(?m)^(?=  \S[^\n]*:\n)", body)  # one block per stage, keyed at two spaces
    for i, block in enumerate(blocks):
        name = block.split(":", 1)[0].strip()
        if name not in stages:
            continue
        stage = stages[name].get("do", stages[name])
        script = stage_script(stage)
        block = LIBRARY_DEP.sub("", block)
        indent = re.search(rf"^(\s+)- {re.escape(script)}\n", block, re.MULTILINE)
        assert indent is not None
        lines = "".join(f"{indent.group(1)}- {dep}\n" for dep in library_closure(root / script, root, stage["cmd"]))
        blocks[i] = block.replace(indent.group(0), indent.group(0) + lines, 1)
    return head + "".join(blocks) + tail


def code_deps(dvc_yaml: Path, write: bool) -> None:
    """``seq2arith deps``: rewrite ``dvc_yaml``'s code deps (``write``), or fail in one line if they are stale."""
    text = dvc_yaml.read_text()
    generated = with_code_deps(text, dvc_yaml.resolve().parent)
    if write:
        dvc_yaml.write_text(generated)
    elif generated != text:
        raise Seq2ArithError(f"{dvc_yaml}: code deps differ from the stages' imports: run `seq2arith deps --write`")
