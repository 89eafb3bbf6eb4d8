"""Keccak Merkle trees: a sparse tree for key-value state and a plain tree for lists.

**Sparse tree.** Keys are 32-byte hashes, read bit by bit from the most significant. A subtree
holding one leaf is that leaf (no chain of single-child nodes), so a path is about log2(n)
nodes long. Nodes hash as ``keccak(0x00 || key || value)`` (leaf) and
``keccak(0x01 || left || right)`` (branch); the empty tree is 32 zero bytes. Leaves are never
removed (writing 0 keeps a leaf holding 0), so the root is a function of the write history,
which the full executor and the one-step verifier share. A :class:`Proof` holds the siblings
down to where the key's path ends (empty, the key's leaf, or another key's leaf), which is
enough both to read the key and to compute the root after writing it: see :func:`read` and
:func:`write`, which need nothing but the root and the proof.

**List tree.** :func:`prozchain.rollup.common.list_root` over leaf hashes padded with zero to a
power of two, hashed with the counted :func:`keccak`; :func:`list_proof` and :func:`list_verify`
open it.

L1 contracts charge each node of the sparse tree they hash as a 65-byte KECCAK256,
:data:`NODE_HASH_GAS`.

**Commitments.** How the sparse tree (and the state root over it, see
:func:`prozchain.rollup.vm.state.state_root`) hashes is a :class:`Commitment` chosen per
deployment. :data:`KECCAK` is the one above, cheap on L1 (36 gas a node) and hostile to circuits
(~150k constraints a permutation). :data:`POSEIDON` hashes the same tree with circomlib's
Poseidon over BN254: a branch is ``Poseidon(left, right)`` (240 constraints, 21,124 gas in
Solidity), a leaf ``Poseidon(key, value_hi, value_lo)``, a key ``Poseidon`` of its parts in
128-bit limbs, and its path reads the key's bits from the least significant (a key is a field
element, whose top bits are biased). The tree keeps the keccak tree's shape (a lone leaf ends
its path, so paths are about log2(n) long, 20 for a million keys, instead of a fixed 254): a
circuit opens it with a bounded depth, and a step whose path is deeper than the circuit's is
left to one-step re-execution, which has no bound.

>>> pdb = MerkleDB(POSEIDON)
>>> proot = pdb.write(EMPTY, POSEIDON.key_of(b"a"), 7)
>>> read(proot, POSEIDON.key_of(b"a"), pdb.prove(proot, POSEIDON.key_of(b"a")), POSEIDON)
7
>>> proot != MerkleDB().write(EMPTY, key_of(b"a"), 7)
True

>>> db = MerkleDB()
>>> root = db.write(EMPTY, key_of(b"a"), 7)
>>> proof = db.prove(root, key_of(b"b"))
>>> read(root, key_of(b"b"), proof)
0
>>> write(root, key_of(b"b"), proof, 9) == db.write(root, key_of(b"b"), 9)
True
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Optional, Sequence

from prozchain.circuits.gadgets.poseidon import poseidon_hash
from prozchain.rollup.common.merkle import EMPTY, list_levels
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.l1.crypto import keccak256, rlp_encode
from prozchain.rollup.vm.errors import InvalidWitness

NODE_HASH_GAS = G.keccak_gas(65)  # a branch hashes 0x01 || left || right
POSEIDON_RATE = max(G.POSEIDON_GAS)
"""The widest Poseidon the commitment uses: the widest L1 has a published price for."""
LIMB = 2**128
_hashes = [0, 0]  # keccak calls, L1 gas of the Poseidon calls


def keccak(data: bytes) -> bytes:
    """keccak-256, counted so that L1 can charge for the hashing a one-step proof does."""
    _hashes[0] += 1
    return keccak256(data)


def poseidon(inputs: Sequence[int]) -> int:
    """Poseidon of 1 to :data:`POSEIDON_RATE` field elements, its L1 gas counted like :func:`keccak`."""
    _hashes[1] += G.POSEIDON_GAS[len(inputs)]
    return _poseidon(tuple(inputs))


@lru_cache(maxsize=1 << 16)
def _poseidon(inputs: tuple[int, ...]) -> int:
    # Every node of a simulation derives the same states: remembered, a hash is computed once.
    return poseidon_hash(inputs)


@contextmanager
def hash_counter() -> Iterator[list[int]]:
    """Count the hashing done inside the block: after it, ``counter[0]`` is the number of
    :func:`keccak` calls and ``counter[1]`` the L1 gas of the :func:`poseidon` calls."""
    start, counter = list(_hashes), [0, 0]
    try:
        yield counter
    finally:
        counter[0], counter[1] = _hashes[0] - start[0], _hashes[1] - start[1]


def limbs(data: bytes) -> list[int]:
    """The field elements a byte string enters Poseidon as: one if it fits in 128 bits, else
    its high and low 128 bits."""
    value = int.from_bytes(data, "big")
    return [value] if len(data) <= 16 else [value // LIMB, value % LIMB]


def sponge(elements: Sequence[int]) -> int:
    """Poseidon over any number of field elements: the first :data:`POSEIDON_RATE`, then the
    running hash and the next ``POSEIDON_RATE - 1`` at a time."""
    rest = list(elements)
    head, rest = rest[:POSEIDON_RATE], rest[POSEIDON_RATE:]
    h = poseidon(head)
    while rest:
        chunk, rest = rest[:POSEIDON_RATE - 1], rest[POSEIDON_RATE - 1:]
        h = poseidon([h] + chunk)
    return h


def _flat(items: list) -> Iterator:
    for item in items:
        if isinstance(item, list):
            yield from _flat(item)
        else:
            yield item


class Commitment(ABC):
    """How the state tree and the state root hash (see the module docstring)."""

    name = ""

    @abstractmethod
    def hash(self, parts: Sequence[bytes]) -> bytes:
        """The hash of a sequence of byte strings (32 bytes)."""

    def key_of(self, *parts: bytes) -> bytes:
        """A tree key: the hash of its parts, so that keys spread evenly over the tree."""
        return self.hash(parts)

    def words(self, *words: int) -> bytes:
        """The hash of 256-bit words: the ``HASH`` instruction and the log chain."""
        return self.hash([w.to_bytes(32, "big") for w in words])

    @abstractmethod
    def items(self, items: list) -> bytes:
        """The hash of nested lists of words and byte strings: the machine context."""

    @abstractmethod
    def leaf_hash(self, key: bytes, value: int) -> bytes:
        """The node of the leaf holding ``value`` at ``key``."""

    @abstractmethod
    def branch_hash(self, left: bytes, right: bytes) -> bytes:
        """The node over two children."""

    @abstractmethod
    def bit(self, key: bytes, depth: int) -> int:
        """Which child the path of ``key`` takes at ``depth``."""

    def __repr__(self) -> str:
        return self.name


class KeccakCommitment(Commitment):
    name = "keccak"

    def hash(self, parts: Sequence[bytes]) -> bytes:
        return keccak(b"".join(parts))

    def items(self, items: list) -> bytes:
        return keccak(rlp_encode(items))

    def leaf_hash(self, key: bytes, value: int) -> bytes:
        return keccak(b"\x00" + key + value.to_bytes(32, "big"))

    def branch_hash(self, left: bytes, right: bytes) -> bytes:
        # No shortcut for two empty children: a path has exactly one valid length.
        return keccak(b"\x01" + left + right)

    def bit(self, key: bytes, depth: int) -> int:
        return (key[depth >> 3] >> (7 - (depth & 7))) & 1


class PoseidonCommitment(Commitment):
    name = "poseidon"

    def hash(self, parts: Sequence[bytes]) -> bytes:
        return sponge([x for part in parts for x in limbs(part)]).to_bytes(32, "big")

    def items(self, items: list) -> bytes:
        # Every item as a 32-byte word (so two limbs), flattened: a fixed layout per context.
        return self.hash([x if isinstance(x, bytes) else x.to_bytes(32, "big") for x in _flat(items)])

    def leaf_hash(self, key: bytes, value: int) -> bytes:
        # Arity separates leaves (3 inputs) from branches (2): different round constants.
        return poseidon([int.from_bytes(key, "big"), value // LIMB, value % LIMB]).to_bytes(32, "big")

    def branch_hash(self, left: bytes, right: bytes) -> bytes:
        return poseidon([int.from_bytes(left, "big"), int.from_bytes(right, "big")]).to_bytes(32, "big")

    def bit(self, key: bytes, depth: int) -> int:
        return (int.from_bytes(key, "big") >> depth) & 1


KECCAK: Commitment = KeccakCommitment()
POSEIDON: Commitment = PoseidonCommitment()
COMMITMENTS = {c.name: c for c in (KECCAK, POSEIDON)}


def key_of(*parts: bytes) -> bytes:
    """A keccak tree key (see :meth:`Commitment.key_of`)."""
    return KECCAK.key_of(*parts)


@dataclass(frozen=True)
class Proof:
    """The siblings from the root down to depth ``len(siblings)``, where the path ends in
    nothing (``leaf is None``) or in the leaf ``(key, value)``."""

    siblings: tuple[bytes, ...]
    leaf: Optional[tuple[bytes, int]]


def _fold(key: bytes, node: bytes, siblings: tuple[bytes, ...], scheme: Commitment) -> bytes:
    for depth in range(len(siblings) - 1, -1, -1):
        sib = siblings[depth]
        node = scheme.branch_hash(sib, node) if scheme.bit(key, depth) else scheme.branch_hash(node, sib)
    return node


def _end(proof: Proof, scheme: Commitment) -> bytes:
    return EMPTY if proof.leaf is None else scheme.leaf_hash(*proof.leaf)


def read(root: bytes, key: bytes, proof: Proof, scheme: Commitment = KECCAK) -> int:
    """The value at ``key`` under ``root`` (0 when absent); :class:`InvalidWitness` if the
    proof does not open ``root`` on ``key``'s path."""
    if len(proof.siblings) > 256 or _fold(key, _end(proof, scheme), proof.siblings, scheme) != root:
        raise InvalidWitness(f"proof for key {key.hex()[:16]}… does not open root {root.hex()[:16]}…")
    if proof.leaf is not None and proof.leaf[0] != key:
        other = proof.leaf[0]
        if any(scheme.bit(other, d) != scheme.bit(key, d) for d in range(len(proof.siblings))):
            raise InvalidWitness(f"proof for key {key.hex()[:16]}… ends at a leaf off its path")
        return 0
    return proof.leaf[1] if proof.leaf is not None else 0


