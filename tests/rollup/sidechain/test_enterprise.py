"""The enterprise sidechain is permissioned (allow-lists on L1, changed at epoch boundaries,
applied to bonds, the mempool and block validation) and private (payloads sealed to the
members), and its exits are paid on a Groth16 proof of inclusion in a quorum-signed exits root."""

from __future__ import annotations

import random

import pytest

from prozchain.circuits.testing import assert_rejects
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.economics.bonds import BondLedger
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1.crypto import to_address
from prozchain.rollup.sidechain.contracts.permissions import MEMBER, VALIDATOR, Permissions
from prozchain.rollup.sidechain.contracts.staking import Staking
from prozchain.rollup.sidechain.errors import InvalidBlock, InvalidMessage
from prozchain.rollup.sidechain.node.chain import ChainState, Genesis
from prozchain.rollup.sidechain.node.enterprise import Policy, SealedMempool, enc_public, open_envelope, seal
from prozchain.rollup.sidechain.node.exits import ExitCircuit, exit_inputs, exits_digest, exits_tree
from prozchain.rollup.sidechain.node.messages import signature_bytes
from prozchain.rollup.sidechain.system import build, preset
from prozchain.rollup.sim import registry
from prozchain.rollup.vm import BRIDGE, L2Tx

GOV, ALICE, BOB, EVE = (Key.from_seed(s) for s in (b"ent-gov", b"ent-alice", b"ent-bob", b"ent-eve"))


@pytest.fixture
def l1():
    chain = Chain({k.address: 1_000 * ETHER for k in (GOV, ALICE, BOB, EVE)})
    staking, _ = chain.deploy(GOV, Staking, 3_600, 14_400, 7_200, ETHER, 10_000, 1_000)
    ledger, _ = chain.deploy(GOV, BondLedger)
    chain.transact(GOV, staking, "link_ledger", ledger)
    permissions, _ = chain.deploy(GOV, Permissions, staking)
    chain.transact(GOV, staking, "link_gate", permissions)
    return chain, staking, permissions


def _ok(receipt) -> bool:
    return bool(receipt.status)


def _admit(chain: Chain, permissions: str, who: Key, role: int, by: Key = GOV):
    return chain.transact(by, permissions, "admit", who.address, role, enc_public(who), gas_limit=300_000)


def test_a_non_member_bond_is_refused_and_membership_changes_at_epoch_boundaries(l1):
    chain, staking, permissions = l1
    assert not _ok(_admit(chain, permissions, EVE, VALIDATOR, by=EVE))  # not governance
    assert _ok(_admit(chain, permissions, ALICE, VALIDATOR, by=GOV))
    assert _ok(_admit(chain, permissions, BOB, VALIDATOR, by=GOV))
    refused = chain.transact(EVE, staking, "bond", value=32 * ETHER, gas_limit=300_000)
    assert not refused.status and "allow-list" in refused.error
    for key in (ALICE, BOB):
        assert _ok(chain.transact(key, staking, "bond", value=32 * ETHER, gas_limit=300_000))
    chain.advance_time(3_600)
    chain.transact(GOV, staking, "advance_epoch", gas_limit=3_000_000)
    assert chain.view(staking, "validators", 1).addresses == [ALICE.address, BOB.address]
    # removed during epoch 1: still a validator in epoch 1, left out of epoch 2's set
    assert _ok(chain.transact(GOV, permissions, "remove", BOB.address, VALIDATOR, gas_limit=300_000))
    assert chain.view(permissions, "allowed", VALIDATOR, BOB.address, 1)
    assert not chain.view(permissions, "allowed", VALIDATOR, BOB.address, 2)
    chain.advance_time(3_600)
    chain.transact(GOV, staking, "advance_epoch", gas_limit=3_000_000)
    assert chain.view(staking, "validators", 2).addresses == [ALICE.address]
    # admitted during epoch 2: a member from epoch 3 on, and in epoch 3's roster with its key
    assert _ok(_admit(chain, permissions, EVE, MEMBER, by=GOV))
    assert not chain.view(permissions, "allowed", MEMBER, EVE.address, 2)
    assert chain.view(permissions, "allowed", MEMBER, EVE.address, 3)
    assert chain.view(permissions, "roster", 3).enc_keys == [enc_public(ALICE), enc_public(EVE)]


def _policy(key: Key, members=(ALICE.address, BOB.address)) -> Policy:
    return Policy(key, lambda sender, epoch: sender in members)


def test_a_members_payload_is_unreadable_to_an_outsider_and_readable_to_members():
    raw = L2Tx(0, BOB.address, 5).sign(ALICE).encode()
    box = seal(raw, [enc_public(ALICE), enc_public(BOB)], random.Random(1))
    assert raw not in box and bytes.fromhex(BOB.address[2:]) not in box
    assert open_envelope(box, BOB) == raw and open_envelope(box, ALICE) == raw
    assert open_envelope(box, EVE) is None
    tampered = box[:-1] + bytes([box[-1] ^ 1])
    assert open_envelope(tampered, BOB) is None


