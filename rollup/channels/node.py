"""A channel party on the simulation harness: its key, its crash-safe clients, its links to its
peers, its preimages, and its on-chain watch.

Every co-signed update goes over the simulated network through the channel's
:class:`~prozchain.rollup.channels.agents.link.Link` (:meth:`ChannelNode.propose`), and so do
the other off-chain messages: the virtual channel's pre-fund state and final state sent to the
intermediary, the intermediary's funded signature sent back, justice blobs sent to a
watchtower. When ``onchain`` is on, the node runs :meth:`ChannelNode.watch` once per L1 block:
it answers a unilateral close with a newer state, claims an incoming HTLC whose preimage it
knows (on L1, revealing the preimage and closing, when the peer does not countersign before
the lock nears its expiry), closes a channel whose peer will not fail an expired outgoing HTLC,
and settles closed channels. For each virtual channel it is part of (see
:mod:`prozchain.rollup.channels.agents.virtual`) it also releases its ledger's guarantee
off-chain once the outcome is known (the final state, or the conclusion on L1), force-closes the
ledger channel instead when the peer is silent or when it wants out and cannot finalize,
publishes its newest virtual state when the virtual channel or a ledger channel holding its
guarantee is being closed on L1, and concludes it after the period.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from prozchain.rollup.common.units import BLOCK_MS
from prozchain.rollup.l1 import Key, keccak256
from prozchain.rollup.sim.agent import Agent
from prozchain.rollup.channels.agents.client import ChannelClient
from prozchain.rollup.channels.agents.htlc import Policy
from prozchain.rollup.channels.agents.link import Change, Done, Link, ignore
from prozchain.rollup.channels.agents.virtual import lock, onchain_sigs, sign_funded, verify_cosigned
from prozchain.rollup.channels.agents.game import GamePlayer
from prozchain.rollup.channels.contracts.adjudicator import CLOSED, CLOSING, OPEN
from prozchain.rollup.channels.contracts.app import DISPUTE as APP_DISPUTE, OPEN as APP_OPEN, AppChannelInfo
from prozchain.rollup.channels.contracts.onchain import conclude, settle, submit
from prozchain.rollup.channels.errors import ChannelError
from prozchain.rollup.channels.state import State, VirtualParams

if TYPE_CHECKING:
    from prozchain.rollup.channels.system import AppSystem, System

MARGIN = 240  # seconds before an incoming lock expires at which a node goes to L1
SILENCE_MS = 10_000  # a peer not heard from for this long while something waits is silent
THINK_MS = 1_000  # a player's time to choose and prove a move
STALL_MS = 30_000  # a player whose move has not come for this long is taken to L1


class ChannelNode(Agent):
    """One party: its key, its clients (rebuilt from the store at every start), its preimages."""

    def __init__(self, name: str, system: "System", key: Key, write_before_sign: bool = True) -> None:
        super().__init__(name, system.sim)
        self.system, self.key, self.write_before_sign = system, key, write_before_sign
        self.griefer = False  # True: accepts incoming HTLCs, then never forwards, settles or fails them
        self.onchain = True
        self.virtual_onchain = True  # False: no L1 path for virtual channels (their guarantees stay locked)
        self.policies: dict[int, Policy] = {}  # what this node asks for forwarding over each channel

    def on_start(self) -> None:
        self.clients = {int(k.split("/")[1]): ChannelClient(self.key, self.store, int(k.split("/")[1]),
                                                            self.write_before_sign)
                        for k in self.store.keys("ch/") if k.endswith("/params")}
        self.links: dict[int, Link] = {}
        self.acting: set[tuple] = set()  # watch actions waiting for their exchange
        self.timer(BLOCK_MS, "watch L1", self.watch)
        for cid, client in self.clients.items():  # finish what was signed before the crash
            if client.pending is not None:
                self.link(cid).pump()

    @property
    def answering(self) -> bool:
        """Whether this node takes part in exchanges of its own accord (a griefer does not)."""
        return self.up and not self.griefer

    # -- off-chain exchanges ----------------------------------------------------------------------
    def link(self, cid: int) -> Link:
        """This node's end of the network exchanges of channel ``cid``."""
        if cid not in self.links:
            self.links[cid] = Link(self, cid, self.system.peer(cid, self.name))
        return self.links[cid]

    def propose(self, cid: int, make: Callable[[State], State], label: str, done: Done = ignore,
                preimage: Optional[bytes] = None) -> None:
        """Ask the peer of ``cid`` to co-sign ``make(latest)``; ``done(True)`` once it did,
        ``done(False)`` if it cannot be made, the peer does not answer in time, or this node
        does not act (down or griefing)."""
        if not self.answering:
            done(False)
            return
        self.link(cid).submit(Change(make, label, done, preimage=preimage))

    def countersigns(self, cid: int, state: State) -> bool:
        """Whether this node answers a valid proposal of ``state`` (a griefer answers only
        proposals that lock more HTLCs at it)."""
        return not self.griefer or len(state.htlcs) > len(self.clients[cid].latest.htlcs)

    def refused(self, cid: int, state: State, sig: bytes) -> None:
        """A proposal the client refused (stale, conflicting, ...); honest nodes only log it."""

    def on_message(self, src: str, message: dict[str, Any]) -> None:
        handler = {"virtual-prefund": self._on_prefund, "virtual-funded": self._on_funded,
                   "virtual-final": self._on_final}.get(message.get("kind"))
        if handler is not None:
            handler(src, message)
        elif message.get("cid") in self.clients:
            self.link(message["cid"]).receive(message)

    def preimage(self, lock_: bytes) -> Optional[bytes]:
        known = self.store.get("preimage/" + lock_.hex())
        return bytes.fromhex(known) if known else None

    def learn(self, preimage: bytes) -> None:
        self.store.put("preimage/" + keccak256(preimage).hex(), preimage.hex())

    # -- on L1 --------------------------------------------------------------------------------------
    def close(self, cid: int, state: Optional[State] = None, sigs: Optional[bytes] = None) -> None:
        """Publish ``state`` (default: this node's latest) unless the channel is closing already."""
        self.system.force_close(cid, self.name, state, sigs)

    # -- virtual channels ---------------------------------------------------------------------------
    def start_virtual(self, params: VirtualParams, opening: State) -> None:
        """Take part as A or B in a new virtual channel; A proposes the pre-fund state and hands
        it, co-signed, to the intermediary."""
        self.clients[params.vid] = ChannelClient.create(self.key, self.store, opening, params.a, params.b,
                                                        self.write_before_sign)
        if self.key.address == params.a:
            def to_intermediary(ok: bool) -> None:
                if ok:
                    client = self.clients[params.vid]
                    self.send(self.system.name_of(params.intermediary),
                              {"kind": "virtual-prefund", "params": params.encode().hex(),
                               "state": client.latest.encode().hex(), "sigs": client.latest_sigs.hex()})
            self.propose(params.vid, lambda s: s.checkpoint(), "virtual pre-fund", to_intermediary)

    def _on_prefund(self, src: str, message: dict) -> None:
        """As the intermediary: check A's and B's pre-fund, lock both guarantees in the ledgers,
        then sign that V is funded and hand that to A and B."""
        try:
            params = VirtualParams.decode(bytes.fromhex(message["params"]))
            prefund, sigs = State.decode(bytes.fromhex(message["state"])), bytes.fromhex(message["sigs"])
            verify_cosigned(params, prefund, sigs)
        except (ChannelError, KeyError, ValueError) as exc:
            self.log(f"dropped a virtual pre-fund: {type(exc).__name__}: {exc}")
            return
        if self.store.get(f"virtual/{params.vid}") is not None or (params.vid, "fund") in self.acting:
            return  # a duplicate
        self.acting.add((params.vid, "fund"))
        ledgers = [self.system.ledger(self.name, self.system.name_of(end)) for end in (params.a, params.b)]
        locked: list[bool] = []

        def one_locked(ok: bool) -> None:
            locked.append(ok)
            if len(locked) < len(ledgers):
                return
            self.acting.discard((params.vid, "fund"))
            if not all(locked):
                self.log(f"virtual channel {params.vid:#x}: a guarantee was not locked")
                return
            funded = sign_funded(self.key, params, prefund.adjudicator, prefund.chain_id)
            self._remember(params, [prefund.encode().hex(), sigs.hex()], funded, ledgers)
            for end in (params.a, params.b):
                self.send(self.system.name_of(end), {"kind": "virtual-funded", "vid": params.vid,
                                                     "prefund": [prefund.encode().hex(), sigs.hex()],
                                                     "funded": funded.hex(), "ledger": ledgers[end == params.b]})
        for cid in ledgers:
            self.propose(cid, lambda s, cid=cid: lock(self.clients[cid], params, prefund), "lock guarantee",
                         one_locked)

    def _on_funded(self, src: str, message: dict) -> None:
        vid = message.get("vid")
        if vid in self.clients and self.store.get(f"virtual/{vid}") is None:
            params = self.system.vparams[vid]
            self._remember(params, message["prefund"], bytes.fromhex(message["funded"]), [message["ledger"]])

    def _remember(self, params: VirtualParams, prefund: list[str], funded: bytes, ledgers: list[int]) -> None:
        self.store.put(f"virtual/{params.vid}", {"params": params.encode().hex(), "prefund": prefund,
                                                 "funded": funded.hex(), "exit": False, "ledgers": ledgers})

    def close_virtual(self, vid: int) -> None:
        """As A or B: co-sign V's final state and hand it to the intermediary, or, if the peer
        stays silent, mark V for exit on L1 with the newest state this node holds."""
        link, started = self.link(vid), self.system.sim.scheduler.now
        link.close()

        def check() -> None:
            client = self.clients[vid]
            record = self.store.get(f"virtual/{vid}")
            if client.latest.final:
                params = self.system.vparams[vid]
                self.send(self.system.name_of(params.intermediary),
                          {"kind": "virtual-final", "vid": vid, "state": client.latest.encode().hex(),
                           "sigs": client.latest_sigs.hex()})
            elif self.system.sim.scheduler.now - max(link.heard, started) > SILENCE_MS:
                record["exit"] = True
                self.store.put(f"virtual/{vid}", record)
                self.log(f"virtual channel {vid:#x}: peer silent, exit on L1")
            else:
                self.timer(1_000, f"virtual channel {vid:#x}: closed?", check)
        self.timer(1_000, f"virtual channel {vid:#x}: closed?", check)

    def _on_final(self, src: str, message: dict) -> None:
        """As the intermediary: keep V's final state, checked, to prove V's outcome on L1."""
        record = self.store.get(f"virtual/{message.get('vid')}")
        if record is None or "final" in record:
            return
        try:
            state, sigs = State.decode(bytes.fromhex(message["state"])), bytes.fromhex(message["sigs"])
            verify_cosigned(VirtualParams.decode(bytes.fromhex(record["params"])), state, sigs)
            if not state.final:
                raise ChannelError(f"v{state.version} is not final")
        except (ChannelError, KeyError, ValueError) as exc:
            self.log(f"dropped a virtual final state: {type(exc).__name__}: {exc}")
            return
        record["final"] = [state.encode().hex(), sigs.hex()]
        self.store.put(f"virtual/{message['vid']}", record)

    # -- the on-chain watch -----------------------------------------------------------------
    def watch(self) -> None:
        self.timer(BLOCK_MS, "watch L1", self.watch)
        if not self.onchain:
            return
        system, chain = self.system, self.system.chain
        for _, log in chain.logs(system.adjudicator, "Revealed", from_block=self.store.get("seen", 0)):
            self.learn(log.args[1])
        self.store.put("seen", len(chain.blocks))
        for cid, client in self.clients.items():
            if cid in system.virtuals:
                continue
            info = chain.view(system.adjudicator, "channel", cid)
            latest = client.latest
            if info.status == CLOSING:
                if info.version < latest.version and chain.time < info.deadline:
                    submit(chain, self.key, system.adjudicator, "challenge", cid, latest.encode(),
                           client.latest_sigs, mine=False)
                elif chain.time >= info.deadline:
                    state = latest if latest.version == info.version else system.published[cid]
                    if self._resolvable(state, chain.time):
                        settle(chain, self.key, system.adjudicator, state, mine=False)
            elif info.status != CLOSED:
                self._watch_htlcs(cid, client, latest)
        for key in self.store.keys("virtual/"):
            self._watch_virtual(self.store.get(key))

    def _act(self, key: tuple, cid: int, make: Callable[[State], State], label: str,
             failed: Callable[[], None], preimage: Optional[bytes] = None) -> None:
        """Propose ``make`` once at a time per ``key``; ``failed()`` if it is not co-signed."""
        if key in self.acting:
            return
        self.acting.add(key)

        def done(ok: bool) -> None:
            self.acting.discard(key)
            if not ok and self.up:
                failed()
        self.propose(cid, make, label, done, preimage)

    def _resolvable(self, state: State, now: int) -> bool:
        return all(now >= h.expiry or self.system.revealed(h.hashlock) for h in state.htlcs) and \
            all(self.system.virtual_status(g.vid).status == CLOSED for g in state.guarantees)

    def _watch_virtual(self, record: dict) -> None:
        """Release this node's guarantees for a virtual channel once its outcome is known (its
        final state, or its conclusion on L1) or it wants out, closing on L1 with a silent peer;
        keep the channel's L1 state up to date with the newest state this node holds."""
        system, chain = self.system, self.system.chain
        params = VirtualParams.decode(bytes.fromhex(record["params"]))
        vid = params.vid
        onchain = system.virtual_status(vid)
        status, version = onchain.status, onchain.version
        state, sigs = self._virtual_state(record, vid)
        outcome = onchain.paid_a if status == CLOSED else state.balance_a if state.final else None
        holding = [cid for cid in record["ledgers"] if any(g.vid == vid for g in self.clients[cid].latest.guarantees)]
        for cid in holding:
            ledger_status = chain.view(system.adjudicator, "channel", cid).status
            if ledger_status != OPEN or (outcome is None and not record["exit"]):
                continue
            if outcome is None:
                self.close(cid)
            else:
                self._act((cid, "release", vid), cid, lambda s, x=outcome: s.resolve_guarantee(vid, x),
                          "release guarantee",
                          lambda cid=cid: self._close_if(cid, lambda s: any(g.vid == vid for g in s.guarantees)))
        if status == CLOSED or not self.virtual_onchain:
            return
        if status == CLOSING and chain.time >= onchain.deadline:
            conclude(chain, self.key, system.adjudicator, system.vpublished[vid, version], mine=False)
        elif state.version > version and (status == CLOSING or any(cid in system.published for cid in holding)):
            system.publish_virtual(self.name, params, state, sigs)

    def _virtual_state(self, record: dict, vid: int) -> tuple[State, bytes]:
        """The newest state of virtual channel ``vid`` this node holds, with the signatures L1
        wants: an end's latest; the intermediary's copy of the final state, or the pre-fund."""
        funded = bytes.fromhex(record["funded"])
        if vid in self.clients:
            return self.clients[vid].latest, onchain_sigs(self.clients[vid], funded)
        state, sigs = record.get("final", record["prefund"])
        state = State.decode(bytes.fromhex(state))
        return state, bytes.fromhex(sigs) + (funded if state.final else b"")

    def _watch_htlcs(self, cid: int, client: ChannelClient, latest: State) -> None:
        system, now = self.system, self.system.chain.time
        for h in latest.htlcs:
            mine_in = h.payee == client.party
            secret = self.preimage(h.hashlock)
            if mine_in and secret is not None:
                def on_l1(h=h, secret=secret) -> None:
                    if h in self.clients[cid].latest.htlcs and system.chain.time >= h.expiry - MARGIN:
                        if not system.revealed(h.hashlock):
                            submit(system.chain, self.key, system.adjudicator, "reveal", secret, mine=False)
                        self.close(cid)
                self._act((cid, "claim", h.hid), cid, lambda s, h=h: s.resolve_htlc(h.hid, paid=True),
                          f"claim HTLC {h.hid}", on_l1, preimage=secret)
            elif not mine_in and now >= h.expiry:
                self._act((cid, "refund", h.hid), cid, lambda s, h=h: s.resolve_htlc(h.hid, paid=False),
                          f"refund HTLC {h.hid}", lambda h=h: self._close_if(cid, lambda s: h in s.htlcs))

    def _close_if(self, cid: int, still: Callable[[State], bool]) -> None:
        """Close ``cid`` on L1 if what a failed exchange was to change is ``still`` there."""
        if still(self.clients[cid].latest):
            self.close(cid)


