"""Checkpoints round-trip, and broken or foreign files give one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from seq2arith.kinds.classifier import KIND as CLASSIFIER
from seq2arith.kinds.classifier import Classifier, ClassifierNetwork
from seq2arith.kinds.text2text import KIND as TEXT2TEXT
from seq2arith.models.cores import ModelConfig
from seq2arith.training import checkpoint
from seq2arith.training.architecture import Architecture, NetworkOptions
from seq2arith.training.checkpoint import CheckpointError


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, torch.nn.Module]:
    arch = Architecture("0123456789+- ", 5, 3, ModelConfig(hidden=8), NetworkOptions())
    model = TEXT2TEXT.network(arch)
    path = tmp_path / "model.pt"
    checkpoint.save(path, TEXT2TEXT, model, arch)
    return path, model


class TestSave:
    """``checkpoint.save`` (training/checkpoint.py)."""

    def test_same_weights_same_bytes(self, saved: tuple[Path, torch.nn.Module], tmp_path: Path) -> None:
        """Saving the same model to another path gives the same bytes: no temporary name inside the archive."""
        path, model = saved
        _, arch = checkpoint.load(path, TEXT2TEXT)
        other = tmp_path / "elsewhere" / "other.pt"
        checkpoint.save(other, TEXT2TEXT, model, arch)
        assert other.read_bytes() == path.read_bytes()


class TestLoad:
    """``checkpoint.load`` (training/checkpoint.py)."""

    def test_round_trip(self, saved: tuple[Path, torch.nn.Module]) -> None:
        """A loaded checkpoint rebuilds the same architecture with the same weights, in eval mode."""
        path, model = saved
        loaded, arch = checkpoint.load(path, TEXT2TEXT)
        assert isinstance(arch, Architecture) and not loaded.training
        for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
            assert torch.equal(a, b), name

    def test_loads_onto_the_device_asked(self, saved: tuple[Path, torch.nn.Module]) -> None:
        """load puts the model where it is asked (here the shape-only meta device); by default on the CPU."""
        path, _ = saved
        loaded, _ = checkpoint.load(path, TEXT2TEXT, device=torch.device("meta"))
        assert {p.device.type for p in loaded.parameters()} == {"meta"}
        assert {p.device.type for p in checkpoint.load(path, TEXT2TEXT)[0].parameters()} == {"cpu"}

    def test_missing_names_the_stage(self, tmp_path: Path) -> None:
        """A missing checkpoint names the dvc repro target that makes it."""
        with pytest.raises(CheckpointError, match=r"dvc repro train-text2text@addsub"):
            checkpoint.load(tmp_path / "nope.pt", TEXT2TEXT, stage="train-text2text@addsub")

    def test_truncated(self, saved: tuple[Path, torch.nn.Module]) -> None:
        """A truncated file is reported as unreadable, not as a traceback."""
        path, _ = saved
        path.write_bytes(path.read_bytes()[:200])
        with pytest.raises(CheckpointError, match="not a readable seq2arith checkpoint"):
            checkpoint.load(path, TEXT2TEXT)

    def test_foreign(self, tmp_path: Path) -> None:
        """A torch file that is not ours (no architecture) is reported as unreadable."""
        path = tmp_path / "foreign.pt"
        torch.save({"weights": torch.zeros(3)}, path)
        with pytest.raises(CheckpointError, match="not a readable seq2arith checkpoint"):
            checkpoint.load(path, TEXT2TEXT)

    def test_wrong_kind(self, saved: tuple[Path, torch.nn.Module]) -> None:
        """Loading a text2text checkpoint where a classifier is expected says what it holds."""
        path, _ = saved
        with pytest.raises(CheckpointError, match="holds a text2text model, expected classifier"):
            checkpoint.load(path, CLASSIFIER)

    def test_invalid_architecture(self, saved: tuple[Path, torch.nn.Module]) -> None:
        """A stored architecture is validated like params.yaml: a bad value is named in one line."""
        path, _ = saved
        stored = torch.load(path, weights_only=True)
        stored["architecture"]["model"]["core"] = "gru"
        torch.save(stored, path)
        with pytest.raises(CheckpointError, match=r"not a readable seq2arith checkpoint \(model.core = 'gru': allowed"):
            checkpoint.load(path, TEXT2TEXT)

    def test_architecture_round_trips_typed(self, saved: tuple[Path, torch.nn.Module]) -> None:
        """The loaded architecture carries typed configs, equal to the saved ones."""
        path, _ = saved
        _, arch = checkpoint.load(path, TEXT2TEXT)
        assert arch.model == ModelConfig(hidden=8) and arch.network == NetworkOptions()

    def test_classifier_round_trips_its_network(self, classifier_checkpoint: Path) -> None:
        """The classifier's checkpoint stores the keys of its params section that shape its network, typed again
        on loading."""
        model, network = checkpoint.load(classifier_checkpoint, CLASSIFIER)
        assert network == ClassifierNetwork(conv_layers=1, conv_filters=4) and isinstance(model, Classifier)
