"""The stages of a transaction on its way through the layers, with a timestamp for each, kept
in a SQLite store that another process (``prozchain tx status``, the explorer) reads.

The stages, in order (:data:`STAGES`):

1. ``submitted``: the user signed it and sent it to the layer;
2. ``executed``: the layer ran it (a sequencer, an operator, validators, the channel's peer);
3. ``state updated``: its effect is in the layer's state;
4. ``in a batch``: a batch, block or checkpoint holds it;
5. ``posted to L1``: that batch (or its commitment) is on L1;
6. ``verified or past the window``: L1 verified its proof (ZK), or its challenge window passed
   (optimistic, sidechain);
7. ``final``: nothing can revert it any more.

A layer without a step marks it when it reaches the next one, with a note why (an L1
transaction is its own block; a channel update is final for its two parties at once and
reaches L1 only when the channel closes). Timestamps are seconds on the simulation's clock.

>>> import os, tempfile
>>> store = StageStore(os.path.join(tempfile.mkdtemp(), "stages.db"))
>>> store.begin("0xab", "zk rollup", "transfer", at=1.0)
>>> _ = store.mark("0xab", EXECUTED, 2.5)
>>> status = store.get("0xab")
>>> status.current, status.final, [m.stage for m in status.marks]
('executed', False, ['submitted', 'executed'])
>>> _ = store.mark("0xab", FINAL, 30.0, "proof verified")
>>> [(m.stage, m.at) for m in store.get("0xab").marks][-1], store.get("0xab").final
(('final', 30.0), True)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from prozchain.rollup.sdk.errors import UnknownTransaction
from prozchain.rollup.sim.store import MemoryStore, SqliteStore, Store

SUBMITTED, EXECUTED, STATE_UPDATED = "submitted", "executed", "state updated"
IN_BATCH, POSTED, VERIFIED, FINAL = "in a batch", "posted to L1", "verified or past the window", "final"
STAGES = (SUBMITTED, EXECUTED, STATE_UPDATED, IN_BATCH, POSTED, VERIFIED, FINAL)
PREFIX = "tx/"  # the store's keys: one record per transaction


@dataclass(frozen=True)
class Mark:
    """A stage reached at ``at`` (simulated seconds; None where the record keeps no time, as an
    agent's own store), with a ``note`` (where the layer has no such step, why; else what
    reached it, e.g. the batch number)."""

    stage: str
    at: Optional[float]
    note: str = ""


@dataclass
class TxStatus:
    """One transaction's way so far: its id, layer, kind (``transfer``, ``withdraw``, ...),
    the stages it reached in order, and ``failed`` (why) when the layer refused it."""

    tx: str
    layer: str
    kind: str
    marks: list[Mark] = field(default_factory=list)
    failed: str = ""

    @property
    def current(self) -> str:
        """The furthest stage reached."""
        return self.marks[-1].stage

    @property
    def final(self) -> bool:
        return self.current == FINAL

    def at(self, stage: str) -> Optional[float]:
        """When ``stage`` was reached, or None."""
        return next((m.at for m in self.marks if m.stage == stage), None)

    def to_json(self) -> dict[str, Any]:
        return {"tx": self.tx, "layer": self.layer, "kind": self.kind, "failed": self.failed,
                "stage": self.current, "final": self.final, "marks": [asdict(m) for m in self.marks]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TxStatus":
        return cls(data["tx"], data["layer"], data["kind"], [Mark(**m) for m in data["marks"]], data.get("failed", ""))

    def lines(self) -> list[str]:
        """The status as text: one line per stage, reached or not."""
        head = f"{self.tx} ({self.kind} on {self.layer}): {'FAILED: ' + self.failed if self.failed else self.current}"
        reached = {m.stage: m for m in self.marks}
        return [head] + [f"  {'x' if s in reached else ' '} {s:<28}"
                         + (f"{_time(reached[s].at)}  {reached[s].note}".rstrip() if s in reached else "")
                         for s in STAGES]


def _time(at: Optional[float]) -> str:
    return f"{'-':>10}  " if at is None else f"{at:>10.1f} s"


class StageStore:
    """The stage records of the transactions of one SDK client (or many: each record is keyed
    by its transaction id). ``path`` None keeps them in memory."""

    def __init__(self, path: Optional[str] = None) -> None:
        self.path = path
        self.store: Store = SqliteStore(path) if path is not None else MemoryStore()

    def begin(self, tx: str, layer: str, kind: str, at: float) -> None:
        """Record a new transaction, ``submitted`` at ``at``."""
        self.store.put(PREFIX + tx, TxStatus(tx, layer, kind, [Mark(SUBMITTED, at)]).to_json())

    def mark(self, tx: str, stage: str, at: float, note: str = "") -> TxStatus:
        """Advance ``tx`` to ``stage`` (reached at ``at``): the stages between its current one
        and ``stage`` are marked at the same time with ``note``. Marking a stage already
        reached changes nothing."""
        status = self.get(tx)
        have, want = STAGES.index(status.current), STAGES.index(stage)
        if want > have:
            status.marks += [Mark(s, at, note) for s in STAGES[have + 1:want + 1]]
            self.store.put(PREFIX + tx, status.to_json())
        return status

    def fail(self, tx: str, why: str) -> None:
        """Record that the layer refused ``tx``."""
        status = self.get(tx)
        status.failed = why
        self.store.put(PREFIX + tx, status.to_json())

    def get(self, tx: str) -> TxStatus:
        """The record of ``tx``; :class:`~prozchain.rollup.sdk.errors.UnknownTransaction` if none."""
        data = self.store.get(PREFIX + tx)
        if data is None:
            raise UnknownTransaction(f"no transaction {tx} in {self.path or 'this client'}")
        return TxStatus.from_json(data)

    def all(self) -> list[TxStatus]:
        """Every record, by id."""
        return [TxStatus.from_json(self.store.get(k)) for k in self.store.keys(PREFIX)]

    def close(self) -> None:
        self.store.close()
