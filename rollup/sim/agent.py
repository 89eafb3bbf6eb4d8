"""Off-chain agents: named parties on the network whose timers and messages run on the
scheduler, which can crash at any event boundary and restart from their store.

Contract for subclasses: keep every in-memory attribute in :meth:`Agent.on_start` (which runs
at boot *and* after each restart, so a restart really starts from an empty memory), keep what
must survive in ``self.store``, and write it there before acting on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from prozchain.rollup.sim.store import Store

if TYPE_CHECKING:
    from prozchain.rollup.sim.world import Simulation


class Agent:
    """Base class; override :meth:`on_start` and :meth:`on_message`."""

    def __init__(self, name: str, sim: "Simulation", durable: bool = True) -> None:
        self.name = name
        self.sim = sim
        self.durable = durable
        self.up = False
        self.incarnation = 0
        self.store: Optional[Store] = None

    # -- lifecycle (driven by the Simulation) -----------------------------------------------
    def boot(self) -> None:
        if self.up:
            return
        self.store = self.sim.open_store(self.name, self.durable)
        self.up = True
        self.incarnation += 1
        self.log(f"up (incarnation {self.incarnation}, {'sqlite' if self.durable else 'memory'} store)")
        self.on_start()

    def crash(self) -> None:
        if not self.up:
            return
        self.up = False
        self.store.close()
        self.store = None
        self.log("CRASH")

    # -- what subclasses use ----------------------------------------------------------------
    def on_start(self) -> None:
        """Rebuild memory from ``self.store`` and arm timers."""

    def on_message(self, src: str, message: Any) -> None:
        """Handle a message delivered by the network."""

    def timer(self, delay: int, label: str, action: Callable[[], None]) -> None:
        """Run ``action`` after ``delay`` ms unless this incarnation has crashed by then."""
        incarnation = self.incarnation

        def fire() -> None:
            if self.up and self.incarnation == incarnation:
                action()
        self.sim.scheduler.after(delay, f"{self.name}: {label}", fire)

    def send(self, dst: str, message: Any) -> None:
        self.sim.network.send(self.name, dst, message)

    def log(self, message: str) -> None:
        self.sim.scheduler.log(f"{self.name}: {message}")
