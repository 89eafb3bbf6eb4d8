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

``atomic-swap-timeout``: Alice swaps an L1 token for Bob's sidechain ether through
:mod:`~prozchain.rollup.crosslayer.swaps`. After Bob locks, Alice vanishes; she comes back once
her own L1 refund is due, takes it, and then claims Bob's lock with the secret. With the
timeouts ordered (:meth:`~prozchain.rollup.crosslayer.swaps.SwapTerms.check`), Bob's lock has
expired and he has refunded by then: both legs refund. ``defense=off`` orders them the wrong
way (Bob's lock outlives Alice's): the late claim takes Bob's ether while Alice keeps her tokens.

``l2-to-l2-provider-fraud``: Across-style intents from the optimistic rollup to the sidechain. A
user pays the liquidity provider on the source; the provider pays the user on the destination
at once (less its fee) and takes its repayment out of the source through L1 once the source is
final. Its stated risk: it fills only transfers its own replay of L1 data shows, so a disputed
output delays its repayment (the proposer lies about the batch with its withdrawal; the
challenger wins) and loses it nothing; a second user shows it a signed payment and spends the
same nonce elsewhere, and is never filled. ``defense=off``: the provider fills on the signed
intent alone and loses that fill.

``fee-accounting``: a day of fee-paying traffic on the optimistic rollup, the ZK rollup and the
sidechain, each on its own L1 with moving prices (:mod:`~prozchain.rollup.crosslayer.fees`).
After every step the fee ledger balances to the wei (paid = distributed + burned) and the
layer's fee pot (the L2 fee vault; the ZK operator's unclaimed fee entries) holds exactly what
the ledger has not paid out; every charge is its quote rounded up; underpaid transactions are
refused; the sidechain's validators claim the epoch rewards the ledger paid them; the L1 pricer
ends the day with the operator's surplus within 10% of its L1 cost (a day holds six ZK batches;
the VM layers end within about 1%). ``defense=off`` turns the
pricer's feedback off: the data fee misses the batches' fixed L1 cost and ``honest_loss`` is the
operator's unrecovered L1 cost beyond that 10%.

>>> from prozchain.rollup.sim.registry import all_scenarios
>>> sorted(name for name in all_scenarios() if all_scenarios()[name].runner.__module__.endswith(".crosslayer.scenarios"))
['atomic-swap-timeout', 'crosslayer-roundtrip', 'fee-accounting', 'l2-to-l2-provider-fraud']
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

from prozchain.rollup.common.units import Unit, readable
from prozchain.rollup.common.words import b32
from prozchain.rollup.crosslayer import fees
from prozchain.rollup.crosslayer.agents import USERS, attach_users
from prozchain.rollup.crosslayer.contracts import OPTIMISTIC, HashLock, RogueLayer
from prozchain.rollup.crosslayer.errors import CrossLayerError, NotFinal
from prozchain.rollup.crosslayer.swaps import (AMOUNT, CLAIM, HTLC_AT, HTLC_CODE, LOCK, PREIMAGE, REFUND, SwapTerms,
                                               hashlock, htlc_slot)
from prozchain.rollup.crosslayer.system import BLOCK_MS, QUIET, WAIT_MS, World, build, run_until, settle
from prozchain.rollup.l1 import Key
from prozchain.rollup.l1.token import Token
from prozchain.rollup.sidechain.node.chain import Genesis as SidechainGenesis
from prozchain.rollup.sidechain.system import Config as SidechainConfig
from prozchain.rollup.sidechain.system import System as SidechainSystem
from prozchain.rollup.sidechain.system import build as build_sidechain
from prozchain.rollup.sim import kit
from prozchain.rollup.sim.registry import ScenarioResult, scenario
from prozchain.rollup.vm import L2Tx

