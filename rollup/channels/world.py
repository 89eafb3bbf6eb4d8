"""A channel network on the simulation harness: nodes with crash-safe clients, an L1 with the
adjudicator, multi-hop HTLC payments hop by hop over time, and each node's on-chain watch.

Off-chain exchanges go one of two ways. Over the network (:mod:`prozchain.rollup.channels.link`, with
``network=`` given): turn-taking proposals and countersignatures as messages that the harness
delays, loses, duplicates and partitions, repaired by retransmission. Or directly
(:meth:`World.update`, used by the HTLC, virtual channel and dispute scenarios): the whole
exchange inside one scheduler event, both nodes up and responsive; crashes, silences and L1
blocks then happen between events. Every honest node runs
:meth:`ChannelNode.watch` once per L1 block when ``onchain`` is on: it answers a unilateral
close with a newer state, reveals a preimage and closes before an incoming HTLC expires,
closes a channel whose peer will not fail an expired outgoing HTLC, settles closed channels,
and settles upstream off-chain with preimages learned from L1. For each virtual channel it is
part of (see :mod:`prozchain.rollup.channels.virtual`) it also releases its ledger's guarantee off-chain
once the outcome is known (the final state, or the conclusion on L1), force-closes the ledger
channel instead when the peer is silent or when it wants out and cannot finalize, publishes its
newest virtual state when the virtual channel or a ledger channel holding its guarantee is being
closed on L1, and concludes it after the period.

>>> world = World(seed=1, names=["a", "b"])
>>> cid = world.open("a", "b", 500, 500)
>>> world.update(cid, "a", world.client("a", cid).latest.pay(0, 20)).balance_b
520
"""

from __future__ import annotations

from typing import Callable, Optional

from prozchain.rollup.common.units import BLOCK_MS, ETHER
from prozchain.rollup.l1 import Chain, Key, keccak256
from prozchain.rollup.sim.agent import Agent
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.sim.world import Simulation
from prozchain.rollup.channels.client import ChannelClient, update
from prozchain.rollup.channels.errors import ChannelError, PaymentError
from prozchain.rollup.channels.htlc import Policy, check_forward
from prozchain.rollup.channels.link import Link
from prozchain.rollup.channels.onchain import deploy, force_close, genesis, open_channel, settle, submit
from prozchain.rollup.channels.adjudicator import CLOSED, CLOSING, OPEN
from prozchain.rollup.channels.state import Htlc, State, VirtualParams
from prozchain.rollup.channels.virtual import conclude, fund, onchain_sigs, publish, start, verify_cosigned

PERIOD = 600
MARGIN = 240  # seconds before an incoming lock expires at which a node goes to L1


