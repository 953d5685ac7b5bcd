"""Every command the documents show (README.md, docs/*.md, reports/*.md) is one the project accepts today: its
``-S`` keys exist in params.yaml and their values pass the validation the pipeline runs (its params stage, and each
section as the stage reading it parses it), its stage targets exist in dvc.yaml, and its ``seq2arith`` or ``dvc``
subcommand and options parse. Nothing is run: the -S options are applied by DVC's own code to a copy of
params.yaml.

A command is a line of a fenced block, a ``$ `` prompt line or an inline code span that starts with ``dvc`` or
``seq2arith`` (``.venv/bin/`` and ``VAR=value`` prefixes allowed); lines ending in ``\\`` continue, ``&&``, ``;`` and
``|`` separate commands, ``#`` starts a comment. Shell variables set in a fenced block of the same document
(``LSTM="-S ..."``, ``MLP+=" ..."``) are expanded, a ``$(...)`` stands for a number (``--commits $(git rev-list
...)``). A fenced block of YAML whose keys are params.yaml sections is an edit of params.yaml the document asks
for (``addsub: ...`` keeps an entry as it is): it is checked, and the document's later commands are checked
against params.yaml so edited. ``...`` is left out, ``<name>`` and ``N`` stand for the reader's own values, and a
command named in running text may leave out its required arguments (`dvc exp push`). A bare ``-S key=value`` in
running text must name existing keys; its values depend on the command it joins.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import importlib
import importlib.util
import io
import logging
import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from seq2arith import params
from seq2arith.kinds import ARITHMETIC
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.runtime.errors import Seq2ArithError

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params.yaml"
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "reports").glob("*.md"))]

PROGRAMS = ("dvc", "seq2arith")
SET_PARAM = re.compile(r"^(-S|--set-param)(=|$)")  # a bare option of `dvc exp run`: -S key=value
FENCE = re.compile(r"^\s*(```|~~~)")
SPAN = re.compile(r"`([^`]+)`")
VARIABLE = re.compile(r"\$(?:\{(\w+)\}|([A-Za-z_]\w*))")
ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)(\+?=)(.*)$", re.DOTALL)  # NAME=value, NAME+=value
PLACEHOLDER = re.compile(r"^(<[^>]+>|[A-Z][A-Z0-9_]*)$")  # <name>, <exp-1>, N, NAME: the reader's own value
SUBSTITUTION = "1"  # what $(...) stands for: every one documented counts commits (--commits N)
ELLIPSIS = "..."
# argparse's words for arguments left out: a command named in running text may leave them out (`dvc exp push`)
LEFT_OUT = ("the following arguments are required", "expected one argument", "expected at least one argument")


@dataclass(frozen=True)
class Documented:
    """Something a document tells its reader to run or write."""

    path: str  # the document, relative to the repository root
    line: int
    kind: str  # command (dvc ..., seq2arith ...) | options (a bare -S key=value) | params (an edit of params.yaml)
    words: tuple[str, ...]  # as the shell passes them: variables expanded; for params, empty
    prose: bool  # named in running text rather than shown to be run
    edits: tuple[dict[str, Any], ...]  # the params.yaml edits the document showed up to here

    def __str__(self) -> str:
        shown = "params.yaml edit" if self.kind == "params" else shlex.join(self.words)
        return f"{self.path}:{self.line}: {shown}"


# --- reading the documents -----------------------------------------------------------------------------------------

def _expand(text: str, variables: dict[str, str]) -> str:
    """``text`` with ``$NAME``, ``${NAME}`` and ``$(...)`` expanded as the shell would, outside single quotes;
    an unknown variable is left as it is (and fails the command it is in)."""
    out, quote, i = [], None, 0
    while i < len(text):
        char = text[i]
        if quote == "'":
            quote = None if char == "'" else quote
        elif char in "'\"":
            quote = None if quote == char else (quote or char)
        elif char == "\\" and i + 1 < len(text):
            out.append(text[i:i + 2])
            i += 2
            continue
        elif char == "$" and text.startswith("$(", i):
            depth, j = 0, i + 1
            while j < len(text):
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                if depth == 0:
                    break
                j += 1
            out.append(SUBSTITUTION)
            i = j + 1
            continue
        elif char == "$" and (match := VARIABLE.match(text, i)) and (name := match[1] or match[2]) in variables:
            out.append(variables[name])
            i = match.end()
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _segments(text: str) -> Iterator[str]:
    """The commands of one shell line: split at ``&&``, ``||``, ``;``, ``|`` and ``&`` outside quotes, up to a
    ``#`` comment."""
    current, quote, i = "", None, 0
    while i < len(text):
        char = text[i]
        if quote:
            current += char
            if char == quote:
                quote = None
            elif char == "\\" and quote == '"' and i + 1 < len(text):
                current += text[i + 1]
                i += 1
        elif char in "'\"":
            quote = char
            current += char
        elif char == "\\" and i + 1 < len(text):
            current += text[i:i + 2]
            i += 1
        elif char == "#" and (not current or current[-1].isspace()):
            break
        elif char in ";|&":
            yield current.strip()
            current = ""
        else:
            current += char
        i += 1
    yield current.strip()


