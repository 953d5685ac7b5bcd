"""params: every section of params.yaml validated before any other stage runs.

dvc.yaml runs it first (download and glyphs depend on its output), so a bad value stops the pipeline here, in one
line, before DVC deletes any stage's outputs to run it. Its output is the same text for every valid params.yaml:
a valid change re-runs only the stages that read the changed keys.
"""

import argparse
import typing
from pathlib import Path
from typing import Any

from seq2arith import params
from seq2arith.data.mnist import DataConfig
from seq2arith.data.operator_glyphs import GlyphsConfig
from seq2arith.data.queries import SplitConfig, TaskConfig
from seq2arith.figures.plots import SamplesConfig
from seq2arith.kinds.classifier import ClassifierConfig
from seq2arith.kinds.img2text import Img2TextConfig
from seq2arith.kinds.text2img import DrawingConfig, Text2ImgConfig
from seq2arith.kinds.text2text import Text2TextConfig
from seq2arith.models.cores import ModelConfig
from seq2arith.runtime.errors import report_errors
from seq2arith.training.loop import KindConfig
from seq2arith.training.plan import TrainConfig

SECTIONS: dict[str, type[params.Section]] = {  # each section's dataclass, as the stages that read it parse it
    "data": DataConfig, "glyphs": GlyphsConfig, "split": SplitConfig, "model": ModelConfig, "train": TrainConfig,
    "samples": SamplesConfig, "drawing": DrawingConfig, "classifier": ClassifierConfig, "judge": ClassifierConfig,
}
KINDS: dict[str, type[KindConfig]] = {"text2text": Text2TextConfig, "img2text": Img2TextConfig,
                                      "text2img": Text2ImgConfig}  # their values may be given per task
TOP_LEVEL = ("seed", "device", "tasks", *SECTIONS, *KINDS)
VALID = "params.yaml: valid\n"  # the same for every valid params.yaml: nothing downstream re-runs for it


def validate(values: dict[str, Any]) -> None:
    """Raise the ParamsError of the first bad value of ``values`` (params.yaml), as the stage reading it would."""
    unknown = sorted(set(values) - set(TOP_LEVEL))
    params.require(unknown[0] if unknown else "params.yaml", values.get(unknown[0]) if unknown else None,
                   not unknown, f"unknown key; allowed: {', '.join(sorted(TOP_LEVEL))}")
    params.seed(values)
    params.device(values)
    params.require("tasks", None, "tasks" in values, "missing required key")
    tasks = values["tasks"]
    params.require("tasks", tasks, isinstance(tasks, dict) and len(tasks) > 0,
                   "must be a mapping of task names to tasks")
    for task in tasks:
        params.section(values, f"tasks.{task}", TaskConfig)
    for key, cls in SECTIONS.items():
        params.section(values, key, cls)
    params.section(values, "model", ModelConfig).require_values(  # as every training checks it
        "train.value_loss", params.section(values, "train", TrainConfig).value_loss)
    one_per_task = "{" + ", ".join(f"{task}: ..." for task in tasks) + "}"
    for kind, options in KINDS.items():
        kind_options = params.section(values, kind, options)
        for name, annotation in typing.get_type_hints(options).items():
            given = (values.get(kind) or {}).get(name)  # dvc.yaml's stages read <kind>.<name>.<task>
            params.require(f"{kind}.{name}", given, annotation != params.PerTask or given is None
                           or isinstance(given, dict),
                           f"give one value per task ({one_per_task}): each task's stages read their own, "
                           f"{kind}.{name}.<task>")
        for task in tasks:  # as train-<kind>@<task> resolves them: a per-task value for every task
            kind_options.for_task(task, kind)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--out", type=Path, required=True, help="text file written when every value is valid")
    args = parser.parse_args()

    validate(params.load_params(args.params))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(VALID)


if __name__ == "__main__":
    report_errors(main)
