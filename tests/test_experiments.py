"""Experiments with the real DVC on tiny params: each key re-runs exactly what reads it; faults lose nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from pipeline_repo import PipelineRepo, make_pipeline_repo

pytestmark = pytest.mark.slow
TASKS, KINDS = ("addsub", "mul"), ("text2text", "img2text", "text2img")

def _models(*kinds: str) -> set[str]:
    """The training and evaluation stages of ``kinds`` for both tasks."""
    return {f"{stage}-{kind}@{task}" for stage in ("train", "evaluate") for kind in kinds for task in TASKS}


SAMPLES = {f"samples@{task}" for task in TASKS}
TRAINED = _models(*KINDS) | {"plots"} | SAMPLES
IMAGES = _models("img2text") | {f"evaluate-text2img@{task}" for task in TASKS} | {"plots"} | SAMPLES  # the
# classifier's readers


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> PipelineRepo:
    """A tiny copy whose pipeline has run once and whose results are committed, like main."""
    repo = make_pipeline_repo(tmp_path_factory.mktemp("experiments"))
    repo.dvc("repro")
    repo.run("git", "add", "-A")
    repo.run("git", "commit", "-qm", "results")
    return repo


@pytest.fixture
def clean(repo: PipelineRepo):
    """Each test starts from, and leaves, the committed state."""
    yield repo
    repo.run("git", "reset", "-q", "--hard")
    repo.dvc("checkout", "--force", "-q")


def _write_idx(path, array: np.ndarray) -> None:
    header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.mark.parametrize(("change", "expected"), [
    (["text2img.epochs=2"], _models("text2img") | {"plots"} | SAMPLES),
    (["classifier.epochs=2"], {"classifier"} | IMAGES),  # text2text and text2img's training read no classifier
    # new glyph images, same glyph choices: data/<task> comes out the same, so text2text stays
    (["glyphs.jitter=1"], {"glyphs", "classifier", "dataset@addsub", "dataset@mul"} | _models("img2text", "text2img")
     | {"plots"} | SAMPLES),
    (["plots.threshold=0.4"], SAMPLES),
    (["model.hidden=16"], TRAINED),
    (["train.mirror=false"], TRAINED),
    (["split.test_ratio=0.5"], TRAINED | {"dataset@addsub", "dataset@mul"}),
])
def test_a_key_reruns_exactly_its_readers(clean: PipelineRepo, change: list[str], expected: set[str]) -> None:
    """`dvc exp run -S key=value` re-runs exactly the stages that read the key, and the diffs show it."""
    output = clean.dvc("exp", "run", *(arg for item in change for arg in ("-S", item))).stdout
    assert clean.ran_stages(output) == expected
    key = change[0].split("=")[0]
    assert key.split(".")[-1] in clean.dvc("params", "diff").stdout
    assert "metrics/" in clean.dvc("metrics", "diff", "--all").stdout


def test_data_source_reruns_everything_that_reads_digits(clean: PipelineRepo) -> None:
    """Switching data.source to a local IDX folder re-runs every stage but glyphs, which reads no digits."""
    rng = np.random.default_rng(0)
    folder = clean.path / "idx"
    folder.mkdir()
    for prefix, count in (("train", 60), ("t10k", 20)):
        _write_idx(folder / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (count, 28, 28)))
        _write_idx(folder / f"{prefix}-labels-idx1-ubyte", np.arange(count) % 10)
    output = clean.dvc("exp", "run", "-S", "data.source=idx", "-S", "data.idx_dir=idx").stdout
    assert clean.ran_stages(output) == TRAINED | {"download", "dataset@addsub", "dataset@mul", "classifier"}
    assert json.loads((clean.path / "metrics/dataset-addsub.json").read_text())["test_glyph_images"] == 20 + 10 * 3 + 1


def test_failed_stage_loses_nothing(clean: PipelineRepo) -> None:
    """A stage that fails on a bad value leaves the committed metrics and plots as they were, says why in one
    line, and `dvc checkout` restores its previous outputs."""
    kept = ["metrics/addsub-img2text.json", "plots/curves/addsub-img2text/metrics.json",
            "plots/errors/mul-text2img.png"]
    before = {path: (clean.path / path).read_bytes() for path in kept}
    failed = clean.dvc("exp", "run", "-S", "img2text.conv_layers=9", check=False)
    assert failed.returncode != 0
    message = "error: params.yaml: img2text.conv_layers = 9: must be an integer from 1 to 3"
    assert message in failed.stdout + failed.stderr
    for path, content in before.items():
        assert (clean.path / path).read_bytes() == content, path
    clean.run("git", "checkout", "--", "params.yaml")
    clean.dvc("checkout", "--force")
    assert "up to date" in clean.dvc("status").stdout


def test_killed_training_leaves_nothing_trusted(clean: PipelineRepo) -> None:
    """Training killed mid-run writes no checkpoint (not even a partial one), and `dvc status` then reports
    the stage changed, so the next `dvc repro` runs it again."""
    params = clean.params()
    params["text2text"]["epochs"] = 10_000
    clean.write_params(params)
    model = clean.path / "models/addsub-text2text.pt"
    model.unlink()
    process = subprocess.Popen(
        [sys.executable, "stages/train.py", "--kind", "text2text", "--task", "addsub", "--data", "data/addsub",
         "--out", str(model),
         "--live", "plots/curves/addsub-text2text", "--metrics", "metrics/train-addsub-text2text.json"],
        cwd=clean.path, env=clean.env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    curve = clean.path / "plots/curves/addsub-text2text/plots/metrics/train/loss.tsv"
    deadline = time.monotonic() + 60
    while not (curve.exists() and len(curve.read_text().splitlines()) > 2) and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not model.exists()
    assert not list(model.parent.glob(".addsub-text2text*"))
    clean.run("git", "checkout", "--", "params.yaml")
    assert "train-text2text@addsub" in clean.dvc("status").stdout
