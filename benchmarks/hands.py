"""How much of a hand `seq2arith predict --draw --style` carries over: for test-pool digits, each alone taken as
the hand (``Text2Img.write_like``), another digit drawn in it, and two traits of a hand compared between the digit
and the drawing: the ink (the sum of the pixels: thick or thin strokes) and the slant (the shear of the strokes'
second moments). Pearson r over the pairs, beside the same with the hands shuffled (no hand carried over: r near 0).

  python benchmarks/hands.py                        both tasks' text2img, 600 digits each
  python benchmarks/hands.py --tasks mul --digits 200

It reads what the pipeline wrote: models/<task>-text2img.pt, data/mnist and data/glyphs, params.yaml's drawing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from seq2arith.cli.commands import load_model
from seq2arith.data.pools import load_pools
from seq2arith.data.text import DIGITS
from seq2arith.kinds import text2img
from seq2arith.params import load_params
from seq2arith.runtime.errors import report_errors


def ink(glyphs: torch.Tensor) -> np.ndarray:
    """(N, 28, 28) pixels -> (N,) the sum of each glyph's pixels."""
    return glyphs.flatten(1).sum(1).numpy()


def slant(glyphs: torch.Tensor) -> np.ndarray:
    """(N, 28, 28) pixels -> (N,) the horizontal shift of the strokes per row down, about their centre."""
    rows, columns = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    mass = glyphs.flatten(1).sum(1)
    across = columns - ((glyphs * columns).flatten(1).sum(1) / mass)[:, None, None]
    down = rows - ((glyphs * rows).flatten(1).sum(1) / mass)[:, None, None]
    return ((glyphs * across * down).flatten(1).sum(1) / (glyphs * down * down).flatten(1).sum(1)).numpy()


def drawn_in_hands(model: text2img.Text2Img, vocabulary: str, hands: torch.Tensor, shown: list[str],
                   drawn: list[str]) -> torch.Tensor:
    """Each character of ``drawn`` in the hand of the glyph ``hands[i]`` showing ``shown[i]``: (N, 28, 28)."""
    pixels = []
    for hand, character, wanted in zip(hands, shown, drawn):
        model.write_like(hand[None], torch.tensor([vocabulary.index(character)]))
        index = torch.tensor([[vocabulary.index(wanted)]])
        with torch.no_grad():
            logits = model.draw(F.one_hot(index, len(vocabulary)).float(), model.prior_styles(index))
        pixels.append(torch.sigmoid(model.drawing.sharpness * logits)[0, 0])
    return torch.stack(pixels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", default=["addsub", "mul"])
    parser.add_argument("--digits", type=int, default=600, help="test-pool digits taken as hands, per task")
    parser.add_argument("--models", type=Path, default=Path("models"))
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = parser.parse_args()
    handwriting = load_pools(args.data)
    print("| task | trait | r, the digit's hand | r, hands shuffled |\n|---|---|---:|---:|")
    for task in args.tasks:
        model, arch = load_model(args.models, task, text2img.KIND)
        assert isinstance(model, text2img.Text2Img) and model.styles is not None, "a text2img with styles"
        text2img.draw_as_params(model, load_params(args.params))
        model.eval()
        rng = np.random.default_rng(0)
        digits = np.flatnonzero(handwriting.in_pool("test") & np.isin(handwriting.symbols, list(DIGITS)))
        chosen = rng.choice(digits, args.digits, replace=False)
        hands, shown = handwriting.pixels(chosen), [str(symbol) for symbol in handwriting.symbols[chosen]]
        drawn = [DIGITS[(DIGITS.index(digit) + 1 + rng.integers(9)) % 10] for digit in shown]  # another digit
        own = drawn_in_hands(model, arch.vocabulary, hands, shown, drawn)
        order = rng.permutation(len(chosen))
        shuffled = drawn_in_hands(model, arch.vocabulary, hands[order], [shown[i] for i in order], drawn)
        for name, trait in (("ink", ink), ("slant", slant)):
            print(f"| {task} | {name} | {np.corrcoef(trait(hands), trait(own))[0, 1]:.3f} "
                  f"| {np.corrcoef(trait(hands), trait(shuffled))[0, 1]:.3f} |")


if __name__ == "__main__":
    report_errors(main)
