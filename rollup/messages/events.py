"""One subscription to the events of every layer, each with the finality it has reached.

A source reports its layer's events with a status, the status of the L1 claim that carries
them: ``seen`` (included in a block of its own layer), ``in a batch`` (an L1 batch or checkpoint
holds it), ``proven`` (a ZK batch verified; an optimistic output past its window), ``final``
(that L1 step is ``confirmations`` blocks deep; a sidechain checkpoint acceptable under its
bridge's model) or ``retracted`` (the claim carrying it was proven invalid, or it left the
source's view). Sources:

- :class:`L1Events`: a contract's logs (``seen``, then ``final``);
- :class:`OptimisticEvents`: ``LOG`` events of the VM per derived batch
  (:func:`~prozchain.rollup.messages.index.index_batch`), tied to the output of the view the
  subscriber follows: by default its own node's replay, which a false output never carries; a
  subscriber following a proposer's claims (``view``) sees them retracted when the output is
  proven invalid;
- :class:`ZkEvents`: each transaction of the ZK rollup, ``seen`` in its operator's mempool,
  ``in a batch`` the operator sealed, ``proven`` once L1 verified the batch;
- :class:`SidechainEvents`: ``LOG`` events of a sidechain node's blocks, through checkpoints.

A :class:`Subscription` polls its sources and returns :class:`Update`\\ s: an event the first time
it is seen and each time its status changes, in one order for every subscriber: sources in the
order given, then each layer's block, then the position in the block; then the retractions of
events a source stopped reporting.

>>> from prozchain.rollup.l1 import Key
>>> from prozchain.rollup.messages.system import demo_route
>>> route = demo_route()
>>> sub = Subscription(L1Events(route.chain, route.vault, confirmations=1))
>>> _ = route.chain.transact(Key.from_seed(b"deployer"), route.vault, "fund", value=1)
>>> [(u.event.name, u.status) for u in sub.poll()]
[('Funded', 'final'), ('Funded', 'seen')]
>>> route.chain.mine() and [(u.event.name, u.status) for u in sub.poll()], sub.poll()
([('Funded', 'final')], [])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional, Protocol, Sequence

from prozchain.rollup.l1 import Chain
from prozchain.rollup.messages.index import BlockIndex, index_batch, index_block
from prozchain.rollup.optimistic.contracts.outputs import DELETED as OUTPUT_DELETED
from prozchain.rollup.optimistic.contracts.outputs import FINALIZED as OUTPUT_FINAL
from prozchain.rollup.optimistic.node import L2Node
from prozchain.rollup.optimistic.system import System as OptimisticSystem
from prozchain.rollup.sidechain.contracts.modes import DELETED as CHECKPOINT_DELETED
from prozchain.rollup.sidechain.node.chain import ChainState
from prozchain.rollup.vm.state import state_root, w32
from prozchain.rollup.zk.node import ZkNode, tx_id

if TYPE_CHECKING:
    from prozchain.rollup.zk.agents import Pipeline

SEEN, BATCHED, PROVEN, FINAL, RETRACTED = "seen", "in a batch", "proven", "final", "retracted"


@dataclass(frozen=True)
class Event:
    """One event: its layer, block (L1 block, L2 batch or sidechain height), position in the
    block, the emitting contract, topics and data; ``name`` where the layer knows it; ``uid``
    where the source follows it into a block it does not know yet (:class:`ZkEvents`)."""

    layer: str
    block: int
    position: tuple[int, ...]
    address: str
    topics: tuple[int, ...]
    data: bytes
    name: str = ""
    uid: tuple = ()  # names the event across blocks where its block is not known at first (ZK)

    @property
    def key(self) -> object:
        """What a subscription follows: ``uid`` where the source sets one, else the event."""
        return (self.layer, self.uid) if self.uid else self


@dataclass(frozen=True)
class Update:
    event: Event
    status: str


class Source(Protocol):
    def events(self) -> list[tuple[Event, str]]:
        """Every event of the layer so far with its current status, in the layer's order."""


