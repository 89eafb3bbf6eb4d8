"""Where a proof's time goes (seconds per step and the peak memory after each, for ``groth16
prove --profile``) and how its threads split (the five MSMs in one batch, or the G2 MSM
:class:`Beside` the rest), shared by
the one-shot command and the in-process prover. Imports nothing heavy, so that the one-shot
command can time itself from its first line.

>>> profile = Profile()
>>> with profile.step("read"):
...     pass
>>> list(profile), str(profile).startswith("read ")
(['read'], True)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable


class Profile(dict):
    """Seconds per proving step (``read``, ``abc``, ``ntt``, ``msm_a``, ...), in run order, and
    the process's peak resident memory (MiB) as it stood after each step (``peak_rss_mib``).
    Steps in ``background`` ran beside the others (the G2 MSM): the total leaves them out."""

    def __init__(self) -> None:
        super().__init__()
        self.peak_rss_mib: dict[str, float] = {}
        self.background: set[str] = set()

    def step(self, name: str, background: bool = False) -> _Step:
        """A ``with`` block timed as step ``name``."""
        return _Step(self, name, background)

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


class _Step:
    """The ``with`` block of :meth:`Profile.step` (a class, not contextlib's generator: contextlib
    is not imported on the one-shot command's path)."""

    def __init__(self, profile: Profile, name: str, background: bool) -> None:
        self.profile, self.name, self.background = profile, name, background

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:  # a step that raised is not counted: the path that takes over times it
            self.profile.add(self.name, time.perf_counter() - self.start, self.background)


def peak_rss_mib() -> float:
    """This process's peak resident memory so far, in MiB (``getrusage``'s ``ru_maxrss``)."""
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


class Beside:
    """A call on a thread of its own with ``threads`` OpenMP threads (the C kernels release the
    GIL), while the calling thread keeps ``main_threads`` until :meth:`step_done` sees the call
    finished and gives it every thread back."""

    def __init__(self, call: Callable[[], object], threads: int, main_threads: int):
        import threading  # here, not at the top: a proof without --overlap starts no thread of its own

        from prozchain.native.core import lib

        self.lib, self.call, self.threads, self.all = lib, call, threads, threads + main_threads
        self.value, self.error, self.restored = None, None, False
        lib.pz_set_threads(main_threads)  # OpenMP's thread count is per calling thread
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        self.lib.pz_set_threads(self.threads)
        try:
            self.value = self.call()
        except BaseException as exc:  # handed to the thread that joins
            self.error = exc

    def step_done(self) -> None:
        if not self.restored and not self.thread.is_alive():
            self.close()

    def close(self) -> None:
        """Wait for the call (on any exit: it reads the key) and give the caller every thread."""
        self.thread.join()
        if not self.restored:
            self.lib.pz_set_threads(self.all)
            self.restored = True

    def result(self) -> object:
        self.close()
        if self.error is not None:
            raise self.error
        return self.value


def split_threads(overlap: bool) -> tuple[int, int]:
    """OpenMP threads for the G1 work and for the G2 MSM beside it, or (0, 0) for no overlap:
    only with at least two threads. The G2 MSM of nVars points costs about three G1 MSMs of as
    many, against four G1 MSMs, the QAP and the NTTs on the other side: half the threads each
    keeps both sides busy until the G2 side ends."""
    if not overlap:
        return 0, 0
    from prozchain.native.core import lib

    threads = lib.pz_num_threads()
    return (threads - threads // 2, threads // 2) if threads > 1 else (0, 0)


BATCH_MAX_DOMAIN = 1 << 14


def batch_msms(domain: int) -> bool:
    """Whether a proof over ``domain`` runs its five MSMs in one batch (``pz_msm_batch``: each on
    one thread, side by side) rather than one after another, each split over the threads. Small
    MSMs split poorly. Measured in process on 2 threads, a circom chain's five MSMs one after
    another against the batch (medians of 7-15, several rounds): 2^10 36-38 ms against 21-22,
    2^12 61-65 against 61-62, 2^14 206-215 against 202-203, but 2^15 370 against 378 and 2^16
    679-684 against 706-718 (bench/results/prove-batch-2p10-2p12.json). Not on one thread,
    where the batch would run them in turn, only in another order: whole commands on one thread
    took 1-2% longer so (2^10-2^14). Larger domains keep their order, which bounds memory (see
    oneshot._msms)."""
    if domain > BATCH_MAX_DOMAIN:
        return False
    from prozchain.native.core import lib

    return lib.pz_num_threads() > 1
