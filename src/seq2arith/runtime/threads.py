"""How many CPU threads torch uses: ``SEQ2ARITH_THREADS``, or (``auto``) the cores other processes leave free.

A thread count is a property of the machine, not of the experiment: it changes no result beyond float noise
(see docs/threads.md), so it is an environment variable and not a params.yaml key, which would make DVC re-run
every stage that reads it. torch's default, one intra-op thread per core, is what makes a training 10-17x slower
when one other busy process shares a 2-core machine: its threads wait for each other at every operation while
one of them waits for a core.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NamedTuple

import torch

from seq2arith.runtime.errors import Seq2ArithError

ENV = "SEQ2ARITH_THREADS"
SAMPLE_SECONDS = 0.2  # how long `auto` watches the cores before it counts the free ones


class _Sample(NamedTuple):
    wall: float  # monotonic seconds
    own: float  # CPU seconds of this process, all its threads
    busy: float  # CPU seconds the CPUs we may run on spent busy, whoever ran


def requested_threads(value: str | None) -> int | None:
    """The thread count ``SEQ2ARITH_THREADS`` asks for; None for ``auto`` (also when unset or empty)."""
    if value is None or value.strip().lower() in ("", "auto"):
        return None
    count = int(value) if value.strip().isdigit() else 0
    if count < 1:
        raise Seq2ArithError(f"{ENV} = {value!r}: must be a positive integer or auto")
    return count


def _cpus() -> set[int]:
    """The CPUs this process may run on (all of them where the OS cannot say)."""
    return os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set(range(os.cpu_count() or 1))


def _busy_seconds(cpus: set[int]) -> float:
    """CPU seconds ``cpus`` have been busy since boot (all but idle and iowait); 0 where /proc/stat is missing."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return 0.0
    ticks = 0
    for line in lines:
        name, *fields = line.split()
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
            ticks += user + nice + system + irq + softirq + steal
    return ticks / os.sysconf("SC_CLK_TCK")


class Threads:
    """torch's intra-op threads for this process: a fixed count, or ``auto``, which counts the cores that other
    processes kept busy since the last count and leaves those to them."""

    def __init__(self, fixed: int | None) -> None:
        self.fixed = fixed
        self.cpus = _cpus()
        self._since = self._sample()

    def _sample(self) -> _Sample:
        return _Sample(time.monotonic(), time.process_time(), _busy_seconds(self.cpus))

    def free_cores(self) -> int | None:
        """Cores free of other processes since the last count, at least 1; None until SAMPLE_SECONDS passed.
        A core counts as taken when others kept it busy more than half the time."""
        now = self._sample()
        if now.wall - self._since.wall < SAMPLE_SECONDS:
            return None
        others = max(0.0, (now.busy - self._since.busy) - (now.own - self._since.own)) / (now.wall - self._since.wall)
        self._since = now
        return max(1, len(self.cpus) - round(others))

    def rebalance(self) -> int:
        """Set torch's thread count (``auto``: to the cores free since the last call) and return it."""
        count = self.fixed or self.free_cores()
        if count is not None:
            torch.set_num_threads(count)
        return torch.get_num_threads()


def use_threads() -> Threads:
    """Apply ``SEQ2ARITH_THREADS`` to torch now (``auto``: after watching the cores for SAMPLE_SECONDS); training
    loops call ``rebalance`` once an epoch, so a run gives cores back to processes that start after it."""
    threads = Threads(requested_threads(os.environ.get(ENV)))
    if threads.fixed is None:
        time.sleep(SAMPLE_SECONDS)
    threads.rebalance()
    if torch.get_num_interop_threads() != 1:  # settable once per process; nothing here runs inter-op parallel work
        torch.set_num_interop_threads(1)
    return threads
