"""glyphs: synthetic operator images (+, -, x) for the train and test pools, and a sample sheet."""

import argparse
from pathlib import Path

from seq2arith import params
from seq2arith.data import operator_glyphs
from seq2arith.figures.glyph_sheet import glyph_sheet
from seq2arith.runtime.errors import report_errors
from seq2arith.runtime.seeding import rng


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--out", type=Path, required=True, help="folder for images.npy, symbols.npy, is_test.npy")
    parser.add_argument("--sheet", type=Path, required=True, help="PNG sample sheet")
    args = parser.parse_args()

    values = params.load_params(args.params)
    glyphs_config = params.section(values, "glyphs", operator_glyphs.GlyphsConfig)
    drawn = operator_glyphs.draw_glyphs(glyphs_config, rng(params.seed(values), "glyphs"))
    drawn.save(args.out)
    glyph_sheet(drawn, args.sheet)


if __name__ == "__main__":
    report_errors(main)
