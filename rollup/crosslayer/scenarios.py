"""Scenarios of the cross-layer fabric (``prozchain scenario run crosslayer-...``).

``crosslayer-roundtrip``: one token travels L1 → ZK rollup → L1 → optimistic rollup → L1 →
sidechain → L1 → a channel → L1 through the one bridge protocol (real Groth16 proofs on the ZK
leg). After every L1 block and every step, for every route: L1 escrow = supply on the layer +
withdrawals in flight, and the registry holds every token its routes' escrow counts. Bad
input on the way (an unknown asset, a route with no representation, a second representation
for a route, an amount above the balance, a withdrawal before finality, a second
finalization) is refused and moves nothing. The attack: a rogue layer that governance listed
asks the registry to release the whole pool of the token while the optimistic route holds it.
``defense=off`` deploys a registry with one pool per token: the drain succeeds and the user's
optimistic withdrawal cannot be paid.

The token's base unit counts as one wei in ``honest_loss`` (the kit's unit); accounts are in
token units.

>>> from prozchain.rollup.sim.registry import all_scenarios
>>> "crosslayer-roundtrip" in all_scenarios()
True
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

from prozchain.rollup.common.units import Unit
from prozchain.rollup.crosslayer.contracts import OPTIMISTIC, RogueLayer
from prozchain.rollup.crosslayer.errors import CrossLayerError, NotFinal
from prozchain.rollup.crosslayer.protocol import BridgeProtocol, Withdrawal
from prozchain.rollup.crosslayer.system import BLOCK_MS, World, build, run_until
from prozchain.rollup.l1 import Key
from prozchain.rollup.l1.token import Token
from prozchain.rollup.sim import kit
from prozchain.rollup.sim.registry import ScenarioResult, scenario

TOKEN_UNITS = Unit("wei", "token units", 1)
ROGUE_LAYER = 9
WAIT_MS = 900_000  # the longest any leg may take before the run gives up on it


@dataclass(kw_only=True)
class Run(kit.Run):
    """One roundtrip: the world, the checks made at every block and step, and the refusals."""

    world: World
    checks: list[tuple[str, bool, bool]] = field(default_factory=list)  # (when, routes conserved, backed)
    refusals: dict[str, bool] = field(default_factory=dict)
    account_unit: Unit = TOKEN_UNITS

    def check(self, label: str) -> None:
        """The invariant of every route, and the registry's backing, now."""
        world = self.world
        broken = [name for name, b in world.bridges.items() if not b.conserved()]
        banked = sum(b.escrow() for name, b in world.bridges.items() if name != "sidechain")
        held = world.chain.view(world.fabric.token, "balance_of", world.fabric.registry)
        self.checks.append((f"{label} ({', '.join(broken)} broken)" if broken else label, not broken, held == banked))

    def refused(self, label: str, error: type[CrossLayerError], action: Callable[[], object]) -> None:
        """Record whether ``action`` raised ``error`` and moved no token."""
        before = self.holdings()
        try:
            action()
            self.refusals[label] = False
        except error:
            self.refusals[label] = self.holdings() == before

    def refused_on_l1(self, label: str, key: Key, to: str, method: str, *args) -> None:
        """Record whether L1 itself refuses the call (the contracts check it again)."""
        before = self.holdings()
        receipt = self.world.chain.transact(key, to, method, *args, gas_limit=3_000_000)
        self.refusals[label] = not receipt.status and self.holdings() == before

    def holdings(self) -> tuple:
        world = self.world
        token = world.fabric.token
        return (tuple(world.chain.view(token, "balance_of", a) for a in world.holders() + [world.fabric.registry])
                + tuple(b.escrow() for b in world.bridges.values()))


def _leg(run: Run, name: str, user: Key, amount: int, pay: int = 0, payee: str = "",
         midway: Callable[[], None] = lambda: None) -> int:
    """L1 → ``name`` → L1 for ``amount``, paying ``pay`` to ``payee`` on the way (``midway``
    runs once the layer has credited it); the amount back on L1 (0 if it could not be paid)."""
    bridge, world = run.world.bridges[name], run.world
    bridge.deposit(user, amount)
    run.check(f"{name}: deposited")
    if not run_until(world, lambda: bridge.balance(user.address) == amount, WAIT_MS):
        return 0
    run.check(f"{name}: credited")
    midway()
    if pay:
        bridge.transfer(user, payee, pay)
        run_until(world, lambda: bridge.balance(user.address) == amount - pay, WAIT_MS)
    out = amount - pay - getattr(bridge, "fee", 0) * bridge.unit
    run.refused(f"{name}: a withdrawal above the balance", CrossLayerError, lambda: bridge.withdraw(user, amount * 2))
    w = bridge.withdraw(user, out)
    run.check(f"{name}: withdrawal started")
    if not bridge.status(w).final:  # a channel's co-signed final state is final at once
        run.refused(f"{name}: a finalization before finality", NotFinal, lambda: bridge.finalize(w))
    if not _await_final(run, bridge, w):
        return 0
    run.check(f"{name}: final")
    try:
        bridge.finalize(w)
    except NotFinal:
        return 0  # L1 could not pay it
    run.check(f"{name}: paid")
    run.refused(f"{name}: a second finalization", CrossLayerError, lambda: bridge.finalize(w))
    return out