def _words(segment: str) -> tuple[str, ...] | None:
    """The words of a command the documents run: a ``$ `` prompt, ``VAR=value`` prefixes and ``.venv/bin/`` left
    out; None for anything else (``make test``, prose in backticks)."""
    try:
        words = shlex.split(segment)
    except ValueError:  # unbalanced quotes: prose such as `'5+7  '`, not a command
        return None
    if words[:1] == ["$"]:
        words = words[1:]
    while words and ASSIGNMENT.match(words[0]):
        words = words[1:]
    if not words:
        return None
    words[0] = words[0].removeprefix(".venv/bin/")
    if (len(words) > 1 and words[0] in PROGRAMS) or SET_PARAM.match(words[0]):
        return tuple(word for word in words if word != ELLIPSIS)
    return None


def _params_edit(block: list[str], sections: set[str]) -> dict[str, Any] | None:
    """The edit of params.yaml a fenced block shows: YAML whose keys are all params.yaml sections."""
    try:
        data = yaml.safe_load("\n".join(block))
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) and data and set(data) <= sections else None


def _joined(block: list[str], first: int) -> Iterator[tuple[int, str]]:
    """(line number, line) of a fenced block, lines ending in a backslash joined with the next."""
    start, pending = first, ""
    for number, line in enumerate(block, first):
        start = start if pending else number
        pending = f"{pending} {line.strip()}" if pending else line
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        yield start, pending
        pending = ""
    if pending:
        yield start, pending


def scan(path: Path, root: Path = ROOT) -> list[Documented]:
    """Everything ``path`` tells its reader to run or write, in document order."""
    name = path.relative_to(root).as_posix()
    sections = set(params.load_params(PARAMS))
    lines = path.read_text().splitlines()
    found: list[Documented] = []
    variables: dict[str, str] = {}
    edits: list[dict[str, Any]] = []

    def add(line: int, text: str, prose: bool) -> None:
        for segment in _segments(_expand(text, variables)):
            words = _words(segment)
            if words:
                kind = "command" if words[0] in PROGRAMS else "options"
                found.append(Documented(name, line, kind, words, prose, tuple(edits)))

    def assign(text: str) -> bool:
        try:
            words = shlex.split(_expand(next(_segments(text)), variables))
        except ValueError:
            return False
        match = ASSIGNMENT.match(words[0]) if len(words) == 1 else None
        if match:
            variables[match[1]] = (variables.get(match[1], "") if match[2] == "+=" else "") + match[3]
        return match is not None

    def prose(paragraph: list[tuple[int, str]]) -> None:
        text = "\n".join(line for _, line in paragraph)
        for span in SPAN.finditer(text):
            add(paragraph[0][0] + text.count("\n", 0, span.start()), span[1].replace("\n", " "), True)
        for number, line in paragraph:
            if line.lstrip().startswith("$ "):
                add(number, line.strip(), False)
        paragraph.clear()

    paragraph: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            prose(paragraph)
            end = next((j for j in range(i + 1, len(lines)) if FENCE.match(lines[j])), len(lines))
            block = lines[i + 1:end]
            edit = _params_edit(block, sections)
            if edit is not None:
                edits.append(edit)
                found.append(Documented(name, i + 2, "params", (), False, tuple(edits)))
            else:
                for number, line in _joined(block, i + 2):
                    if not assign(line):
                        add(number, line, False)
            i = end + 1
            continue
        if lines[i].strip():
            paragraph.append((i + 1, lines[i]))
        else:
            prose(paragraph)
        i += 1
    prose(paragraph)
    return found


