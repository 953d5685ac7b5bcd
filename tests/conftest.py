"""Shared fixtures: an IDX writer, random-pixel handwriting pools, an untrained classifier checkpoint, and the
tiny pipeline the slow tests share, with and without an experiment; under `pytest -n N` (make test), the cores
shared out among the workers and each tiny pipeline built once for them all."""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from filelock import FileLock

from pipeline_repo import EXPERIMENT, EXPERIMENT_CHANGE, RESTORE, PipelineRepo, make_pipeline_repo
from seq2arith.data.handwriting import Handwriting
from seq2arith.data.mnist import Digits
from seq2arith.data.operator_glyphs import Glyphs
from seq2arith.data.pools import VALIDATION_EVERY, combine
from seq2arith.kinds import classifier
from seq2arith.training import checkpoint


def pytest_configure(config: pytest.Config) -> None:
    """A worker of `pytest -n N` shares the cores with N - 1 others: it, and the DVC stages it starts, use its
    share of them (two busy processes with a thread per core each are many times slower than one)."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers:
        share = max(1, (os.cpu_count() or 1) // int(workers))
        os.environ["SEQ2ARITH_THREADS"] = str(share)
        torch.set_num_threads(share)


def _tiny_pipeline_of(item: pytest.Item) -> str | None:
    """The tiny pipeline a test needs: ``tiny_experiment`` (built from the other), ``tiny_pipeline`` alone, or None."""
    names = getattr(item, "fixturenames", ())
    return next((name for name in ("tiny_experiment", "tiny_pipeline") if name in names), None)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest chain first, the rest around it (`pytest -n N --dist load --maxschedchunk 1`, make test, hands
    the tests out one at a time in this order): one test that needs the tiny experiment (its worker builds the tiny
    pipeline, then the experiment), every test that needs neither (the other workers meanwhile), those that need the
    pipeline alone, then the rest of the experiment's."""
    first = next((item for item in items if _tiny_pipeline_of(item) == "tiny_experiment"), None)
    order = (None, "tiny_pipeline", "tiny_experiment")
    items.sort(key=lambda item: (item is not first, order.index(_tiny_pipeline_of(item))))


BUILT = ".built"  # in a folder _built_once finished


def _built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The folder ``name`` that ``build(folder)`` fills once per test session: under `pytest -n N` the first worker
    to ask builds it while the others wait on its lock, and every worker finds it built."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if "PYTEST_XDIST_WORKER" in os.environ else base  # a worker's own folder is in the session's
    folder = shared / name
    with FileLock(f"{folder}.lock"):
        if not (folder / BUILT).exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
            folder.mkdir()
            build(folder)
            (folder / BUILT).touch()
    return folder


PER_CLASS = 3  # fake test images per symbol
TRAIN_PER_CLASS = 2 * VALIDATION_EVERY  # fake train images per symbol: combine holds 2 of each out for validation


def _write_idx(path: Path, array: np.ndarray, gz: bool = False) -> Path:
    """Write ``array`` (uint8) as an IDX file; with ``gz`` the bytes are gzipped and ``.gz`` is appended."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    data = header + array.tobytes()
    path = Path(path)
    if gz:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


@pytest.fixture
def write_idx():
    """The IDX writer ``write_idx(path, array, gz=False) -> path``."""
    return _write_idx


def _pool(symbols: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random-pixel images: TRAIN_PER_CLASS of each symbol in the train pool, then PER_CLASS in the test pool."""
    labels = [(symbol, test) for test, count in ((False, TRAIN_PER_CLASS), (True, PER_CLASS))
              for symbol in symbols for _ in range(count)]
    images = rng.integers(1, 256, size=(len(labels), 28, 28), dtype=np.uint8)
    return images, np.array([symbol for symbol, _ in labels]), np.array([test for _, test in labels])


@pytest.fixture(scope="session")
def digits() -> Digits:
    """Random-pixel digits: TRAIN_PER_CLASS images of every digit in the train pool, PER_CLASS in the test pool."""
    images, labels, is_test = _pool("0123456789", np.random.default_rng(0))
    return Digits(images, labels.astype(np.uint8), is_test)


@pytest.fixture(scope="session")
def glyphs() -> Glyphs:
    """Random-pixel operator glyphs: TRAIN_PER_CLASS images of + - * in the train pool, PER_CLASS in the test
    pool."""
    return Glyphs(*_pool("+-*", np.random.default_rng(1)))


@pytest.fixture(scope="session")
def handwriting(digits: Digits, glyphs: Glyphs) -> Handwriting:
    """The fake digits and glyphs combined, plus one blank per pool, as the pipeline's pools are: every symbol has
    images in each of the three pools."""
    return combine(digits, glyphs)


@pytest.fixture(scope="session")
def classifier_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained classifier of 4 filters, saved as the classifier stage saves it."""
    path = tmp_path_factory.mktemp("classifier") / "classifier.pt"
    network = classifier.ClassifierNetwork(conv_layers=1, conv_filters=4)
    checkpoint.save(path, classifier.KIND, classifier.Classifier(network), network)
    return path


@pytest.fixture(scope="session")
def tiny_pipeline(tmp_path_factory: pytest.TempPathFactory) -> PipelineRepo:
    """A tiny copy of this repository whose whole pipeline ran once (``first_run``: what `dvc repro` printed),
    its results committed like main's: built once per session, each worker given a copy of its own. Shared by the
    slow test modules: a test that changes anything works on a ``copy`` of it."""
    def build(folder: Path) -> None:
        (folder / "first-run.txt").write_text(make_pipeline_repo(folder / "repo").reproduce())

    built = _built_once(tmp_path_factory, "tiny-pipeline", build)
    repo = PipelineRepo(built / "repo").copy(tmp_path_factory.mktemp("tiny-pipeline") / "repo")
    repo.first_run = (built / "first-run.txt").read_text()
    return repo


@pytest.fixture(scope="session")
def tiny_experiment(tiny_pipeline: PipelineRepo, tmp_path_factory: pytest.TempPathFactory) -> PipelineRepo:
    """A copy of the tiny pipeline that committed a DVC remote (the folder ``remote`` beside the built repository, by
    its absolute path: every copy and clone pushes there; `dvc exp push` reads the experiment's own commit's config
    and would resolve a relative path against the filesystem root), then ran `dvc exp run -n EXPERIMENT -S
    EXPERIMENT_CHANGE` once (``experiment_run``: what it printed; ``experiment_models``: a copy of the checkpoints it
    left), and README's one command brought the workspace back to the committed results. The experiment's run
    records are in the run-cache, its outputs in the DVC cache; nothing is pushed. Built once per session, a copy for
    each worker."""
    def build(folder: Path) -> None:
        repo = tiny_pipeline.copy(folder / "repo")
        repo.dvc("remote", "add", "-d", "shared", str(folder / "remote"))  # before the experiment: it pushes with
        # its own commit's config
        repo.run("git", "commit", "-qam", "a DVC remote")
        (folder / "experiment-run.txt").write_text(
            repo.dvc("exp", "run", "-n", EXPERIMENT, "-S", EXPERIMENT_CHANGE).stdout)
        shutil.copytree(repo.path / "models", folder / "models")
        repo.run("bash", "-c", RESTORE)

    built = _built_once(tmp_path_factory, "tiny-experiment", build)
    repo = PipelineRepo(built / "repo").copy(tmp_path_factory.mktemp("tiny-experiment") / "repo")
    repo.first_run = tiny_pipeline.first_run
    repo.experiment_run = (built / "experiment-run.txt").read_text()
    repo.experiment_models = built / "models"
    return repo
