"""Scenarios of the sidechain (``prozchain scenario run sidechain-...`` / ``bridge-...``).

Each run builds an L1 with the staking contract, light client and bridge, four validators
running Tendermint on the simulated network, a relayer, and honest users who deposit on L1,
pay each other on the sidechain and withdraw back to L1. Scenarios differ in who misbehaves.

>>> from prozchain.rollup.sim.registry import run
>>> result = run("sidechain-happy-path", seed=3)
>>> result.ok, result.honest_loss
(True, 0)
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any, Optional, Sequence

from prozchain.rollup.common.units import ETHER, readable
from prozchain.rollup.economics.bonds import conserved
from prozchain.rollup.economics.ordering import (GENESIS_PREFIX, ArrivalReceipt, FirstComeFirstServed, Posted,
                                                 inversions, inverted, issue_receipt)
from prozchain.rollup.l1 import Bytes32, Contract, Key, external
from prozchain.rollup.sidechain.agents.byzantine import Coalition, Equivocator
from prozchain.circuits.gadgets.eddsa import public_key, sign
from prozchain.relations.errors import WitnessError
from prozchain.rollup.sidechain.contracts.modes import (ALL_CHECKS, CHECK_MEMBERSHIP, CHECK_THRESHOLD, OPTIMISTIC,
                                                        STAKING, THRESHOLD, ZK)
from prozchain.rollup.l1.errors import InvalidTransaction
from prozchain.rollup.sidechain.node.chain import Block, ChainState, Genesis
from prozchain.rollup.sidechain.node.enterprise import EnterpriseValidator, Policy, is_sealed, open_envelope
from prozchain.rollup.sidechain.node.checkpoint import Checkpoint, order_dispute_args
from prozchain.rollup.sidechain.node.quorum import Member, Statement, eddsa_secret, message_of, proof_sigs, set_commitment
from prozchain.rollup.sidechain.system import Config, System, build, preset
from prozchain.rollup.sim import kit
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.sim.store import MemoryStore
from prozchain.rollup.sim.registry import ScenarioError, ScenarioResult, scenario
from prozchain.rollup.vm import BRIDGE, L2Tx
from prozchain.rollup.vm.errors import DecodeError
from prozchain.rollup.vm.examples import BOUNTY, bounty_storage
from prozchain.rollup.vm.merkle import EMPTY, keccak
from prozchain.rollup.vm.state import WITHDRAWAL_COUNT_KEY, addr_int, withdrawal_commitment, withdrawal_key

USERS = 3
HORIZON = 100_000
BRIDGE_AT = "0x" + BRIDGE.to_bytes(20, "big").hex()


class FakeClient(Contract):
    """The attacker's "light client" (Wormhole): says every signature set is a quorum, and every proof valid."""

    @external
    def verify(self, digest: Bytes32, epoch: int, sigs: list[bytes]) -> int:
        return 10**30

    @external
    def quorum(self, epoch: int) -> int:
        return 1

    @external
    def verify_checkpoint(self, digest: Bytes32, epoch: int, proof: list[int], set_commitment: int,
                          next_epoch: int, next_set: int) -> None:
        """Accepts anything."""


def _users() -> list[Key]:
    return [Key.from_seed(f"sidechain-user-{i}".encode()) for i in range(USERS)]


def _plan(system: System, users: list[Key]) -> dict[str, int]:
    """Deposits, one sidechain payment each, a withdrawal of half of each deposit.
    Returns what each user is owed on L1 by the end."""
    sim, chain, rng = system.sim, system.chain, system.sim.scheduler.rng("users")
    owed = {}
    for i, u in enumerate(users):
        amount = rng.randint(2, 9) * ETHER // 10
        peer = users[(i + 1) % len(users)]
        pay, out = amount // 10, amount // 2
        owed[u.address] = out
        sim.scheduler.at(rng.randint(1_000, 8_000), "user: deposit", lambda u=u, a=amount: chain.submit(
            chain.build(u, system.bridge, "deposit", u.address, value=a, gas_limit=200_000)))
        for nonce, (to, value, at) in enumerate(((peer.address, pay, rng.randint(25_000, 35_000)),
                                                (BRIDGE_AT, out, rng.randint(40_000, 50_000)))):
            raw = L2Tx(nonce, to, value).sign(u).encode()
            sim.scheduler.at(at, "user: sidechain tx", lambda raw=raw: [
                sim.network.send("user", v.name, raw) for v in system.validators])
    return owed


