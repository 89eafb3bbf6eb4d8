"""Notes of the shielded pool: keys, commitments, nullifiers, and the note encrypted to its owner.

- A **key** is a Baby Jubjub scalar ``sk`` in ``[1, l)`` (l the prime subgroup order); its public
  key is ``sk * BASE8`` (circomlib's base point), which both owns notes and receives them.
- A **note** is ``(amount, owner public key, blinding)``; its **commitment** (the tree's leaf)
  is ``Poseidon(amount, pk.x, pk.y, blinding)`` (circomlib-compatible Poseidon of 4).
- Its **nullifier**, posted when it is spent, is ``Poseidon(sk, commitment, leaf index)``: only
  the owner can compute it, nobody can link it to the commitment, and a note has exactly one
  (the circuit requires the canonical ``sk < l``, so ``sk + l`` cannot make a second one).
- The note travels **encrypted to the recipient** beside its commitment: ECDH on Baby Jubjub
  (an ephemeral ``e``, ``E = e * BASE8`` posted, the shared point ``e * pk = sk * E``) and a
  Poseidon stream (``Poseidon(S.x, S.y, i)`` added to amount and blinding in the field). Four
  words per note: ``E.x, E.y, amount + k0, blinding + k1``. A wallet trial-decrypts every posted
  note and keeps those whose commitment it can rebuild with its own public key.

>>> alice = NoteKey.from_seed(b"alice")
>>> note = Note(25, alice.public, blinding=7)
>>> words = encrypt(note, rng=random.Random(1))
>>> decrypt(alice, words, note.commitment) == note, decrypt(NoteKey.from_seed(b"bob"), words, note.commitment)
(True, None)
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Optional, Sequence

from prozchain.circuits.gadgets import babyjub
from prozchain.circuits.gadgets.babyjub import BASE8, SUBORDER, Point
from prozchain.circuits.gadgets.merkle import SparseMerkleTree
from prozchain.circuits.gadgets.poseidon import poseidon_hash
from prozchain.native.curve import R

AMOUNT_BITS = 64  # note amounts, like the ZK rollup's balances, are in L2 units below 2^64
NOTE_WORDS = 4  # an encrypted note: E.x, E.y and the two masked values


@dataclass(frozen=True)
class NoteKey:
    """A note owner's secret scalar and its public key."""

    sk: int

    @classmethod
    def from_seed(cls, seed: bytes) -> "NoteKey":
        """A key derived from ``seed`` (SHA-256, reduced into ``[1, l)``)."""
        return cls(int.from_bytes(hashlib.sha256(b"shielded-key" + seed).digest(), "big") % (SUBORDER - 1) + 1)

    @property
    def public(self) -> Point:
        return babyjub.mul(BASE8, self.sk)


@dataclass(frozen=True)
class Note:
    """``amount`` L2 units owned by ``owner`` (a public key), hidden by ``blinding``."""

    amount: int
    owner: Point
    blinding: int

    @property
    def commitment(self) -> int:
        return commitment(self.amount, self.owner, self.blinding)

    @classmethod
    def fresh(cls, amount: int, owner: Point, rng: random.Random) -> "Note":
        """A note with a blinding drawn from ``rng`` (a wallet's own, never shared)."""
        return cls(amount, owner, rng.randrange(R))


def commitment(amount: int, owner: Point, blinding: int) -> int:
    return poseidon_hash([amount, owner[0], owner[1], blinding])


def nullifier(key: NoteKey, commitment_: int, index: int) -> int:
    return poseidon_hash([key.sk, commitment_, index])


def _stream(shared: Point, n: int) -> list[int]:
    return [poseidon_hash([shared[0], shared[1], i]) for i in range(n)]


def encrypt(note: Note, rng: random.Random) -> list[int]:
    """The :data:`NOTE_WORDS` words that let ``note.owner`` (and nobody else) learn the note."""
    e = rng.randrange(1, SUBORDER)
    ephemeral = babyjub.mul(BASE8, e)
    k0, k1 = _stream(babyjub.mul(note.owner, e), 2)
    return [ephemeral[0], ephemeral[1], (note.amount + k0) % R, (note.blinding + k1) % R]


def decrypt(key: NoteKey, words: Sequence[int], commitment_: int) -> Optional[Note]:
    """The note ``words`` carry if it is ``key``'s and matches ``commitment_``, else None."""
    if len(words) != NOTE_WORDS or not babyjub.on_curve((words[0], words[1])):
        return None
    k0, k1 = _stream(babyjub.mul((words[0], words[1]), key.sk), 2)
    note = Note((words[2] - k0) % R, key.public, (words[3] - k1) % R)
    if note.amount >> AMOUNT_BITS or note.commitment != commitment_:
        return None
    return note


class NoteTree:
    """The pool's tree of commitments as every wallet mirrors it: leaves appended in order (two
    per transaction), proofs for the join-split circuit."""

    def __init__(self, depth: int) -> None:
        self.tree = SparseMerkleTree(depth)
        self.size = 0

    @property
    def root(self) -> int:
        return self.tree.root

    def append(self, leaf: int) -> int:
        """Add ``leaf`` at the next index and return the index."""
        index = self.size
        self.tree.set(index, leaf)
        self.size += 1
        return index

    def proof(self, index: int) -> tuple[list[int], list[int]]:
        return self.tree.proof(index)

    def zeros(self) -> list[int]:
        """The root of an empty subtree of each height, leaves first (the contract's constants)."""
        return list(self.tree.defaults)
