"""classifier: a small CNN that reads one glyph (0-9, + - x, blank); scores text2img, reads img2text strips."""

import argparse
from pathlib import Path

from dvclive.live import Live

from seq2arith import checkpoint, params
from seq2arith.devices import torch_device
from seq2arith.errors import report_errors
from seq2arith.files import write_json
from seq2arith.kinds import classifier
from seq2arith.pools import load_handwriting
from seq2arith.seeding import seed_torch
from seq2arith.threads import use_threads
from seq2arith.training import fit, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--digits", type=Path, required=True, help="output folder of the download stage")
    parser.add_argument("--glyphs", type=Path, required=True, help="output folder of the glyphs stage")
    parser.add_argument("--out", type=Path, required=True, help="checkpoint to write")
    parser.add_argument("--metrics", type=Path, required=True, help="JSON with train and test accuracy")
    parser.add_argument("--live", type=Path, required=True, help="DVCLive folder for the training curves")
    args = parser.parse_args()

    threads = use_threads()
    values = params.load_params(args.params)
    options = params.section(values, "classifier", classifier.ClassifierConfig)
    device = torch_device(params.device(values))
    generator = seed_torch(params.seed(values), "classifier", device)
    handwriting = load_handwriting(args.digits, args.glyphs)
    train, test = (classifier.GlyphDataset(handwriting, test, options.blanks) for test in (False, True))
    model = classifier.Classifier(options).to(device)
    objective = classifier.objective(options.augment)
    with Live(str(args.live), report=None, save_dvc_exp=False, dvcyaml=None) as live:
        fit(model, objective, train, test, options, generator, live, desc="classifier", threads=threads)
    checkpoint.save(args.out, classifier.KIND, model, options)
    write_json(args.metrics, {f"{split}_accuracy": score(model, objective, data, 1024)["accuracy"]
                              for split, data in (("train", train), ("test", test))})


if __name__ == "__main__":
    report_errors(main)