def _judge(name: str, params: dict, system: System, owed: dict[str, int], extra: dict[str, bool],
           extra_loss: int = 0, honest: Any = None, notes: tuple[str, ...] = (),
           attack_attempted: Optional[bool] = None) -> ScenarioResult:
    """The sidechain's invariants (honest validators agree, the chain advanced, honest
    withdrawals paid, the bridge solvent) and ``extra``; the loss is what ``owed`` users were
    not paid plus ``extra_loss``. The kit fills in the rest."""
    chain = system.chain
    honest = [v for v in system.validators if honest is None or v.name in honest]
    paid: dict[str, int] = {}
    for _, log in chain.logs(system.bridge, "Withdrawn"):
        paid[log.args[1]] = paid.get(log.args[1], 0) + log.args[2]
    deposited = sum(log.args[2] for _, log in chain.logs(system.bridge, "Deposited"))
    unpaid = sum(max(0, amount - paid.get(user, 0)) for user, amount in owed.items())
    shortest = min(v.chain.height for v in honest)
    agree = all(len({v.chain.headers[h].hash for v in honest}) == 1 for h in range(shortest + 1))
    invariants = {
        "honest_validators_agree": agree,
        "chain_advanced": shortest >= 10,
        "honest_withdrawals_paid": unpaid == 0,
        "bridge_solvent": chain.state.balance(system.bridge) == deposited - sum(paid.values()),
        "bond_ledger_conserved": conserved(chain, system.ledger),
        **extra,
    }
    summary = [f"heights {sorted(v.chain.height for v in system.validators)}; "
               f"{chain.view(system.bridge, 'count')} checkpoints on L1; "
               f"deposited {readable(deposited)}, withdrawn {readable(sum(paid.values()))}", *notes]
    accounts = {u: {"owed": o, "paid": paid.get(u, 0)} for u, o in owed.items()}
    return kit.finish(name, params, system.sim, chain, invariants, unpaid + extra_loss, summary=summary,
                      accounts=accounts, attack_attempted=attack_attempted)


def _config(params: dict, **changes: Any) -> Config:
    """The scenarios' sidechain: a 20 s challenge window unless ``changes`` say otherwise, so
    withdrawals burnt by 50 s are paid within :data:`HORIZON`."""
    return Config(**{"network": NetworkConfig(latency_ms=(10, 200), loss=params["loss"]), "window": 20, **changes})


@scenario("sidechain-happy-path",
          "deposits through the bridge, payments on the sidechain, withdrawals back to L1 "
          "(no attack; defense=off only stops the relayer watching checkpoints)",
          defense="on", mode="staking", loss=0.02)
def happy_path(seed: int, params: dict) -> ScenarioResult:
    from prozchain.rollup.sidechain.system import MODES
    users = _users()
    system = build(seed, _config(params, mode=MODES[params["mode"]]), users=users,
                   relayer_watch=params["defense"] == "on")
    with system.sim:
        owed = _plan(system, users)
        wait = 1_000 * system.config.window + 20_000 if system.config.mode == OPTIMISTIC else 0
        system.sim.run(until=HORIZON + wait)  # optimistic withdrawals wait out the window
        return _judge("sidechain-happy-path", params, system, owed, {})


@scenario("sidechain-byzantine",
          "f of 3f+1 validators equivocate (two blocks with a double spend, split votes) during a "
          "partition: no two honest validators decide differently, the chain goes on after the heal, "
          "the equivocators are slashed on L1. defense=off: f+1 of them split the honest validators",
          defense="on", validators=4, loss=0.02)
def byzantine(seed: int, params: dict) -> ScenarioResult:
    n = params["validators"]
    f = (n - 1) // 3
    bad = f if params["defense"] == "on" else f + 1
    names = [f"v{i}" for i in range(n)]
    members, honest = names[n - bad:], names[:n - bad]
    mallory, shops = Key.from_seed(b"mallory"), [Key.from_seed(b"shop-a"), Key.from_seed(b"shop-b")]
    price = 5 * ETHER
    spend = tuple(L2Tx(0, s.address, price).sign(mallory).encode() for s in shops)
    rng_split = len(honest) // 2 or 1
    sides = (honest[:rng_split], honest[rng_split:])
    start, heal = 3_000, 30_000
    coalition = Coalition(sides, members, (start, heal), spend)
    cls_of = {names.index(m): partial(Equivocator, coalition=coalition) for m in members}
    system = build(seed, _config(params, validators=n), genesis=Genesis({mallory.address: 6 * ETHER}),
                   cls_of=cls_of, users=_users())
    with system.sim:
        system.sim.network.partition_later(start, sides[0], heal - start)
        owed = _plan(system, _users())
        system.sim.run(until=heal)
        at_heal = min(system.validators[names.index(h)].chain.height for h in honest)
        system.sim.run(until=HORIZON)
        views = [v for v in system.validators if v.name in honest]
        # What each shop saw as final in some honest validator's chain, against what mallory had.
        seen = [max(v.chain.ex.balance(v.chain.world, s.address) for v in views) for s in shops]
        could = max(sum(v.chain.ex.balance(v.chain.world, s.address) for s in shops) for v in views)
        double_spend = max(0, sum(seen) - could)
        bad_keys = [system.validator_keys[names.index(m)].address for m in members]
        slashed = {log.args[0] for _, log in system.chain.logs(system.staking, "Slashed")}
        honest_slashed = slashed - set(bad_keys)
        extra = {
            "no_double_spend": double_spend == 0,
            "equivocators_slashed": set(bad_keys) <= slashed,
            "no_honest_validator_slashed": not honest_slashed,
            "live_after_heal": min(v.chain.height for v in views) >= at_heal + 5,
        }
        return _judge("sidechain-byzantine", params, system, owed, extra, extra_loss=double_spend,
                      honest=honest, notes=(f"{bad} equivocators of {n}; double spend {readable(double_spend)}; "
                                            f"slashed {sorted(slashed)}",),
                      attack_attempted=coalition.spent)  # a member proposed two blocks in the window


