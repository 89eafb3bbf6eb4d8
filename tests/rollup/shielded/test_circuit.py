"""The join-split circuit refuses each way of stealing from the pool, naming the constraint that
catches it: a double spend, a forged note, an overflowing amount, a wrong owner."""

from __future__ import annotations

import random

import pytest

from prozchain.circuits.testing import assert_rejects
from prozchain.circuits.gadgets.babyjub import SUBORDER
from prozchain.native.curve import R
from prozchain.rollup.shielded.circuit import JoinSplit, Spend, dummy_spend, inputs
from prozchain.rollup.shielded.notes import Note, NoteKey, NoteTree

DEPTH = 4
ALICE, BOB, MALLORY = (NoteKey.from_seed(s) for s in (b"alice", b"bob", b"mallory"))


@pytest.fixture(scope="module")
def compiled():
    return JoinSplit(DEPTH).compile()


@pytest.fixture
def world():
    """A tree holding alice's note of 100 (index 0) and bob's of 40 (index 1)."""
    rng = random.Random(7)
    tree = NoteTree(DEPTH)
    notes = [Note.fresh(100, ALICE.public, rng), Note.fresh(40, BOB.public, rng)]
    for note in notes:
        tree.append(note.commitment)
    return tree, notes, rng


def test_an_honest_transfer_satisfies_the_circuit(compiled, world):
    tree, (note, _), rng = world
    outputs = [Note.fresh(30, BOB.public, rng), Note.fresh(70, ALICE.public, rng)]
    witness = compiled.solve(inputs(tree, [Spend(note, ALICE, 0), dummy_spend(rng)], outputs, 0, 1))
    public = compiled.public_values(witness)
    assert public[0] == tree.root and public[5:] == [n.commitment for n in outputs]


def test_deposit_and_withdrawal_move_the_public_amount(compiled, world):
    tree, (note, _), rng = world
    deposit = [Note.fresh(25, ALICE.public, rng), Note.fresh(0, ALICE.public, rng)]
    compiled.solve(inputs(tree, [dummy_spend(rng), dummy_spend(rng)], deposit, 25, 0))
    change = [Note.fresh(60, ALICE.public, rng), Note.fresh(0, ALICE.public, rng)]
    witness = compiled.solve(inputs(tree, [Spend(note, ALICE, 0), dummy_spend(rng)], change, -40, 0))
    assert compiled.public_values(witness)[1] == R - 40
    assert_rejects(compiled, inputs(tree, [Spend(note, ALICE, 0), dummy_spend(rng)], change, -39, 0),
                   constraint="value conserved")


def test_a_double_spend_within_one_transfer_is_rejected(compiled, world):
    """Across transfers the pool's nullifier set refuses it (test_pool.py); within one, the circuit."""
    tree, (note, _), rng = world
    twice = Spend(note, ALICE, 0)
    outputs = [Note.fresh(200, ALICE.public, rng), Note.fresh(0, ALICE.public, rng)]
    # no witness exists: the solver cannot invert 0 where the circuit asserts the nullifiers differ
    error = assert_rejects(compiled, inputs(tree, [twice, twice], outputs, 0, 0))
    assert "distinct nullifiers" in str(error)


def test_a_forged_note_is_rejected(compiled, world):
    tree, _, rng = world
    forged = Note.fresh(1_000, MALLORY.public, rng)   # never deposited: not a leaf
    outputs = [Note.fresh(1_000, MALLORY.public, rng), Note.fresh(0, MALLORY.public, rng)]
    assert_rejects(compiled, inputs(tree, [Spend(forged, MALLORY, 2), dummy_spend(rng)], outputs, 0, 0),
                   constraint="in0/note in tree")


def test_a_forged_nullifier_is_rejected(compiled, world):
    tree, (note, _), rng = world
    outputs = [Note.fresh(100, ALICE.public, rng), Note.fresh(0, ALICE.public, rng)]
    bad = inputs(tree, [Spend(note, ALICE, 0), dummy_spend(rng)], outputs, 0, 0)
    bad["nullifier"][0] += 1   # a fresh nullifier for a spent note would spend it again
    assert_rejects(compiled, bad, constraint="in0/nullifier")


@pytest.mark.parametrize("where", ["out0", "out1"])
def test_an_amount_wrapping_around_the_field_is_rejected(compiled, world, where):
    tree, (note, _), rng = world
    # 100 = (R - 900) + 1000 mod R: conserved in the field, but creates 1000 from nothing
    huge, wrapped = Note.fresh(1_000, MALLORY.public, rng), Note.fresh(R - 900, ALICE.public, rng)
    outputs = [wrapped, huge] if where == "out0" else [huge, wrapped]
    assert_rejects(compiled, inputs(tree, [Spend(note, ALICE, 0), dummy_spend(rng)], outputs, 0, 0),
                   constraint=f"{where}/amount range")


def test_a_wrong_owner_is_rejected(compiled, world):
    """Mallory knows bob's note (she made it: amount, key, blinding) but not bob's key."""
    tree, (_, note), rng = world
    outputs = [Note.fresh(40, MALLORY.public, rng), Note.fresh(0, MALLORY.public, rng)]
    assert_rejects(compiled, inputs(tree, [Spend(note, MALLORY, 1), dummy_spend(rng)], outputs, 0, 0),
                   constraint="in0/owner")


def test_a_non_canonical_key_is_rejected(compiled, world):
    """sk + l has the public key of sk; it would give a note a second nullifier (a double spend)."""
    tree, _, rng = world
    carol = NoteKey(12_345)   # small enough that sk + l still fits a key's 251 bits
    note = Note.fresh(50, carol.public, rng)
    index = tree.append(note.commitment)
    outputs = [Note.fresh(50, carol.public, rng), Note.fresh(0, carol.public, rng)]
    compiled.solve(inputs(tree, [Spend(note, carol, index), dummy_spend(rng)], outputs, 0, 0))
    shadow = NoteKey(carol.sk + SUBORDER)
    assert shadow.public == carol.public and shadow.sk < 1 << SUBORDER.bit_length()
    assert_rejects(compiled, inputs(tree, [Spend(note, shadow, index), dummy_spend(rng)], outputs, 0, 0),
                   constraint="in0/owner/assert_bits_below")
