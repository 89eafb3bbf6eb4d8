"""Off-chain updates over the simulated network, where messages are delayed, lost, duplicated,
reordered or cut by partitions. Every co-signed update of a channel, payments, HTLCs,
guarantees and the final state alike, is exchanged here.

Turn-taking (Nitro's turn numbers): version ``n`` is proposed by party ``(n - 1) % 2`` (A proposes
v1, B v2, ...), so the two parties never propose the same version and never have to refuse a
conflicting one. A party whose turn it is proposes its next queued change (a payment, or any
state transition such as locking or resolving an HTLC), or a *pass* (the same balances one
version later) when only its peer is waiting, or the final state when asked to close with
nothing queued; a party waiting for its turn sends a ``nudge``. Three messages:

- ``propose`` (state, proposer's signature, and the preimage when the state claims an HTLC):
  the peer checks and countersigns it (:meth:`ChannelClient.accept`) and answers ``accept``;
- ``accept`` (state, countersignature): the proposer stores it (:meth:`ChannelClient.complete`);
- ``nudge``: "it is your turn and I am waiting".

Loss is repaired by retransmission every ``rto_ms`` (the pending proposal, re-signed: the same
state gives the same signature; or the nudge). Duplicates and stragglers are absorbed by the
client's checks: a proposal of the state already co-signed is :class:`ReplayedState` and is
answered with the countersignature again; an older one is :class:`StaleState` and is dropped;
an ``accept`` seen before is :class:`ReplayedState` and is dropped. No check ever changes the
store, and each payment is applied in exactly one version. A change that is not co-signed
within :data:`TIMEOUT_MS` of being asked for is reported as failed (a signed proposal stays
pending and is still retransmitted: a signature cannot be taken back); payments wait.

>>> from prozchain.rollup.channels.system import System
>>> from prozchain.rollup.sim.network import NetworkConfig
>>> system = System(seed=2, names=["a", "b"], network=NetworkConfig(loss=0.3, duplicate=0.3))
>>> cid = system.open("a", "b", 500, 500)
>>> for amount in (5, 7, 11):
...     _ = system.nodes["a"].link(cid).pay(amount)
>>> _ = system.nodes["b"].link(cid).pay(3)
>>> _ = system.sim.run(until=60_000)
>>> system.client("a", cid).latest == system.client("b", cid).latest, system.client("b", cid).latest.balance_b
(True, 520)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from prozchain.rollup.channels.agents.client import ChannelClient
from prozchain.rollup.channels.errors import ChannelError, ReplayedState
from prozchain.rollup.channels.state import State

if TYPE_CHECKING:
    from prozchain.rollup.channels.node import ChannelNode

RTO_MS = 600
TIMEOUT_MS = 10_000
Done = Callable[[bool], None]


def ignore(ok: bool) -> None:
    """A :data:`Done` for changes whose outcome nobody waits for."""


@dataclass
class Change:
    """One state transition this party wants co-signed."""

    make: Callable[[State], State]  # the next state from the latest, evaluated on this party's turn
    label: str
    done: Done = ignore
    payment: Optional[tuple[int, int]] = None  # (payment id, amount), recorded with its version
    preimage: Optional[bytes] = None  # shown to the peer with the proposal (an HTLC claim)
    timeout_ms: Optional[int] = TIMEOUT_MS  # None: keep trying (a payment the user asked for)
    version: int = 0  # the version it was proposed as, once it is
    finished: bool = field(default=False)

    def finish(self, ok: bool) -> None:
        if not self.finished:
            self.finished = True
            self.done(ok)


def mover(version: int) -> int:
    """The party (0 = A) that proposes ``version``."""
    return (version - 1) % 2


class Link:
    """One node's end of the off-chain exchanges of one channel. In memory only: what must
    survive a crash (signed and co-signed states, which payment each version carries) is in
    the node's store, and a restarted node retransmits its pending proposal."""

    def __init__(self, node: "ChannelNode", cid: int, peer: str) -> None:
        self.node, self.cid, self.peer = node, cid, peer
        self.queue: list[Change] = []  # what this party will propose, in order
        self.inflight: Optional[Change] = None
        self.closing = False
        self.peer_waiting = False
        self.armed = False
        self.heard = node.sim.scheduler.now  # when the peer was last heard from

    @property
    def client(self) -> ChannelClient:
        return self.node.clients[self.cid]

    def my_turn(self) -> bool:
        return mover(self.client.latest.version + 1) == self.client.party

    # -- what the node asks for -----------------------------------------------------------------
    def pay(self, amount: int) -> int:
        """Queue a payment of ``amount`` to the peer; returns its id."""
        pid = self.node.store.get("link/next-pid", 1)
        self.node.store.put("link/next-pid", pid + 1)
        party = self.client.party
        self.submit(Change(lambda s: s.pay(party, amount), f"payment {pid}", payment=(pid, amount), timeout_ms=None))
        return pid

    def submit(self, change: Change) -> None:
        """Queue ``change``; its ``done`` hears whether it was co-signed within its timeout."""
        self.queue.append(change)
        if change.timeout_ms is not None:
            self.node.timer(change.timeout_ms, f"channel {self.cid}: {change.label} timeout",
                            lambda: self._expire(change))
        self.pump()

    def _expire(self, change: Change) -> None:
        if change.finished:
            return
        if change in self.queue:
            self.queue.remove(change)
        self.node.log(f"channel {self.cid}: {change.label} not co-signed in time")
        change.finish(False)

    @property
    def busy(self) -> bool:
        """Whether something of this party is queued or awaiting a countersignature."""
        return bool(self.queue) or self.client.pending is not None

    def close(self) -> None:
        """Propose the final state once nothing is queued (or in flight) on either side."""
        self.closing = True
        self.pump()

    # -- the protocol --------------------------------------------------------------------------
    def pump(self) -> None:
        """Send whatever is due: the pending proposal, a new one on this party's turn, or a nudge."""
        client = self.client
        if client.latest.final:
            return
        pending = client.pending
        if pending is not None:
            self.send("propose", pending, client.propose(pending))
        elif self.queue or self.closing or self.peer_waiting:
            if not self.my_turn():
                self.node.send(self.peer, {"kind": "nudge", "cid": self.cid})
            else:
                self._propose_next(client)
        self._arm()

    def _propose_next(self, client: ChannelClient) -> None:
        latest, state = client.latest, None
        while self.queue and state is None:
            change = self.queue.pop(0)
            try:
                state = change.make(latest)
                client.check_state(state)
            except ChannelError as exc:  # no balance, no such HTLC, ...: refused before signing
                self.node.log(f"channel {self.cid}: {change.label} declined: {exc}")
                state = None
                change.finish(False)
                continue
            change.version = state.version
            self.inflight = change
            if change.payment is not None:
                self.node.store.put(f"link/{self.cid}/{state.version}", list(change.payment))
        if state is None:
            if self.closing and not self.peer_waiting:
                state = latest.finalize()
            elif self.peer_waiting:
                state = latest.checkpoint()  # a pass: hand the turn to the waiting peer
            else:
                return
        self.peer_waiting = False
        self.send("propose", state, client.propose(state))

    def _completed(self, state: State) -> None:
        change, self.inflight = self.inflight, None
        if change is not None and change.version == state.version:
            change.finish(True)

    def receive(self, message: dict[str, Any]) -> None:
        """Handle one delivered message; bad, stale or repeated ones change nothing."""
        self.heard = self.node.sim.scheduler.now
        if message.get("kind") == "nudge":
            self.peer_waiting = True
            self.pump()
            return
        try:
            if message.get("kind") not in ("propose", "accept"):
                raise ChannelError(f"unknown message kind {message.get('kind')!r}")
            state, sig = State.decode(bytes.fromhex(message["state"])), bytes.fromhex(message["sig"])
        except (ChannelError, KeyError, ValueError) as exc:
            self.node.log(f"channel {self.cid}: dropped a malformed message: {type(exc).__name__}: {exc}")
            return
        client = self.client
        try:
            if message["kind"] == "propose":
                if mover(state.version) == client.party:
                    raise ChannelError(f"v{state.version} is this party's turn, not the peer's")
                if "preimage" in message:
                    self.node.learn(bytes.fromhex(message["preimage"]))
                if not self.node.countersigns(self.cid, state):
                    return
                self.send("accept", state, client.accept(state, sig))
            else:
                client.complete(state, sig)
                self._completed(state)
        except ReplayedState:
            if message["kind"] == "propose":  # our accept was lost: countersign again (same state)
                self.send("accept", state, state.sign(self.node.key))
            return
        except ChannelError as exc:
            self.node.log(f"channel {self.cid}: dropped {message['kind']} v{state.version}: {exc}")
            if message["kind"] == "propose":
                self.node.refused(self.cid, state, sig)
            return
        self.pump()

    def send(self, kind: str, state: State, sig: bytes) -> None:
        message = {"kind": kind, "cid": self.cid, "state": state.encode().hex(), "sig": sig.hex()}
        change = self.inflight
        if kind == "propose" and change is not None and change.version == state.version and change.preimage:
            message["preimage"] = change.preimage.hex()
        self.node.send(self.peer, message)

    def _arm(self) -> None:
        """Keep one retransmission timer running while something is outstanding."""
        if self.armed or not (self.busy or self.closing):
            return
        self.armed = True

        def retry() -> None:
            self.armed = False
            self.pump()
        self.node.timer(RTO_MS, f"channel {self.cid}: retransmit", retry)
