"""Pass `dvc repro` output through, then print how long each stage took as a markdown table.

    make repro 2>&1 | python .ci/stage_times.py [--markdown FILE]
"""

import argparse
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args()
    start = last = time.monotonic()
    stage, times = None, []
    for line in sys.stdin:
        sys.stdout.write(line)
        sys.stdout.flush()
        if line.startswith("Running stage '"):
            now = time.monotonic()
            if stage:
                times.append((stage, now - last))
            stage, last = line.split("'")[1], now
    end = time.monotonic()
    if stage:
        times.append((stage, end - last))
    rows = ["| stage | seconds |", "|---|---:|", *(f"| `{name}` | {seconds:.0f} |" for name, seconds in times),
            f"| **total** (`dvc repro`) | {end - start:.0f} |"]
    table = "\n".join(rows) + "\n"
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as out:
            out.write(table)


if __name__ == "__main__":
    main()
