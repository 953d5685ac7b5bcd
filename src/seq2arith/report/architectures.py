"""The report's architecture figures (its Figures 1, 7 and 10), rebuilt: each model as params.yaml with the
figure's params (report.yaml's ``architectures``) builds it, layer by layer, beside the report's parameter count."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from seq2arith.data import glyph
from seq2arith.data.queries import TaskConfig, answer_width, padded_width
from seq2arith.data.text import vocabulary
from seq2arith.kinds.arithmetic import ArithmeticKind, arithmetic
from seq2arith.kinds.classifier import ClassifierConfig, ClassifierNetwork
from seq2arith.models.cores import ModelConfig
from seq2arith.params import ParamsError, section, subsection
from seq2arith.report.dotted import nested
from seq2arith.report.numbers import REPORT_NUMBERS, report_numbers, setting
from seq2arith.training.architecture import Architecture, count_parameters


def architecture(name: str, task: str, params: dict[str, Any]) -> Architecture:
    """What `train-<name>@<task>` builds from ``params`` (validated as the stage validates them)."""
    kind = arithmetic(name)
    task_config = section(params, f"tasks.{task}", TaskConfig)
    options = section(params, kind.name, kind.options)
    return kind.architecture(vocabulary(task_config.operators), padded_width(task_config), answer_width(task_config),
                             section(params, "model", ModelConfig), options,
                             subsection(section(params, "classifier", ClassifierConfig), ClassifierNetwork))


def _example(kind: ArithmeticKind, arch: Architecture) -> torch.Tensor:
    """One (blank) query of the shape the network reads: one-hot text, or a strip of glyph images."""
    position = (glyph.SIDE, glyph.SIDE) if kind.reads_images else (len(arch.vocabulary),)
    return torch.zeros(1, arch.query_width, *position)


def _own_parameters(module: nn.Module) -> int:
    return sum(parameter.numel() for parameter in module.parameters(recurse=False) if parameter.requires_grad)


def layers(network: nn.Module, example: torch.Tensor) -> list[tuple[str, str, tuple[int, ...], int]]:
    """(name, type, output shape, parameters it holds itself) of every innermost module but the identities, and of
    every other module that holds parameters itself (such as learned decoder inputs), in the order they finish
    on ``example``: the parameters add up to the network's."""
    shapes: dict[str, tuple[int, ...]] = {}
    shown = {name: module for name, module in network.named_modules()
             if (next(module.children(), None) is None and not isinstance(module, nn.Identity))
             or _own_parameters(module)}

    def hook(name: str) -> Callable[[nn.Module, Any, Any], None]:
        def record(module: nn.Module, inputs: Any, output: Any) -> None:
            shapes.setdefault(name, tuple((output[0] if isinstance(output, tuple) else output).shape))
        return record

    handles = [module.register_forward_hook(hook(name)) for name, module in shown.items()]
    with torch.no_grad():
        network.eval()(example)
    for handle in handles:
        handle.remove()
    return [(name, type(shown[name]).__name__, shape, _own_parameters(shown[name])) for name, shape in shapes.items()]


def figure_summary(figure: str, entry: dict[str, Any], params: dict[str, Any]) -> str:
    """Markdown: the model ``entry`` (a report.yaml ``architectures`` entry) builds on ``params``, layer by
    layer, and its parameter count beside the report's."""
    settings = nested(entry["params"], params)
    kind = arithmetic(entry["kind"])
    arch = architecture(kind.name, entry["task"], settings)
    try:
        network = kind.network(arch)
    except ValueError as error:  # settings that validate one by one but not together
        raise ParamsError(f"{figure}: cannot build its model: {error}") from None
    total = f"{count_parameters(network):,} parameters"
    if "parameters" in entry:
        total += f" (the report's: {entry['parameters']:,})"
    lines = [f"### {figure}: {entry['title']}", "",
             f"{entry['kind']} on {entry['task']}, params.yaml with "
             + ", ".join(f"`{key}={setting(value)}`" for key, value in entry["params"].items()) + f": {total}", "",
             "| layer | type | output shape | parameters |", "|---|---|---|---|"]
    lines += [f"| {name} | {kind} | {shape} | {count:,} |" for name, kind, shape, count in
              layers(network, _example(kind, arch))]
    return "\n".join(lines) + "\n"


def architecture_summaries(params: dict[str, Any], report: Path = REPORT_NUMBERS) -> str:
    """``figure_summary`` of every figure in report.yaml's ``architectures``."""
    return "\n".join(figure_summary(figure, entry, params)
                     for figure, entry in report_numbers(report)["architectures"].items())
