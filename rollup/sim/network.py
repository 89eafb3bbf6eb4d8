"""A simulated network between agents: latency, loss, duplication, reordering, partitions.

Each message independently gets a latency drawn from ``latency_ms`` (so messages overtake
each other: reordering), may be lost, may be delivered twice, and is dropped when a partition
separates its ends at send or delivery time or when the receiver is down.

>>> from prozchain.rollup.sim.scheduler import Scheduler
>>> s = Scheduler(seed=1)
>>> net = Network(s, NetworkConfig(loss=0.0, duplicate=0.0))
>>> got = []
>>> net.attach("b", lambda src, msg: got.append((src, msg)), lambda: True)
>>> net.send("a", "b", {"hello": 1})
>>> _ = s.run(until=10_000)
>>> got
[('a', {'hello': 1})]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

Handler = Callable[[str, Any], None]


@dataclass(frozen=True)
class NetworkConfig:
    latency_ms: tuple[int, int] = (10, 300)
    loss: float = 0.05
    duplicate: float = 0.05


class Network:
    """Delivers messages between named endpoints through the scheduler."""

    def __init__(self, scheduler, config: NetworkConfig = NetworkConfig()) -> None:
        self.scheduler = scheduler
        self.config = config
        self.rng = scheduler.rng("network")
        self._handlers: dict[str, tuple[Handler, Callable[[], bool]]] = {}
        self._groups: list[frozenset[str]] = []
        self.stats = {"sent": 0, "delivered": 0, "lost": 0, "duplicated": 0, "blocked": 0}

    def attach(self, name: str, handler: Handler, is_up: Callable[[], bool]) -> None:
        """Register an endpoint: its message handler and whether it is running."""
        self._handlers[name] = (handler, is_up)

    def partitioned(self, a: str, b: str) -> bool:
        return any((a in g) != (b in g) for g in self._groups)

    def partition(self, group: Iterable[str], heal_after: int) -> None:
        """Cut ``group`` off from everyone else for ``heal_after`` ms."""
        cut = frozenset(group)
        self._groups.append(cut)
        self.scheduler.log(f"network: partition {sorted(cut)} for {heal_after} ms")
        self.scheduler.after(heal_after, f"network: heal {sorted(cut)}", lambda: self._groups.remove(cut))

    def partition_later(self, at: int, group: Iterable[str], heal_after: int) -> None:
        """Schedule :meth:`partition` at time ``at``."""
        group = sorted(group)
        self.scheduler.at(at, f"network: cut {group}", lambda: self.partition(group, heal_after))

    def send(self, src: str, dst: str, message: Any) -> None:
        self.stats["sent"] += 1
        if self.partitioned(src, dst):
            self.stats["blocked"] += 1
            self.scheduler.log(f"network: {src}->{dst} blocked by partition: {message}")
            return
        if self.rng.random() < self.config.loss:
            self.stats["lost"] += 1
            self.scheduler.log(f"network: {src}->{dst} lost: {message}")
            return
        copies = 2 if self.rng.random() < self.config.duplicate else 1
        self.stats["duplicated"] += copies - 1
        for _ in range(copies):
            delay = self.rng.randint(*self.config.latency_ms)
            self.scheduler.after(delay, f"deliver {src}->{dst}: {message}",
                                 lambda: self._deliver(src, dst, message))

    def _deliver(self, src: str, dst: str, message: Any) -> None:
        handler, is_up = self._handlers[dst]
        if self.partitioned(src, dst) or not is_up():
            self.stats["blocked"] += 1
            self.scheduler.log(f"network: dropped at {dst} (down or partitioned)")
            return
        self.stats["delivered"] += 1
        handler(src, message)