# --- what the project accepts --------------------------------------------------------------------------------------

@functools.cache
def _section_readers() -> tuple[tuple[str, type], ...]:
    """(key, class) of every ``section(values, key, Class)`` call in stages/ and src/: the validation the stages
    run. A key built as ``f"tasks.{task}"`` stands for every entry under ``tasks``. The arithmetic kinds read
    their sections as ``section(params, kind.name, kind.options)``: those come from the kinds themselves."""
    defined: dict[str, str] = {}  # class name -> the module defining it
    for file in (ROOT / "src").rglob("*.py"):
        module = ".".join(file.relative_to(ROOT / "src").with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ClassDef):
                defined.setdefault(node.name, module)
    readers = {(name, arithmetic(name).options) for name in ARITHMETIC}
    for file in [*sorted((ROOT / "stages").glob("*.py")), *sorted((ROOT / "src").rglob("*.py"))]:
        for node in ast.walk(ast.parse(file.read_text())):
            if not (isinstance(node, ast.Call) and _called(node.func) == "section" and len(node.args) == 3):
                continue
            key, cls = node.args[1], _called(node.args[2])
            prefix = key.values[0] if isinstance(key, ast.JoinedStr) else None
            if isinstance(prefix, ast.Constant) and str(prefix.value).endswith("."):
                key = prefix  # f"tasks.{task}": its literal prefix "tasks."
            if isinstance(key, ast.Constant) and isinstance(key.value, str) and cls is not None and cls in defined:
                readers.add((key.value, getattr(importlib.import_module(defined[cls]), cls)))
    return tuple(sorted(readers, key=lambda reader: reader[0]))


def _called(node: ast.expr) -> str | None:
    """The last name of ``f``, ``module.f`` or ``a.b.f``."""
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


@functools.cache
def _params_stage() -> Callable[[dict[str, Any]], None] | None:
    """``validate`` of stages/params.py, the stage DVC runs before every other, where the pipeline has one."""
    path = ROOT / "stages" / "params.py"
    spec = importlib.util.spec_from_file_location("params_stage", path) if path.exists() else None
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "validate", None)


def validate(values: dict[str, Any]) -> None:
    """Validate ``values`` (all of params.yaml) as the pipeline does: its params stage, then each section as the
    stage reading it parses it, each kind's per-task values resolved for every task (as train-<kind>@<task>
    resolves its own); a ParamsError names the first bad value."""
    stage = _params_stage()
    if stage is not None:
        stage(values)
    params.seed(values)
    params.device(values)
    checked = {"seed", "device"}
    for key, cls in _section_readers():
        parent, dot, _ = key.partition(".")
        keys = [f"{key}{child}" for child in values.get(parent.rstrip("."), {}) or {}] if key.endswith(".") else [key]
        for one in keys:
            options: Any = params.section(values, one, cls)
            if key in ARITHMETIC:
                for task in values.get("tasks") or {}:
                    options.for_task(task, key)
        checked.add(parent if dot else key)
    unchecked = sorted(set(values) - checked)
    if unchecked:
        raise AssertionError(f"params.yaml: no stage validates {', '.join(unchecked)} (section(values, key, Class) "
                             "in stages/ or src/): this test cannot check values set there")


@functools.cache
def _dvc_stages() -> dict[str, Any]:
    """dvc.yaml's stages, as written (read once: every documented command checks against them)."""
    return yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]