class ChannelNode(Agent):
    """One party: its key, its clients (rebuilt from the store at every start), its preimages."""

    def __init__(self, name: str, world: "World", key: Key, write_before_sign: bool = True) -> None:
        super().__init__(name, world.sim)
        self.world, self.key, self.write_before_sign = world, key, write_before_sign
        self.griefer = False  # True: accepts incoming HTLCs, then never forwards, settles or fails them
        self.onchain = True
        self.virtual_onchain = True  # False: no L1 path for virtual channels (their guarantees stay locked)

    def on_start(self) -> None:
        self.clients = {int(k.split("/")[1]): ChannelClient(self.key, self.store, int(k.split("/")[1]),
                                                            self.write_before_sign)
                        for k in self.store.keys("ch/") if k.endswith("/params")}
        self.links: dict[int, Link] = {}
        self.timer(BLOCK_MS, "watch L1", self.watch)
        if self.world.over_network:  # finish what was signed before the crash
            for cid, client in self.clients.items():
                if client.pending is not None:
                    self.link(cid).pump()

    def link(self, cid: int) -> Link:
        """This node's end of the network exchanges of channel ``cid``."""
        if cid not in self.links:
            self.links[cid] = Link(self, cid, self.world.peer(cid, self.name))
        return self.links[cid]

    def on_message(self, src: str, message: dict) -> None:
        self.link(message["cid"]).receive(message)

    def preimage(self, lock: bytes) -> Optional[bytes]:
        known = self.store.get("preimage/" + lock.hex())
        return bytes.fromhex(known) if known else None

    def learn(self, preimage: bytes) -> None:
        self.store.put("preimage/" + keccak256(preimage).hex(), preimage.hex())

    # -- the on-chain watch -----------------------------------------------------------------
    def watch(self) -> None:
        self.timer(BLOCK_MS, "watch L1", self.watch)
        if not self.onchain:
            return
        world, chain = self.world, self.world.chain
        for _, log in chain.logs(world.adjudicator, "Revealed", from_block=self.store.get("seen", 0)):
            self.learn(log.args[1])
        self.store.put("seen", len(chain.blocks))
        for cid, client in self.clients.items():
            if cid in world.virtuals:
                continue
            info = chain.view(world.adjudicator, "channel", cid)
            status, deadline, published = info[4], info[6], info[7]
            latest = client.latest
            if status == CLOSING:
                if published < latest.version and chain.time < deadline:
                    submit(chain, self.key, world.adjudicator, "challenge", cid, latest.encode(),
                           client.latest_sigs, mine=False)
                elif chain.time >= deadline:
                    state = latest if latest.version == published else world.published[cid]
                    if self._resolvable(state, chain.time):
                        settle(chain, self.key, world.adjudicator, state, mine=False)
            elif status != CLOSED:
                self._watch_htlcs(cid, client, latest)
        for key in self.store.keys("virtual/"):
            self._watch_virtual(self.store.get(key))

    def _resolvable(self, state: State, now: int) -> bool:
        return all(now >= h.expiry or self.world.revealed(h.hashlock) for h in state.htlcs) and \
            all(self.world.virtual_status(g.vid)[0] == CLOSED for g in state.guarantees)

    def _watch_virtual(self, record: dict) -> None:
        """Release this node's guarantees for a virtual channel once its outcome is known (its
        final state, or its conclusion on L1) or it wants out, closing on L1 with a silent peer;
        keep the channel's L1 state up to date with the newest state this node holds."""
        world, chain = self.world, self.world.chain
        params = VirtualParams.decode(bytes.fromhex(record["params"]))
        vid = params.vid
        status, deadline, version, paid_a = world.virtual_status(vid)
        state, sigs = self._virtual_state(record, vid)
        outcome = paid_a if status == CLOSED else state.balance_a if state.final else None
        holding = [cid for cid in record["ledgers"] if any(g.vid == vid for g in self.clients[cid].latest.guarantees)]
        for cid in holding:
            if chain.view(world.adjudicator, "channel", cid)[4] != OPEN or (outcome is None and not record["exit"]):
                continue
            if outcome is None or not world.try_update(cid, self.name, lambda s: s.resolve_guarantee(vid, outcome)):
                world.close(cid, self.name)
        if status == CLOSED or not self.virtual_onchain:
            return
        if status == CLOSING and chain.time >= deadline:
            conclude(chain, self.key, world.adjudicator, world.vpublished[vid, version], mine=False)
        elif state.version > version and (status == CLOSING or any(cid in world.published for cid in holding)):
            world.publish_virtual(self.name, params, state, sigs)

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
        world, now = self.world, self.world.chain.time
        for h in latest.htlcs:
            mine_in = h.payee == client.party
            secret = self.preimage(h.hashlock)
            if mine_in and secret is not None:
                if world.try_update(cid, self.name, lambda s: s.resolve_htlc(h.hid, paid=True)):
                    world.nodes[world.peer(cid, self.name)].learn(secret)  # claiming shows the preimage
                    continue
                if now >= h.expiry - MARGIN:
                    if not world.revealed(h.hashlock):
                        submit(world.chain, self.key, world.adjudicator, "reveal", secret, mine=False)
                    world.close(cid, self.name)
                    return
            elif not mine_in and now >= h.expiry:
                if not world.try_update(cid, self.name, lambda s: s.resolve_htlc(h.hid, paid=False)):
                    world.close(cid, self.name)
                    return