class L1Events:
    """Logs of ``address`` (every contract if None) on the reference L1; it has one producer
    and no reorganizations, so ``confirmations`` stands for the depth a client waits for."""

    def __init__(self, chain: Chain, address: Optional[str] = None, confirmations: int = 2) -> None:
        self.chain, self.address, self.confirmations = chain, address, confirmations

    def events(self) -> list[tuple[Event, str]]:
        out, head = [], self.chain.head.number
        for block in self.chain.blocks:
            status = FINAL if head - block.number >= self.confirmations else SEEN
            for r, receipt in enumerate(block.receipts):
                for i, log in enumerate(receipt.logs):
                    if self.address is None or log.address == self.address:
                        topics = tuple(int.from_bytes(t, "big") for t in log.topics)
                        out.append((Event("l1", block.number, (r, i), log.address, topics, log.data, log.name),
                                    status))
        return out


def _final_block(chain: Chain, address: str, name: str, ref: int) -> Optional[int]:
    return next((n for n, log in chain.logs(address, name) if log.args[0] == ref), None)


class OptimisticEvents:
    """VM events of an optimistic rollup's batches, as ``node`` derives them from L1;
    ``view(batch)`` is the output root the subscriber takes for the batch (default: the node's
    own replay)."""

    def __init__(self, system: OptimisticSystem, node: Optional[L2Node] = None,
                 view: Optional[Callable[[int], bytes]] = None, confirmations: int = 2) -> None:
        self.system, self.confirmations = system, confirmations
        self.node = node or L2Node(system.chain, system.portal, system.genesis)
        self.view = view or (lambda b: state_root(self.node.batches[b].trace.final))
        self._index: list[BlockIndex] = []

    def events(self) -> list[tuple[Event, str]]:
        chain = self.system.chain
        self.node.sync()
        for batch in self.node.batches[len(self._index):]:
            self._index.append(index_batch(self.node.ex, batch.trace))
        claims: dict[int, list[int]] = {}
        for _, log in chain.logs(self.system.outputs, "Proposed"):
            pid, batch, output = log.args[:3]
            if batch < len(self._index) and output == self.view(batch):
                claims.setdefault(batch, []).append(pid)
        out = []
        for block in self._index:
            status = self._status(claims.get(block.batch, []))
            out += [(Event("optimistic", e.batch, (e.item, e.index), e.address, (e.topic,), w32(e.data)), status)
                    for e in block.events]
        return out

    def _status(self, pids: list[int]) -> str:
        chain, outputs = self.system.chain, self.system.outputs
        statuses = {pid: chain.view(outputs, "proposal", pid).status for pid in pids}
        final = [pid for pid, s in statuses.items() if s == OUTPUT_FINAL]
        if final:
            at = _final_block(chain, outputs, "Finalized", final[0])
            return FINAL if chain.head.number - at >= self.confirmations else PROVEN
        if statuses and all(s == OUTPUT_DELETED for s in statuses.values()):
            return RETRACTED
        return BATCHED


