"""What `seq2arith predict` and `seq2arith render` do (the CLI only parses their arguments)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import numpy as np
import torch
from torch import nn

from seq2arith.cli.questions import Query, QueryError, load_tasks, resolve, task_named
from seq2arith.data.pools import load_pools
from seq2arith.data.queries import TaskConfig, beyond_range_shapes, padded_width, shape_answer_width, widths
from seq2arith.data.strips import StripError, read_strip, write_strip
from seq2arith.data.text import DIGITS, PAD, encode_labels
from seq2arith.kinds import text2img
from seq2arith.kinds.arithmetic import ArithmeticKind, GlyphReader, arithmetic
from seq2arith.kinds.classifier import load_classifier
from seq2arith.params import load_params
from seq2arith.runtime.devices import device_of, torch_device
from seq2arith.runtime.errors import Seq2ArithError
from seq2arith.runtime.threads import use_threads
from seq2arith.training import checkpoint
from seq2arith.training.architecture import Architecture
from seq2arith.training.batches import Batch

DEFAULT_IMAGE_TASK = "addsub"  # an image does not say which task it belongs to


class UsageError(Seq2ArithError):
    """Command-line arguments that do not fit together."""


class FieldRows:
    """The least of a dataset that ``answers`` needs: one input field, indexed by arrays of rows."""

    def __init__(self, field: str, values: torch.Tensor) -> None:
        self.field, self.values = field, values

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, rows: np.ndarray) -> Batch:
        return {self.field: self.values[torch.as_tensor(rows)]}


def query_widths(query: Query, arch: Architecture, task: str, config: TaskConfig) -> tuple[int, int]:
    """The query and answer widths a ``task`` model of ``arch`` is asked ``query`` with: its own, or for numbers
    wider than the task's, as wide as the query and its widest answer (``shape_answer_width``) where its core reads
    any width (a QueryError names the task and the core where it does not)."""
    too_big = [number for number in query.numbers if number > config.highest_integer]
    if not too_big:
        if len(query.text) > arch.query_width:
            raise QueryError(f"query {query.text!r} is wider than the {arch.query_width} characters the {task} "
                             "models read: params.yaml changed since training; run `dvc repro`")
        return arch.query_width, arch.answer_width
    if not arch.model.any_width:
        raise QueryError(f"query {query.text!r}: {too_big[0]} is above task {task}'s highest integer "
                         f"{config.highest_integer} (tasks.{task}.highest_integer), and its models' core "
                         f"(model.core: {arch.model.core}) reads numbers only as wide as those it was trained on "
                         "(model.core: columns reads wider ones)")
    digits = [len(str(number)) for number in query.numbers]
    return widths(config.operators, max(digits))[0], shape_answer_width(digits, query.operators[0])


def past_measured_range(resolved: Sequence[tuple[Query, str]], tasks: dict[str, TaskConfig]) -> str | None:
    """One line for the queries with a number wider than any the pipeline measures its task's models on
    (``beyond_range_shapes``: the far shapes), naming the widest shape measured; None where there are none."""
    past, widest = [], {}
    for query, task in resolved:
        measured = [shape for shape in beyond_range_shapes(tasks[task]) if shape[1] == query.operators[0]]
        if not measured:
            continue
        digits, operator, other = max(measured, key=lambda shape: max(shape[0], shape[2]))
        if max(len(str(number)) for number in query.numbers) > max(digits, other):
            past.append(query.text)
            widest[f"{digits}{'x' if operator == '*' else operator}{other}"] = task
    if not past:
        return None
    shown = ", ".join(past[:3]) + (f" and {len(past) - 3} more" if len(past) > 3 else "")
    shapes = ", ".join(f"{shape} in metrics/{task}-text2text.json" for shape, task in widest.items())
    return (f"note: {shown} {'is' if len(past) == 1 else 'are'} past the measured range (the widest shape "
            f"measured: {shapes}); the answer is the model's, unmeasured at that width")


def encode_queries(queries: Sequence[Query], width: int, vocabulary: str) -> torch.Tensor:
    """Queries padded to ``width``, one-hot over ``vocabulary``: (N, width, V)."""
    return torch.from_numpy(encode_labels([query.text.ljust(width, PAD) for query in queries], vocabulary))


def load_model(models: Path, task: str, kind: ArithmeticKind,
               device: torch.device = torch.device("cpu")) -> tuple[nn.Module, Architecture]:
    """The pipeline's trained ``kind`` model for ``task`` from the folder ``models``, on ``device``."""
    path = models / f"{task}-{kind.name}.pt"
    return checkpoint.load(path, kind, stage=f"train-{kind.name}@{task}", device=device)


