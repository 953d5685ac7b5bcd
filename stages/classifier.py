"""classifier (and judge): a small CNN that reads one glyph (0-9, + - x, blank), trained on the train pool and
chosen on the validation pool; the evaluate-classifier (evaluate-judge) stage scores it.

The classifier gives img2text's symbolic baseline (and its reader, with ``img2text.reader: classifier``); the
judge, trained from its own params section with generic augmentation only and never shown a drawing, reads
text2img's drawings back.
"""

import argparse
from pathlib import Path

from seq2arith import params
from seq2arith.data.pools import load_handwriting
from seq2arith.kinds import classifier
from seq2arith.runtime.devices import torch_device
from seq2arith.runtime.errors import report_errors
from seq2arith.runtime.threads import use_threads
from seq2arith.training import checkpoint
from seq2arith.training.loop import curves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--section", choices=("classifier", "judge"), default="classifier",
                        help="the params.yaml section it is trained from")
    parser.add_argument("--digits", type=Path, required=True, help="output folder of the download stage")
    parser.add_argument("--glyphs", type=Path, required=True, help="output folder of the glyphs stage")
    parser.add_argument("--out", type=Path, required=True, help="checkpoint to write")
    parser.add_argument("--live", type=Path, required=True, help="DVCLive folder for the training curves")
    args = parser.parse_args()

    threads = use_threads()
    values = params.load_params(args.params)
    options = (params.section(values, "judge", classifier.ClassifierConfig) if args.section == "judge"
               else params.section(values, "classifier", classifier.ClassifierConfig))
    device = torch_device(params.device(values))
    handwriting = load_handwriting(args.digits, args.glyphs)
    train = classifier.GlyphDataset(handwriting, "train", options.blanks, options.operator_share)
    validation = classifier.GlyphDataset(handwriting, "validation", options.blanks)
    with curves(args.live) as live:
        model = classifier.train_classifier(options, train, validation, params.seed(values), device, live, threads)
    checkpoint.save(args.out, classifier.KIND, model, params.subsection(options, classifier.ClassifierNetwork))


if __name__ == "__main__":
    report_errors(main)
