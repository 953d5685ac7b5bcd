"""The one error type users see, and how commands report it."""

from __future__ import annotations

import sys
from collections.abc import Callable


class Seq2ArithError(Exception):
    """A problem with the user's input (params, files, queries): shown as one line, no traceback."""


def first_line(error: BaseException) -> str:
    """What ``error`` says, in one line: its message's first line, or its type's name."""
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def report_errors(main: Callable[[], None]) -> None:
    """Run ``main``; a Seq2ArithError becomes one ``error:`` line on stderr and exit status 1."""
    try:
        main()
    except Seq2ArithError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