class World:
    """The simulation, the L1 with its adjudicator, the nodes and their channels."""

    def __init__(self, seed: int, names: list[str], write_before_sign: bool = True,
                 network: Optional[NetworkConfig] = None) -> None:
        """``network``: run off-chain exchanges started through :meth:`ChannelNode.link` over a
        network with these latency, loss and duplication figures (otherwise a lossless one)."""
        self.over_network = network is not None
        self.sim = Simulation(seed, network or NetworkConfig(loss=0.0, duplicate=0.0))
        keys = {n: Key.from_seed(f"channels/{n}".encode()) for n in names + ["deployer", "tower"]}
        self.keys = keys
        self.chain = Chain({k.address: 100 * ETHER for k in keys.values()})
        self.adjudicator = deploy(self.chain, keys["deployer"])
        self.sim.produce_blocks(self.chain, BLOCK_MS, until=10**12)
        self.nodes = {n: self.sim.add(ChannelNode(n, self, keys[n], write_before_sign)) for n in names}
        self.sim.run(until=0)
        self.channels: dict[int, tuple[str, str]] = {}
        self.policies: dict[tuple[int, str], Policy] = {}
        self.published: dict[int, State] = {}
        self.virtuals: dict[int, tuple[str, str, str]] = {}  # vid -> (A, intermediary, B)
        self.vparams: dict[int, VirtualParams] = {}
        self.vpublished: dict[tuple[int, int], State] = {}  # (vid, version) -> state sent to L1
        self.open_gas = 0

    # -- channels -----------------------------------------------------------------------------
    def open(self, a: str, b: str, deposit_a: int, deposit_b: int, policy: Policy = Policy(1, 100, 600)) -> int:
        cid, receipts = open_channel(self.chain, self.adjudicator, self.keys[a], self.keys[b],
                                     deposit_a, deposit_b, PERIOD)
        self.open_gas += sum(r.gas_used for r in receipts)
        start = genesis(self.chain, self.adjudicator, cid)
        for n in (a, b):
            node = self.nodes[n]
            node.clients[cid] = ChannelClient.create(node.key, node.store, start, self.keys[a].address,
                                                     self.keys[b].address, node.write_before_sign)
        self.channels[cid] = (a, b)
        self.policies[cid, a] = self.policies[cid, b] = policy
        return cid

    def client(self, name: str, cid: int) -> ChannelClient:
        return self.nodes[name].clients[cid]

    def ends(self, cid: int) -> tuple[str, str]:
        """The two parties of a ledger or virtual channel."""
        if cid in self.virtuals:
            return self.virtuals[cid][0], self.virtuals[cid][2]
        return self.channels[cid]

    def peer(self, cid: int, name: str) -> str:
        a, b = self.ends(cid)
        return b if name == a else a

    def reachable(self, name: str) -> bool:
        node = self.nodes[name]
        return node.up and not node.griefer

    def update(self, cid: int, proposer: str, state: State) -> State:
        """One co-signed update proposed by ``proposer``; :class:`PaymentError` if a side is away."""
        other = self.peer(cid, proposer)
        grief = self.nodes[other].up and self.nodes[other].griefer and len(state.htlcs) > len(self.latest(cid).htlcs)
        if not (self.reachable(proposer) and (self.reachable(other) or grief)):
            raise PaymentError(f"channel {cid}: {proposer} or {other} is not answering")
        return update(self.client(proposer, cid), self.client(other, cid), state)

    def try_update(self, cid: int, proposer: str, change) -> bool:
        try:
            self.update(cid, proposer, change(self.client(proposer, cid).latest))
        except PaymentError:
            return False
        return True

    def close(self, cid: int, name: str, state: Optional[State] = None, sigs: Optional[bytes] = None) -> None:
        """Publish ``state`` (default: ``name``'s latest) unless the channel is closing already."""
        if self.chain.view(self.adjudicator, "channel", cid)[4] != 2 or cid in self.published:
            return
        client = self.client(name, cid)
        self.published[cid] = state if state is not None else client.latest
        force_close(self.chain, client, self.adjudicator, state, sigs, mine=False)
        self.sim.scheduler.log(f"{name}: force-close channel {cid} at v{self.published[cid].version}")

    # -- virtual channels -------------------------------------------------------------------------
    def open_virtual(self, a: str, i: str, b: str, amount_a: int, amount_b: int, nonce: int) -> int:
        """Open a virtual channel A-B through ``i`` from the ledger channels A-I and I-B (all three
        must answer; no L1 transaction); returns its id."""
        if not all(self.reachable(n) for n in (a, i, b)):
            raise PaymentError(f"virtual channel {a}-{b}: {a}, {i} or {b} is not answering")
        keys, nodes = self.keys, self.nodes
        params = VirtualParams(keys[a].address, keys[b].address, keys[i].address, PERIOD, nonce)
        vid = params.vid
        va, vb = start(params, keys[a], keys[b], self.adjudicator, self.chain.chain_id, amount_a, amount_b,
                       (nodes[a].store, nodes[b].store))
        nodes[a].clients[vid], nodes[b].clients[vid] = va, vb
        self.virtuals[vid], self.vparams[vid] = (a, i, b), params
        left, right = self._ledgers(vid)
        funded = fund(params, va, vb, left, right, keys[i], self.adjudicator, self.chain.chain_id)
        prefund = [va.latest.encode().hex(), va.latest_sigs.hex()]
        for name, ledgers in ((a, [left]), (i, [left, right]), (b, [right])):
            nodes[name].store.put(f"virtual/{vid}", {"params": params.encode().hex(), "prefund": prefund,
                                                     "funded": funded.hex(), "exit": False,
                                                     "ledgers": [pair[0].channel for pair in ledgers]})
        return vid

    def close_virtual(self, vid: int) -> Optional[State]:
        """Start closing a virtual channel: its ends co-sign the final state and hand it to the
        intermediary, who checks and keeps it; every party's watch then releases its ledger's
        guarantee off-chain at the next block, or on L1 if its peer is silent. Returns the final
        state, or None if an end is silent: then the ends that are up mark the channel for exit
        on L1 with the newest state they hold."""
        a, i, b = self.virtuals[vid]
        if self.reachable(a) and self.reachable(b) and not self.client(a, vid).latest.final:
            self.update(vid, a, self.client(a, vid).latest.finalize())
        up = [n for n in (a, b) if self.nodes[n].up]
        final = self.client(up[0], vid) if up and self.client(up[0], vid).latest.final else None
        for name in (a, i, b):
            if not self.reachable(name) or (final is None and name == i):
                continue
            record = self.nodes[name].store.get(f"virtual/{vid}")
            if final is None:
                record["exit"] = True
            elif name == i:
                verify_cosigned(self.vparams[vid], final.latest, final.latest_sigs)
                record["final"] = [final.latest.encode().hex(), final.latest_sigs.hex()]
            self.nodes[name].store.put(f"virtual/{vid}", record)
        return final.latest if final else None

    def publish_virtual(self, name: str, params: VirtualParams, state: State, sigs: bytes) -> None:
        if (params.vid, state.version) not in self.vpublished:
            self.vpublished[params.vid, state.version] = state
            publish(self.chain, self.keys[name], self.adjudicator, params, state, sigs, mine=False)
            self.sim.scheduler.log(f"{name}: publish virtual channel {hex(params.vid)[:12]}… at v{state.version}")

    def virtual_status(self, vid: int) -> tuple:
        """``(status, deadline, version, paid to A)`` of a virtual channel on L1."""
        return self.chain.view(self.adjudicator, "virtual", vid)

    def _ledgers(self, vid: int) -> list[tuple[ChannelClient, ChannelClient]]:
        """Both parties' clients of the ledger channels A-I and I-B under virtual channel ``vid``."""
        a, i, b = self.virtuals[vid]
        cids = [next(cid for cid, ends in self.channels.items() if set(ends) == {x, y}) for x, y in ((a, i), (i, b))]
        return [tuple(self.client(n, cid) for n in self.channels[cid]) for cid in cids]

    def revealed(self, lock: bytes) -> bool:
        return self.chain.view(self.adjudicator, "revealed_at", lock) > 0

    # -- multi-hop payments -----------------------------------------------------------------------
    def pay(self, nodes: list[str], cids: list[int], terms: list[tuple[int, int]], preimage: bytes,
            hid: int, hop_ms: int = 500, hold: Optional[Callable[[Callable[[bool], None]], None]] = None) -> None:
        """Lock ``terms`` hop by hop (``hop_ms`` apart), then settle back from the payee; a hop
        that cannot lock (no liquidity, bad terms) fails the HTLCs back to the payer off-chain.
        ``hold``: when the last hop is locked, the payee hands ``hold`` a ``release(paid)`` to
        call later (take the payment, or fail it back) instead of taking it at once."""
        lock, sched = keccak256(preimage), self.sim.scheduler

        def lock_hop(i: int) -> None:
            payer, cid = nodes[i], cids[i]
            if i and not self.reachable(payer):
                return  # a forwarder that is away or silent does not forward
            client = self.client(payer, cid)
            htlc = Htlc(hid, client.party, terms[i][0], lock, terms[i][1])
            try:
                if i:
                    check_forward(terms[i - 1], terms[i], self.policies[cid, payer])
                self.update(cid, payer, client.latest.add_htlc(htlc))
            except ChannelError as exc:  # no liquidity, bad terms, peer away: fail back upstream
                sched.log(f"payment {hid}: hop {i} not locked: {exc}")
                if i:
                    sched.after(hop_ms, f"payment {hid}: fail hop {i - 1}", lambda: fail_hop(i - 1))
                return
            if i + 1 < len(cids):
                sched.after(hop_ms, f"payment {hid}: lock hop {i + 1}", lambda: lock_hop(i + 1))
                return

            def release(paid: bool) -> None:
                if paid:
                    self.nodes[nodes[-1]].learn(preimage)
                    sched.after(hop_ms, f"payment {hid}: settle hop {i}", lambda: settle_hop(i))
                else:
                    sched.after(hop_ms, f"payment {hid}: fail hop {i}", lambda: fail_hop(i))
            if hold is None:
                release(True)
            else:
                hold(release)

        def settle_hop(i: int) -> None:
            payee = nodes[i + 1]
            if not self.reachable(payee) or self.nodes[payee].preimage(lock) is None:
                return
            if self.try_update(cids[i], payee, lambda s: s.resolve_htlc(hid, paid=True)):
                self.nodes[nodes[i]].learn(preimage)
            if i and self.nodes[nodes[i]].up and self.nodes[nodes[i]].preimage(lock) is not None:
                # claimed now, or already by the payee's own watch (which showed it the preimage)
                sched.after(hop_ms, f"payment {hid}: settle hop {i - 1}", lambda: settle_hop(i - 1))

        def fail_hop(i: int) -> None:
            if self.try_update(cids[i], nodes[i + 1], lambda s: s.resolve_htlc(hid, paid=False)) and i:
                sched.after(hop_ms, f"payment {hid}: fail hop {i - 1}", lambda: fail_hop(i - 1))
        lock_hop(0)

    def pay_multipart(self, parts: list[tuple[list[str], list[int], list[tuple[int, int]]]], preimage: bytes,
                      amount: int, hid: int, timeout_ms: int = 60_000, hop_ms: int = 500) -> None:
        """Send the parts ``(nodes, channels, terms)`` of one payment under one hashlock (part k
        uses HTLC id ``100 * hid + k``). The payee takes them only once parts worth ``amount``
        have arrived, and fails back what arrived if that has not happened within
        ``timeout_ms``: all parts are paid or none."""
        held: list[Callable[[bool], None]] = []
        state = {"arrived": 0, "decided": False}

        def decide(paid: bool) -> None:
            if not state["decided"]:
                state["decided"] = True
                for release in held:
                    release(paid)

        def holder(part: int) -> Callable[[Callable[[bool], None]], None]:
            def hold(release: Callable[[bool], None]) -> None:
                if state["decided"]:  # too late: the payment was given up
                    release(False)
                    return
                held.append(release)
                state["arrived"] += part
                if state["arrived"] >= amount:
                    decide(True)
            return hold
        for k, (nodes, cids, terms) in enumerate(parts):
            self.pay(nodes, cids, terms, preimage, 100 * hid + k, hop_ms, hold=holder(terms[-1][0]))
        self.sim.scheduler.after(timeout_ms, f"payment {hid}: multi-part timeout", lambda: decide(False))

    # -- accounting ---------------------------------------------------------------------------------
    def worth(self, name: str, usable: bool = False) -> int:
        """What ``name`` holds across its channels: L1 payouts of closed ones, its share of the
        latest state of open ones with each HTLC counted for whoever L1 would pay it to
        (``usable``: HTLCs still locked count for nobody)."""
        total, closed = 0, {log.args[0]: log.args[1:] for _, log in self.chain.logs(self.adjudicator, "Closed")}
        for cid, (a, b) in self.channels.items():
            if name not in (a, b):
                continue
            side = 0 if name == a else 1
            if cid in closed:
                total += closed[cid][side]
                continue
            state = self.latest(cid)
            total += state.balance(side)
            total += sum(h.amount for h in state.htlcs if not usable and self.htlc_owner(h) == side)
        return total

    def latest(self, cid: int) -> State:
        """The newest co-signed state of ``cid`` that a running party holds."""
        states = [self.client(n, cid).latest for n in self.ends(cid) if self.nodes[n].up]
        return max(states, key=lambda s: s.version)

    def htlc_owner(self, h: Htlc) -> int:
        at = self.chain.view(self.adjudicator, "revealed_at", h.hashlock)
        return h.payee if at and at < h.expiry else h.payer

    def l1_gas(self) -> int:
        return sum(r.gas_used for r in self.chain.receipts.values())