@scenario("sidechain-validator-crash",
          "a third of the validators crash and restart; the chain halts or slows, "
          "then resumes with them caught up and nobody slashed (a fault, not an attack; "
          "defense=off keeps their signing state and blocks in memory only, "
          "so a restart forgets what they signed)",
          defense="on", validators=6, downtime_ms=15_000, loss=0.02)
def validator_crash(seed: int, params: dict) -> ScenarioResult:
    n = params["validators"]
    users = _users()
    system = build(seed, _config(params, validators=n), users=users)
    durable = params["defense"] == "on"
    for v in system.validators:
        v.durable = durable
    with system.sim:
        owed = _plan(system, users)
        crashed = system.sim.scheduler.rng("chaos").sample(range(n), n // 3)
        crash_at = 20_000
        for i in crashed:
            system.sim.crash(f"v{i}", crash_at, params["downtime_ms"])
        hit: list[bool] = []
        system.sim.scheduler.at(crash_at + 1, "crashed validators down?",
                                lambda: hit.append(not any(system.validators[i].up for i in crashed)))
        back = crash_at + params["downtime_ms"]
        system.sim.run(until=back)
        at_restart = max(v.chain.height for v in system.validators if v.up)
        system.sim.run(until=HORIZON)
        slashed = [log.args[0] for _, log in system.chain.logs(system.staking, "Slashed")]
        stake = sum(log.args[2] for _, log in system.chain.logs(system.staking, "Slashed"))
        extra = {
            "chain_resumed": min(v.chain.height for v in system.validators) >= at_restart + 5,
            "restarted_validators_caught_up": len({v.chain.height for v in system.validators}) <= 2,
            "nobody_slashed": not slashed,
        }
        return _judge("sidechain-validator-crash", params, system, owed, extra, extra_loss=stake,
                      notes=(f"crashed {sorted(f'v{i}' for i in crashed)} at {crash_at} ms for "
                             f"{params['downtime_ms']} ms; height {at_restart} at restart",),
                      attack_attempted=hit == [True] if crashed else None)


def _forge(system: System, attacker: Key, amount: int, skip: int = 0) -> tuple[Checkpoint, int, list[bytes]]:
    """A checkpoint continuing the bridge's last one whose world adds a withdrawal record
    paying ``attacker``: the theft every forged-message attack tries to get accepted. ``skip``
    records are left out before it, so a second forgery is not refused as a replay of the first."""
    chain, node = system.chain, system.relayers[0].node
    number = chain.view(system.bridge, "count") + 1
    first = chain.view(system.bridge, "checkpoint", number - 1).last + 1
    ex, world = node.ex, node.world
    index = ex.db.get(world, WITHDRAWAL_COUNT_KEY) + skip
    forged = ex.db.write(world, withdrawal_key(index), withdrawal_commitment(addr_int(attacker.address), amount))
    forged = ex.db.write(forged, WITHDRAWAL_COUNT_KEY, index + 1)
    last = node.head
    cp = Checkpoint(number, first, max(first, last.height), EMPTY, forged, last.dep_start + last.n_dep, last.epoch)
    return cp, index, list(ex.db.prove(forged, withdrawal_key(index)).siblings)


def _paid_to(system: System, who: str) -> int:
    """What the bridge has released to ``who``."""
    return sum(log.args[2] for _, log in system.chain.logs(system.bridge, "Withdrawn") if log.args[1] == who)


def _steal(system: System, attacker: Key, cp: Checkpoint, index: int, siblings: list[bytes], amount: int,
           sigs: list[bytes], client: str) -> int:
    """Submit the forged checkpoint and withdraw from it; what the attacker got."""
    chain = system.chain
    before = _paid_to(system, attacker.address)
    chain.transact(attacker, system.bridge, "submit_checkpoint", *cp.args(), [], sigs, client, gas_limit=3_000_000)
    chain.transact(attacker, system.bridge, "prove_withdrawal", cp.number, index, attacker.address, amount,
                   siblings, gas_limit=1_000_000)
    chain.transact(attacker, system.bridge, "process_withdrawal", index, attacker.address, amount, gas_limit=500_000)
    return _paid_to(system, attacker.address) - before


@scenario("bridge-key-compromise",
          "an attacker holds m-1 of the m-of-n bridge keys and signs a checkpoint paying itself: "
          "the light client refuses it. defense=off: the threshold was set to what the attacker holds",
          defense="on", loss=0.02)
def key_compromise(seed: int, params: dict) -> ScenarioResult:
    on = params["defense"] == "on"
    n, m = 4, 3
    config = _config(params, mode=THRESHOLD, threshold=m if on else m - 1,
                     checks=ALL_CHECKS if on else ALL_CHECKS & ~CHECK_THRESHOLD)
    users, attacker = _users(), Key.from_seed(b"key-thief")
    system = build(seed, config, users=users + [attacker])
    with system.sim:
        owed = _plan(system, users)
        system.sim.run(until=60_000)
        amount = system.chain.state.balance(system.bridge)
        cp, index, siblings = _forge(system, attacker, amount)
        sigs = [cp.sign(k) for k in system.validator_keys[:m - 1]]
        stolen = _steal(system, attacker, cp, index, siblings, amount, sigs, system.client)
        system.sim.run(until=HORIZON)
        # _steal puts each of its transactions on L1 (transact raises otherwise): the attack was made.
        return _judge("bridge-key-compromise", params, system, owed, {"no_theft": stolen == 0},
                      extra_loss=stolen, notes=(f"attacker signed with {m - 1} of {n} keys, got {readable(stolen)}",),
                      attack_attempted=True)


@scenario("bridge-forged-message",
          "replayed withdrawal, zero root (Nomad), signatures of non-validators, a spoofed light client "
          "(Wormhole), and a checkpoint for an invalid block, posted by a bonded thief (optimistic bridge) "
          "or signed by >2/3 of the staked validators (staking bridge), caught by a fraud proof that "
          "re-executes the block on L1, the staked signers slashed. defense=off: the checks are off, "
          "the window is 0 and nobody proves fraud. mode=zk: the first four against the ZK bridge "
          "(the non-validators prove a set of their own)",
          defense="on", loss=0.02, mode="threshold")
def forged_message(seed: int, params: dict) -> ScenarioResult:
    from prozchain.rollup.sidechain.system import MODES
    on = params["defense"] == "on"
    checks = ALL_CHECKS if on else 0
    users, thief = _users(), Key.from_seed(b"forger")
    mode = MODES[params["mode"]]
    if mode not in (THRESHOLD, ZK):
        raise ScenarioError(f"mode must be threshold or zk, not {params['mode']!r}")
    system = build(seed, _config(params, mode=mode, checks=checks), users=users + [thief])
    stolen: dict[str, int] = {}
    with system.sim:
        owed = _plan(system, users)
        chain = system.chain
        system.sim.run(until=70_000)
        pot = chain.state.balance(system.bridge) // 4
        # 1. Nomad: process a message nobody proved (its root reads as zero).
        chain.transact(thief, system.bridge, "process_withdrawal", 10**6, thief.address, pot, gas_limit=500_000)
        stolen["zero-root"] = _paid_to(system, thief.address)
        # 2. Non-validators sign a checkpoint paying the thief.
        cp, index, siblings = _forge(system, thief, pot)
        outsiders = [Key.from_seed(f"outsider-{i}".encode()) for i in range(4)]
        signed = (lambda cp: _own_set_proof(system, cp, outsiders)) if mode == ZK else \
            (lambda cp: [cp.sign(k) for k in outsiders])
        stolen["non-validator"] = _steal(system, thief, cp, index, siblings, pot, signed(cp), system.client)
        # 3. Wormhole: a light client of the thief's own that "verified" everything.
        fake, _ = chain.deploy(thief, FakeClient)
        cp, index, siblings = _forge(system, thief, pot)
        stolen["spoofed-client"] = _steal(system, thief, cp, index, siblings, pot,
                                          signed(cp) if mode == ZK else [], fake)
        # 4. Replay: the thief's withdrawal (if any got through) processed again.
        before = _paid_to(system, thief.address)
        chain.transact(thief, system.bridge, "process_withdrawal", index, thief.address, pot, gas_limit=500_000)
        stolen["replay"] = _paid_to(system, thief.address) - before
        system.sim.run(until=HORIZON)
        first = _judge("bridge-forged-message", params, system, owed, {})
    stolen["invalid-block"], second, _ = _invalid_block(seed, params, on, OPTIMISTIC)
    stolen["staked-signers"], third, _ = _invalid_block(seed, params, on, STAKING)
    parts = (first, second, third)
    extra = {**first.invariants, **{f"no_theft_{k}": v == 0 for k, v in stolen.items()},
             **{f"optimistic_{k}": v for k, v in second.invariants.items()},
             **{f"staking_{k}": v for k, v in third.invariants.items()}}
    loss = sum(p.honest_loss for p in parts) + sum(stolen.values())
    by_contract: dict[str, int] = {}
    for part in parts:  # three chains, each finished by the kit: their figures add up
        for label, gas in part.l1_gas_by_contract.items():
            by_contract[label] = by_contract.get(label, 0) + gas
    # The first four attacks are transactions sent as they are; the invalid blocks need L1 to take the checkpoint.
    return ScenarioResult.from_checks("bridge-forged-message", seed, params, extra, loss, sum(p.l1_gas for p in parts),
                                      sum(p.steps for p in parts), l1_gas_by_contract=dict(sorted(by_contract.items())),
                                      summary=[*first.summary, *second.summary, *third.summary,
                                               "stolen: " + ", ".join(f"{k} {readable(v)}" for k, v in stolen.items())],
                                      accounts=first.accounts, trace=[t for p in parts for t in p.trace],
                                      attack_attempted=second.attack_attempted and third.attack_attempted)


def _invalid_block(seed: int, params: dict, on: bool, mode: int) -> tuple[int, ScenarioResult, System]:
    """A checkpoint whose last header claims a world paying a thief, posted with its headers:
    in an OPTIMISTIC bridge by the bonded thief, in a STAKING bridge signed by three of the four
    staked validators (more than 2/3 of the stake, bribed). The relayer's fraud proof deletes it
    inside the window and, under STAKING, ``slash_signers`` takes the signers' bonds.
    defense=off: window 0 and nobody watches, so no fraud proof and no slashing."""
    users, thief = _users(), Key.from_seed(b"forger")
    config = _config(params, mode=mode, window=20 if on else 0)
    system = build(seed, config, users=users + [thief], relayer_watch=on)
    bribed = system.validator_keys[1:]
    label = "optimistic" if mode == OPTIMISTIC else "staking"
    with system.sim:
        owed = _plan(system, users)
        chain = system.chain
        system.sim.run(until=70_000)
        pot = chain.state.balance(system.bridge) // 4
        end = HORIZON + 1_000 * config.window + 20_000  # the last withdrawals' window
        forged = _submit_invalid_block(system, thief, pot, bribed if mode == STAKING else [], until=90_000)
        if forged is not None:
            number, index, siblings = forged
            chain.transact(thief, system.bridge, "prove_withdrawal", number, index, thief.address, pot, siblings,
                           gas_limit=1_000_000)

            def cash() -> None:
                chain.submit(chain.build(thief, system.bridge, "process_withdrawal", index, thief.address, pot,
                                         gas_limit=500_000))
            system.sim.scheduler.every(5_000, "thief: cash out", cash, until=end)
        system.sim.run(until=end)
        got = _paid_to(system, thief.address)
        proven = [log.args for _, log in chain.logs(system.bridge, "FraudProven")]
        checks = {"fraud_proven": bool(proven)} if on else {}
        slashed = {log.args[0]: log.args[2] for _, log in chain.logs(system.staking, "Slashed")}
        if mode != OPTIMISTIC and on:
            stakes = [chain.view(system.staking, "stake", k.address) for k in bribed]
            checks["signers_slashed"] = sorted(slashed) == sorted(k.address for k in bribed) and \
                all(s.bond == 0 and s.jailed for s in stakes)
        taken = f"accepted as {forged[0]}" if forged else "NEVER accepted"
        result = _judge("bridge-forged-message", params, system, owed, checks,
                        notes=(f"{label}: forged checkpoint {taken}, fraud proofs {proven}, thief got {readable(got)}, "
                               f"slashed {readable(sum(slashed.values()))} from {len(slashed)} signers",),
                        attack_attempted=forged is not None)
        return got, result, system


def _submit_invalid_block(system: System, thief: Key, pot: int, signers: list[Key],
                          until: int) -> Optional[tuple[int, int, list[bytes]]]:
    """Post, as L1's next checkpoint, the relayer node's headers for that slot with the last
    one's world adding a withdrawal record that pays ``pot`` to ``thief`` (signed by
    ``signers``, or bonded when there are none). Waits, in 100 ms steps up to ``until``, for the
    node to hold the slot's headers. The relayer posts the real checkpoint of the same slot: the
    thief lets L1 include what is queued first, then builds on what L1 holds in the same event,
    so the race cannot take the slot from it. Returns (checkpoint number, record index, its
    Merkle siblings) once L1 took it, None if it never did."""
    chain, config, node, sim = system.chain, system.config, system.relayers[0].node, system.sim

    def next_slot() -> Optional[tuple[int, int]]:
        """L1's next checkpoint number and first height, if the node holds that slot's headers."""
        number = chain.view(system.bridge, "count") + 1
        first = chain.view(system.bridge, "checkpoint", number - 1).last + 1
        return (number, first) if node.height >= first + config.checkpoint_every - 1 else None

    while sim.scheduler.now < until:
        if next_slot() and chain.mempool:
            chain.mine()  # the relayer may have queued this very slot
        slot = next_slot()
        if slot:
            number, first = slot
            real = node.headers[first:first + config.checkpoint_every]
            db = node.ex.db
            index = db.get(real[-1].world, WITHDRAWAL_COUNT_KEY)
            world = db.write(real[-1].world, withdrawal_key(index), withdrawal_commitment(addr_int(thief.address), pot))
            world = db.write(world, WITHDRAWAL_COUNT_KEY, index + 1)
            headers = list(real[:-1]) + [replace(real[-1], world=world)]
            cp = Checkpoint.cover(number, headers, headers[-1].epoch)
            receipt = chain.transact(thief, system.bridge, "submit_checkpoint", *cp.args(),
                                     [h.encode() for h in headers], [cp.sign(k) for k in signers], system.client,
                                     value=0 if signers else config.bond, gas_limit=3_000_000)
            if receipt.status:
                return number, index, list(db.prove(world, withdrawal_key(index)).siblings)
            sim.scheduler.log(f"thief: forged checkpoint {number} refused: {receipt.error}")
        sim.run(until=sim.scheduler.now + 100)
    return None


def _quorum_proof(system: System, cp: Checkpoint, members: list[Member], signers: dict[int, Key]) -> list[bytes]:
    """The ``sigs`` of a ZK checkpoint proving that ``signers`` (by slot of ``members``) signed
    ``cp`` with no set change; the prover refuses (:class:`WitnessError`) unless they are a quorum."""
    commitment = set_commitment(members, system.capacity)
    statement = Statement(commitment, message_of(cp.digest), cp.epoch, commitment)
    sigs = {i: sign(eddsa_secret(k), statement.signed) for i, k in signers.items()}
    return proof_sigs(system.prover.prove(members, statement, sigs), statement)


def _slots(system: System, epoch: int, keys: list[Key]) -> dict[int, Key]:
    """``keys`` by their slot in ``epoch``'s validator set."""
    addresses = system.l1.validator_set(epoch).addresses
    return {addresses.index(k.address): k for k in keys}


def _own_set_proof(system: System, cp: Checkpoint, keys: list[Key]) -> list[bytes]:
    """A quorum proof for ``cp`` by a set of the attacker's own making: ``keys``, all the stake theirs."""
    return _quorum_proof(system, cp, [(public_key(eddsa_secret(k)), system.config.stake) for k in keys],
                         dict(enumerate(keys)))


@scenario("bridge-zk-light-client",
          "ZK bridge (one Groth16 proof per checkpoint that >2/3 of the stake of the set L1 committed to "
          "signed it): the set changes at epoch 2 (the old validators unbond and sell their keys); a thief "
          "holding one current key cannot prove a quorum of the real set and proves one of its own, then "
          "proves a forged checkpoint signed by the whole stale set: both refused. defense=off: the proof's "
          "set commitment is not checked against the one L1 stores, and the forged checkpoints mint",
          defense="on", loss=0.02)
def zk_light_client(seed: int, params: dict) -> ScenarioResult:
    on = params["defense"] == "on"
    config = _config(params, mode=ZK, validators=6, epoch_length=20, evidence_window=40, unbonding_delay=100,
                     checks=ALL_CHECKS if on else ALL_CHECKS & ~CHECK_MEMBERSHIP)
    users, thief = _users(), Key.from_seed(b"zk-thief")
    system = build(seed, config, users=users + [thief], bonded=3)
    chain, keys = system.chain, system.validator_keys
    old, new = keys[:3], keys[3:]
    stolen: dict[str, int] = {}
    with system.sim:
        system.keep_epochs()
        for k in new:  # the next set bonds, the old one leaves, at the first epoch boundary
            system.sim.scheduler.at(3_000, "bond", lambda k=k: chain.submit(
                chain.build(k, system.staking, "bond", value=config.stake, gas_limit=300_000)))
        for k in old:
            system.sim.scheduler.at(3_000, "unbond", lambda k=k: chain.submit(
                chain.build(k, system.staking, "unbond", gas_limit=300_000)))
        owed = _plan(system, users)
        system.sim.run(until=60_000)
        epoch_before = chain.view(system.client, "current_set")[1]
        pot = chain.state.balance(system.bridge) // 4
        # 1. Too little stake: one current key of three. The real set's proof cannot be made...
        cp, index, siblings = _forge(system, thief, pot)
        bribed = new[-1]
        try:
            _quorum_proof(system, cp, system.members(cp.epoch), _slots(system, cp.epoch, [bribed]))
            unprovable = False
        except WitnessError:
            unprovable = True
        # ...so the thief proves a set of its own, where its key holds all the stake.
        stolen["too-little-stake"] = _steal(system, thief, cp, index, siblings, pot, _own_set_proof(system, cp, [bribed]),
                                            system.client)
        # 2. A stale set: every key of the epoch-1 set, which has left, signs a forged checkpoint.
        cp, index, siblings = _forge(system, thief, pot, skip=1)
        stale = _quorum_proof(system, cp, system.members(1), _slots(system, 1, old))
        stolen["stale-set"] = _steal(system, thief, cp, index, siblings, pot, stale, system.client)
        system.sim.run(until=HORIZON)
        handed_over = chain.view(system.client, "current_set")[1]
        extra = {"too_little_stake_unprovable": unprovable, "set_handed_over": epoch_before >= 2,
                 **{f"no_theft_{k.replace('-', '_')}": v == 0 for k, v in stolen.items()}}
        return _judge("bridge-zk-light-client", params, system, owed, extra, extra_loss=sum(stolen.values()),
                      notes=(f"light client at epoch {epoch_before} when attacked, {handed_over} at the end; stolen: "
                             + ", ".join(f"{k} {readable(v)}" for k, v in stolen.items()),),
                      attack_attempted=True)


class Smuggler(EnterpriseValidator):
    """A faulty validator that puts ``smuggled`` transactions into every block it proposes: it
    reads envelopes like a member but applies no allow-list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = Policy(self.key, None, self.policy.private)
        self.smuggled: list[bytes] = []

    def _new_block(self, extra_txs: Sequence[bytes] = ()) -> Block:
        return super()._new_block([*self.smuggled, *extra_txs])


def _outsider_reads(raw: bytes, outsider: Key, members: set[str]) -> bool:
    """Whether ``outsider`` learns a member's transaction from ``raw`` as blocks carry it."""
    plain = open_envelope(raw, outsider) if is_sealed(raw) else raw
    try:
        return plain is not None and L2Tx.decode(plain).sender in members
    except (DecodeError, InvalidTransaction):
        return False


ENTERPRISE_OUTSIDER = (
    "an outsider of the enterprise sidechain bonds, transacts (a faulty validator slips its transaction into its "
    "proposals) and reads the blocks: all refused, while a member exits on a Groth16 proof. defense=off (no "
    "allow-lists, plaintext): the outsider bonds, transacts and reads (invariants false)")


@scenario("enterprise-outsider", ENTERPRISE_OUTSIDER, defense="on", loss=0.02)
def enterprise_outsider(seed: int, params: dict) -> ScenarioResult:
    on = params["defense"] == "on"
    alice, bob = _users()[:2]
    eve = Key.from_seed(b"sidechain-outsider")
    config = preset("enterprise", window=20, network=NetworkConfig(latency_ms=(10, 200), loss=params["loss"]),
                    permissioned=on, private=on)
    smuggler = Smuggler if on else partial(Smuggler, policy_of=lambda key: Policy(key, None, private=False))
    system = build(seed, config, users=[alice, bob], cls_of={3: smuggler})
    sim, chain, rng = system.sim, system.chain, system.sim.scheduler.rng("users")
    chain.transact(bob, eve.address, value=100 * ETHER)  # the outsider has ether on L1, nothing else
    with sim:
        for who in (alice, eve):
            sim.scheduler.at(rng.randint(1_000, 3_000), "user: deposit", lambda who=who: chain.submit(
                chain.build(who, system.bridge, "deposit", who.address, value=ETHER, gas_limit=200_000)))
        bond = chain.transact(eve, system.staking, "bond", value=config.stake, gas_limit=300_000)
        theirs = L2Tx(0, eve.address, ETHER // 4).sign(eve).encode()
        smuggled = system.seal(theirs, rng)
        system.validators[3].smuggled.append(smuggled)
        out = ETHER // 2
        for nonce, (to, value, at) in enumerate(((bob.address, ETHER // 10, 20_000), (BRIDGE_AT, out, 30_000))):
            raw = system.seal(L2Tx(nonce, to, value).sign(alice).encode(), rng)
            sim.scheduler.at(at, "member: sidechain tx", lambda raw=raw: [
                sim.network.send("alice", v.name, raw) for v in system.validators])
        sim.scheduler.at(22_000, "outsider: sidechain tx", lambda: [
            sim.network.send("eve", v.name, smuggled) for v in system.validators])
        if on:
            for at in (70_000, 85_000):
                sim.scheduler.at(at, "member: private exit", lambda: system.exit_privately(alice))
        sim.run(until=HORIZON)
        honest = [v for v in system.validators if not isinstance(v, Smuggler)]
        node = honest[0].chain
        plain = [tx for b in node.blocks[1:] for tx in node.plain(b.txs, b.header.epoch)]
        members = {alice.address, bob.address}
        sealed = [raw for b in node.blocks[1:] for raw in b.txs if is_sealed(raw)]
        extra = {
            "outsider_bond_refused": not bond.status and chain.view(system.staking, "stake", eve.address).bond == 0,
            "outsider_tx_refused": all(L2Tx.decode(tx).sender != eve.address for tx in plain),
            "payloads_unreadable_to_outsider": not any(_outsider_reads(raw, eve, members)
                                                       for b in node.blocks[1:] for raw in b.txs),
            "members_read_payloads": all(open_envelope(raw, bob) is not None for raw in sealed),
        }
        return _judge("enterprise-outsider", params, system, {alice.address: out}, extra,
                      honest=[v.name for v in honest], attack_attempted=True)


# -- ordering: first come first served, judged block by block ------------------------------------
BOUNTY_AT = "0x" + "b0" * 20
PRIZE, ANSWER = ETHER // 10, 0x5EC7E7


@scenario("sidechain-mev-reorder", "a bribed proposer (first come first served) posts a rival's copy of "
          "a bounty claim ahead of the victim's, which it had receipted first; the two receipts, the "
          "checkpointed header and the block's transactions prove it and the stake it loses pays the "
          "victim", defense="on", users=USERS)
def sidechain_mev_reorder(seed: int, params: dict) -> ScenarioResult:
    """Hand-driven: validator 0 receipts the arrivals (honest payments around the two claims,
    the victim's first) and proposes the block; the validators checkpoint it; the victim
    audits its receipts against the checkpoint and the block and disputes."""
    users = _users()[:max(params["users"], 3)]
    genesis = Genesis(balances={**{u.address: ETHER for u in users}, BOUNTY_AT: PRIZE}, code={BOUNTY_AT: BOUNTY},
                      storage=bounty_storage(BOUNTY_AT, ANSWER))
    system = build(seed, Config(mode=STAKING, window=600), genesis, users=users)
    chain, bridge, proposer = system.chain, system.bridge, system.validator_keys[0]
    rng = system.sim.scheduler.rng("plan")
    victim, rival = rng.sample(users, 2)
    claim = L2Tx(0, BOUNTY_AT, args=(1, ANSWER), gas_limit=100_000).sign(victim).encode()
    copy = L2Tx(0, BOUNTY_AT, args=(1, ANSWER), gas_limit=100_000).sign(rival).encode()
    others = [u for u in users if u not in (victim, rival)]
    payments = [L2Tx(0, rng.choice(users).address, rng.randint(1, 50) * ETHER // 1_000).sign(u).encode()
                for u in rng.sample(others, len(others))]
    cut = rng.randint(0, len(payments))
    arrivals = payments[:cut] + [claim, copy] + payments[cut:]
    store = MemoryStore()
    receipts = {}
    for raw in arrivals:
        tx = L2Tx.decode(raw)
        entry = issue_receipt(store, proposer, bridge, keccak(raw), tx.gas_price, 0, tx.sender, tx.nonce)
        receipts[raw] = (ArrivalReceipt.from_json(entry["receipt"]), entry["signature"])
    posted = [copy if raw == claim else claim if raw == copy else raw for raw in arrivals]  # the bribe
    node = ChainState(system.genesis)
    node.commit(node.build(proposer.address, 1, posted))
    cp = Checkpoint.cover(1, node.headers[1:], chain.view(system.staking, "current_epoch"))
    keeper = system.keys["keeper"]
    chain.transact(keeper, bridge, "submit_checkpoint", *cp.args(), [h.encode() for h in node.headers[1:]],
                   [cp.sign(k) for k in system.validator_keys], system.client, gas_limit=3_000_000)
    block = Posted(1, proposer.address, 0, GENESIS_PREFIX, GENESIS_PREFIX, node.head.time,
                   tuple(keccak(raw) for raw in node.blocks[1].txs))
    held = [(receipts[raw][0], proposer.address) for raw in arrivals]
    found = inversions(FirstComeFirstServed(), held, [block])
    paid = 0
    mine = receipts[claim][0]
    ahead = [raw for raw in arrivals if inverted(mine, receipts[raw][0], block, FirstComeFirstServed())]
    if params["defense"] == "on" and ahead:
        before = chain.state.balance(victim.address)
        r = chain.transact(victim, bridge, "dispute_order",
                           *order_dispute_args(1, node.headers[1:], 0, node.blocks[1],
                                               [receipts[claim], receipts[ahead[0]]]), gas_limit=3_000_000)
        paid = chain.state.balance(victim.address) - before + r.fee if r.status else 0
    won = node.ex.balance(node.world, BOUNTY_AT) == 0 and node.ex.balance(node.world, rival.address) > ETHER
    lost = PRIZE if won else 0
    slashed = [log.args for _, log in chain.logs(system.staking, "Slashed")]
    run = kit.Run(sim=system.sim, params=params, chain=chain)
    return run.finish("sidechain-mev-reorder", {
        "reorder_detected": bool(found),
        "proposer_slashed": bool(slashed) or not lost,
        "victim_made_whole": paid >= lost,
        "bonds_conserved": conserved(chain, system.ledger)},
        max(0, lost - paid), attack_attempted=won,
        summary=[f"{len(arrivals)} receipted arrivals; block 1 posts the rival's claim at "
                 f"position {posted.index(copy)}, the victim's at {posted.index(claim)}; the rival "
                 f"{'took' if won else 'missed'} the bounty ({readable(PRIZE)})",
                 f"audit from the checkpoint and the block: {len(found)} inversion(s); proposer slashed: "
                 f"{readable(sum(a[2] for a in slashed))}; paid to the victim {readable(paid)}"])
