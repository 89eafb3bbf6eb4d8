"""A seeded discrete-event scheduler: one clock for every agent and the L1 block producer.

Time is an integer number of milliseconds. Events at the same time run in the order they were
scheduled, and all randomness comes from named streams derived from the seed, so the same seed
gives the same run event for event. Every event leaves a line in ``trace``.

>>> s = Scheduler(seed=7)
>>> s.after(5, "b", lambda: None)
>>> s.after(1, "a", lambda: None)
>>> s.run(until=10)
2
>>> s.trace
['       1 a', '       5 b']
"""

from __future__ import annotations

import heapq
import random
from typing import Callable, Optional


class Scheduler:
    """Runs callbacks in time order; ``rng(name)`` hands out reproducible random streams."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.now = 0
        self.steps = 0
        self.trace: list[str] = []
        self._queue: list[tuple[int, int, str, Callable[[], None]]] = []
        self._seq = 0
        self._streams: dict[str, random.Random] = {}
        # Called after every event, outside the trace, so a watcher (the explorer) changes no run.
        self.on_event: Optional[Callable[[], None]] = None

    def rng(self, name: str) -> random.Random:
        """The random stream called ``name``: separate streams keep one agent's draws from
        shifting another's when a scenario changes."""
        if name not in self._streams:
            self._streams[name] = random.Random(f"{self.seed}/{name}")
        return self._streams[name]

    def at(self, time: int, label: str, action: Callable[[], None]) -> None:
        """Run ``action`` at absolute time ``time`` (never in the past)."""
        heapq.heappush(self._queue, (max(time, self.now), self._seq, label, action))
        self._seq += 1

    def after(self, delay: int, label: str, action: Callable[[], None]) -> None:
        self.at(self.now + delay, label, action)

    def every(self, interval: int, label: str, action: Callable[[], None], until: int) -> None:
        """Run ``action`` every ``interval`` ms from now + interval up to ``until``."""
        def tick() -> None:
            action()
            if self.now + interval <= until:
                self.after(interval, label, tick)
        self.after(interval, label, tick)

    def log(self, message: str) -> None:
        """Add a line to the trace at the current time (for what happens inside an event)."""
        self.trace.append(f"{self.now:>8}   {message}")

    def run(self, until: int) -> int:
        """Process events up to time ``until``; return how many ran."""
        ran = 0
        while self._queue and self._queue[0][0] <= until:
            self.now, _, label, action = heapq.heappop(self._queue)
            self.trace.append(f"{self.now:>8} {label}")
            action()
            ran += 1
            if self.on_event is not None:
                self.on_event()
        self.now = max(self.now, until)
        self.steps += ran
        return ran