TOKEN_UNITS = Unit("wei", "token units", 1)
ROGUE_LAYER = 9


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
    if not run_until(world.sim, lambda: bridge.balance(user.address) == amount, WAIT_MS):
        return 0
    run.check(f"{name}: credited")
    midway()
    if pay:
        bridge.transfer(user, payee, pay)
        run_until(world.sim, lambda: bridge.balance(user.address) == amount - pay, WAIT_MS)
    out = amount - pay - bridge.withdrawal_fee
    run.refused(f"{name}: a withdrawal above the balance", CrossLayerError, lambda: bridge.withdraw(user, amount * 2))
    w = bridge.withdraw(user, out)
    run.check(f"{name}: withdrawal started")
    if not bridge.status(w).final:  # a channel's co-signed final state is final at once
        run.refused(f"{name}: a finalization before finality", NotFinal, lambda: bridge.finalize(w))
    if not settle(world.sim, bridge, w, WAIT_MS):
        return 0
    run.check(f"{name}: final")
    try:
        bridge.finalize(w)
    except NotFinal:
        return 0  # L1 could not pay it
    run.check(f"{name}: paid")
    run.refused(f"{name}: a second finalization", CrossLayerError, lambda: bridge.finalize(w))
    return out


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
    fees = world.bridges["zk"].withdrawal_fee
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



# -- atomic swaps -------------------------------------------------------------------------------
SWAP_TOKENS, SWAP_WEI = 40_000, 3 * 10**17
L1_LOCK_S, MARGIN_S, BLOCK_S_MAX = 600, 120, 1.5


@dataclass(kw_only=True)
class SwapRun(kit.Run):
    """The swap's world: the sidechain system (with the HTLC in its genesis), the L1 token and
    hash lock, and the two parties."""

    system: SidechainSystem
    token: str
    locks: str
    alice: Key
    bob: Key
    l1_lock: int = 0
    l2_lock: int = 0  # the HTLC numbers its locks from 0: this swap's is the first
    nonces: dict[str, int] = field(default_factory=dict)

    @property
    def side(self):
        return self.system.validators[0].chain

    def htlc(self, field_: int) -> int:
        return self.side.ex.storage(self.side.world, HTLC_AT, htlc_slot(self.l2_lock, field_))

    def l2(self, key: Key, *args: int, value: int = 0) -> None:
        """Send a call of the sidechain HTLC to every validator."""
        nonce = self.nonces.get(key.address, 0)
        self.nonces[key.address] = nonce + 1
        raw = L2Tx(nonce, HTLC_AT, value, args, gas_limit=200_000).sign(key).encode()
        for v in self.system.validators:
            self.sim.network.send(USERS, v.name, raw)


def _swap_world(seed: int, params: dict) -> SwapRun:
    alice, bob, deployer = (Key.from_seed(f"swap-{n}".encode()) for n in ("alice", "bob", "deployer"))
    genesis = SidechainGenesis(balances={bob.address: SWAP_WEI}, code={HTLC_AT: HTLC_CODE})
    system = build_sidechain(seed, SidechainConfig(network=QUIET, l1_block_ms=BLOCK_MS), genesis=genesis,
                             users=[alice, bob, deployer])
    chain = system.chain
    token, _ = chain.deploy(deployer, Token, 10**9)
    chain.transact(deployer, token, "transfer", alice.address, SWAP_TOKENS)
    locks, _ = chain.deploy(deployer, HashLock)
    attach_users(system.sim)
    system.sim.run(until=0)
    return SwapRun(sim=system.sim, params=params, chain=chain, system=system, token=token, locks=locks,
                   alice=alice, bob=bob)


@scenario("atomic-swap-timeout", "an L1 token against sidechain ether, hash- and time-locked on both layers; "
          "the initiator vanishes after the counterparty locks and comes back after its own refund to claim "
          "late; defense=off: the timeouts in the wrong order", defense="on")
