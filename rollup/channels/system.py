"""The wiring of a channel network on the simulation harness: the simulation, an L1 with
12-second blocks and the adjudicator, the nodes (:class:`~prozchain.rollup.channels.node.ChannelNode`)
and the directory of their channels; plus the accounting scenarios judge by.

The system opens channels on L1 and tells nodes what their users want (open or close a virtual
channel); every off-chain exchange then happens between the nodes, over the simulated network
(lossless unless ``network`` says otherwise).

>>> system = System(seed=1, names=["a", "b"])
>>> cid = system.open("a", "b", 500, 500)
>>> _ = system.nodes["a"].link(cid).pay(20)
>>> _ = system.sim.run(until=5_000)
>>> system.latest(cid).balance_b
520
"""

from __future__ import annotations

from typing import Optional

from prozchain.rollup.common.units import BLOCK_MS, ETHER
from prozchain.rollup.l1 import Address, Chain, Key
from prozchain.rollup.l1.groth16 import verifier_contract
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.sim.world import Simulation
from prozchain.rollup.channels.agents.client import ChannelClient
from prozchain.rollup.channels.agents.game import GamePlayer
from prozchain.rollup.channels.agents.htlc import Policy
from prozchain.rollup.channels.agents.nim import NimProver, NimState, fresh_salt
from prozchain.rollup.channels.contracts.adjudicator import CLOSED, OPEN, VirtualInfo
from prozchain.rollup.channels.contracts.app import AppAdjudicator
from prozchain.rollup.channels.contracts.onchain import GAS, deploy, force_close, genesis, open_channel, publish, submit
from prozchain.rollup.channels.node import ChannelNode, GameNode
from prozchain.rollup.channels.state import Htlc, State, VirtualParams

PERIOD = 600


class System:
    """The simulation, the L1 with its adjudicator, the nodes and their channels."""

    def __init__(self, seed: int, names: list[str], write_before_sign: bool = True,
                 network: Optional[NetworkConfig] = None,
                 node_types: Optional[dict[str, type[ChannelNode]]] = None) -> None:
        """``network``: latency, loss and duplication of the off-chain exchanges (default:
        lossless); ``node_types``: the node class of some parties (an adversary's)."""
        self.sim = Simulation(seed, network or NetworkConfig(loss=0.0, duplicate=0.0))
        keys = {n: Key.from_seed(f"channels/{n}".encode()) for n in names + ["deployer", "tower"]}
        self.keys = keys
        self.names = {k.address: n for n, k in keys.items()}
        self.chain = Chain({k.address: 100 * ETHER for k in keys.values()})
        self.adjudicator = deploy(self.chain, keys["deployer"])
        self.sim.produce_blocks(self.chain, BLOCK_MS, until=10**12)
        node_types = node_types or {}
        self.nodes = {n: self.sim.add(node_types.get(n, ChannelNode)(n, self, keys[n], write_before_sign))
                      for n in names}
        self.sim.run(until=0)
        self.channels: dict[int, tuple[str, str]] = {}
        self.published: dict[int, State] = {}  # what L1 calldata shows was published per channel
        self.virtuals: dict[int, tuple[str, str, str]] = {}  # vid -> (A, intermediary, B)
        self.vparams: dict[int, VirtualParams] = {}
        self.vpublished: dict[tuple[int, int], State] = {}  # (vid, version) -> state sent to L1
        self.open_gas = 0

    # -- the directory -------------------------------------------------------------------------
    def open(self, a: str, b: str, deposit_a: int, deposit_b: int, policy: Policy = Policy(1, 100, 600)) -> int:
        """Open a channel on L1 and hand both nodes its opening state; returns its id."""
        cid, receipts = open_channel(self.chain, self.adjudicator, self.keys[a], self.keys[b],
                                     deposit_a, deposit_b, PERIOD)
        self.open_gas += sum(r.gas_used for r in receipts)
        start = genesis(self.chain, self.adjudicator, cid)
        for n in (a, b):
            node = self.nodes[n]
            node.clients[cid] = ChannelClient.create(node.key, node.store, start, self.keys[a].address,
                                                     self.keys[b].address, node.write_before_sign)
            node.policies[cid] = policy
        self.channels[cid] = (a, b)
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

    def name_of(self, address: Address) -> str:
        return self.names[address]

    def ledger(self, x: str, y: str) -> int:
        """The ledger channel between ``x`` and ``y``."""
        return next(cid for cid, ends in self.channels.items() if set(ends) == {x, y})

    # -- what users ask their nodes for ----------------------------------------------------------
    def open_virtual(self, a: str, i: str, b: str, amount_a: int, amount_b: int, nonce: int) -> int:
        """A and B agree to open a virtual channel through ``i`` on the ledger channels A-I and
        I-B (no L1 transaction); returns its id. It is funded once the intermediary's funded
        signature reached both ends (see :meth:`funded`)."""
        params = VirtualParams(self.keys[a].address, self.keys[b].address, self.keys[i].address, PERIOD, nonce)
        vid = params.vid
        self.virtuals[vid], self.vparams[vid] = (a, i, b), params
        opening = State(self.adjudicator, self.chain.chain_id, vid, 0, amount_a, amount_b)
        for end in (a, b):
            if self.nodes[end].up:
                self.nodes[end].start_virtual(params, opening)
        return vid

    def funded(self, vid: int) -> bool:
        """Whether every party of virtual channel ``vid`` holds its funded record."""
        return all(self.nodes[n].up and self.nodes[n].store.get(f"virtual/{vid}") for n in self.virtuals[vid])

    def close_virtual(self, vid: int) -> None:
        """Both ends (those that are up) start closing virtual channel ``vid``."""
        a, _, b = self.virtuals[vid]
        for end in (a, b):
            if self.nodes[end].up:
                self.nodes[end].close_virtual(vid)

    # -- on L1 ---------------------------------------------------------------------------------
    def force_close(self, cid: int, name: str, state: Optional[State] = None, sigs: Optional[bytes] = None) -> None:
        """``name`` publishes ``state`` (default: its latest) unless the channel is closing already."""
        if self.chain.view(self.adjudicator, "channel", cid).status != OPEN or cid in self.published:
            return
        client = self.client(name, cid)
        self.published[cid] = state if state is not None else client.latest
        force_close(self.chain, client, self.adjudicator, state, sigs, mine=False)
        self.sim.scheduler.log(f"{name}: force-close channel {cid} at v{self.published[cid].version}")

    def publish_virtual(self, name: str, params: VirtualParams, state: State, sigs: bytes) -> None:
        if (params.vid, state.version) not in self.vpublished:
            self.vpublished[params.vid, state.version] = state
            publish(self.chain, self.keys[name], self.adjudicator, params, state, sigs, mine=False)
            self.sim.scheduler.log(f"{name}: publish virtual channel {hex(params.vid)[:12]}… at v{state.version}")

    def virtual_status(self, vid: int) -> VirtualInfo:
        return self.chain.view(self.adjudicator, "virtual", vid)

    def revealed(self, lock: bytes) -> bool:
        return self.chain.view(self.adjudicator, "revealed_at", lock) > 0

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

    def closed(self, cid: int) -> bool:
        return self.chain.view(self.adjudicator, "channel", cid).status == CLOSED


