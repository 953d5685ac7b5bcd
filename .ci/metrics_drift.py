"""Read `dvc metrics diff --json` on stdin; fail with one line per metric that moved more than the tolerance.

Times (names ending in ``seconds``) are left out: they measure the machine, not the results."""

import argparse
import json
import sys


def drifted(diff: dict, tolerance: float) -> list[str]:
    lines = []
    for path, metrics in sorted(diff.items()):
        for name, change in sorted(metrics.items()):
            if name.endswith("seconds"):
                continue  # wall-clock time: a measurement of the machine, not a result to reproduce
            old, new = change.get("old"), change.get("new")
            numbers = all(isinstance(v, (int, float)) for v in (old, new))
            if not numbers or abs(new - old) > tolerance:
                lines.append(f"{path}: {name} drifted from {old} to {new} (tolerance {tolerance})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tolerance", type=float, required=True)
    tolerance = parser.parse_args().tolerance
    text = sys.stdin.read().strip()
    lines = drifted(json.loads(text) if text else {}, tolerance)
    print("\n".join(lines) if lines else f"every metric reproduces within {tolerance}")
    sys.exit(1 if lines else 0)


if __name__ == "__main__":
    main()