def atomic_swap_timeout(seed: int, params: dict) -> ScenarioResult:
    run = _swap_world(seed, params)
    chain, alice, bob, sim = run.chain, run.alice, run.bob, run.sim
    secret = sim.scheduler.rng("secret").getrandbits(255)
    with sim:
        run_until(run.sim, lambda: run.side.height >= 2, 60_000)
        deadline = chain.time + L1_LOCK_S
        chain.transact(alice, run.token, "approve", run.locks, SWAP_TOKENS)
        run.l1_lock = chain.transact(alice, run.locks, "lock", run.token, bob.address, b32(hashlock(secret)),
                                     deadline, SWAP_TOKENS, gas_limit=400_000).return_value
        # Bob's terms: his lock ends at the slowest planned pace MARGIN_S before Alice's (defense=off: after it)
        blocks = (L1_LOCK_S - MARGIN_S) // BLOCK_S_MAX - 10 if params["defense"] != "off" else 3 * L1_LOCK_S
        terms = SwapTerms(chain.time, deadline, run.side.height, run.side.height + int(blocks), BLOCK_S_MAX, MARGIN_S)
        if params["defense"] != "off":
            terms.check()
        run.l2(bob, LOCK, hashlock(secret), int(alice.address, 16), terms.timeout, value=SWAP_WEI)
        run_until(run.sim, lambda: run.htlc(AMOUNT) == SWAP_WEI, 60_000)
        bob_refund = {"sent": False, "at": 0}

        def bob_watches() -> None:  # Bob's client: claim on L1 once the secret shows, else refund at the timeout
            revealed = run.htlc(PREIMAGE)
            if revealed and chain.view(run.locks, "preimage", run.l1_lock) == bytes(32) and chain.time < deadline:
                chain.transact(bob, run.locks, "claim", run.l1_lock, b32(revealed), gas_limit=400_000)
            if not bob_refund["sent"] and run.side.height >= terms.timeout and run.htlc(AMOUNT):
                bob_refund.update(sent=True, at=chain.time)
                run.l2(bob, REFUND, run.l2_lock)
        sim.scheduler.every(BLOCK_MS, "bob: watch", bob_watches, until=10**12)
        # Alice vanishes; she comes back after her own L1 refund is due, refunds, and claims late
        run_until(run.sim, lambda: chain.time >= deadline + 10, 10 * L1_LOCK_S * 1_000)
        alice_refund = chain.transact(alice, run.locks, "refund", run.l1_lock, gas_limit=400_000)
        refunded_at = chain.time
        run.l2(alice, CLAIM, run.l2_lock, secret)
        sim.run(until=sim.scheduler.now + 60_000)
    alice_l2 = run.side.ex.balance(run.side.world, alice.address)
    bob_l2 = run.side.ex.balance(run.side.world, bob.address)
    bob_l1 = chain.view(run.token, "balance_of", bob.address)
    l1_claimed, l2_claimed = bob_l1 == SWAP_TOKENS, alice_l2 == SWAP_WEI
    l1_refunded, l2_refunded = alice_refund.status, bob_l2 == SWAP_WEI
    invariants = {
        "both_legs_complete_or_both_refund": (l1_claimed and l2_claimed) or (l1_refunded and l2_refunded),
        "bob_refunded_before_alice_could_refund": bob_refund["sent"] and bob_refund["at"] + MARGIN_S <= deadline,
    }
    lost = SWAP_WEI if l2_claimed and not l1_claimed else 0
    summary = [f"Alice locks {SWAP_TOKENS} token units on L1 until L1 time {deadline}; Bob locks "
               f"{SWAP_WEI} wei on the sidechain until height {terms.timeout} (by L1 time {terms.l2_ends_by} "
               f"at {BLOCK_S_MAX} s a block at most)",
               f"Alice vanishes, refunds on L1 at L1 time {refunded_at} "
               f"({'paid' if alice_refund.status else alice_refund.error}), then claims Bob's lock with the secret",
               f"Bob's sidechain refund sent at L1 time {bob_refund['at'] or 'never'}; Bob holds {bob_l1} "
               f"token units on L1"]
    return run.finish("atomic-swap-timeout", invariants, lost, summary=summary,
                      accounts={"bob": {"sidechain start": SWAP_WEI, "sidechain end": bob_l2}},
                      attack_attempted=True)