class ZkEvents:
    """Each transaction of the ZK rollup at ``rollup``, named by its type, with its fields as
    32-byte words in the type's field order. Verified on L1 it is ``proven`` (``final`` once
    ``confirmations`` deep); before that only its ``operator`` knows it: ``seen`` in its mempool
    (``block`` -1, ``position`` its arrival), ``in a batch`` it sealed (L1 has not verified the
    batch yet). A transaction it drops (a sealed batch lost to a crash, a mempool entry
    forgotten) leaves the source's view, so a subscriber sees it retracted; a batch L1 refuses
    stays ``in a batch`` and never becomes ``proven``.

    An event's ``uid`` is the transaction's: its :func:`~prozchain.rollup.zk.node.tx_id`, or a
    deposit's place in L1's queue (deposits carry no nonce), so it is one event whichever batch
    finally holds it."""

    def __init__(self, chain: Chain, rollup: str, confirmations: int = 2,
                 operator: Optional[Pipeline] = None) -> None:
        self.chain, self.rollup, self.confirmations, self.operator = chain, rollup, confirmations, operator
        self.node = ZkNode(chain, rollup, chain.view(rollup, "depth"))

    def events(self) -> list[tuple[Event, str]]:
        self.node.sync()
        head = self.chain.head.number
        verified_at = {log.args[0]: n for n, log in self.chain.logs(self.rollup, "BatchVerified")}
        batches = [(b, (i,), tx, FINAL if head - verified_at[b] >= self.confirmations else PROVEN)
                   for b, txs in enumerate(self.node.txs) for i, tx in enumerate(txs)]
        if self.operator is not None:
            sealed = [(batch.number, (i,), tx, BATCHED) for batch in self.operator.sealed
                      if batch.number >= len(self.node.txs) for i, tx in enumerate(batch.txs)]
            batched = set(self.node.included) | {tx_id(tx) for _, _, tx, _ in sealed}
            batches += sealed + [(-1, (seq,), tx, SEEN) for seq, tx in self.operator.mempool
                                 if tx_id(tx) not in batched]
        out, deposits = [], 0
        for block, position, tx, status in batches:
            if tx.type == "noop":
                continue
            uid = ("deposit", deposits) if tx.type == "deposit" else tx_id(tx)
            deposits += tx.type == "deposit"
            words = b"".join(w32(tx.fields[name]) for name, _ in tx.tx_type.fields)
            out.append((Event("zk", block, position, self.rollup, (), words, tx.type, uid), status))
        return out


class SidechainEvents:
    """VM events of the blocks of a sidechain node's chain (``state``); a block is ``in a
    batch`` once a live checkpoint on the bridge covers it with the node's world, ``final``
    once that world is acceptable, ``retracted`` if the only checkpoints covering it that
    agree with the node were deleted."""

    def __init__(self, chain: Chain, bridge: str, state: ChainState) -> None:
        self.chain, self.bridge, self.state = chain, bridge, state
        self._index: dict[int, BlockIndex] = {}

    def events(self) -> list[tuple[Event, str]]:
        state, out = self.state, []
        checkpoints = [self.chain.view(self.bridge, "checkpoint", n)
                       for n in range(1, self.chain.view(self.bridge, "count") + 1)]
        for height in range(1, state.height + 1):
            if height not in self._index:
                self._index[height] = index_block(state, height)
            status = self._status(height, checkpoints) if checkpoints else SEEN
            out += [(Event("sidechain", height, (e.item, e.index), e.address, (e.topic,), w32(e.data)), status)
                    for e in self._index[height].events]
        return out

    def _status(self, height: int, checkpoints: list) -> str:
        covering = [cp for cp in checkpoints if cp.first <= height <= cp.last
                    and cp.last <= self.state.height and cp.world == self.state.headers[cp.last].world]
        live = [cp for cp in covering if cp.status != CHECKPOINT_DELETED]
        if live:
            return FINAL if self.chain.view(self.bridge, "acceptable", live[0].world) else BATCHED
        return RETRACTED if covering else SEEN


class Subscription:
    """Updates of the events of ``sources`` (see the module doc for the order)."""

    def __init__(self, *sources: Source, address: Optional[str] = None,
                 names: Sequence[str] = ()) -> None:
        self.sources = sources
        self.address = address.lower() if address else None
        self.names = set(names)
        self.status: dict[object, tuple[Event, str]] = {}  # Event.key -> the event as last reported, its status

    def _wanted(self, event: Event) -> bool:
        return (self.address is None or event.address.lower() == self.address) and \
            (not self.names or event.name in self.names)

    def poll(self) -> list[Update]:
        """What changed since the last poll: new events, new statuses (an event that moved to
        another block comes with its new block), and ``retracted`` for events their source no
        longer reports."""
        updates, current = [], {}
        for source in self.sources:
            for event, status in source.events():
                if not self._wanted(event):
                    continue
                current[event.key] = event, status
                if self.status.get(event.key) != (event, status):
                    updates.append(Update(event, status))
        for key, (event, status) in self.status.items():
            if key not in current and status != RETRACTED:
                current[key] = event, RETRACTED
                updates.append(Update(event, RETRACTED))
        self.status.update(current)
        return updates