class AppSystem:
    """The wiring of app channels playing Nim: the simulation, an L1 with 12-second blocks, the
    Nim verifier contract and the app adjudicator (``check_proofs`` off only for a scenario's
    ``defense=off``), and the players (:class:`~prozchain.rollup.channels.node.GameNode`).

    >>> system = AppSystem(seed=1, names=["a", "b"])
    >>> cid = system.open_game("a", "b", 1_000, (1, 1, 0))
    >>> _ = system.sim.run(until=60_000)  # a takes one token, b the last one, off chain
    >>> system.nodes["b"].player.state.finished, system.paid_to("b")
    (True, 0)
    >>> _ = system.sim.run(until=60_000 + 1_000 * PERIOD)  # b's dispute: a cannot move
    >>> system.paid_to("b")
    2000
    """

    def __init__(self, seed: int, names: list[str], check_proofs: bool = True,
                 node_types: Optional[dict[str, type[GameNode]]] = None) -> None:
        self.sim = Simulation(seed, NetworkConfig(loss=0.0, duplicate=0.0))
        self.keys = {n: Key.from_seed(f"app-channels/{n}".encode()) for n in names + ["deployer"]}
        self.names = {k.address: n for n, k in self.keys.items()}
        self.chain = Chain({k.address: 100 * ETHER for k in self.keys.values()})
        self.prover = NimProver(seed)
        self.verifier, _ = self.chain.deploy(self.keys["deployer"],
                                             verifier_contract(self.prover.zkey.verification_key()))
        self.adjudicator, _ = self.chain.deploy(self.keys["deployer"], AppAdjudicator, self.chain.chain_id,
                                                self.verifier, check_proofs)
        self.sim.produce_blocks(self.chain, BLOCK_MS, until=10**12)
        node_types = node_types or {}
        self.nodes = {n: self.sim.add(node_types.get(n, GameNode)(n, self, self.keys[n])) for n in names}
        self.sim.run(until=0)

    def open_game(self, a: str, b: str, stake: int, heaps: tuple[int, ...]) -> int:
        """A opens a Nim channel from ``heaps`` (A to move, a random shared salt), B joins with
        an equal stake; A's first move leaves at once. Returns the channel id."""
        opening = NimState(heaps, 0, fresh_salt(self.sim.scheduler.rng("salts")))
        cid = self.chain.transact(self.keys[a], self.adjudicator, "open", self.keys[b].address, PERIOD,
                                  opening.commitment, value=stake, gas_limit=GAS).return_value
        self.chain.transact(self.keys[b], self.adjudicator, "join", cid, value=stake, gas_limit=GAS)
        for side, n in enumerate((a, b)):
            node = self.nodes[n]
            node.player = GamePlayer(node.key, side, (self.keys[a].address, self.keys[b].address), self.adjudicator,
                                     self.chain.chain_id, cid, opening, self.prover)
            node.moved_at = self.sim.scheduler.now
        self.nodes[a].play()
        return cid

    def submit(self, name: str, method: str, *args) -> None:
        """``name`` sends one adjudicator transaction, included with the next block."""
        self.sim.scheduler.log(f"{name}: {method} on L1")
        submit(self.chain, self.keys[name], self.adjudicator, method, *args, mine=False)

    def paid_to(self, name: str) -> int:
        """What the adjudicator paid ``name`` (wei)."""
        return sum(log.args[2] for _, log in self.chain.logs(self.adjudicator, "AppClosed")
                   if self.names[self.chain.view(self.adjudicator, "channel", log.args[0])[log.args[1]]] == name)
