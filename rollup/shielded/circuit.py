"""The join-split circuit of the shielded pool: two notes in, two notes out.

Public (in this order, what the pool contract passes to its verifier): the note tree ``root``,
``public_amount`` (what enters the pool, in the field: ``x`` for a deposit of x, ``R - x`` for a
withdrawal of x, 0 for a private transfer), ``ext_data_hash`` (binds the withdrawal recipient
and the encrypted notes to the proof), the two input ``nullifier``\\ s and the two output
``commitment``\\ s. Everything else is private: who owns, who receives, how much.

Constraints, labelled so a rejection names them:

- ``in{i}/owner``: ``sk < l`` (canonical) and ``sk * BASE8`` is the note's owner key;
- ``in{i}/amount range``, ``out{j}/amount range``: every amount fits 64 bits (no wrap mod p);
- ``in{i}/note in tree``: the input commitment is a leaf of ``root`` at its path, unless the
  amount is 0 (a dummy input, so a deposit needs no note);
- ``in{i}/nullifier``: ``Poseidon(sk, commitment, leaf index)`` is the posted nullifier;
- ``distinct nullifiers``: the two inputs are not one note spent twice in one transfer;
- ``value conserved``: ``in0 + in1 + public_amount == out0 + out1``;
- ``out{j}/commitment``: the posted commitments are the new notes'.

>>> compiled = JoinSplit(depth=2).compile()
>>> compiled.r1cs.n_public, compiled.r1cs.n_constraints
(7, 6456)
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

from prozchain.circuits import Circuit, assert_equal, assert_mul, assert_nonzero, scope
from prozchain.circuits.gadgets import babyjub
from prozchain.circuits.gadgets.babyjub import BASE8, SUBORDER
from prozchain.circuits.gadgets.bits import assert_bits_below, bits_of, from_bits, range_check, to_bits
from prozchain.circuits.gadgets.merkle import merkle_root
from prozchain.circuits.gadgets.poseidon import poseidon
from prozchain.native.curve import R
from prozchain.rollup.shielded.notes import AMOUNT_BITS, Note, NoteKey, NoteTree, nullifier

SK_BITS = SUBORDER.bit_length()  # 251
PUBLIC = ("root", "public_amount", "ext_data_hash", "nullifier", "commitment")


class JoinSplit(Circuit):
    """Two notes of a tree of ``depth`` in, two out; see the module doc."""

    def __init__(self, depth: int) -> None:
        self.depth = depth

    def define(self) -> None:
        root = self.public_input("root")
        public_amount = self.public_input("public_amount")
        ext_data_hash = self.public_input("ext_data_hash")
        nullifiers = self.public_input("nullifier", 2)
        commitments = self.public_input("commitment", 2)
        in_amount, in_blinding = self.private_input("in_amount", 2), self.private_input("in_blinding", 2)
        in_owner, in_sk = self.private_input("in_owner", (2, 2)), self.private_input("in_sk", 2)
        siblings, bits = self.private_input("in_siblings", (2, self.depth)), self.private_input("in_bits", (2, self.depth))
        out_amount, out_blinding = self.private_input("out_amount", 2), self.private_input("out_blinding", 2)
        out_owner = self.private_input("out_owner", (2, 2))
        # without a constraint the hash's wire would not enter the proof's public-input term
        assert_mul(ext_data_hash, ext_data_hash, ext_data_hash * ext_data_hash)
        for i in range(2):
            with scope(f"in{i}"):
                with scope("owner"):
                    sk_bits = to_bits(in_sk[i], SK_BITS)
                    assert_bits_below(sk_bits, SUBORDER)
                    owner = babyjub.mul_fixed(sk_bits, BASE8)
                    assert_equal(owner[0], in_owner[i][0])
                    assert_equal(owner[1], in_owner[i][1])
                with scope("amount range"):
                    range_check(in_amount[i], AMOUNT_BITS)
                leaf = poseidon([in_amount[i], in_owner[i][0], in_owner[i][1], in_blinding[i]])
                with scope("note in tree"):
                    assert_mul(merkle_root(leaf, siblings[i], bits[i]) - root, in_amount[i], 0)
                with scope("nullifier"):
                    assert_equal(poseidon([in_sk[i], leaf, from_bits(bits[i])]), nullifiers[i])
        with scope("distinct nullifiers"):
            assert_nonzero(nullifiers[0] - nullifiers[1])
        for j in range(2):
            with scope(f"out{j}"):
                with scope("amount range"):
                    range_check(out_amount[j], AMOUNT_BITS)
                with scope("commitment"):
                    assert_equal(poseidon([out_amount[j], out_owner[j][0], out_owner[j][1], out_blinding[j]]),
                                 commitments[j])
        with scope("value conserved"):
            assert_equal(in_amount[0] + in_amount[1] + public_amount, out_amount[0] + out_amount[1])


@dataclass(frozen=True)
class Spend:
    """An input of a join-split: a note, its owner's key and its leaf index (ignored for a dummy
    note of amount 0, which needs no leaf)."""

    note: Note
    key: NoteKey
    index: int = 0

    @property
    def nullifier(self) -> int:
        return nullifier(self.key, self.note.commitment, self.index)


def public_amount(ext_amount: int) -> int:
    """The field element of a signed amount: ``x`` entering the pool, ``R - x`` leaving it."""
    return ext_amount % R


def inputs(tree: NoteTree, spends: Sequence[Spend], outputs: Sequence[Note], ext_amount: int,
           ext_data_hash: int) -> dict:
    """The circuit's inputs for spending ``spends`` into ``outputs`` with ``ext_amount`` entering
    (positive) or leaving (negative) the pool, under ``tree``'s current root."""
    depth = tree.tree.depth
    paths = [tree.proof(s.index) if s.note.amount else ([0] * depth, bits_of(s.index, depth)) for s in spends]
    return {
        "root": tree.root, "public_amount": public_amount(ext_amount), "ext_data_hash": ext_data_hash,
        "nullifier": [s.nullifier for s in spends], "commitment": [n.commitment for n in outputs],
        "in_amount": [s.note.amount for s in spends], "in_blinding": [s.note.blinding for s in spends],
        "in_owner": [list(s.note.owner) for s in spends], "in_sk": [s.key.sk for s in spends],
        "in_siblings": [p[0] for p in paths], "in_bits": [p[1] for p in paths],
        "out_amount": [n.amount for n in outputs], "out_blinding": [n.blinding for n in outputs],
        "out_owner": [list(n.owner) for n in outputs],
    }


def dummy_spend(rng: random.Random) -> Spend:
    """An input of amount 0 under a throwaway key: its nullifier is fresh and spends nothing."""
    key = NoteKey(rng.randrange(1, SUBORDER))
    return Spend(Note(0, key.public, rng.randrange(R)), key)
