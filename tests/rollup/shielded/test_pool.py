"""The pool contract on L1 with real join-split proofs: what it refuses (a double spend, a forged
note, a wrapped amount, a wrong owner, tampered proofs and public inputs) and a full round trip
from a ZK rollup account through two private transfers back into another one."""

from __future__ import annotations

import random

import pytest

from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.native.curve import R
from prozchain.rollup.l1.crypto import keccak256
from prozchain.rollup.shielded.agents import prove_tx
from prozchain.rollup.shielded.circuit import Spend, dummy_spend, inputs
from prozchain.rollup.shielded.contracts import MAX_AMOUNT, ext_data_hash
from prozchain.rollup.shielded.notes import Note, NoteKey, encrypt
from prozchain.rollup.shielded.system import circuit_and_key
from prozchain.rollup.zk.system import UNIT
from prozchain.testing.rig import make_rig

from tests.rollup.shielded.conftest import World, make_world


def funded(world: World, name: str, amount: int):
    wallet = world.wallet(name)
    assert world.send(wallet.deposit(amount)).status
    wallet.sync()
    return wallet


def forged_tx(world: World, wallet, spends, outputs, ext_amount: int = 0):
    """A transaction proven from a witness that breaks the circuit, as an attacker would post it."""
    rng = random.Random(3)
    encrypted = [w for n in outputs for w in encrypt(n, rng)]
    circuit_inputs = inputs(wallet.tree, spends, outputs, ext_amount, ext_data_hash(0, 0, encrypted, keccak256))
    compiled, zkey = circuit_and_key(world.pool.depth)
    return prove_tx(compiled, zkey, circuit_inputs, (0, 0), encrypted, rng, check=False)[0]


def test_a_double_spend_is_refused(world):
    alice, bob = funded(world, "alice", 100), world.wallet("bob")
    first = alice.pay(100, bob.key.public)
    alice.pending.clear()   # as if a second copy of the wallet spent the note again
    second = alice.pay(100, alice.key.public)
    assert first.nullifiers[0] == second.nullifiers[0]
    assert world.send(first).status
    for tx in (first, second):
        receipt = world.send(tx)
        assert not receipt.status and "already spent" in receipt.error
    bob.sync()
    assert bob.balance == 100 and world.chain.view(world.pool.pool, "spent", first.nullifiers[0])


def test_a_forged_note_is_refused(world):
    mallory = funded(world, "mallory", 5)
    forged = Note.fresh(10_000, mallory.key.public, random.Random(1))   # no such leaf
    outputs = [Note.fresh(10_000, mallory.key.public, random.Random(2)), Note.fresh(0, mallory.key.public, random.Random(3))]
    tx = forged_tx(world, mallory, [Spend(forged, mallory.key, 1), dummy_spend(random.Random(4))], outputs, -10_000)
    receipt = world.send(tx, recipient=(1, 1))
    assert not receipt.status and receipt.error.endswith("invalid proof")


def test_a_wrapped_amount_is_refused(world):
    mallory = funded(world, "mallory", 5)
    (spend,) = mallory.unspent()
    outputs = [Note.fresh(R - 9_995, NoteKey.from_seed(b"x").public, random.Random(1)),
               Note.fresh(10_000, mallory.key.public, random.Random(2))]   # 5 = (R - 9995) + 10000 mod R
    receipt = world.send(forged_tx(world, mallory, [spend, dummy_spend(random.Random(3))], outputs))
    assert not receipt.status and receipt.error.endswith("invalid proof")


def test_a_wrong_owner_is_refused(world):
    alice, mallory = funded(world, "alice", 70), world.wallet("mallory")
    alice_note = alice.unspent()[0].note   # mallory knows it: she could have sent it
    mallory.sync()
    outputs = [Note.fresh(70, mallory.key.public, random.Random(1)), Note.fresh(0, mallory.key.public, random.Random(2))]
    tx = forged_tx(world, mallory, [Spend(alice_note, mallory.key, 0), dummy_spend(random.Random(3))], outputs)
    receipt = world.send(tx)
    assert not receipt.status and receipt.error.endswith("invalid proof")


