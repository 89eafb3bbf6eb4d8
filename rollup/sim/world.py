"""A simulation: scheduler, network, agents with their stores, crashes, and the L1 producer.

>>> from prozchain.rollup.sim.agent import Agent
>>> with Simulation(seed=3) as sim:
...     agent = sim.add(Agent("a", sim))
...     sim.crash("a", at=100, downtime=50)
...     _ = sim.run(until=1_000)
...     agent.up, agent.incarnation
(True, 2)
"""

from __future__ import annotations

import os
import tempfile
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, Optional, TypeVar

from prozchain.rollup.l1.chain import Chain
from prozchain.rollup.sim.agent import Agent
from prozchain.rollup.sim.network import Network, NetworkConfig
from prozchain.rollup.sim.scheduler import Scheduler
from prozchain.rollup.sim.store import Store, open_store

A = TypeVar("A", bound=Agent)

_observers = threading.local()


@contextmanager
def observe(callback: Callable[["Simulation"], None]) -> Iterator[None]:
    """Hand every :class:`Simulation` created in this thread inside the block to ``callback``
    as it is created: how the explorer watches a scenario that builds its own simulation.

    >>> seen = []
    >>> with observe(seen.append), Simulation(seed=4) as sim:
    ...     seen == [sim]
    True
    """
    callbacks = _observers.__dict__.setdefault("callbacks", [])
    callbacks.append(callback)
    try:
        yield
    finally:
        callbacks.remove(callback)


class Simulation:
    """Owns one seeded run; use it as a context manager so its SQLite files are removed."""

    def __init__(self, seed: int, network: NetworkConfig = NetworkConfig()) -> None:
        self.scheduler = Scheduler(seed)
        self.network = Network(self.scheduler, network)
        self.agents: dict[str, Agent] = {}
        self.chain: Optional[Chain] = None
        self._dir = tempfile.TemporaryDirectory(prefix="prozchain-sim-")
        for callback in getattr(_observers, "callbacks", ()):
            callback(self)

    def __enter__(self) -> "Simulation":
        return self

    def __exit__(self, *exc_info) -> None:
        for agent in self.agents.values():
            agent.crash()  # closes the SQLite connections before the files go
        self._dir.cleanup()

    def store_path(self, name: str) -> str:
        """Where agent ``name``'s SQLite store lives (if it keeps a durable one)."""
        return os.path.join(self._dir.name, f"{name}.sqlite")

    def open_store(self, name: str, durable: bool) -> Store:
        return open_store(self.store_path(name) if durable else None)

    def add(self, agent: A) -> A:
        """Register ``agent`` on the network and boot it at the current time."""
        self.agents[agent.name] = agent
        self.network.attach(agent.name, agent.on_message, lambda: agent.up)
        self.scheduler.after(0, f"{agent.name}: boot", agent.boot)
        return agent

    def crash(self, name: str, at: int, downtime: int) -> None:
        """Crash agent ``name`` at time ``at`` and restart it ``downtime`` ms later."""
        agent = self.agents[name]
        self.scheduler.at(at, f"{name}: crash", agent.crash)
        self.scheduler.at(at + downtime, f"{name}: restart", agent.boot)

    def produce_blocks(self, chain: Chain, block_time_ms: int, until: int) -> None:
        """Drive ``chain``: advance its clock and mine a block every ``block_time_ms``."""
        self.chain = chain

        def mine() -> None:
            chain.advance_time(block_time_ms // 1000)
            block = chain.mine()
            self.scheduler.log(f"l1: block {block.number} with {len(block.transactions)} txs, "
                               f"gas {block.gas_used}")
        self.scheduler.every(block_time_ms, "l1: mine", mine, until)

    def run(self, until: int) -> int:
        return self.scheduler.run(until)