def holds(root: bytes, key: bytes, value: int, siblings: Sequence[bytes], scheme: Commitment = KECCAK) -> bool:
    """Whether ``key`` holds ``value`` under ``root``, given the siblings (top down) of its leaf:
    what a contract checks of a record it is shown, charging :data:`NODE_HASH_GAS` a hash."""
    return len(siblings) <= 256 and _fold(key, scheme.leaf_hash(key, value), tuple(siblings), scheme) == root


def write(root: bytes, key: bytes, proof: Proof, value: int, scheme: Commitment = KECCAK) -> bytes:
    """The root after setting ``key`` to ``value``, from the old root and the key's proof."""
    read(root, key, proof, scheme)
    depth = len(proof.siblings)
    node = scheme.leaf_hash(key, value)
    if proof.leaf is not None and proof.leaf[0] != key:
        node = _split(key, node, proof.leaf[0], _end(proof, scheme), depth, scheme)
    return _fold(key, node, proof.siblings, scheme)


def _split(key: bytes, node: bytes, other: bytes, other_node: bytes, depth: int, scheme: Commitment) -> bytes:
    """The subtree at ``depth`` holding two leaves whose keys agree above ``depth``."""
    bit = scheme.bit
    fork = depth
    while bit(key, fork) == bit(other, fork):
        fork += 1
    pair = scheme.branch_hash(other_node, node) if bit(key, fork) else scheme.branch_hash(node, other_node)
    for d in range(fork - 1, depth - 1, -1):
        pair = scheme.branch_hash(EMPTY, pair) if bit(key, d) else scheme.branch_hash(pair, EMPTY)
    return pair


