"""SEQ2ARITH_THREADS: a fixed count or auto, one clear error for a bad value, and auto leaves others' cores alone."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

from seq2arith.runtime import threads
from seq2arith.runtime.errors import Seq2ArithError
from seq2arith.runtime.threads import Threads, requested_threads, use_threads


@pytest.fixture(autouse=True)
def torch_threads():
    """Restore torch's thread count after the test."""
    count = torch.get_num_threads()
    yield
    torch.set_num_threads(count)


class TestRequestedThreads:
    """``threads.requested_threads`` (runtime/threads.py)."""

    @pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("auto", None), (" AUTO ", None),
                                                     ("1", 1), ("3", 3)])
    def test_requested_threads(self, value: str | None, expected: int | None) -> None:
        """Unset, empty and auto mean auto; a positive integer is a fixed count."""
        assert requested_threads(value) == expected

    @pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
    def test_bad_value_is_one_clear_error(self, value: str) -> None:
        """Anything else names the variable, the value and what is allowed."""
        with pytest.raises(Seq2ArithError,
                           match=f"^SEQ2ARITH_THREADS = '{value}': must be a positive integer or auto$"):
            requested_threads(value)


class TestUseThreads:
    """``threads.use_threads`` (runtime/threads.py)."""

    def test_fixed_count_is_applied(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """SEQ2ARITH_THREADS=1 sets torch's intra-op threads to 1, and rebalancing keeps it there."""
        monkeypatch.setenv("SEQ2ARITH_THREADS", "1")
        torch.set_num_threads(2)
        chosen = use_threads()
        assert torch.get_num_threads() == 1 and chosen.rebalance() == 1
        assert torch.get_num_interop_threads() == 1


class TestThreads:
    """``threads.Threads`` (runtime/threads.py)."""

    def test_auto_leaves_the_cores_others_keep_busy(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """On 4 CPUs, with 2.9 CPU-seconds busy in one second of which 0.9 were this process's own, others took 2
        cores: auto uses the other 2. A count over less than SAMPLE_SECONDS waits for more time to pass."""
        samples = iter([threads._Sample(0.0, 0.0, 0.0), threads._Sample(0.1, 0.1, 0.3), threads._Sample(1.0, 0.9, 2.9)])
        monkeypatch.setattr(threads, "_cpus", lambda: {0, 1, 2, 3})
        monkeypatch.setattr(Threads, "_sample", lambda self: next(samples))
        auto = Threads(None)
        assert auto.free_cores() is None
        assert auto.free_cores() == 2

    def test_auto_uses_at_least_one_thread(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """When others keep every core busy, auto still trains, on one thread."""
        samples = iter([threads._Sample(0.0, 0.0, 0.0), threads._Sample(1.0, 0.0, 2.0)])
        monkeypatch.setattr(threads, "_cpus", lambda: {0, 1})
        monkeypatch.setattr(Threads, "_sample", lambda self: next(samples))
        assert Threads(None).rebalance() == 1


class TestBusySeconds:
    """``threads._busy_seconds`` (runtime/threads.py)."""

    @pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads Linux's /proc/stat")
    def test_count_this_process(self) -> None:
        """/proc/stat is read right: busy time of our CPUs grows at least by the CPU time this process spins."""
        cpus = threads._cpus()
        busy, own = threads._busy_seconds(cpus), time.process_time()
        while time.process_time() - own < 0.3:
            pass
        assert threads._busy_seconds(cpus) - busy >= time.process_time() - own - 0.05
