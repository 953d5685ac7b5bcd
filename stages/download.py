"""download: MNIST digits (data.source) -> uint8 images, labels and a train/test pool split."""

import argparse
from pathlib import Path

from seq2arith import params
from seq2arith.data import mnist
from seq2arith.runtime.errors import report_errors
from seq2arith.runtime.seeding import rng


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--out", type=Path, required=True, help="folder for images.npy, labels.npy, is_test.npy")
    args = parser.parse_args()

    values = params.load_params(args.params)
    data = params.section(values, "data", mnist.DataConfig)
    digits = mnist.load_digits(data, rng(params.seed(values), "download"))
    digits.save(args.out)
    print(f"download: {digits.stats()} from {data.source}")


if __name__ == "__main__":
    report_errors(main)
