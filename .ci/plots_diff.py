"""The plots that changed against a base revision, as markdown with PNG images, for a CI comment (CML uploads the
images it links): `python .ci/plots_diff.py BASE FOLDER >> report.md`.

`dvc plots diff BASE --json -o FOLDER` gives each plot per revision: image plots (sample grids, error figures)
as files, curves as Vega-Lite specs with their data. A curve is drawn here with matplotlib (no Vega renderer is
needed): one colour per revision, one line style per file. Only plots whose data differ between the revisions are
shown; histograms and confusion matrices are not drawn here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

IMAGE_LINK = "![{name} ({revision})]({path})"


def _curve(name: str, content: dict, out: Path) -> Path | None:
    """Draw a Vega-Lite curve plot as PNG into ``out``; None when every revision has the same points, or for
    another template (histograms and confusion matrices are left to `dvc plots diff` itself)."""
    x = content.get("encoding", {}).get("x", {}).get("field")
    values = [datum for datum in content["data"]["values"] if x in datum]
    if not values or content["encoding"]["x"].get("type") != "quantitative":
        return None
    points: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for datum in values:  # one y file: `filename` and its field; several: `filename::field` and the inferred value
        field = next(key for key in datum if key not in (x, "rev", "filename", "filename::field"))
        line = datum.get("filename::field") or f"{datum['filename']}::{field}"
        y = datum.get("dvc_inferred_y_value", datum[line.split("::")[-1]])
        points.setdefault((datum["rev"], line), []).append((float(datum[x]), float(y)))
    per_revision: dict[str, set] = {}
    for (revision, line), values in points.items():
        per_revision.setdefault(revision, set()).add((line, tuple(values)))
    if len({frozenset(lines) for lines in per_revision.values()}) <= 1:
        return None
    figure, axes = plt.subplots(figsize=(6, 3.5))
    revisions, lines = sorted(per_revision), sorted({line for _, line in points})
    for (revision, line), values in sorted(points.items()):
        axes.plot(*zip(*values), color=f"C{revisions.index(revision)}",
                  linestyle=("-", "--", ":", "-.")[lines.index(line) % 4], label=f"{revision}: {line}")
    title = content.get("title")
    axes.set(title=title["text"] if isinstance(title, dict) else title or name, xlabel=x)
    axes.legend(fontsize=6)
    path = out / f"{name.replace('/', '_')}.png"
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return path


def report(plots: dict, out: Path) -> str:
    """Markdown that shows each changed plot of `dvc plots diff --json` output ``plots``."""
    lines = []
    for name, renders in plots.items():
        if renders and renders[0]["type"] == "vega":
            path = _curve(name, renders[0]["content"], out)
            if path is not None:
                lines.append(f"![{name}]({path})")
        elif renders:
            images = {render["revisions"][0]: Path(render["url"]) for render in renders}
            if len({image.read_bytes() for image in images.values()}) > 1:
                lines += [IMAGE_LINK.format(name=name, revision=revision, path=path)
                          for revision, path in images.items()]
    return "\n".join(lines) + "\n" if lines else "No plot differs.\n"


def main() -> None:
    base, out = sys.argv[1], Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    shown = subprocess.run([sys.executable, "-m", "dvc", "plots", "diff", base, "--json", "-o", str(out)],
                           capture_output=True, text=True, check=True).stdout
    print(f"## Plots: what changed against {base}\n\n" + report(json.loads(shown)["data"], out), end="")


if __name__ == "__main__":
    main()
