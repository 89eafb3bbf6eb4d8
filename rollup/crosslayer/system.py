"""The cross-layer world: one L1 carrying a token, the asset registry, and one instance of
every kind of layer for that token, each with its honest operators on one simulation.

- the ZK rollup (2-slot, depth-8 batch circuit with its cached development key; real Groth16
  proofs), deployed with the registry as its bank;
- the optimistic rollup (short window and clocks, as in its scenarios), its sequencer, proposer
  and an honest challenger;
- a sidechain (the staking model by default; ``model`` picks another), its validators and
  relayer, bridging the token through its own bridge (which keeps that escrow);
- a channel adjudicator with the registry as its bank, and a hub every user opens to.

:func:`build` returns the :class:`World`; its :attr:`World.bridges` speak the one protocol of
:mod:`~prozchain.rollup.crosslayer.protocol`. Amounts are token base units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from prozchain.rollup.channels.contracts.onchain import deploy as deploy_adjudicator
from prozchain.rollup.crosslayer.agents import (ChannelBridge, OptimisticBridge, SidechainBridge, ZkBridge,
                                                attach_users)
from prozchain.rollup.crosslayer.contracts import CHANNEL, OPTIMISTIC, SIDECHAIN, ZK, AssetRegistry
from prozchain.rollup.crosslayer.errors import CrossLayerError, NotFinal
from prozchain.rollup.crosslayer.protocol import PENDING, BridgeProtocol, Fabric, Withdrawal
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1.token import Token
from prozchain.rollup.optimistic.agents import Challenger, Proposer, Sequencer
from prozchain.rollup.optimistic.node import Genesis
from prozchain.rollup.optimistic.system import Config as OptimisticConfig
from prozchain.rollup.optimistic.system import deploy as deploy_optimistic
from prozchain.rollup.sidechain.contracts.modes import STAKING
from prozchain.rollup.sidechain.system import Config as SidechainConfig
from prozchain.rollup.sidechain.system import System as SidechainSystem
from prozchain.rollup.sidechain.system import build as build_sidechain
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.sim.world import Simulation
from prozchain.rollup.zk.agents import OperatorAgent
from prozchain.rollup.zk.system import circuit_and_key
from prozchain.rollup.zk.system import deploy as deploy_zk

LAYER_IDS = {"zk": 1, "optimistic": 2, "sidechain": 3, "channel": 4}
TOKEN_SUPPLY = 10**12
USER_TOKENS = 10**7
BLOCK_MS = 2_000  # the L1's block time in this world (the sidechain's L1 setting)
QUIET = NetworkConfig(latency_ms=(10, 200), loss=0.0, duplicate=0.0)


@dataclass
class World:
    """One cross-layer world: the L1 (``chain``), the simulation, the fabric (registry and
    token), the users and the bridges by layer name."""

    sim: Simulation
    chain: Chain
    fabric: Fabric
    deployer: Key
    users: list[Key]
    hub: Key
    sidechain: SidechainSystem
    bridges: dict[str, BridgeProtocol] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)

    def holders(self) -> list[str]:
        return [u.address for u in self.users] + [self.hub.address, self.keys["provider"].address]


def build(seed: int, *, users: int = 2, checks_routes: bool = True, model: int = STAKING,
          window_s: int = 120, layers: Optional[tuple[str, ...]] = None,
          optimistic_genesis: Optional[Genesis] = None) -> World:
    """Deploy the world (see the module doc) on a new simulation, its agents booted. ``layers``
    limits which layers get an instance (default: all four); ``optimistic_genesis`` is the
    optimistic rollup's L2 genesis (default: empty; its native balances must stay empty, since
    they are the bridged token)."""
    layers = layers or tuple(LAYER_IDS)
    keys = {n: Key.from_seed(f"crosslayer-{n}".encode()) for n in
            ("deployer", "hub", "zk-operator", "opt-sequencer", "opt-proposer", "opt-challenger", "attacker",
             "provider")}
    people = [user_key(i) for i in range(users)]
    sidechain = build_sidechain(seed, SidechainConfig(mode=model, window=window_s // 4, network=QUIET,
                                                      l1_block_ms=BLOCK_MS),
                                users=people + list(keys.values()))
    sim, chain, deployer = sidechain.sim, sidechain.chain, keys["deployer"]
    token, _ = chain.deploy(deployer, Token, TOKEN_SUPPLY)
    for user in people + [keys["provider"]]:
        chain.transact(deployer, token, "transfer", user.address, USER_TOKENS)
    registry, _ = chain.deploy(deployer, AssetRegistry, checks_routes)
    fabric = Fabric(chain, registry, token)
    world = World(sim, chain, fabric, deployer, people, keys["hub"], sidechain, keys=keys)
    holders = world.holders()
    attach_users(sim)
    if "zk" in layers:
        spec, compiled, zkey = circuit_and_key()
        zk = deploy_zk(chain, deployer, keys["zk-operator"], spec, zkey.verification_key(), bank=registry, unit=1)
        sim.add(OperatorAgent("zk-operator", sim, zk, compiled, zkey, poll_ms=BLOCK_MS, prove_ms=4_000))
        world.bridges["zk"] = ZkBridge(fabric, LAYER_IDS["zk"], zk, sim, "zk-operator", unit=1)
        _route(world, "zk", ZK, zk.rollup)
    if "optimistic" in layers:
        config = OptimisticConfig(window=window_s, clock=window_s // 2)
        opt = deploy_optimistic(chain, deployer, keys["opt-sequencer"].address,
                                optimistic_genesis or Genesis(), config, bank=registry)
        for cls, name, extra in ((Sequencer, "opt-sequencer", {"batch_ms": 10_000}), (Proposer, "opt-proposer", {}),
                                 (Challenger, "opt-challenger", {})):
            sim.add(cls(name, sim, opt, keys[name], poll_ms=BLOCK_MS, **extra))
        world.bridges["optimistic"] = OptimisticBridge(fabric, LAYER_IDS["optimistic"], opt, sim, "opt-sequencer",
                                                       holders, batch_s=10)
        _route(world, "optimistic", OPTIMISTIC, opt.portal)
    if "sidechain" in layers:
        world.bridges["sidechain"] = SidechainBridge(fabric, LAYER_IDS["sidechain"], sidechain, holders)
        _route(world, "sidechain", SIDECHAIN, sidechain.bridge)
    if "channel" in layers:
        adjudicator = deploy_adjudicator(chain, deployer, bank=registry)
        world.bridges["channel"] = ChannelBridge(fabric, LAYER_IDS["channel"], adjudicator, keys["hub"])
        _route(world, "channel", CHANNEL, adjudicator)
    sim.run(until=sim.scheduler.now)  # boot every agent, so each layer's node exists from the start
    return world


def user_key(index: int) -> Key:
    """The key of the world's ``index``-th funded user (the same in every world)."""
    return Key.from_seed(f"crosslayer-user-{index}".encode())


