"""Busy cores on demand, for benchmarks that must hold up when the machine is not idle.

``busy_cores()`` starts one busy-loop process per core (as another program on a shared machine
would be) and stops them on exit, so a benchmark can time the same work quiet and busy.

>>> with busy_cores(1) as procs:
...     len(procs)
1
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from typing import Iterator, Optional

SPIN = "while True: pass"


@contextlib.contextmanager
def busy_cores(count: Optional[int] = None) -> Iterator[list[subprocess.Popen]]:
    """``count`` (default: every core) busy-loop processes for the duration of the block."""
    procs = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(count or os.cpu_count() or 1)]
    try:
        time.sleep(0.2)  # let them start spinning before anything is timed
        yield procs
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


MACHINE_STATES = ("quiet", "busy")


@contextlib.contextmanager
def machine_state(mode: str) -> Iterator[None]:
    """Nothing for ``quiet``; ``busy_cores()`` for ``busy``."""
    if mode == "quiet":
        yield
    elif mode == "busy":
        with busy_cores():
            yield
    else:
        raise ValueError(f"machine state {mode!r}: choose quiet or busy")
