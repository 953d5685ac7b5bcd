"""Read `dvc metrics diff --json` on stdin; fail with one line per metric that moved more than the tolerance.

Times (names ending in ``seconds``) are left out: they measure the machine, not the results. With
``--seed-intervals`` (reports/seeds.json; for a run on another CPU than the committed results', whose float kernels
differ) only the metrics with a seed interval are checked, each against ``--scale`` times its half-width."""

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def drifted(diff: dict[str, Any], tolerance: float, intervals: dict[str, Any] | None = None,
            scale: float = 2.0) -> list[str]:
    lines = []
    for path, metrics in sorted(diff.items()):
        for name, change in sorted(metrics.items()):
            if name.endswith("seconds"):
                continue  # wall-clock time: a measurement of the machine, not a result to reproduce
            limit = tolerance
            if intervals is not None:
                interval = intervals.get(path, {}).get(name)
                if interval is None:
                    continue  # no seed interval to judge it by on another CPU
                limit = max(tolerance, scale * interval["half_width"])
            old, new = change.get("old"), change.get("new")
            numbers = all(isinstance(v, (int, float)) for v in (old, new))
            if not numbers or abs(new - old) > limit:
                lines.append(f"{path}: {name} drifted from {old} to {new} (tolerance {limit:.4g})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tolerance", type=float, required=True)
    parser.add_argument("--seed-intervals", type=Path, help="reports/seeds.json: judge by the seed intervals")
    parser.add_argument("--scale", type=float, default=2.0, help="times a seed interval's half-width allowed")
    args = parser.parse_args()
    intervals = json.loads(args.seed_intervals.read_text())["metrics"] if args.seed_intervals else None
    text = sys.stdin.read().strip()
    lines = drifted(json.loads(text) if text else {}, args.tolerance, intervals, args.scale)
    within = f"{args.scale} seed intervals" if intervals is not None else str(args.tolerance)
    print("\n".join(lines) if lines else f"every checked metric reproduces within {within}")
    sys.exit(1 if lines else 0)


if __name__ == "__main__":
    main()
