"""Pass `dvc repro` output through, then print how long each stage took as a markdown table.

    make repro 2>&1 | python .ci/stage_times.py [--markdown FILE] [--before FILE COLUMN]

--before: a table this script wrote earlier, shown as a column named COLUMN beside today's seconds.
"""

import argparse
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--before", nargs=2, metavar=("FILE", "COLUMN"), help="an earlier table, as a column")
    args = parser.parse_args()
    before = earlier_seconds(args.before[0]) if args.before else None
    start = last = time.monotonic()
    stage, times = None, []
    for line in sys.stdin:
        sys.stdout.write(line)
        sys.stdout.flush()
        if line.startswith("Running stage '"):
            now = time.monotonic()
            if stage:
                times.append((stage, now - last))
            stage, last = "`" + line.split("'")[1] + "`", now
    end = time.monotonic()
    if stage:
        times.append((stage, end - last))
    times.append(("**total** (`dvc repro`)", end - start))
    if before is None:
        rows = ["| stage | seconds |", "|---|---:|", *(f"| {name} | {seconds:.0f} |" for name, seconds in times)]
    else:
        rows = [f"| stage | {args.before[1]} | seconds |", "|---|---:|---:|",
                *(f"| {name} | {before.get(name, '-')} | {seconds:.0f} |" for name, seconds in times)]
    table = "\n".join(rows) + "\n"
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as out:
            out.write(table)


def earlier_seconds(path: str) -> dict[str, str]:
    """Stage -> seconds of a table this script wrote (its last column)."""
    seconds = {}
    for line in Path(path).read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[-1].isdigit():
            seconds[cells[0]] = cells[-1]
    return seconds


if __name__ == "__main__":
    main()