def _route(world: World, name: str, kind: int, representation: str) -> None:
    """Governance lists the layer and registers the token's canonical representation on it."""
    chain, registry, layer = world.chain, world.fabric.registry, LAYER_IDS[name]
    for method, args in (("add_layer", (layer, kind)), ("register", (world.fabric.token, layer, representation))):
        receipt = chain.transact(world.deployer, registry, method, *args, gas_limit=300_000)
        if not receipt.status:
            raise CrossLayerError(f"registering {name}: {receipt.error}")


def run_until(sim: Simulation, done: Callable[[], bool], limit_ms: int, step_ms: int = BLOCK_MS) -> bool:
    """Run ``sim`` in steps of ``step_ms`` until ``done()`` holds or ``limit_ms`` more have
    passed; whether ``done()`` held."""
    end = sim.scheduler.now + limit_ms
    while not done():
        if sim.scheduler.now >= end:
            return False
        sim.run(until=sim.scheduler.now + step_ms)
    return True


WAIT_MS = 900_000  # the longest any layer may take to get somewhere before a caller gives up


def prove_when_ready(bridge: BridgeProtocol, w: Withdrawal) -> bool:
    """Take the user's proving step for ``w`` if its evidence is on L1 yet; whether it was taken."""
    try:
        bridge.prove(w)
    except NotFinal:
        return False
    return True


def settle(sim: Simulation, bridge: BridgeProtocol, w: Withdrawal, limit_ms: int = WAIT_MS) -> bool:
    """Run ``sim`` until ``w`` is final, taking the user's proving step as soon as it can be
    taken; whether it became final within ``limit_ms``."""
    def ready() -> bool:
        if bridge.status(w).stage == PENDING:
            prove_when_ready(bridge, w)
        return bridge.status(w).final
    return run_until(sim, ready, limit_ms)


def transfer_between(world: World, user: Key, amount: int, src: str, dst: str) -> int:
    """An L2-to-L2 transfer through L1 settlement: ``amount`` withdrawn on layer ``src`` (its
    fee on top), finalized on L1 once ``src``'s rule holds, and deposited on ``dst``; returns
    the amount credited on ``dst``.

    >>> world = build(2, layers=("channel", "sidechain"))
    >>> with world.sim:
    ...     _ = world.bridges["sidechain"].deposit(world.users[0], 700)
    ...     _ = run_until(world.sim, lambda: world.bridges["sidechain"].balance(world.users[0].address) == 700, 60_000)
    ...     moved = transfer_between(world, world.users[0], 700, "sidechain", "channel")
    >>> moved, world.bridges["channel"].balance(world.users[0].address), world.bridges["sidechain"].escrow()
    (700, 700, 0)
    """
    source, target = world.bridges[src], world.bridges[dst]
    w = source.withdraw(user, amount)
    if not settle(world.sim, source, w):
        raise NotFinal(f"{source.name}: the withdrawal of {amount} did not become final")
    source.finalize(w)
    target.deposit(user, amount)
    if not run_until(world.sim, lambda: target.balance(user.address) >= amount, WAIT_MS):
        raise CrossLayerError(f"{target.name}: the deposit of {amount} was not credited")
    return amount
