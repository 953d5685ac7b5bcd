"""dataset: every query of a task, its answer, the train/test split and the handwriting of each; and test queries
past the task's range."""

import argparse
from pathlib import Path

from seq2arith import params
from seq2arith.data import query_sets
from seq2arith.data.pools import load_handwriting
from seq2arith.data.queries import SplitConfig, TaskConfig
from seq2arith.runtime.errors import report_errors
from seq2arith.runtime.files import write_json
from seq2arith.runtime.seeding import rng


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--task", required=True, help="a key of params.yaml's tasks")
    parser.add_argument("--digits", type=Path, required=True, help="output folder of the download stage")
    parser.add_argument("--glyphs", type=Path, required=True, help="output folder of the glyphs stage")
    parser.add_argument("--out", type=Path, required=True, help="folder for the query set")
    parser.add_argument("--metrics", type=Path, required=True, help="JSON dataset statistics")
    args = parser.parse_args()

    values = params.load_params(args.params)
    task = params.section(values, f"tasks.{args.task}", TaskConfig)
    split = params.section(values, "split", SplitConfig)
    handwriting = load_handwriting(args.digits, args.glyphs)
    generator = rng(params.seed(values), f"dataset-{args.task}")
    queries = query_sets.create_data(task, split, handwriting, generator)
    beyond = query_sets.beyond_range_sets(task, split.beyond_range, handwriting, generator)
    queries.save(args.out)
    for shape, shaped in beyond.items():
        shaped.save(args.out / query_sets.BEYOND_RANGE / shape)
    write_json(args.metrics, query_sets.statistics(queries, beyond, handwriting))


if __name__ == "__main__":
    report_errors(main)
