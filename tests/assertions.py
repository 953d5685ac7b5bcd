"""Assertions shared by several test files."""

from __future__ import annotations

import pytest


def one_line_error(error_type: type[Exception], call, *args) -> str:
    """Run ``call(*args)``, expect ``error_type`` and return its message after checking it is one line."""
    with pytest.raises(error_type) as caught:
        call(*args)
    message = str(caught.value)
    assert "\n" not in message
    return message
