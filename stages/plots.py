"""plots: the report's error figure for every model, exact match per epoch, and text2img answers drawn as glyph
grids."""

import argparse
from pathlib import Path

import pandas as pd

from seq2arith import checkpoint, config, inference, plots
from seq2arith.dataset import ArithmeticDataset, QuerySet
from seq2arith.errors import report_errors
from seq2arith.handwriting import Handwriting
from seq2arith.threads import use_threads

SAMPLE_ROWS = 12  # test queries shown per sample grid


def error_figure(predictions: Path, out: Path) -> None:
    table = pd.read_csv(predictions)
    test = table[table["split"] == "test"]
    differences = test["difference"].dropna().to_numpy()
    title = f"{predictions.stem}: test queries ({len(test) - len(differences)} unparseable answers left out)"
    plots.error_figure(differences, title, out)


def sample_grids(model_path: Path, data: Path, handwriting: Handwriting, reader, threshold: float,
                 out: Path) -> None:
    model, arch = checkpoint.load(model_path, "text2img", stage=f"train@{model_path.stem}")
    test = ArithmeticDataset(QuerySet.load(data), handwriting, True, arch.model.reverse_answer,
                             fields=("query",), limit=SAMPLE_ROWS)
    read, pixels = inference.answers(model, arch, test, SAMPLE_ROWS, reader)
    name = model_path.stem
    plots.sample_grid(test.queries, pixels.numpy(), read, f"{name}: generated answers", out / f"{name}-raw.png")
    plots.sample_grid(test.queries, (pixels > threshold).float().numpy(), read, f"{name}: pixels > {threshold}",
                      out / f"{name}-thresholded.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--predictions", type=Path, nargs="+", required=True, help="CSVs of evaluate@*")
    parser.add_argument("--errors", type=Path, required=True, help="folder for one error figure per CSV")
    parser.add_argument("--text2img", type=Path, nargs="+", required=True, help="text2img checkpoints")
    parser.add_argument("--data", type=Path, nargs="+", required=True, help="dataset@<task> folder per checkpoint")
    parser.add_argument("--digits", type=Path, required=True, help="output folder of the download stage")
    parser.add_argument("--glyphs", type=Path, required=True, help="output folder of the glyphs stage")
    parser.add_argument("--classifier", type=Path, required=True, help="checkpoint of the classifier stage")
    parser.add_argument("--samples", type=Path, required=True, help="folder for the text2img sample grids")
    parser.add_argument("--curves", type=Path, nargs="+", required=True, help="DVCLive folders of train@*")
    parser.add_argument("--exact-match", type=Path, required=True, help="PNG: exact match per epoch of every model")
    args = parser.parse_args()

    use_threads()
    threshold = config.section(config.load_params(args.params), "text2img", config.Text2ImgConfig).threshold
    for predictions in args.predictions:
        error_figure(predictions, args.errors / f"{predictions.stem}.png")
    plots.exact_match_figure({folder.name: folder for folder in args.curves}, args.exact_match)
    handwriting = Handwriting.load(args.digits, args.glyphs)
    reader, _ = checkpoint.load(args.classifier, "classifier", stage="classifier")
    for model_path, data in zip(args.text2img, args.data, strict=True):
        sample_grids(model_path, data, handwriting, reader, threshold, args.samples)


if __name__ == "__main__":
    report_errors(main)