def test_non_member_transactions_are_refused_by_the_mempool_and_by_block_validation():
    rng = random.Random(2)
    keys = [enc_public(k) for k in (ALICE, BOB)]
    theirs = seal(L2Tx(0, BOB.address, 0).sign(EVE).encode(), keys, rng)  # sealed right, but not a member
    ours = seal(L2Tx(0, BOB.address, 0).sign(ALICE).encode(), keys, rng)
    plain = L2Tx(1, BOB.address, 0).sign(ALICE).encode()
    pool = SealedMempool(_policy(BOB), lambda: 1)
    assert pool.add(ours) and pool.select(lambda a: 0, 10) == [ours]
    for bad in (theirs, plain):
        with pytest.raises(InvalidMessage):
            pool.add(bad)
    genesis = Genesis({ALICE.address: 100, EVE.address: 100})
    faulty = ChainState(genesis, opener=Policy(ALICE, None).opener)  # applies no allow-list
    block = faulty.build(ALICE.address, time=1, txs=[ours, theirs], epoch=1)
    honest = ChainState(genesis, opener=_policy(BOB).opener)
    with pytest.raises(InvalidBlock, match="allow-list"):
        honest.check(block)
    honest.commit(honest.build(ALICE.address, time=1, txs=[ours], epoch=1))
    assert honest.height == 1 and honest.blocks[1].txs == (ours,)


def test_the_exit_circuit_refuses_another_amount_recipient_or_index():
    records = [(ALICE.address, 5), (BOB.address, 7)]
    good = exit_inputs(records, 1)
    ExitCircuit().compile().check(ExitCircuit().compile().solve(good))
    for field, value in (("amount", "8"), ("recipient", str(int(ALICE.address, 16))), ("index", "0")):
        assert_rejects(ExitCircuit(), {**good, field: value})


@pytest.fixture(scope="module")
def enterprise():
    """An enterprise chain where Alice deposited 1 ether and burnt half of it."""
    system = build(4, preset("enterprise", window=20), users=[ALICE, BOB])
    rng, chain = random.Random(4), system.chain
    with system.sim:
        system.sim.scheduler.at(1_000, "deposit", lambda: chain.submit(
            chain.build(ALICE, system.bridge, "deposit", ALICE.address, value=ETHER, gas_limit=200_000)))
        burn = system.seal(L2Tx(0, to_address(BRIDGE), ETHER // 2).sign(ALICE).encode(), rng)
        system.sim.scheduler.at(10_000, "burn", lambda: [system.sim.network.send("alice", v.name, burn)
                                                          for v in system.validators])
        system.sim.run(until=45_000)
    return system


def test_an_exit_is_paid_on_its_proof_once_and_only_with_a_quorum_signed_root(enterprise):
    system, chain = enterprise, enterprise.chain
    number = chain.view(system.bridge, "count")
    cp = chain.view(system.bridge, "checkpoint", number)
    records = [(ALICE.address, ETHER // 2)]
    root = exits_tree(records).root
    few = [signature_bytes(v.key.sign(exits_digest(system.exits, number, cp.world, root))) for v in system.validators[:2]]
    assert not _ok(chain.transact(BOB, system.exits, "commit_exits", number, root, few, gas_limit=2_000_000))
    before = chain.state.balance(ALICE.address)
    assert system.exit_privately(ALICE) == ETHER // 2
    assert chain.view(system.exits, "exits_root", number) == root
    assert chain.state.balance(ALICE.address) > before + ETHER // 2 - ETHER // 100  # minus gas
    proof = system.exit_prover.prove(records, 0)
    again = chain.transact(BOB, system.exits, "exit", number, 0, ALICE.address, ETHER // 2, proof, gas_limit=1_000_000)
    assert not again.status and "already paid" in again.error
    more = chain.transact(BOB, system.exits, "exit", number, 0, ALICE.address, ETHER, proof, gas_limit=1_000_000)
    assert not more.status and "does not verify" in more.error
    direct = chain.transact(BOB, system.bridge, "release_exit", 0, BOB.address, ETHER, gas_limit=200_000)
    assert not direct.status
    assert not chain.logs(system.bridge, "WithdrawalProven")  # no record went to L1 in the open


def explain(result: registry.ScenarioResult) -> str:
    return "\n".join([f"seed {result.seed} params {result.params}", *result.summary, *result.trace[-40:]])


@pytest.mark.parametrize("seed", [3, 8])
def test_enterprise_outsider_scenario_holds_and_breaks_without_the_defence(seed):
    held = registry.run("enterprise-outsider", seed)
    assert held.ok and held.honest_loss == 0 and held.attack_attempted, explain(held)
    broken = registry.run("enterprise-outsider", seed, {"defense": "off"})
    assert not broken.ok, explain(broken)
    for name in ("outsider_bond_refused", "outsider_tx_refused", "payloads_unreadable_to_outsider"):
        assert not broken.invariants[name], (name, explain(broken))


def test_a_block_is_judged_by_the_allow_list_of_its_own_epoch():
    removed_at = 2  # Bob was removed during epoch 1: a member in epoch 1, not in epoch 2
    policy = Policy(ALICE, lambda sender, epoch: sender == ALICE.address
                    or (sender == BOB.address and epoch < removed_at))
    keys, rng = [enc_public(ALICE), enc_public(BOB)], random.Random(3)
    bobs = seal(L2Tx(0, ALICE.address, 1).sign(BOB).encode(), keys, rng)
    genesis = Genesis({BOB.address: 100})
    assert ChainState(genesis, opener=policy.opener).build(ALICE.address, time=1, txs=[bobs], epoch=1).header.n_txs == 1
    with pytest.raises(InvalidBlock, match="epoch 2"):
        ChainState(genesis, opener=policy.opener).build(ALICE.address, time=1, txs=[bobs], epoch=removed_at)
