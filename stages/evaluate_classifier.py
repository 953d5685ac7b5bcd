"""evaluate-classifier (and evaluate-judge): how well the glyph reader the classifier stage (or the judge stage)
trained reads each pool: its accuracy on every glyph of the train, validation and test pools (with the blank images
its training added), and on the validation and test digits alone. The test pool is read here, once."""

import argparse
from pathlib import Path

from seq2arith import params
from seq2arith.data.pools import load_handwriting
from seq2arith.kinds import classifier
from seq2arith.runtime.devices import torch_device
from seq2arith.runtime.errors import report_errors
from seq2arith.runtime.files import write_json
from seq2arith.runtime.threads import use_threads
from seq2arith.training import checkpoint
from seq2arith.training.loop import score

POOLS = ("train", "validation", "test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--section", choices=("classifier", "judge"), default="classifier",
                        help="the params.yaml section it was trained from (its blanks are scored with each pool)")
    parser.add_argument("--model", type=Path, required=True,
                        help="checkpoint of the classifier or judge stage (models/<stage>.pt)")
    parser.add_argument("--digits", type=Path, required=True, help="output folder of the download stage")
    parser.add_argument("--glyphs", type=Path, required=True, help="output folder of the glyphs stage")
    parser.add_argument("--metrics", type=Path, required=True,
                        help="JSON: accuracy on every glyph of each pool, and on the validation and test digits alone")
    args = parser.parse_args()

    use_threads()
    values = params.load_params(args.params)
    device = torch_device(params.device(values))
    options = params.section(values, args.section, classifier.ClassifierConfig)
    model, _ = checkpoint.load(args.model, classifier.KIND, stage=args.model.stem, device=device)
    assert isinstance(model, classifier.Classifier)
    handwriting = load_handwriting(args.digits, args.glyphs)
    accuracy = {pool: score(model, classifier.objective(), classifier.GlyphDataset(handwriting, pool, options.blanks),
                            1024)["accuracy"] for pool in POOLS}
    write_json(args.metrics, {**{f"{pool}_accuracy": value for pool, value in accuracy.items()},
                              "validation_digit_accuracy": classifier.digit_accuracy(model, handwriting, "validation"),
                              "digit_accuracy": classifier.digit_accuracy(model, handwriting, "test")})


if __name__ == "__main__":
    report_errors(main)
