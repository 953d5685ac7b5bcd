"""The page `dvc plots show` and `dvc plots diff` write, offline: DVC's HTML template (`.dvc/config`:
`plots.html_template`) with the Vega scripts inlined from the npm packages `make setup` installs, so that no
plot waits for a CDN.

    python -m seq2arith.figures.plots_page node_modules .dvc/plots-page.html
"""

from __future__ import annotations

import argparse
from pathlib import Path

from seq2arith.runtime.errors import Seq2ArithError, report_errors
from seq2arith.runtime.files import write_with

SCRIPTS = ("vega/build/vega.min.js", "vega-lite/build/vega-lite.min.js", "vega-embed/build/vega-embed.min.js")

# DVC fills {refresh_tag} and {plot_divs}; without a {scripts} placeholder it adds no CDN <script> tags.
PAGE = """<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  {refresh_tag}
  <title>seq2arith plots</title>
@SCRIPTS@
  <style>
    body { font-family: sans-serif; margin: 16px; }
    body > div { display: inline-block; vertical-align: top; margin: 8px; }
    img { max-width: 1200px; }
  </style>
</head>
<body>
  {plot_divs}
</body>
</html>
"""


def page(node_modules: Path) -> str:
    """The template, with each of ``SCRIPTS`` read from ``node_modules`` and inlined."""
    scripts = []
    for name in SCRIPTS:
        path = node_modules / name
        if not path.is_file():
            raise Seq2ArithError(f"{path}: missing; install the plots page's scripts with `npm ci` (make setup)")
        source = path.read_text(encoding="utf-8")
        if "</script" in source:
            raise Seq2ArithError(f"{path}: contains '</script', cannot be inlined")
        scripts.append(f"  <script>/* {name} */\n{source}\n  </script>")
    return PAGE.replace("@SCRIPTS@", "\n".join(scripts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("node_modules", type=Path, help="folder npm installed package.json's packages into")
    parser.add_argument("out", type=Path, help="the HTML template to write")
    args = parser.parse_args()
    write_with(args.out, lambda tmp: tmp.write_text(page(args.node_modules), encoding="utf-8"))


if __name__ == "__main__":
    report_errors(main)