def test_tampered_proofs_and_public_inputs_are_refused(world):
    alice, bob = funded(world, "alice", 100), world.wallet("bob")
    tx = alice.withdraw(40, public_key(b"alice-l2".ljust(32, b".")))
    proof = list(tx.proof)
    proof[6], proof[7] = proof[0], proof[1]   # C := A, still a curve point
    tampered = {
        "proof": dict(proof=proof),
        "commitment": dict(commitments=[tx.commitments[1], tx.commitments[0]]),
        "nullifier": dict(nullifiers=[tx.nullifiers[0], (tx.nullifiers[1] + 1) % R]),
        "recipient": dict(recipient=(bob.key.public)),
        "encrypted note": dict(encrypted=tx.encrypted[:-1] + [tx.encrypted[-1] ^ 1]),
        "amount": dict(public_amount=R - 400),
    }
    for what, change in tampered.items():
        receipt = world.send(tx, **change)
        assert not receipt.status and receipt.error.endswith("invalid proof"), what
    refused = {"root": (dict(root=tx.root + 1), "unknown note tree root"),
               "amount range": (dict(public_amount=MAX_AMOUNT, value=0), "out of range"),
               "payment": (dict(public_amount=40, value=0), "a deposit of 40 units")}
    for what, (change, reason) in refused.items():
        receipt = world.send(tx, **change)
        assert not receipt.status and reason in receipt.error, what
    assert world.send(tx).status


def test_a_deposit_must_pay_its_amount(world):
    alice = world.wallet("alice")
    tx = alice.deposit(100)
    receipt = world.send(tx, value=99 * UNIT)
    assert not receipt.status and "pays 100000000000 wei" in receipt.error


def test_from_a_rollup_account_through_two_private_transfers_into_another(tmp_path):
    """Alice leaves the ZK rollup into the pool (a rollup withdrawal, claimed on L1, deposited),
    pays bob privately, bob pays some back, and bob withdraws into his rollup account, where a
    proven batch credits it. Every proof is real."""
    rig = make_rig(n_users=2)
    alice_l1, bob_l1 = rig.users
    assert rig.deposit(0, 2_000).status and rig.deposit(1, 10).status
    rig.pipeline.run_batch()
    assert rig.pipeline.accept(rig.withdraw(0, 1_000, fee=1)) is None
    _, receipt, _ = rig.pipeline.run_batch()
    assert receipt.status and rig.call(alice_l1, "claim", 0).status

    world = make_world(alice_l1, rig.chain, rig.system.rollup)
    alice, bob = world.wallet("alice"), world.wallet("bob")
    assert world.send(alice.deposit(1_000)).status
    for w in (alice, bob):
        w.sync()
    assert world.send(alice.pay(300, bob.key.public)).status
    for w in (alice, bob):
        w.sync()
    world.l1 = bob_l1
    assert world.send(bob.pay(100, alice.key.public)).status
    for w in (alice, bob):
        w.sync()
    assert (alice.balance, bob.balance) == (800, 200)
    assert world.send(bob.withdraw(150, public_key(rig.l2[1]))).status
    bob.sync()
    _, receipt, _ = rig.pipeline.run_batch()
    assert receipt.status
    tree = rig.node().tree
    assert (alice.balance, bob.balance) == (800, 50)
    assert world.chain.state.balance(world.pool.pool) == 850 * UNIT
    assert (tree.get(1).balance, tree.get(2).balance) == (2_000 - 1_000 - 1, 10 + 150)
    state = world.chain.view(world.pool.pool, "state")
    assert (state.deposited, state.withdrawn, state.leaves) == (1_000, 150, 8)
    restarted = world.wallet("bob", seed=1)   # bob's key alone: every note comes back from L1
    restarted.sync()
    assert restarted.notes == bob.notes and restarted.balance == 50 and restarted.tree.root == state.root
