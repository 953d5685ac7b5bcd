"""plots: the report's error figure for every model, exact match per epoch, and text2img answers drawn as glyph
grids."""

import argparse
from pathlib import Path

import pandas as pd
import torch

from seq2arith import checkpoint, config, inference, plots
from seq2arith.dataset import ArithmeticDataset, QuerySet
from seq2arith.errors import report_errors
from seq2arith.seeding import rng
from seq2arith.threads import use_threads
from seq2arith.training import torch_device

SAMPLE_ROWS = 12  # test queries shown per sample grid


def error_figure(predictions: Path, out: Path) -> None:
    table = pd.read_csv(predictions)
    test = table[table["split"] == "test"]
    differences = test["difference"].dropna().to_numpy()
    title = f"{predictions.stem}: test queries ({len(test) - len(differences)} unparseable answers left out)"
    plots.error_figure(differences, title, out)


def sample_grids(model_path: Path, data: Path, reader, threshold: float, seed: int, out: Path,
                 device: torch.device) -> None:
    """Raw and thresholded drawings of a spread of test queries (``plots.sample_rows``), wrong reads marked."""
    model, arch = checkpoint.load(model_path, "text2img", stage=checkpoint.training_stage(model_path), device=device)
    test = ArithmeticDataset(QuerySet.load(data), None, True, arch.model.reverse_answer, fields=("query",))
    read, pixels = inference.answers(model, arch, test, inference.BATCH_SIZE, reader)
    rows = plots.sample_rows(test.answers, read, SAMPLE_ROWS, rng(seed, f"samples-{model_path.stem}"))
    queries, read = [test.queries[row] for row in rows], [read[row] for row in rows]
    wrong = [test.answers[row].strip() != text.strip() for row, text in zip(rows, read)]
    name, pixels = model_path.stem, pixels[rows]
    plots.sample_grid(queries, pixels.numpy(), read, wrong, f"{name}: generated answers", out / f"{name}-raw.png")
    plots.sample_grid(queries, (pixels > threshold).float().numpy(), read, wrong, f"{name}: pixels > {threshold}",
                      out / f"{name}-thresholded.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--predictions", type=Path, nargs="+", required=True, help="CSVs of evaluate-*@*")
    parser.add_argument("--errors", type=Path, required=True, help="folder for one error figure per CSV")
    parser.add_argument("--text2img", type=Path, nargs="+", required=True, help="text2img checkpoints")
    parser.add_argument("--data", type=Path, nargs="+", required=True, help="dataset@<task> folder per checkpoint")
    parser.add_argument("--classifier", type=Path, required=True, help="checkpoint of the classifier stage")
    parser.add_argument("--samples", type=Path, required=True, help="folder for the text2img sample grids")
    parser.add_argument("--curves", type=Path, nargs="+", required=True, help="DVCLive folders of train-*@*")
    parser.add_argument("--exact-match", type=Path, required=True, help="PNG: exact match per epoch of every model")
    args = parser.parse_args()

    use_threads()
    params = config.load_params(args.params)
    threshold = config.section(params, "plots", config.PlotsConfig).threshold
    device = torch_device(config.device(params))
    for predictions in args.predictions:
        error_figure(predictions, args.errors / f"{predictions.stem}.png")
    plots.exact_match_figure({folder.name: folder for folder in args.curves}, args.exact_match)
    reader, _ = checkpoint.load(args.classifier, "classifier", stage="classifier", device=device)
    for model_path, data in zip(args.text2img, args.data, strict=True):
        sample_grids(model_path, data, reader, threshold, config.seed(params), args.samples, device)


if __name__ == "__main__":
    report_errors(main)