def _await_final(run: Run, bridge: BridgeProtocol, w: Withdrawal) -> bool:
    def ready() -> bool:
        if bridge.status(w).stage == "pending":
            try:
                bridge.prove(w)  # the user's own step, where the layer has one and it can be taken
            except NotFinal:
                pass
        return bridge.status(w).final
    return run_until(run.world, ready, WAIT_MS)


def _rogue(run: Run) -> None:
    """Governance lists the attacker's layer; the attacker asks for the registry's whole pool."""
    world = run.world
    chain, registry, attacker = world.chain, world.fabric.registry, world.keys["attacker"]
    rogue, _ = chain.deploy(attacker, RogueLayer, registry)
    chain.transact(world.deployer, registry, "add_layer", ROGUE_LAYER, OPTIMISTIC)
    chain.transact(world.deployer, registry, "register", world.fabric.token, ROGUE_LAYER, rogue, gas_limit=300_000)
    pool = chain.view(world.fabric.token, "balance_of", registry)
    receipt = chain.transact(attacker, rogue, "drain", pool, gas_limit=1_000_000)
    run.refusals["a rogue layer's release above its route's escrow"] = not receipt.status
    run.check("rogue layer: drain attempted")


def _bad_routes(run: Run, user: Key) -> None:
    """An unknown asset, a route with no representation, a second representation for a route."""
    world = run.world
    zk = world.bridges["zk"]
    other, _ = world.chain.deploy(user, Token, 1_000)
    run.refused("an unknown asset", CrossLayerError, lambda: zk.deposit(user, 10, token=other))
    stray = copy.copy(zk)
    stray.layer = ROGUE_LAYER + 1
    run.refused("a route with no representation", CrossLayerError, lambda: stray.deposit(user, 10))
    run.refused_on_l1("a second representation for a route", world.deployer, world.fabric.registry, "register",
                      world.fabric.token, zk.layer, other)


@scenario("crosslayer-roundtrip", "one token L1 -> ZK rollup -> L1 -> optimistic rollup -> sidechain (through L1) "
          "-> a channel -> L1 through one bridge protocol; supply invariant at every block; a rogue layer "
          "tries to drain another route's escrow", defense="on")
def roundtrip(seed: int, params: dict) -> ScenarioResult:
    world = build(seed, checks_routes=params["defense"] != "off")
    run = Run(sim=world.sim, params=params, chain=world.chain, world=world)
    user, peer = world.users
    rng = world.sim.scheduler.rng("plan")
    amount = rng.randint(10_000, 90_000)
    start = world.chain.view(world.fabric.token, "balance_of", user.address)
    with world.sim:
        world.sim.scheduler.every(BLOCK_MS, "judge: routes", lambda: run.check("block"), until=10**12)
        _bad_routes(run, user)
        back = _leg(run, "zk", user, amount)
        pay = rng.randint(1, back // 10)
        back = _leg(run, "optimistic", user, back, pay=pay, payee=peer.address, midway=lambda: _rogue(run))
        back = _leg(run, "sidechain", user, back) if back else 0
        back = _leg(run, "channel", user, back, pay=pay, payee=world.hub.address) if back else 0
        end = world.chain.view(world.fabric.token, "balance_of", user.address)
    fees = world.bridges["zk"].fee * world.bridges["zk"].unit
    owed = start - fees - 2 * pay
    broken = [label for label, routes, _ in run.checks if not routes]
    unbacked = [label for label, _, backed in run.checks if not backed]
    invariants = {
        "route_escrow_equals_supply_plus_in_flight": not broken,
        "registry_holds_every_escrowed_token": not unbacked,
        "bad_input_refused_and_moved_nothing": all(v for k, v in run.refusals.items() if "rogue" not in k),
        "rogue_layer_cannot_drain_other_routes": run.refusals.get("a rogue layer's release above its route's escrow", False),
        "token_came_home": end == owed,
    }
    summary = [f"{amount} token units travel L1 -> zk -> L1 -> optimistic -> L1 -> sidechain -> L1 -> channel -> L1",
               f"fees {fees} (zk withdrawal), payments {pay} on the optimistic rollup and {pay} in the channel",
               f"invariant checked {len(run.checks)} times (every L1 block and step)",
               *(f"{'refused, nothing moved' if ok else 'NOT REFUSED'}: {label}" for label, ok in run.refusals.items()),
               *(f"escrow != supply + in flight at: {label}" for label in broken[:3]),
               *(f"registry short of its routes' escrow from: {label}" for label in unbacked[:1])]
    return run.finish("crosslayer-roundtrip", invariants, max(0, owed - end), summary=summary,
                      accounts={"user": {"start": start, "owed": owed, "end": end}}, attack_attempted=True)

