"""Docstrings and comments name only what exists: a ``module.name`` of the library, and the project's documents."""

import ast
import importlib
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "src" / "seq2arith"
REFERENCE = re.compile(r"``([A-Za-z_]\w*)\.([A-Za-z_]\w*)")  # ``checkpoint.save``
DOCUMENT = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)+[\w.-]+\.md|[A-Z]+\.md)\b")  # docs/pipeline.md, README.md


def _modules() -> dict[str, list[str]]:
    """Each library module's last name -> its dotted names (``numbers``: models.numbers and report.numbers)."""
    modules: dict[str, list[str]] = {}
    for path in LIBRARY.rglob("*.py"):
        dotted = ".".join(path.relative_to(LIBRARY.parent).with_suffix("").parts).removesuffix(".__init__")
        modules.setdefault(dotted.rsplit(".", 1)[-1], []).append(dotted)
    return modules


def _notes(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every docstring and comment of a Python file."""
    source = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                yield getattr(node, "lineno", 1), docstring
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string


def _exists(modules: list[str], name: str) -> bool:
    return any(hasattr(importlib.import_module(module), name) for module in modules)


class TestDocstringsAndComments:
    """The docstrings and comments of src/, stages/ and tests/."""

    def test_name_only_what_exists(self) -> None:
        """Every ``module.name`` whose module is one of the library's names a module, class, function or constant of
        it (or a params.yaml key: the sections share the kinds' names); every path of a .md document exists."""
        modules = _modules()
        params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
        files = [*(ROOT / "src").rglob("*.py"), *(ROOT / "stages").glob("*.py"), *(ROOT / "tests").glob("*.py")]
        stale = []
        for path in sorted(files):
            for line, text in _notes(path):
                where = f"{path.relative_to(ROOT)}:{line}"
                stale += [f"{where}: ``{module}.{name}``" for module, name in REFERENCE.findall(text)
                          if module in modules and name not in (params.get(module) or {})
                          and not _exists(modules[module], name)]
                stale += [f"{where}: {document}" for document in DOCUMENT.findall(text)
                          if not (ROOT / document).exists() and not any(ROOT.glob(f"*/{document}"))]
        assert not stale, "references to nothing:\n" + "\n".join(stale)
