"""download: MNIST digits (data.source) -> uint8 images, labels and a train/test pool split."""

import argparse
from pathlib import Path

from seq2arith import config, mnist
from seq2arith.errors import report_errors
from seq2arith.seeding import rng


def load_digits(data: config.DataConfig, seed: int) -> mnist.Digits:
    if data.source == "bundled":
        return mnist.load_bundled(data.bundled_test_ratio, rng(seed, "download"))
    if data.source == "torchvision":
        return mnist.download_torchvision(data.mirrors)
    return mnist.read_idx_folder(Path(data.idx_dir))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--out", type=Path, required=True, help="folder for images.npy, labels.npy, is_test.npy")
    args = parser.parse_args()

    params = config.load_params(args.params)
    data = config.section(params, "data", config.DataConfig)
    digits = load_digits(data, config.seed(params))
    digits.save(args.out)
    print(f"download: {digits.stats()} from {data.source}")


if __name__ == "__main__":
    report_errors(main)