class MerkleDB:
    """Every node ever written, by hash, so any past root can be read, proven or written to
    (a revert is just going back to an old root)."""

    def __init__(self, scheme: Commitment = KECCAK) -> None:
        self.scheme = scheme
        self.nodes: dict[bytes, tuple] = {}

    def _walk(self, root: bytes, key: bytes) -> Proof:
        bit = self.scheme.bit
        siblings, node, depth = [], root, 0
        while node != EMPTY:
            entry = self.nodes[node]
            if entry[0] == "leaf":
                return Proof(tuple(siblings), (entry[1], entry[2]))
            left, right = entry[1], entry[2]
            siblings.append(left if bit(key, depth) else right)
            node = right if bit(key, depth) else left
            depth += 1
        return Proof(tuple(siblings), None)

    def prove(self, root: bytes, key: bytes) -> Proof:
        return self._walk(root, key)

    def get(self, root: bytes, key: bytes) -> int:
        proof = self._walk(root, key)
        return proof.leaf[1] if proof.leaf is not None and proof.leaf[0] == key else 0

    def write(self, root: bytes, key: bytes, value: int) -> bytes:
        """The new root; the old one stays readable."""
        bit = self.scheme.bit
        proof = self._walk(root, key)
        depth = len(proof.siblings)
        node = self._leaf(key, value)
        if proof.leaf is not None and proof.leaf[0] != key:
            other = proof.leaf[0]
            fork = depth
            while bit(key, fork) == bit(other, fork):
                fork += 1
            other_node = self.scheme.leaf_hash(*proof.leaf)
            node = self._branch(other_node, node) if bit(key, fork) else self._branch(node, other_node)
            for d in range(fork - 1, depth - 1, -1):
                node = self._branch(EMPTY, node) if bit(key, d) else self._branch(node, EMPTY)
        for d in range(depth - 1, -1, -1):
            sib = proof.siblings[d]
            node = self._branch(sib, node) if bit(key, d) else self._branch(node, sib)
        return node

    def _leaf(self, key: bytes, value: int) -> bytes:
        h = self.scheme.leaf_hash(key, value)
        self.nodes[h] = ("leaf", key, value)
        return h

    def _branch(self, left: bytes, right: bytes) -> bytes:
        h = self.scheme.branch_hash(left, right)
        self.nodes[h] = ("branch", left, right)
        return h


# -- list trees ------------------------------------------------------------------------------
def list_proof(leaves: list[bytes], index: int) -> tuple[bytes, ...]:
    """The siblings of leaf ``index``, bottom up."""
    levels = list_levels(leaves, keccak)
    return tuple(level[(index >> d) ^ 1] for d, level in enumerate(levels[:-1]))


def list_depth(count: int) -> int:
    """The depth of the list tree over ``count`` leaves."""
    return max(count - 1, 0).bit_length()


def list_verify(root: bytes, count: int, index: int, leaf: bytes, proof: tuple[bytes, ...]) -> None:
    """:class:`InvalidWitness` unless ``leaf`` is item ``index`` of the ``count`` under ``root``.
    The proof must be exactly as long as the tree is deep: a shorter one would pass an inner
    node's preimage off as an item."""
    if not 0 <= index < count or len(proof) != list_depth(count):
        raise InvalidWitness(f"list proof of item {index} of {count} has {len(proof)} levels")
    node = leaf
    for d, sib in enumerate(proof):
        node = keccak(sib + node) if (index >> d) & 1 else keccak(node + sib)
    if node != root:
        raise InvalidWitness(f"list proof of item {index} does not open root {root.hex()[:16]}…")