def _stage_runs(values: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each run of a dvc.yaml stage under ``values``: its name (``name@item`` for each item a foreach runs over),
    the item (or ""), and its definition."""
    for name, stage in _dvc_stages().items():
        items = stage.get("foreach")
        if items is None:
            yield name, "", stage
            continue
        if isinstance(items, str):  # ${tasks}: a params.yaml key
            match = re.fullmatch(r"\$\{\s*([\w.]+)\s*\}", items)
            assert match, f"dvc.yaml: {name}: foreach {items!r} is not a plain ${{key}}"
            items = values
            for part in match[1].split("."):
                items = items[part]
        for item in items or ():
            yield f"{name}@{item}", str(item), stage["do"]


def stage_names(values: dict[str, Any]) -> set[str]:
    """The stages of dvc.yaml under ``values``: ``name``, and ``name@item`` for each item a foreach runs over."""
    return {name for run, _, _ in _stage_runs(values) for name in (run, run.split("@")[0])}


def missing_params(values: dict[str, Any]) -> list[str]:
    """The params dvc.yaml's stages read (``name@item: key``) that ``values`` lacks: DVC stops on them before any
    stage runs ("Parameters ... are missing from 'params.yaml'"), as when a scalar replaces a per-task mapping."""
    missing = []
    for run, item, stage in _stage_runs(values):
        for entry in stage.get("params") or []:  # a key, or {file: keys or None (all of it)}
            for key in [entry] if isinstance(entry, str) else [k for keys in entry.values() for k in keys or []]:
                node: Any = values  # a key whose value is null is there: not report.dotted.get, which says None
                for part in key.replace("${key}", item).split("."):
                    node = node.get(part, KeyError) if isinstance(node, dict) else KeyError
                if node is KeyError:
                    missing.append(f"{run}: {key.replace('${key}', item)}")
    return missing


def _merged(base: dict[str, Any], edit: dict[str, Any]) -> dict[str, Any]:
    """``base`` with the document's ``edit`` laid over it, mapping by mapping (``...`` keeps a value)."""
    out = dict(base)
    for key, value in edit.items():
        if value == ELLIPSIS:
            continue
        both = isinstance(value, dict) and isinstance(base.get(key), dict)
        out[key] = _merged(base[key], value) if both else value
    return out


def _edited_params(edits: tuple[dict[str, Any], ...], path: Path) -> Path:
    """params.yaml with the document's edits, written to ``path``."""
    if not edits:
        shutil.copy(PARAMS, path)
        return path
    values = params.load_params(PARAMS)
    for edit in edits:
        values = _merged(values, edit)
    path.write_text(yaml.safe_dump(values, sort_keys=False))
    return path


def _variants(overrides: list[str], queue: bool, base: Path, folder: Path) -> Iterator[dict[str, Any]]:
    """params.yaml as `dvc exp run` writes it for each experiment of ``overrides`` (all -S of one command,
    applied together; a comma-separated sweep gives one experiment per combination), through DVC's own code."""
    from dvc.utils.cli_parse import to_path_overrides
    from dvc.utils.hydra import apply_overrides, get_hydra_sweeps, to_hydra_overrides

    by_file = to_path_overrides(overrides)
    others = sorted(set(by_file) - {"params.yaml"})
    if others:
        raise AssertionError(f"sets params in {', '.join(others)}: every param is in params.yaml")
    sweep = any(override.is_sweep_override() for override in to_hydra_overrides(by_file.get("params.yaml", [])))
    if sweep and not queue:
        raise AssertionError("a sweep (comma-separated values) runs only with --queue")
    for number, experiment in enumerate(get_hydra_sweeps(by_file) if sweep else [by_file]):
        path = folder / f"params-{number}.yaml"
        shutil.copy(base, path)
        try:
            apply_overrides(path, experiment.get("params.yaml", []))
        except Exception as error:  # DVC's InvalidArgumentError: its cause says which override and why
            raise AssertionError(f"{error}: {error.__cause__ or ''}".replace("\n", " ")) from error
        yield params.load_params(path)


def _excused(message: str, words: tuple[str, ...], prose: bool) -> bool:
    """Whether a parse error is the document's shorthand: a placeholder for the reader's own value (`-j N`), or
    arguments left out of a command named in running text."""
    if any(f"'{word}'" in message for word in words if PLACEHOLDER.match(word)):
        return True
    return prose and any(phrase in message for phrase in LEFT_OUT)


class _Messages(logging.Handler):
    """The log records DVC's argument parser writes its errors as."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _parse_dvc(words: tuple[str, ...]) -> tuple[argparse.Namespace | None, str]:
    """DVC's own parse of ``dvc <words>``: the arguments, or None and DVC's error."""
    from dvc.cli import DvcParserError, parse_args

    messages, root = _Messages(), logging.getLogger()
    root.addHandler(messages)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # after an error DVC prints the subcommand's help
            return parse_args(list(words)), ""
    except DvcParserError:
        return None, "; ".join(messages.messages) or "DVC cannot parse it"
    finally:
        root.removeHandler(messages)


def _check_dvc(documented: Documented, folder: Path) -> None:
    from dvc.commands.experiments.run import CmdExperimentsRun
    from dvc.commands.repro import CmdRepro

    words = documented.words[1:] if documented.kind == "command" else ("exp", "run", "--queue", *documented.words)
    args, error = _parse_dvc(words)
    if args is None:
        if _excused(error, words, documented.prose):
            return
        raise AssertionError(f"dvc cannot parse it: {error}")
    if args.func not in (CmdExperimentsRun, CmdRepro):
        return
    base = _edited_params(documented.edits, folder / "params.yaml")
    for values in _variants(getattr(args, "set_param", None) or [], getattr(args, "queue", False), base, folder):
        if documented.kind == "options":
            continue  # the keys exist; the values are checked with the command they join
        validate(values)
        missing = missing_params(values)
        if missing:
            raise AssertionError(f"dvc.yaml's stages read params these values lack: {', '.join(missing)}")
        names = stage_names(values)
        unknown = [target for target in args.targets if target.removeprefix("dvc.yaml:") not in names]
        if unknown:
            raise AssertionError(f"no stage {', '.join(unknown)} in dvc.yaml (its stages under these params: "
                                 f"{', '.join(sorted(names))})")


def _check_seq2arith(documented: Documented) -> None:
    from seq2arith import cli

    try:
        cli.parser().parse_args(list(documented.words[1:]))
    except Seq2ArithError as error:
        if not _excused(str(error), documented.words, documented.prose):
            raise AssertionError(f"seq2arith cannot parse it: {error}") from error


def problem(documented: Documented, folder: Path) -> str | None:
    """Why the project would not accept ``documented``, or None."""
    try:
        if documented.kind == "params":
            validate(params.load_params(_edited_params(documented.edits, folder / "params.yaml")))
        elif documented.words[0] == "seq2arith":
            _check_seq2arith(documented)
        else:
            _check_dvc(documented, folder)
    except (AssertionError, params.ParamsError) as error:
        return str(error)
    return None


# --- the tests -----------------------------------------------------------------------------------------------------

DOCUMENTED = [documented for path in DOCUMENTS for documented in scan(path)]


class TestDocuments:
    """The commands README.md and the pages of docs/ and reports/ show."""

    @pytest.mark.parametrize("documented", DOCUMENTED, ids=[f"{d.path}:{d.line}" for d in DOCUMENTED])
    def test_documented_command(self, documented: Documented, tmp_path: Path) -> None:
        """Each documented command (and params.yaml edit) is accepted by the project as it is today."""
        reason = problem(documented, tmp_path)
        assert reason is None, f"{documented}: {reason}"

    def test_documents_show_commands(self) -> None:
        """The documents are read: the README's everyday commands are among what is checked."""
        readme = [d for d in DOCUMENTED if d.path == "README.md" and d.kind == "command"]
        assert any(d.words[:3] == ("dvc", "exp", "run") and not d.prose for d in readme)
        assert any(d.words[:2] == ("seq2arith", "predict") for d in readme)


MARKDOWN = r"""# A document

```
X="-S model.hidden=128"
X+=" -S model.dropout=0.1"
dvc exp run $X -S 'split.test_ratio=0.5' \
  evaluate-text2text@addsub   # a comment
make test && .venv/bin/seq2arith predict "22+13"
seq2arith tables lstm --commits $(git rev-list --count HEAD) --into '$X.md'
```

Then `dvc queue start -j N`, or `dvc exp
push`; `-S model.hidden=32` alone; `make repro` is no command here.

```
tasks:
  addsub: ...
  add3: {operators: ['+'], highest_integer: 999, num_addends: 2}
text2text: {epochs: {add3: 8}}
img2text: {epochs: {add3: 8}}
text2img: {epochs: {add3: 8}, image_epochs: {add3: 5}}
```

`dvc repro evaluate-text2text@add3`
"""


class TestScan:
    """``scan``, this module's reader of a document."""

    def test_reads_fences_spans_variables_and_edits(self, tmp_path: Path) -> None:
        """Fenced lines are joined at backslashes, split at && and stripped of comments, variables expand outside
        single quotes, spans may cross lines, and a YAML block of params sections is an edit for what follows."""
        path = tmp_path / "doc.md"
        path.write_text(MARKDOWN)
        found = scan(path, tmp_path)
        assert [(d.line, d.kind, d.words, d.prose) for d in found] == [
            (6, "command", ("dvc", "exp", "run", "-S", "model.hidden=128", "-S", "model.dropout=0.1", "-S",
                            "split.test_ratio=0.5", "evaluate-text2text@addsub"), False),
            (8, "command", ("seq2arith", "predict", "22+13"), False),
            (9, "command", ("seq2arith", "tables", "lstm", "--commits", "1", "--into", "$X.md"), False),
            (12, "command", ("dvc", "queue", "start", "-j", "N"), True),
            (12, "command", ("dvc", "exp", "push"), True),
            (13, "options", ("-S", "model.hidden=32"), True),
            (16, "params", (), False),
            (24, "command", ("dvc", "repro", "evaluate-text2text@add3"), True),
        ]
        assert found[-1].edits[0]["tasks"]["add3"]["highest_integer"] == 999
        assert all(problem(d, tmp_path) is None for d in found), [problem(d, tmp_path) for d in found]


class TestProblem:
    """``problem``, this module's judge of a documented command, and the checks it runs."""

    @pytest.mark.parametrize(("command", "reason"), [
        ("dvc exp run -S model.no_such_key=1", "Could not override 'model.no_such_key'"),
        ("dvc exp run -S model.hidden=0", "model.hidden = 0"),
        ("dvc exp run -S model.hidden=64 -S model.dropout=1.5", "model.dropout = 1.5"),
        ("dvc exp run -S 'model.hidden=64,0'", "only with --queue"),
        ("dvc exp run --queue -S 'model.hidden=64,0'", "model.hidden = 0"),
        ("dvc exp run -S 'classifier.augment=[affine,sepia]'", "classifier.augment"),
        ("dvc exp run -S +model.no_such_key=1", "model.no_such_key"),
        ("dvc exp run -S tasks.mul.highest_integer=0", "tasks.mul.highest_integer"),
        ("dvc repro train-text2text@nosuchtask", "no stage train-text2text@nosuchtask"),
        ("dvc exp run --no-such-option", "unrecognized arguments"),
        ("dvc exp push", "required"),
        ("seq2arith no-such-command", "invalid choice"),
        ("seq2arith predict --no-such-option", "unrecognized arguments"),
    ])
    def test_names_what_the_project_rejects(self, command: str, reason: str, tmp_path: Path) -> None:
        """Unknown keys, bad values (also in sweeps and together), sweeps without a queue, unknown stages, commands and
        options are each rejected, with the reason named; a command shown to be run may not leave out arguments."""
        documented = Documented("doc.md", 1, "command", tuple(shlex.split(command)), False, ())
        assert reason in (problem(documented, tmp_path) or "")

    def test_a_scalar_for_a_per_task_value_is_refused(self) -> None:
        """`-S text2img.epochs=5` leaves no text2img.epochs.addsub for DVC to read: the params stage refuses it in one
        line naming the key, and the documented-command check names what DVC would miss."""
        values = params.load_params(PARAMS)
        assert missing_params(values) == []
        values["text2img"]["epochs"] = 5
        assert "train-text2img@addsub: text2img.epochs.addsub" in missing_params(values)
        stage = _params_stage()
        assert stage is not None
        with pytest.raises(params.ParamsError,
                           match=r"text2img\.epochs.*give one value per task \(\{addsub: \.\.\., mul"):
            stage(values)
