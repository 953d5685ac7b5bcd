"""The seq2arith command: predictions with tiny untrained checkpoints, strips, and one-line errors."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from seq2arith import cli
from seq2arith.cli import commands
from seq2arith.cli.commands import load_model
from seq2arith.data.handwriting import Handwriting
from seq2arith.data.mnist import Digits
from seq2arith.data.operator_glyphs import Glyphs
from seq2arith.data.pools import load_handwriting
from seq2arith.data.queries import SplitConfig, TaskConfig
from seq2arith.data.query_sets import create_data
from seq2arith.data.strips import read_strip, write_strip
from seq2arith.data.text import SYMBOLS, vocabulary
from seq2arith.kinds import ARITHMETIC, classifier
from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.kinds.classifier import ClassifierConfig, ClassifierNetwork
from seq2arith.models.cores import ModelConfig
from seq2arith.params import section, subsection
from seq2arith.training import checkpoint

ROOT = Path(__file__).resolve().parents[1]
TASKS = {"addsub": {"operators": ["+", "-"], "highest_integer": 99, "num_addends": 2},
         "mul": {"operators": ["*"], "highest_integer": 99, "num_addends": 2}}
QUERY_WIDTH, ANSWER_WIDTH = {"addsub": 5, "mul": 5}, {"addsub": 3, "mul": 4}  # 99+99, -99 .. 198, 9801


@dataclasses.dataclass
class Workspace:
    root: Path
    params: Path
    models: Path
    data: Path
    handwriting: Handwriting

    def args(self, params: Path | None = None, models: Path | None = None, data: Path | None = None) -> list[str]:
        return ["--params", str(params or self.params), "--models", str(models or self.models),
                "--data", str(data or self.data)]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory, digits: Digits, glyphs: Glyphs) -> Workspace:
    """Tiny params (hidden 8), random handwriting and untrained checkpoints of every kind for both tasks,
    built with params.yaml's core."""
    root = tmp_path_factory.mktemp("cli")
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["model"]["hidden"] = 8
    params["tasks"] = TASKS
    params["classifier"]["conv_filters"] = 4
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    digits.save(root / "data" / "mnist")
    glyphs.save(root / "data" / "glyphs")
    handwriting = load_handwriting(root / "data" / "mnist", root / "data" / "glyphs")
    rng = np.random.default_rng(0)

    torch.manual_seed(0)
    models = root / "models"
    network = subsection(section(params, "classifier", ClassifierConfig), ClassifierNetwork)
    checkpoint.save(models / "classifier.pt", classifier.KIND, classifier.Classifier(network), network)
    checkpoint.save(models / "judge.pt", classifier.KIND, classifier.Classifier(network), network)
    for task, settings in TASKS.items():
        queries = create_data(TaskConfig(**settings), SplitConfig(0.25), handwriting, rng)
        text2text = None
        for name in ARITHMETIC:  # text2text first
            kind = arithmetic(name)
            model, arch = kind.new_model(queries, section(params, "model", ModelConfig),
                                         section(params, name, kind.options), models / "classifier.pt", text2text)
            checkpoint.save(models / f"{task}-{name}.pt", kind, model, arch)
            if name == "text2text":  # img2text's and text2img's core (params.yaml's reader: answers, image_epochs)
                text2text = model
    return Workspace(root, root / "params.yaml", models, root / "data", handwriting)


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """``cli.main(args)`` in-process: (exit status, stdout, stderr)."""
    try:
        cli.main(list(args))
        code = 0
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_error(result: tuple[int, str, str], *fragments: str) -> str:
    """A failed run: non-zero status, nothing on stdout, exactly one ``error:`` line naming the problem."""
    code, out, err = result
    assert code not in (0, None), (out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def assert_answer(text: str, task: str) -> None:
    """An untrained model's answer: some string of the task's characters, no wider than its answers."""
    assert len(text) <= ANSWER_WIDTH[task] and set(text) <= set(vocabulary(TASKS[task]["operators"]))


class TestPredict:
    """``seq2arith predict`` (cli/commands.py)."""

    def test_one_query(self, ws: Workspace, capsys: pytest.CaptureFixture) -> None:
        """One query prints just its answer on one line."""
        code, out, err = run(capsys, "predict", *ws.args(), "22+13")
        assert code == 0 and err == ""
        lines = out.splitlines()
        assert len(lines) == 1 and " = " not in lines[0]
        assert_answer(lines[0], "addsub")

    def test_several_queries(self, ws: Workspace, capsys: pytest.CaptureFixture) -> None:
        """Several queries, from both tasks, print QUERY = ANSWER in the order asked, matching one-by-one runs."""
        queries = ["22+13", "12*34", " 33 - 44 ", "007*5"]
        code, out, _ = run(capsys, "predict", *ws.args(), *queries)
        assert code == 0
        lines = out.splitlines()
        assert [line.split(" = ")[0] for line in lines] == ["22+13", "12*34", "33-44", "7*5"]
        for line, task in zip(lines, ["addsub", "mul", "addsub", "mul"]):
            assert_answer(line.split(" = ", 1)[1], task)
        alone = run(capsys, "predict", *ws.args(), "12*34")[1].strip()
        assert lines[1] == f"12*34 = {alone}"

    def test_batch_file(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """--batch FILE answers one query per line, skipping blank lines, even for a single query."""
        batch = tmp_path / "queries.txt"
        batch.write_text("22+13\n\n 7 + 8 \n5*6\n")
        code, out, _ = run(capsys, "predict", *ws.args(), "--batch", str(batch))
        assert code == 0
        assert [line.split(" = ")[0] for line in out.splitlines()] == ["22+13", "7+8", "5*6"]
        batch.write_text("22+13\n")
        assert run(capsys, "predict", *ws.args(), "--batch", str(batch))[1].startswith("22+13 = ")

    def test_batch_stdin(self, ws: Workspace, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
        """--batch - reads the queries from stdin."""
        monkeypatch.setattr(sys, "stdin", io.StringIO("1+2\n3-4\n"))
        code, out, _ = run(capsys, "predict", *ws.args(), "--batch", "-")
        assert code == 0
        lines = out.splitlines()
        assert [line.split(" = ")[0] for line in lines] == ["1+2", "3-4"]
        for line in lines:
            assert_answer(line.split(" = ", 1)[1], "addsub")

    def test_image_round_trip(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """A strip written by render is read by predict --image (img2text), for the default and a named task."""
        strip = tmp_path / "strip.png"
        assert run(capsys, "render", *ws.args(), "22+13", "-o", str(strip))[0] == 0
        code, out, err = run(capsys, "predict", *ws.args(), "--image", str(strip))
        assert code == 0 and err == "" and len(out.splitlines()) == 1
        assert_answer(out.strip(), "addsub")
        assert run(capsys, "render", *ws.args(), "12*34", "-o", str(strip))[0] == 0
        code, out, _ = run(capsys, "predict", *ws.args(), "--image", str(strip), "--task", "mul")
        assert code == 0
        assert_answer(out.strip(), "mul")

    def test_many_images(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
        """--image with several strips and a folder prints PATH = ANSWER per strip, in the order given and the
        folder's PNGs by name, each as a run on that strip alone says, with the model loaded once."""
        strips = tmp_path / "strips"
        strips.mkdir()
        for name, query in (("b.png", "1+2"), ("a.png", "33-44")):
            assert run(capsys, "render", *ws.args(), query, "-o", str(strips / name))[0] == 0
        (strips / "notes.txt").write_text("not a strip")
        single = tmp_path / "single.png"
        assert run(capsys, "render", *ws.args(), "22+13", "-o", str(single), "--seed", "1")[0] == 0
        loads = []
        monkeypatch.setattr(commands, "load_model", lambda *args: loads.append(args) or load_model(*args))
        code, out, err = run(capsys, "predict", *ws.args(), "--image", str(single), str(strips))
        assert code == 0 and err == "" and len(loads) == 1
        paths = [single, strips / "a.png", strips / "b.png"]
        assert [line.split(" = ")[0] for line in out.splitlines()] == [str(path) for path in paths]
        for line, path in zip(out.splitlines(), paths):
            assert line == f"{path} = {run(capsys, 'predict', *ws.args(), '--image', str(path))[1].strip()}"

    def test_images_with_bad_files(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """Each strip that cannot be read is one error line naming it, the others are still answered, and the
        exit status says that some failed."""
        good, garbage, small = tmp_path / "good.png", tmp_path / "garbage.png", tmp_path / "small.png"
        assert run(capsys, "render", *ws.args(), "22+13", "-o", str(good))[0] == 0
        garbage.write_bytes(b"not a png at all")
        write_strip(small, torch.rand(1, 28, 28))
        paths = [garbage, good, tmp_path / "missing.png", small, good]
        code, out, err = run(capsys, "predict", *ws.args(), "--image", *map(str, paths))
        assert code == 1
        assert [line.split(" = ")[0] for line in out.splitlines()] == [str(good), str(good)]
        errors = err.splitlines()
        assert len(errors) == 3 and all(line.startswith("error: ") for line in errors)
        assert "cannot read image" in errors[0] and "garbage.png" in errors[0]
        assert "cannot read image" in errors[1] and "missing.png" in errors[1]
        assert "small.png is 28x28 pixels; expected at least 140x28" in errors[2]

    def test_draw(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """predict --draw writes the answer glyphs (28 x 28*T_out, 8-bit) and prints what the judge reads."""
        drawn = tmp_path / "answer.png"
        code, out, err = run(capsys, "predict", *ws.args(), "--draw", str(drawn), "12*34")
        assert code == 0 and err == ""
        with Image.open(drawn) as image:
            assert image.size == (28 * ANSWER_WIDTH["mul"], 28) and image.mode == "L"
        lines = out.splitlines()
        assert len(lines) == 1 and len(lines[0]) <= ANSWER_WIDTH["mul"] and set(lines[0]) <= set(SYMBOLS)

    def test_draw_in_the_hand_of_a_strip(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """predict --draw --style draws in the hand of a strip's digits, each the digit the judge reads there: the
        same drawing every time (no style drawn at random). --style without --draw is one error line."""
        strip = tmp_path / "hand.png"
        assert run(capsys, "render", *ws.args(), "47+85", "-o", str(strip))[0] == 0
        drawings = []
        for drawn in (tmp_path / "a.png", tmp_path / "b.png"):
            code, out, err = run(capsys, "predict", *ws.args(), "--draw", str(drawn), "--style", str(strip), "12*34")
            assert code == 0 and err == "" and len(out.splitlines()) == 1
            drawings.append(drawn.read_bytes())
        assert drawings[0] == drawings[1]
        assert_error(run(capsys, "predict", *ws.args(), "--style", str(strip), "12*34"), "--style", "give --draw too")

    def test_a_strip_without_a_digit_gives_no_hand(self, ws: Workspace, tmp_path: Path) -> None:
        """A strip in which the judge reads no digit gives --style no hand to draw in: an error naming the strip."""
        class ReadsPlus:  # a judge that reads a + in every glyph
            def read_strips(self, strips: torch.Tensor) -> list[str]:
                return ["+" * strips.shape[1]] * len(strips)

        strip = tmp_path / "plus.png"
        write_strip(strip, torch.rand(3, 28, 28))
        model, arch = load_model(ws.models, "mul", arithmetic("text2img"))
        with pytest.raises(commands.UsageError, match=r"^--style: the judge reads no digit in .*plus\.png$"):
            commands.write_like_strip(model, arch, ReadsPlus(), strip)

    def test_on_the_device_asked(self, ws: Workspace, capsys: pytest.CaptureFixture) -> None:
        """--device cpu answers as the default (auto: the CPU here) does; CUDA that is not there is one error line."""
        default = run(capsys, "predict", *ws.args(), "22+13", "12*34")
        assert default[0] == 0 and run(capsys, "predict", *ws.args(), "--device", "cpu", "22+13", "12*34") == default
        if not torch.cuda.is_available():
            assert_error(run(capsys, "predict", *ws.args(), "--device", "cuda", "1+2"),
                         "--device = 'cuda': CUDA is not available on this machine")

    @pytest.mark.parametrize(("args", "fragments"), [
        (["22/13"], ["'/'", "vocabulary"]),
        (["2x3"], ["'x'", "write multiplication as *"]),
        (["1+2+3"], ["3 numbers", "takes 2"]),
        (["5"], ["1 number;", "takes 2"]),
        (["--task", "mul", "2+3"], ["task mul has no operator '+'"]),
        ([""], ["empty query"]),
        (["   "], ["empty query"]),
        (["1 2+3"], ["space inside a number"]),
        (["2++3"], ["not of the form"]),
        (["2+"], ["not of the form"]),
        (["2+3", "4%5"], ["'4%5'", "'%'"]),
        (["--task", "div", "2+3"], ["no task 'div'"]),
        ([], ["give a query"]),
        (["--draw", "a.png", "1+2", "3+4"], ["exactly one query"]),
        (["--image", "a.png", "--draw", "b.png"], ["not both"]),
        (["--frobnicate", "1+2"], ["unrecognized arguments: --frobnicate"]),
        (["--device", "gpu", "1+2"], ["--device", "'gpu' is not one of auto, cpu, cuda, cuda:N"]),
        (["--image"], ["--image: expected at least one argument"]),
    ])
    def test_bad_queries(self, ws: Workspace, capsys: pytest.CaptureFixture, args: list[str],
                         fragments: list[str]) -> None:
        """Each malformed or unanswerable query or option combination is one error line naming the problem."""
        assert_error(run(capsys, "predict", *ws.args(), *args), *fragments)

    def test_operator_no_task_has(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """With only an add/subtract task, a product is refused naming the operator and the tasks there are."""
        params = yaml.safe_load(ws.params.read_text())
        params["tasks"] = {"addsub": TASKS["addsub"]}
        (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
        assert_error(run(capsys, "predict", *ws.args(params=tmp_path / "params.yaml"), "2*3"),
                     "no task has operator '*'", "addsub: + -")
        assert_error(run(capsys, "predict", *ws.args(), "2+3*4"), "no single task has all of + *")

    def test_missing_params(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """A missing params file is one error line naming it."""
        assert_error(run(capsys, "predict", *ws.args(params=tmp_path / "nope.yaml"), "1+2"), "nope.yaml")

    def test_bad_thread_count(self, ws: Workspace, capsys: pytest.CaptureFixture,
                              monkeypatch: pytest.MonkeyPatch) -> None:
        """A bad SEQ2ARITH_THREADS is one error line naming the variable, its value and what is allowed."""
        monkeypatch.setenv("SEQ2ARITH_THREADS", "many")
        assert_error(run(capsys, "predict", *ws.args(), "1+2"), "SEQ2ARITH_THREADS = 'many'",
                     "positive integer or auto")

    @pytest.mark.parametrize(("args", "stage"), [
        (["22+13"], "dvc repro train-text2text@addsub"),
        (["--image", "strip.png"], "dvc repro train-img2text@addsub"),
        (["--draw", "a.png", "2*3"], "dvc repro train-text2img@mul"),
    ])
    def test_missing_model(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path, args: list[str],
                           stage: str) -> None:
        """A missing checkpoint names the dvc repro stage that makes it."""
        assert_error(run(capsys, "predict", *ws.args(models=tmp_path), *args), "no model at", stage)

    def test_missing_judge(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """--draw without the judge, which reads the drawing back, names the judge stage."""
        (tmp_path / "addsub-text2img.pt").write_bytes((ws.models / "addsub-text2img.pt").read_bytes())
        assert_error(run(capsys, "predict", *ws.args(models=tmp_path), "--draw", str(tmp_path / "a.png"), "1+2"),
                     "dvc repro judge")

    def test_broken_checkpoints(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """Truncated, foreign and wrong-kind checkpoints are each one error line naming the file."""
        path = tmp_path / "addsub-text2text.pt"
        path.write_bytes((ws.models / "addsub-text2text.pt").read_bytes()[:300])
        assert_error(run(capsys, "predict", *ws.args(models=tmp_path), "1+2"), str(path), "not a readable")
        torch.save({"weights": torch.zeros(3)}, path)
        assert_error(run(capsys, "predict", *ws.args(models=tmp_path), "1+2"), str(path), "not a readable")
        path.write_bytes((ws.models / "addsub-text2img.pt").read_bytes())
        assert_error(run(capsys, "predict", *ws.args(models=tmp_path), "1+2"), "holds a text2img model")

    def test_bad_images(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """A missing, unreadable or wrongly sized image is one error line; the size error gives the expected size."""
        missing = tmp_path / "missing.png"
        assert_error(run(capsys, "predict", *ws.args(), "--image", str(missing)), "cannot read image", "missing.png")
        garbage = tmp_path / "garbage.png"
        garbage.write_bytes(b"not a png at all")
        assert_error(run(capsys, "predict", *ws.args(), "--image", str(garbage)), "cannot read image", "garbage.png")
        truncated = tmp_path / "truncated.png"
        write_strip(truncated, torch.rand(5, 28, 28))
        truncated.write_bytes(truncated.read_bytes()[:100])
        assert_error(run(capsys, "predict", *ws.args(), "--image", str(truncated)), "cannot read image")
        small = tmp_path / "small.png"
        write_strip(small, torch.rand(1, 28, 28))
        assert_error(run(capsys, "predict", *ws.args(), "--image", str(small)), "is 28x28 pixels",
                     "expected at least 140x28")

    def test_image_folder_without_strips(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """A folder with no PNG in it is one error line naming it."""
        (tmp_path / "notes.txt").write_text("not a strip")
        assert_error(run(capsys, "predict", *ws.args(), "--image", str(tmp_path)), "no .png files in folder",
                     str(tmp_path))

    def test_bad_batch(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
        """A bad batch line is reported with its line number; a missing or empty batch is one error line."""
        batch = tmp_path / "queries.txt"
        batch.write_text("1+2\n1++2\n")
        assert_error(run(capsys, "predict", *ws.args(), "--batch", str(batch)), "queries.txt line 2", "not of the form")
        assert_error(run(capsys, "predict", *ws.args(), "--batch", str(tmp_path / "none.txt")), "cannot read queries",
                     "none.txt")
        monkeypatch.setattr(sys, "stdin", io.StringIO("\n  \n"))
        assert_error(run(capsys, "predict", *ws.args(), "--batch", "-"), "no queries in stdin")
        assert_error(run(capsys, "predict", *ws.args(), "--batch", str(batch), "1+2"), "not both")

    def test_numbers_wider_than_the_task(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """The columns core answers numbers wider than its task's: text, a drawn answer and a rendered strip, each
        answer as wide as the widest of its shape (3x1 digits: 4)."""
        code, out, err = run(capsys, "predict", *ws.args(), "123*4", "5*6", "999+999")
        assert code == 0 and err == "" and [line.split(" = ")[0] for line in out.splitlines()] == ["123*4", "5*6",
                                                                                                    "999+999"]
        assert all(len(line.split(" = ")[1]) <= 4 for line in out.splitlines()), out
        strip = tmp_path / "strip.png"
        assert run(capsys, "render", *ws.args(), "123+4", "-o", str(strip))[0] == 0
        with Image.open(strip) as image:
            assert image.size == (28 * 7, 28)  # as wide as two numbers of 3 digits
        code, out, err = run(capsys, "predict", *ws.args(), "--image", str(strip))
        assert code == 0 and err == "" and len(out.strip()) <= 4
        code, out, err = run(capsys, "predict", *ws.args(), "--draw", str(tmp_path / "a.png"), "123*4")
        assert code == 0 and err == "" and len(out.strip()) <= 4
        with Image.open(tmp_path / "a.png") as image:
            assert image.size == (28 * 4, 28)

    def test_past_the_measured_range_says_so(self, ws: Workspace, capsys: pytest.CaptureFixture,
                                             tmp_path: Path) -> None:
        """A query with a number wider than every shape measured (for 0..99: sums 10 digits, products 5) is still
        answered, and one line on stderr says it is past the measured range and names the widest shape measured; a
        query inside it gets no note."""
        code, out, err = run(capsys, "predict", *ws.args(), "12345678901+1", "123456*7", "99999+1")
        assert code == 0 and len(out.splitlines()) == 3
        assert err == ("note: 12345678901+1, 123456*7 are past the measured range (the widest shape measured: 10+10 in "
                       "metrics/addsub-text2text.json, 5x5 in metrics/mul-text2text.json); the answer is the model's, "
                       "unmeasured at that width\n")
        assert run(capsys, "predict", *ws.args(), "9999999999-1")[2] == ""
        code, out, err = run(capsys, "predict", *ws.args(), "--draw", str(tmp_path / "a.png"), "1234567*8")
        assert code == 0 and err.startswith(
            "note: 1234567*8 is past the measured range (the widest shape measured: 5x5")

    def test_a_fixed_width_core_says_it_cannot(self, ws: Workspace, capsys: pytest.CaptureFixture,
                                               tmp_path: Path) -> None:
        """The report's LSTM reads numbers only as wide as those it was trained on: one error line says so."""
        models = tmp_path / "models"
        params = section(yaml.safe_load(ws.params.read_text()), "model", ModelConfig)
        kind = arithmetic("text2text")
        queries = create_data(TaskConfig(**TASKS["mul"]), SplitConfig(0.25), ws.handwriting, np.random.default_rng(0))
        lstm = dataclasses.replace(params, core="lstm")
        model, arch = kind.new_model(queries, lstm, section(yaml.safe_load(ws.params.read_text()), "text2text",
                                                            kind.options))
        checkpoint.save(models / "mul-text2text.pt", kind, model, arch)
        assert_error(run(capsys, "predict", *ws.args(models=models), "123*4"),
                     "123 is above task mul's highest integer 99", "model.core: lstm",
                     "model.core: columns reads wider ones")


class TestStrips:
    """``strips.write_strip`` and ``strips.read_strip`` (data/strips.py)."""

    def test_round_trip(self, tmp_path: Path) -> None:
        """write_strip then read_strip gives back the pixels to within 8-bit rounding, glyphs in order."""
        pixels = torch.rand(4, 28, 28)
        write_strip(tmp_path / "s.png", pixels)
        with Image.open(tmp_path / "s.png") as image:
            assert image.mode == "L" and image.size == (4 * 28, 28)
        assert torch.allclose(read_strip(tmp_path / "s.png", 4), pixels, atol=0.5 / 255 + 1e-6)


class TestRender:
    """``seq2arith render`` (cli/commands.py)."""

    def test_writes_test_pool_strip(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """render draws each padded query character with a test-pool image of it, the same for the same seed."""
        out = tmp_path / "strip.png"
        code, _, err = run(capsys, "render", *ws.args(), "2+13", "-o", str(out), "--seed", "3")
        assert code == 0 and err == ""
        with Image.open(out) as image:
            assert image.size == (28 * QUERY_WIDTH["addsub"], 28) and image.mode == "L"
        strip = (read_strip(out, QUERY_WIDTH["addsub"]) * 255).round().to(torch.uint8).numpy()
        hw = ws.handwriting
        for glyph, symbol in zip(strip, "2+13 "):
            pool = hw.images[(hw.symbols == symbol) & hw.is_test]
            assert any(np.array_equal(glyph, image) for image in pool), symbol
        again = tmp_path / "again.png"
        run(capsys, "render", *ws.args(), "2+13", "-o", str(again), "--seed", "3")
        assert again.read_bytes() == out.read_bytes()

    def test_errors(self, ws: Workspace, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """render validates its query, needs -o, and names the stages that make missing handwriting."""
        out = str(tmp_path / "s.png")
        assert_error(run(capsys, "render", *ws.args(), "1+2+3", "-o", out), "3 numbers", "takes 2")
        assert_error(run(capsys, "render", *ws.args(), "1+1"), "required", "-o/--output")
        assert_error(run(capsys, "render", *ws.args(), "1+1", "-o", out, "--seed", "-1"), "--seed")
        assert_error(run(capsys, "render", *ws.args(data=tmp_path), "1+1", "-o", out), "cannot read handwriting",
                     "dvc repro download glyphs")
        assert not Path(out).exists()


class TestTables:
    """``seq2arith tables`` (cli/commands.py)."""

    def test_into_a_markdown_file(self, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """`tables --input SAVED --into FILE` rewrites only the block between the tables markers of FILE."""
        data = {"params": {"params.yaml": {"data": {"model": {"extra_lstm": 2, "hidden": 128}}}},
                "metrics": {"metrics/mul-text2text.json": {"data": {"test": {"exact_match": 0.5}}}}}
        saved = tmp_path / "exp_show.json"
        saved.write_text(json.dumps([{"rev": "a" * 40, "name": "deep-lstm", "data": data, "experiments": None}]))
        report = tmp_path / "report.md"
        report.write_text("# Report\n<!-- tables:start -->\nold\n<!-- tables:end -->\nafter\n")
        code, out, _ = run(capsys, "tables", "lstm", "--input", str(saved), "--into", str(report))
        text = report.read_text()
        assert code == 0 and out == ""
        assert text.startswith("# Report\n<!-- tables:start -->\n### Tables 1 and 4") and text.endswith("after\n")
        assert "| deep-lstm | 2 | 128 |" in text and "old" not in text

    def test_figures(self, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """`tables --figures FOLDER` draws each requested sweep that has a figure; the others have none."""
        data = {"params": {"params.yaml": {"data": {"model": {"extra_lstm": 2, "hidden": 128}}}},
                "metrics": {path: {"data": {"test": {"exact_match": 0.5}}}
                            for path in ("metrics/mul-text2text.json", "metrics/mul-img2text.json")}}
        saved = tmp_path / "exp_show.json"
        saved.write_text(json.dumps([{"rev": "a" * 40, "name": "deep-lstm", "data": data, "experiments": None}]))
        code, _, _ = run(capsys, "tables", "lstm", "img2text-mul", "--input", str(saved), "--figures", str(tmp_path))
        assert code == 0 and (tmp_path / "lstm.png").read_bytes()[:4] == b"\x89PNG"
        assert not (tmp_path / "img2text-mul.png").exists()

    def test_a_failed_dvc_is_one_line_ending_with_what_dvc_said(self, capsys: pytest.CaptureFixture,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
        """When the dvc that `tables` runs fails, the error ends with dvc's last line as dvc wrote it."""
        failed = subprocess.CompletedProcess([], 255, "", "some progress\nERROR: not a DVC repository\n")
        monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: failed)
        line = assert_error(run(capsys, "tables", "lstm"), "dvc exp show --json failed: ERROR: not a DVC repository")
        assert "[" not in line

    def test_figures_copy_each_text2img_experiments_samples(self, capsys: pytest.CaptureFixture, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
        """`tables text2img --figures DIR --into FILE` copies each experiment's sample grids out of its git commit
        into DIR/text2img/ and links them from the table, relative to FILE; a grid the commit lacks is a note."""
        repo = tmp_path / "repo"
        rev = _committed(repo, {"plots/samples/addsub-text2img-raw.png": b"\x89PNG raw"})
        data = {"params": {"params.yaml": {"data": {"text2img": {"epochs": 5}}}},
                "metrics": {"metrics/addsub-text2img.json": {"data": {"test": {"read_exact_match": 0.5}}}}}
        saved = tmp_path / "exp_show.json"
        saved.write_text(json.dumps([{"rev": rev, "name": "dense-5", "data": data, "experiments": None}]))
        markdown = repo / "reports/text2img.md"
        markdown.parent.mkdir()
        markdown.write_text("<!-- tables:start -->\n<!-- tables:end -->\n")
        monkeypatch.chdir(repo)
        code, _, err = run(capsys, "tables", "text2img", "--input", str(saved), "--figures", "reports",
                           "--into", str(markdown))
        assert code == 0
        assert (repo / "reports/text2img/dense-5-addsub-text2img-raw.png").read_bytes() == b"\x89PNG raw"
        assert "[addsub-text2img-raw](text2img/dense-5-addsub-text2img-raw.png) |" in markdown.read_text()
        assert "experiment dense-5 has no plots/samples/addsub-text2img-thresholded.png" in err

    def test_figures_draw_each_experiments_errors(self, capsys: pytest.CaptureFixture, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
        """`tables test-ratio --figures DIR` draws the report's error figure (its Figures 2-6) of each experiment's
        test predictions, read out of its git commit, into DIR/test-ratio/, and links it from the table."""
        predictions = b"split,query,answer,predicted,difference\ntrain,1*2,2,2,0\ntest,3*4,12,10,2\ntest,5*6,30,?,\n"
        rev = _committed(tmp_path / "repo", {f"plots/predictions/{task}-text2text.csv": predictions
                                             for task in ("addsub", "mul")})
        data = {"params": {"params.yaml": {"data": {"split": {"test_ratio": 0.5}}}},
                "metrics": {"metrics/mul-text2text.json": {"data": {"test": {"exact_match": 0.5}}}}}
        saved = tmp_path / "exp_show.json"
        saved.write_text(json.dumps([{"rev": rev, "name": "half", "data": data, "experiments": None}]))
        monkeypatch.chdir(tmp_path / "repo")
        code, out, err = run(capsys, "tables", "test-ratio", "--input", str(saved), "--figures", "reports")
        assert code == 0 and err == ""
        assert (tmp_path / "repo/reports/test-ratio/half-mul-text2text-errors.png").read_bytes()[:4] == b"\x89PNG"
        assert "[mul-text2text-errors](reports/test-ratio/half-mul-text2text-errors.png) |" in out


class TestQueue:
    """``seq2arith queue`` (cli/commands.py)."""

    def test_prints_one_dvc_command_per_row(self, capsys: pytest.CaptureFixture) -> None:
        code, out, _ = run(capsys, "queue", "Table 2", "Table 3", "--rows", "1", "--print")
        assert code == 0
        assert [line.split(" --name ")[1].split()[0] for line in out.splitlines()] == ["table-2-row-1", "table-3-row-1"]
        assert all(line.startswith("dvc exp run --queue") for line in out.splitlines())

    @pytest.mark.parametrize("args, fragment", [(("Table 2", "--rows", "one"), "'one' is not a comma-separated list"),
                                                (("Table 2", "--rows", "7"), "Table 2 has rows 1 to 3, not 7"),
                                                (("table 2",), "no 'table 2' in the report's numbers")])
    def test_names_a_wrong_table_or_row(self, capsys: pytest.CaptureFixture, args: tuple[str, ...],
                                        fragment: str) -> None:
        assert_error(run(capsys, "queue", *args, "--print"), fragment)


def _committed(repo: Path, files: dict[str, bytes]) -> str:
    """A git repository at ``repo`` with one commit of ``files`` (path -> bytes); its revision."""
    for path, content in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(content)
    for command in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "s"]):
        subprocess.run(["git", *command], cwd=repo, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()


class TestArchitectures:
    """``seq2arith architectures`` (cli/commands.py)."""

    def test_into_a_markdown_file(self, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """`architectures --into FILE` writes each of the report's architecture figures between FILE's markers."""
        report = tmp_path / "architectures.md"
        report.write_text("# Architectures\n<!-- tables:start -->\n<!-- tables:end -->\n")
        code, out, _ = run(capsys, "architectures", "--params", str(ROOT / "params.yaml"), "--into", str(report))
        text = report.read_text()
        assert code == 0 and out == ""
        assert "### Figure 1: " in text and "### Figure 10: " in text and text.endswith("<!-- tables:end -->\n")
        assert_error(run(capsys, "architectures", "--params", str(tmp_path / "none.yaml")), "none.yaml",
                     "cannot read parameters")


class TestMain:
    """``cli.main`` (cli/__init__.py), run in this process and as the installed console script."""

    def test_help_lists_every_command(self, capsys: pytest.CaptureFixture) -> None:
        """The usage of `seq2arith --help` (its lines before the first blank one) names each command it has."""
        code, out, _ = run(capsys, "--help")
        usage = out.split("\n\n")[0]
        assert code == 0 and usage.startswith("usage: seq2arith")
        for command in ("predict", "render", "tables", "queue", "architectures", "results", "deps"):
            assert command in usage, command

    def test_console_script(self, ws: Workspace) -> None:
        """The installed seq2arith console script runs main and prints one line per query."""
        script = Path(sys.executable).parent / "seq2arith"
        result = subprocess.run([str(script), "predict", *ws.args(), "22+13", "33-44"], capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        assert [line.split(" = ")[0] for line in result.stdout.splitlines()] == ["22+13", "33-44"]