def text_answers(resolved: Sequence[tuple[Query, str]], tasks: dict[str, TaskConfig], models: Path,
                 device: torch.device = torch.device("cpu")) -> list[str]:
    """text2text's answers, stripped, in the order asked; each task's model is loaded once, on ``device``."""
    text2text = arithmetic("text2text")
    texts: list[str] = [""] * len(resolved)
    for task in dict.fromkeys(name for _, name in resolved):
        model, arch = load_model(models, task, text2text, device)
        rows = [i for i, (_, name) in enumerate(resolved) if name == task]
        asked = {i: query_widths(resolved[i][0], arch, task, tasks[task]) for i in rows}
        for (query_width, answer_width) in dict.fromkeys(asked.values()):
            same = [i for i in rows if asked[i] == (query_width, answer_width)]
            inputs = encode_queries([resolved[i][0] for i in same], query_width, arch.vocabulary)
            predicted, _ = text2text.answers(model, arch, FieldRows("query", inputs), answer_width=answer_width)
            for i, text in zip(same, predicted):
                texts[i] = text.strip()
    return texts


def image_answers(paths: Sequence[Path], models: Path, task: str, config: TaskConfig,
                  device: torch.device = torch.device("cpu")) -> list[str | StripError]:
    """img2text's answer to each strip, stripped, in the order given, the model loaded once: a strip that cannot
    be read is its StripError, and the others are still answered. Strips wider than the task's are read where the
    model's core reads any width (as ``seq2arith render`` draws a query of wider numbers)."""
    img2text = arithmetic("img2text")
    model, arch = load_model(models, task, img2text, device)
    strips: list[torch.Tensor | StripError] = []
    for path in paths:
        try:
            strips.append(read_strip(path, arch.query_width, wider=arch.model.any_width))
        except StripError as error:
            strips.append(error)
    texts: dict[int, str] = {}
    for glyphs in dict.fromkeys(len(strip) for strip in strips if isinstance(strip, torch.Tensor)):
        same = [i for i, strip in enumerate(strips) if isinstance(strip, torch.Tensor) and len(strip) == glyphs]
        answer_width = (arch.answer_width if glyphs <= arch.query_width
                        else widths(config.operators, (glyphs - 1) // 2)[1])
        inputs = FieldRows("query_images", torch.stack([cast(torch.Tensor, strips[i]) for i in same]))
        for i, text in zip(same, img2text.answers(model, arch, inputs, answer_width=answer_width)[0]):
            texts[i] = text.strip()
    return [strip if isinstance(strip, StripError) else texts[i] for i, strip in enumerate(strips)]


def asked_queries(args: argparse.Namespace, tasks: dict[str, TaskConfig]) -> list[tuple[Query, str]]:
    """The queries of the arguments or of ``--batch``, each validated and paired with its task."""
    if args.batch is None:
        return [resolve(text, tasks, args.task) for text in args.queries]
    source = "stdin" if args.batch == "-" else args.batch
    try:
        text = sys.stdin.read() if args.batch == "-" else Path(args.batch).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UsageError(f"cannot read queries from {source}: {reason}") from None
    resolved = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                resolved.append(resolve(line, tasks, args.task))
            except Seq2ArithError as error:
                raise QueryError(f"{source} line {number}: {error}") from None
    if not resolved:
        raise UsageError(f"no queries in {source}")
    return resolved


def image_paths(given: Sequence[Path]) -> list[Path]:
    """The strips to read: each file given, and every PNG of each folder given, by name."""
    paths = []
    for path in given:
        if not path.is_dir():
            paths.append(path)
            continue
        found = sorted(child for child in path.iterdir() if child.suffix.lower() == ".png" and child.is_file())
        if not found:
            raise UsageError(f"no .png files in folder {path}")
        paths += found
    return paths


def predict_images(args: argparse.Namespace, tasks: dict[str, TaskConfig], device: torch.device) -> None:
    """img2text's answer to every strip: one image file alone prints just its answer, several (or a folder) one
    PATH = ANSWER line each. A strip that cannot be read is one ``error:`` line, the others are still answered,
    and the exit status is 1."""
    task = args.task or DEFAULT_IMAGE_TASK
    task_named(tasks, task)
    paths = image_paths(args.image)
    alone = len(args.image) == 1 and not args.image[0].is_dir()
    answered = image_answers(paths, args.models, task, tasks[task], device)
    for path, answer in zip(paths, answered):
        if isinstance(answer, StripError):
            print(f"error: {answer}", file=sys.stderr)
        else:
            print(answer if alone else f"{path} = {answer}")
    if any(isinstance(answer, StripError) for answer in answered):
        raise SystemExit(1)


def write_like_strip(model: nn.Module, arch: Architecture, reader: GlyphReader, path: Path) -> None:
    """text2img's ``model`` draws from now on in the hand of the digits of the strip at ``path``, each the digit
    ``reader`` reads there (``Text2Img.write_like``)."""
    if not isinstance(model, text2img.Text2Img) or model.styles is None:
        raise UsageError("--style needs a text2img that draws with styles (trained with text2img.style_size > 0)")
    glyphs = read_strip(path, 1, wider=True)
    read = reader.read_strips(glyphs[None])[0]
    digits = [i for i, char in enumerate(read) if char in DIGITS]
    if not digits:
        raise UsageError(f"--style: the judge reads no digit in {path}")
    device = device_of(model)
    model.write_like(glyphs[digits].to(device),
                     torch.tensor([arch.vocabulary.index(read[i]) for i in digits], device=device))


def predict(args: argparse.Namespace) -> None:
    if args.image is not None and args.draw is not None:
        raise UsageError("give --image or --draw, not both")
    if args.style is not None and args.draw is None:
        raise UsageError("--style says how --draw draws: give --draw too")
    if args.batch is not None and args.queries:
        raise UsageError("give queries as arguments or with --batch, not both")
    tasks = load_tasks(args.params)
    use_threads()
    device = torch_device(args.device, "--device")
    if args.image is not None:
        if args.queries or args.batch is not None:
            raise UsageError("--image reads its query from the image: give no query text")
        predict_images(args, tasks, device)
        return
    if not args.queries and args.batch is None:
        raise UsageError("give a query such as 22+13, --batch FILE or --image PNG")
    if args.draw is not None:
        if args.batch is not None or len(args.queries) != 1:
            raise UsageError("--draw writes one image: give exactly one query")
        query, task = resolve(args.queries[0], tasks, args.task)
        model, arch = load_model(args.models, task, text2img.KIND, device)
        text2img.draw_as_params(model, load_params(args.params))
        reader = load_classifier(args.models / "judge.pt", device, stage="judge")
        if args.style is not None:
            write_like_strip(model, arch, reader, args.style)
        query_width, answer_width = query_widths(query, arch, task, tasks[task])
        read, pixels = text2img.KIND.answers(model, arch, FieldRows("query", encode_queries([query], query_width,
                                                                                          arch.vocabulary)),
                                             reader, answer_width=answer_width)
        assert pixels is not None
        write_strip(args.draw, pixels[0])
        print(read[0].strip())
        _note_past_measured_range([(query, task)], tasks)
        return
    resolved = asked_queries(args, tasks)
    answers = text_answers(resolved, tasks, args.models, device)
    _note_past_measured_range(resolved, tasks)
    if args.batch is None and len(resolved) == 1:
        print(answers[0])
    else:
        for (query, _), answer in zip(resolved, answers):
            print(f"{query.text} = {answer}")


def _note_past_measured_range(resolved: Sequence[tuple[Query, str]], tasks: dict[str, TaskConfig]) -> None:
    note = past_measured_range(resolved, tasks)
    if note:
        print(note, file=sys.stderr)


def render(args: argparse.Namespace) -> None:
    tasks = load_tasks(args.params)
    query, task = resolve(args.query, tasks, args.task)
    digits = max(len(str(number)) for number in query.numbers)  # numbers wider than the task's: a wider strip
    padded = query.text.ljust(max(padded_width(tasks[task]), widths(tasks[task].operators, digits)[0]), PAD)
    handwriting = load_pools(args.data)
    try:
        glyphs = handwriting.sample([padded], "test", np.random.default_rng(args.seed))
    except ValueError as error:
        raise Seq2ArithError(f"{args.data}: {error}") from None
    write_strip(args.output, handwriting.pixels(glyphs)[0])