# -- L2 to L2 through a liquidity provider --------------------------------------------------------
INTENT, PROVIDER_FEE = 20_000, 100
PROVIDER_BOUND = (f"intents of {INTENT} token units at a fee of {PROVIDER_FEE}; the provider's stated bound: it fills "
                  "only transfers in its replay of L1 data, so a dispute delays its repayment (by at most the window "
                  "and both clocks) and loses it nothing")


def _fill_when(run: Run, source, provider: Key, amount: int, before: int) -> bool:
    """The provider's rule: it fills only once its own replay of L1 data shows ``amount`` more
    on its source balance than ``before`` (a batch on L1 cannot be undone by a dispute)."""
    return run_until(run.world.sim, lambda: source.balance(provider.address) >= before + amount, 120_000)


@scenario("l2-to-l2-provider-fraud", "an intent from the optimistic rollup to the sidechain filled at once by a "
          "liquidity provider, repaid on L1 after the source is final: the source output is disputed after the "
          "fill, and a user double-spends the intent's transfer; the provider's loss stays within its stated "
          "bound (0) and no user loses. defense=off: the provider fills on the signed intent alone", defense="on")
def provider_fraud(seed: int, params: dict) -> ScenarioResult:
    world = build(seed, layers=("optimistic", "sidechain"))
    run = Run(sim=world.sim, params=params, chain=world.chain, world=world)
    carol, mallory = world.users
    provider, chain, token = world.keys["provider"], world.chain, world.fabric.token
    source, target = world.bridges["optimistic"], world.bridges["sidechain"]
    proposer = world.sim.agents["opt-proposer"]
    with world.sim:
        world.sim.scheduler.every(BLOCK_MS, "judge: routes", lambda: run.check("block"), until=10**12)
        target.deposit(provider, 5 * INTENT)  # the provider's liquidity on the destination
        for user in (carol, mallory):
            source.deposit(user, INTENT)
        run_until(world.sim, lambda: min(source.balance(u.address) for u in (carol, mallory)) == INTENT
                  and target.balance(provider.address) == 5 * INTENT, 120_000)
        l1_start = chain.view(token, "balance_of", provider.address)
        # Carol's intent: she pays the provider on the source; it fills on the destination once that is on L1
        before = source.balance(provider.address)
        source.transfer(carol, provider.address, INTENT)
        filled_carol = _fill_when(run, source, provider, INTENT, before)
        if filled_carol:
            target.transfer(provider, carol.address, INTENT - PROVIDER_FEE)
        # Mallory's intent: she shows the provider a signed payment, and sends the sequencer another
        # transaction with the same nonce first (a double spend of the intent's transfer)
        nonce = source.nonces.get(mallory.address, 0)
        shown = L2Tx(nonce, provider.address, INTENT, gas_limit=100_000).sign(mallory)
        source.send(mallory, mallory.address, INTENT // 2)
        before = source.balance(provider.address)
        trusting = params["defense"] == "off" and shown.sender == mallory.address
        filled_mallory = trusting or _fill_when(run, source, provider, INTENT, before)
        if filled_mallory:
            target.transfer(provider, mallory.address, INTENT - PROVIDER_FEE)
        run_until(world.sim, lambda: target.balance(carol.address) == INTENT - PROVIDER_FEE, 60_000)
        # the provider takes its repayment out of the source: the proposer lies about that batch
        proposer.lie_from = len(source.node.batches)
        w = source.withdraw(provider, source.balance(provider.address))
        repaid = settle(world.sim, source, w, WAIT_MS) and source.finalize(w).status
        disputed = bool(chain.logs(source.system.outputs, "Challenged"))
    paid_out = (INTENT - PROVIDER_FEE) * (filled_carol + filled_mallory)
    received = chain.view(token, "balance_of", provider.address) - l1_start
    provider_loss = max(0, paid_out - received)
    invariants = {
        "carol_filled": target.balance(carol.address) == INTENT - PROVIDER_FEE,
        "provider_repaid_after_the_dispute": bool(repaid),
        "provider_loss_within_its_bound": provider_loss == 0,
        "route_escrow_equals_supply_plus_in_flight": all(routes for _, routes, _ in run.checks),
    }
    summary = [PROVIDER_BOUND,
               f"Carol's intent filled: {filled_carol}; Mallory's double-spent intent filled: {filled_mallory}",
               f"the source output with the provider's withdrawal was {'disputed' if disputed else 'NOT disputed'}; "
               f"provider paid out {paid_out}, got {received} back on L1, loss {provider_loss}"]
    provider_account = {"paid out": paid_out, "repaid": received}
    return run.finish("l2-to-l2-provider-fraud", invariants, provider_loss, summary=summary,
                      accounts={"provider": provider_account}, attack_attempted=disputed)


# -- fee-accounting ------------------------------------------------------------------------------
@scenario("fee-accounting", "a day of fee-paying traffic on the optimistic rollup, the ZK rollup and the sidechain: "
          "after every step paid = distributed + burned to the wei and each fee pot holds what the ledger has not "
          "paid out; charges equal quotes rounded up; underpaid transactions refused; the L1 pricer brings the "
          "operator's surplus within 10% of its L1 cost. defense=off: no pricer feedback, the operator bleeds",
          defense="on", hours=24, layers=",".join(fees.LAYERS))
def fee_accounting(seed: int, params: dict) -> ScenarioResult:
    layers = [name for name in params["layers"].split(",") if name]
    days = [fees.run_day(name, seed, params["hours"], feedback=params["defense"] == "on") for name in layers]
    invariants, summary, accounts, gas, steps = {}, [], {}, {}, 0
    for day in days:
        pricer, margin = day.pricer, fees.TOLERANCE_BPS * day.pricer.cost // 10_000
        invariants.update({
            f"{day.layer}: paid = distributed + burned after every step": all(day.balanced),
            f"{day.layer}: the fee pot holds what the ledger has not paid out": all(day.pot_ok),
            f"{day.layer}: every charge is its quote rounded up": day.quote_bound_ok and bool(day.quotes),
            f"{day.layer}: underpaid transactions refused": day.refused_ok and day.refused > 0,
            f"{day.layer}: every operator L1 transaction succeeded": day.l1_ok,
            f"{day.layer}: surplus within {fees.TOLERANCE_BPS // 100}% of L1 cost": abs(pricer.surplus) <= margin,
            f"{day.layer}: L1 value conserved": day.chain.conserved(),
            **{f"{day.layer}: {name}": ok for name, ok in day.checks.items()}})
        summary += [f"{day.layer}: {line}" for line in pricer.report()]
        summary.append(f"{day.layer}: paid {readable(day.ledger.paid)} = distributed "
                       f"{readable(day.ledger.distributed)} + burned {readable(day.ledger.burned)}; "
                       f"{len(day.ledger.payouts)} payouts, {day.refused} underpaid refused")
        accounts[f"{day.layer} operator"] = {"l1_cost": pricer.cost, "l1_data_fees": pricer.collected,
                                            "unrecovered": day.deficit}
        for label, amount in kit.l1_gas(day.chain)[1].items():
            gas[f"{day.layer}:{label}"] = amount
        steps += len(pricer.batches)
    return ScenarioResult.from_checks("fee-accounting", seed, params, invariants, sum(d.deficit for d in days),
                                      sum(gas.values()), steps, l1_gas_by_contract=gas, summary=summary,
                                      accounts=accounts)
