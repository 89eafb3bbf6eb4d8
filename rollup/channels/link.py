"""Off-chain updates over the simulated network, where messages are delayed, lost, duplicated,
reordered or cut by partitions.

Turn-taking (Nitro's turn numbers): version ``n`` is proposed by party ``(n - 1) % 2`` (A proposes
v1, B v2, ...), so the two parties never propose the same version and never have to refuse a
conflicting one. A party whose turn it is proposes its next queued payment, or a *pass* (the same
balances one version later) when only its peer is waiting, or the final state when asked to
close with nothing queued; a party waiting for its turn sends a ``nudge``. Three messages:

- ``propose`` (state, proposer's signature): the peer checks and countersigns it
  (:meth:`ChannelClient.accept`) and answers ``accept``;
- ``accept`` (state, countersignature): the proposer stores it (:meth:`ChannelClient.complete`);
- ``nudge``: "it is your turn and I am waiting".

Loss is repaired by retransmission every ``rto_ms`` (the pending proposal, re-signed: the same
state gives the same signature; or the nudge). Duplicates and stragglers are absorbed by the
client's checks: a proposal of the state already co-signed is :class:`ReplayedState` and is
answered with the countersignature again; an older one is :class:`StaleState` and is dropped;
an ``accept`` seen before is :class:`ReplayedState` and is dropped. No check ever changes the
store, and each payment is applied in exactly one version.

>>> from prozchain.rollup.channels.world import World
>>> from prozchain.rollup.sim.network import NetworkConfig
>>> world = World(seed=2, names=["a", "b"], network=NetworkConfig(loss=0.3, duplicate=0.3))
>>> cid = world.open("a", "b", 500, 500)
>>> for amount in (5, 7, 11):
...     _ = world.nodes["a"].link(cid).pay(amount)
>>> _ = world.nodes["b"].link(cid).pay(3)
>>> _ = world.sim.run(until=60_000)
>>> world.client("a", cid).latest == world.client("b", cid).latest, world.client("b", cid).latest.balance_b
(True, 520)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prozchain.rollup.channels.client import ChannelClient
from prozchain.rollup.channels.errors import ChannelError, ReplayedState
from prozchain.rollup.channels.state import State

if TYPE_CHECKING:
    from prozchain.rollup.channels.world import ChannelNode

RTO_MS = 600


def mover(version: int) -> int:
    """The party (0 = A) that proposes ``version``."""
    return (version - 1) % 2


class Link:
    """One node's end of the off-chain exchanges of one channel. In memory only: what must
    survive a crash (signed and co-signed states, which payment each version carries) is in
    the node's store, and a restarted node retransmits its pending proposal."""

    def __init__(self, node: "ChannelNode", cid: int, peer: str) -> None:
        self.node, self.cid, self.peer = node, cid, peer
        self.queue: list[tuple[int, int]] = []  # (payment id, amount) this party will pay
        self.closing = False
        self.peer_waiting = False
        self.armed = False

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
        self.queue.append((pid, amount))
        self.pump()
        return pid

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
            self._send("propose", pending, client.propose(pending))
        elif self.queue or self.closing or self.peer_waiting:
            if not self.my_turn():
                self.node.send(self.peer, {"kind": "nudge", "cid": self.cid})
            else:
                self._propose_next(client)
        self._arm()

    def _propose_next(self, client: ChannelClient) -> None:
        latest = client.latest
        while self.queue and self.queue[0][1] > latest.balance(client.party):
            pid, amount = self.queue.pop(0)
            self.node.log(f"channel {self.cid}: payment {pid} of {amount} declined (balance {latest.balance(client.party)})")
        if self.queue:
            pid, amount = self.queue.pop(0)
            state = latest.pay(client.party, amount)
            self.node.store.put(f"link/{self.cid}/{state.version}", [pid, amount])
        elif self.closing and not self.peer_waiting:
            state = latest.finalize()
        else:
            state = latest.checkpoint()  # a pass: hand the turn to the waiting peer
        self.peer_waiting = False
        self._send("propose", state, client.propose(state))

    def receive(self, message: dict[str, Any]) -> None:
        """Handle one delivered message; bad, stale or repeated ones change nothing."""
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
                self._send("accept", state, client.accept(state, sig))
            else:
                client.complete(state, sig)
        except ReplayedState:
            if message["kind"] == "propose":  # our accept was lost: countersign again (same state)
                self._send("accept", state, state.sign(self.node.key))
            return
        except ChannelError as exc:
            self.node.log(f"channel {self.cid}: dropped {message['kind']} v{state.version}: {exc}")
            return
        self.pump()

    def _send(self, kind: str, state: State, sig: bytes) -> None:
        self.node.send(self.peer, {"kind": kind, "cid": self.cid, "state": state.encode().hex(), "sig": sig.hex()})

    def _arm(self) -> None:
        """Keep one retransmission timer running while something is outstanding."""
        if self.armed or not (self.client.pending is not None or self.queue or self.closing):
            return
        self.armed = True

        def retry() -> None:
            self.armed = False
            self.pump()
        self.node.timer(RTO_MS, f"channel {self.cid}: retransmit", retry)