class GameNode(Agent):
    """A player of an app channel (:mod:`~prozchain.rollup.channels.contracts.app`) on the
    harness. Off chain it moves over the network (:class:`~prozchain.rollup.channels.agents.game.GamePlayer`
    proves and signs, its peer checks and countersigns); once a block it watches L1: it starts a
    dispute with its newest co-signed version when the peer has not moved for :data:`STALL_MS`
    (or when it won: the loser has no move to answer with),
    follows the peer's moves on L1 from their commitments, answers with proven moves of its own
    and claims the stakes when the peer's clock runs out. Memory only: the scenario never
    crashes a player."""

    def __init__(self, name: str, system: "AppSystem", key: Key) -> None:
        super().__init__(name, system.sim, durable=False)
        self.system, self.key = system, key
        self.player: Optional[GamePlayer] = None  # set when the system opens the channel
        self.rng = system.sim.scheduler.rng(f"moves/{name}")
        self.moved_at = 0  # when the newest version arrived (ms)
        self.answered = -1  # the newest L1 version this node has answered

    @property
    def peer(self) -> str:
        return self.system.names[self.player.parties[1 - self.player.side]]

    def on_start(self) -> None:
        self.timer(BLOCK_MS, "watch L1", self.watch)

    def choose(self) -> tuple[int, int]:
        """The move to play: the winning strategy where there is one."""
        return self.player.state.best_move(self.rng)

    def play(self) -> None:
        """Propose a move off chain when it is ours and no dispute runs."""
        if self.player.my_move() and self.status().status == APP_OPEN:
            self.send(self.peer, ("move", self.player.propose(self.choose())))

    def on_message(self, src: str, message: Any) -> None:
        kind, update, *rest = message
        try:
            if kind == "move":
                self.send(src, ("accepted", update, self.player.accept(update)))
                self.moved_at = self.sim.scheduler.now
                self.timer(THINK_MS, "move", self.play)
            elif kind == "accepted":
                self.player.complete(update, rest[0])
                self.moved_at = self.sim.scheduler.now
        except ChannelError as exc:
            self.log(f"refused a {kind}: {type(exc).__name__}: {exc}")

    def status(self) -> AppChannelInfo:
        return self.system.chain.view(self.system.adjudicator, "channel", self.player.cid)

    def watch(self) -> None:
        self.timer(BLOCK_MS, "watch L1", self.watch)
        if self.player is None:
            return
        info, chain, player = self.status(), self.system.chain, self.player
        stalled = self.sim.scheduler.now - self.moved_at > STALL_MS
        if info.status == APP_OPEN and player.state.turn != player.side and (player.state.finished or stalled):
            # the winner, too, claims through a dispute: the loser has no legal move to answer with
            self.log(f"{'won' if player.state.finished else 'the peer stalls'}: dispute at version {player.version}")
            self.system.submit(self.name, "challenge", player.cid, player.version, player.state.commitment,
                               player.sigs)
        if info.status != APP_DISPUTE:
            return
        if info.version == player.version + 1:
            try:
                player.moved_on_l1(info.version, info.commitment)
            except ChannelError as exc:  # only an adjudicator that skips proofs lets this happen
                self.log(f"cannot follow the peer's move on L1: {exc}")
                return
        if info.version % 2 != player.side:
            if chain.time >= info.deadline:
                self.system.submit(self.name, "timeout", player.cid)
        elif self.answered < info.version == player.version and not player.state.finished \
                and chain.time < info.deadline:
            self.answered = info.version
            self.force_move()

    def force_move(self) -> None:
        """Answer the dispute with a proven move."""
        old, new = self.player.state, self.player.state.play(*self.choose())
        self.system.submit(self.name, "force_move", self.player.cid, new.commitment, int(new.finished),
                           self.player.prover.prove(old, new))
