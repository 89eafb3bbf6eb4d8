"""A channel network on the simulation harness: nodes with crash-safe clients, an L1 with the
adjudicator, multi-hop HTLC payments hop by hop over time, and each node's on-chain watch.

Off-chain exchanges between two nodes run inside one scheduler event (both must be up and
responsive); crashes, silences and L1 blocks happen between events. Every honest node runs
:meth:`ChannelNode.watch` once per L1 block when ``onchain`` is on: it answers a unilateral
close with a newer state, reveals a preimage and closes before an incoming HTLC expires,
closes a channel whose peer will not fail an expired outgoing HTLC, settles closed channels,
and settles upstream off-chain with preimages learned from L1.

>>> world = World(seed=1, names=["a", "b"])
>>> cid = world.open("a", "b", 500, 500)
>>> world.update(cid, "a", world.client("a", cid).latest.pay(0, 20)).balance_b
520
"""

from __future__ import annotations

from typing import Optional

from rollup.l1 import Chain, Key, keccak256
from rollup.sim.agent import Agent
from rollup.sim.network import NetworkConfig
from rollup.sim.world import Simulation
from rollup.channels.client import ChannelClient, update
from rollup.channels.errors import PaymentError
from rollup.channels.htlc import Policy, check_forward
from rollup.channels.onchain import deploy, force_close, genesis, open_channel, settle, submit
from rollup.channels.adjudicator import CLOSED, CLOSING
from rollup.channels.state import Htlc, State

BLOCK_MS = 12_000
PERIOD = 600
MARGIN = 240  # seconds before an incoming lock expires at which a node goes to L1
ETHER = 10**18


class ChannelNode(Agent):
    """One party: its key, its clients (rebuilt from the store at every start), its preimages."""

    def __init__(self, name: str, world: "World", key: Key, write_before_sign: bool = True) -> None:
        super().__init__(name, world.sim)
        self.world, self.key, self.write_before_sign = world, key, write_before_sign
        self.griefer = False  # True: accepts incoming HTLCs, then never forwards, settles or fails them
        self.onchain = True

    def on_start(self) -> None:
        self.clients = {int(k.split("/")[1]): ChannelClient(self.key, self.store, int(k.split("/")[1]),
                                                            self.write_before_sign)
                        for k in self.store.keys("ch/") if k.endswith("/params")}
        self.timer(BLOCK_MS, "watch L1", self.watch)

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

    def _resolvable(self, state: State, now: int) -> bool:
        return all(now >= h.expiry or self.world.revealed(h.hashlock) for h in state.htlcs)

    def _watch_htlcs(self, cid: int, client: ChannelClient, latest: State) -> None:
        world, now = self.world, self.world.chain.time
        for h in latest.htlcs:
            mine_in = h.payee == client.party
            secret = self.preimage(h.hashlock)
            if mine_in and secret is not None:
                if world.try_update(cid, self.name, lambda s: s.resolve_htlc(h.hid, paid=True)):
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

    def __init__(self, seed: int, names: list[str], write_before_sign: bool = True) -> None:
        self.sim = Simulation(seed, NetworkConfig(loss=0.0, duplicate=0.0))
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

    def peer(self, cid: int, name: str) -> str:
        a, b = self.channels[cid]
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

    def revealed(self, lock: bytes) -> bool:
        return self.chain.view(self.adjudicator, "revealed_at", lock) > 0

    # -- multi-hop payments -----------------------------------------------------------------------
    def pay(self, nodes: list[str], cids: list[int], terms: list[tuple[int, int]], preimage: bytes,
            hid: int, hop_ms: int = 500) -> None:
        """Lock ``terms`` hop by hop (``hop_ms`` apart), then settle back from the payee."""
        lock, sched = keccak256(preimage), self.sim.scheduler

        def lock_hop(i: int) -> None:
            payer, cid = nodes[i], cids[i]
            if i and not self.reachable(payer):
                return  # a forwarder that is away or silent does not forward
            if i:
                check_forward(terms[i - 1], terms[i], self.policies[cid, payer])
            client = self.client(payer, cid)
            htlc = Htlc(hid, client.party, terms[i][0], lock, terms[i][1])
            try:
                self.update(cid, payer, client.latest.add_htlc(htlc))
            except PaymentError as exc:
                sched.log(f"payment {hid}: hop {i} not locked: {exc}")
                return
            if i + 1 < len(cids):
                sched.after(hop_ms, f"payment {hid}: lock hop {i + 1}", lambda: lock_hop(i + 1))
            else:
                self.nodes[nodes[-1]].learn(preimage)
                sched.after(hop_ms, f"payment {hid}: settle hop {i}", lambda: settle_hop(i))

        def settle_hop(i: int) -> None:
            payee = nodes[i + 1]
            if not self.reachable(payee) or self.nodes[payee].preimage(lock) is None:
                return
            if self.try_update(cids[i], payee, lambda s: s.resolve_htlc(hid, paid=True)):
                self.nodes[nodes[i]].learn(preimage)
                if i:
                    sched.after(hop_ms, f"payment {hid}: settle hop {i - 1}", lambda: settle_hop(i - 1))
        lock_hop(0)

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
        states = [self.client(n, cid).latest for n in self.channels[cid] if self.nodes[n].up]
        return max(states, key=lambda s: s.version)

    def htlc_owner(self, h: Htlc) -> int:
        at = self.chain.view(self.adjudicator, "revealed_at", h.hashlock)
        return h.payee if at and at < h.expiry else h.payer

    def l1_gas(self) -> int:
        return sum(r.gas_used for r in self.chain.receipts.values())
