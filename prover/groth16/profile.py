"""Where a proof's time goes: seconds per step and the peak memory after each, for ``groth16
prove --profile``. Imports nothing heavy, so that the one-shot command can time itself from
its first line.

>>> profile = Profile()
>>> with profile.step("read"):
...     pass
>>> list(profile), str(profile).startswith("read ")
(['read'], True)
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator


class Profile(dict):
    """Seconds per proving step (``read``, ``abc``, ``ntt``, ``msm_a``, ...), in run order, and
    the process's peak resident memory (MiB) as it stood after each step (``peak_rss_mib``).
    Steps in ``background`` ran beside the others (the G2 MSM): the total leaves them out."""

    def __init__(self) -> None:
        super().__init__()
        self.peak_rss_mib: dict[str, float] = {}
        self.background: set[str] = set()

    @contextmanager
    def step(self, name: str, background: bool = False) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.add(name, time.perf_counter() - start, background)

    def add(self, name: str, seconds: float, background: bool = False) -> None:
        """Count ``seconds`` to step ``name`` (a step timed elsewhere, such as the process's start)."""
        self[name] = self.get(name, 0.0) + seconds
        self.peak_rss_mib[name] = peak_rss_mib()
        if background:
            self.background.add(name)

    def __str__(self) -> str:
        total = sum(v for k, v in self.items() if k not in self.background)
        return "  ".join(f"{k} {v * 1000:.3f} ms" for k, v in self.items()) + f"  total {total * 1000:.3f} ms"

    def memory(self) -> str:
        """The peak RSS after each step, then the process's: ``peak RSS MiB: read 120  abc 180 ...``."""
        steps = "  ".join(f"{k} {v:.0f}" for k, v in self.peak_rss_mib.items())
        return f"peak RSS MiB: {steps}  process {peak_rss_mib():.0f}"


def peak_rss_mib() -> float:
    """This process's peak resident memory so far, in MiB (``getrusage``'s ``ru_maxrss``)."""
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20
