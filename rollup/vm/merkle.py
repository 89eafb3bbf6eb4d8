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

>>> db = MerkleDB()
>>> root = db.write(EMPTY, key_of(b"a"), 7)
>>> proof = db.prove(root, key_of(b"b"))
>>> read(root, key_of(b"b"), proof)
0
>>> write(root, key_of(b"b"), proof, 9) == db.write(root, key_of(b"b"), 9)
True
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Optional

from prozchain.rollup.common.merkle import EMPTY, list_levels
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.l1.crypto import keccak256
from prozchain.rollup.vm.errors import InvalidWitness

NODE_HASH_GAS = G.keccak_gas(65)  # a branch hashes 0x01 || left || right
_hashes = [0]


def keccak(data: bytes) -> bytes:
    """keccak-256, counted so that L1 can charge for the hashing a one-step proof does."""
    _hashes[0] += 1
    return keccak256(data)


@contextmanager
def hash_counter() -> Iterator[list[int]]:
    """Count the :func:`keccak` calls made inside the block; ``counter[0]`` after it."""
    start, counter = _hashes[0], [0]
    try:
        yield counter
    finally:
        counter[0] = _hashes[0] - start


def key_of(*parts: bytes) -> bytes:
    """A tree key: the hash of its parts, so that keys spread evenly over the tree."""
    return keccak(b"".join(parts))


def leaf_hash(key: bytes, value: int) -> bytes:
    return keccak(b"\x00" + key + value.to_bytes(32, "big"))


def branch_hash(left: bytes, right: bytes) -> bytes:
    # No shortcut for two empty children: a path has exactly one valid length.
    return keccak(b"\x01" + left + right)


def bit(key: bytes, depth: int) -> int:
    return (key[depth >> 3] >> (7 - (depth & 7))) & 1


@dataclass(frozen=True)
class Proof:
    """The siblings from the root down to depth ``len(siblings)``, where the path ends in
    nothing (``leaf is None``) or in the leaf ``(key, value)``."""

    siblings: tuple[bytes, ...]
    leaf: Optional[tuple[bytes, int]]


def _fold(key: bytes, node: bytes, siblings: tuple[bytes, ...]) -> bytes:
    for depth in range(len(siblings) - 1, -1, -1):
        sib = siblings[depth]
        node = branch_hash(sib, node) if bit(key, depth) else branch_hash(node, sib)
    return node


def _end(proof: Proof) -> bytes:
    return EMPTY if proof.leaf is None else leaf_hash(*proof.leaf)


def read(root: bytes, key: bytes, proof: Proof) -> int:
    """The value at ``key`` under ``root`` (0 when absent); :class:`InvalidWitness` if the
    proof does not open ``root`` on ``key``'s path."""
    if len(proof.siblings) > 256 or _fold(key, _end(proof), proof.siblings) != root:
        raise InvalidWitness(f"proof for key {key.hex()[:16]}… does not open root {root.hex()[:16]}…")
    if proof.leaf is not None and proof.leaf[0] != key:
        other = proof.leaf[0]
        if any(bit(other, d) != bit(key, d) for d in range(len(proof.siblings))):
            raise InvalidWitness(f"proof for key {key.hex()[:16]}… ends at a leaf off its path")
        return 0
    return proof.leaf[1] if proof.leaf is not None else 0


def write(root: bytes, key: bytes, proof: Proof, value: int) -> bytes:
    """The root after setting ``key`` to ``value``, from the old root and the key's proof."""
    read(root, key, proof)
    depth = len(proof.siblings)
    node = leaf_hash(key, value)
    if proof.leaf is not None and proof.leaf[0] != key:
        node = _split(key, node, proof.leaf[0], _end(proof), depth)
    return _fold(key, node, proof.siblings)


def _split(key: bytes, node: bytes, other: bytes, other_node: bytes, depth: int) -> bytes:
    """The subtree at ``depth`` holding two leaves whose keys agree above ``depth``."""
    fork = depth
    while bit(key, fork) == bit(other, fork):
        fork += 1
    pair = branch_hash(other_node, node) if bit(key, fork) else branch_hash(node, other_node)
    for d in range(fork - 1, depth - 1, -1):
        pair = branch_hash(EMPTY, pair) if bit(key, d) else branch_hash(pair, EMPTY)
    return pair


class MerkleDB:
    """Every node ever written, by hash, so any past root can be read, proven or written to
    (a revert is just going back to an old root)."""

    def __init__(self) -> None:
        self.nodes: dict[bytes, tuple] = {}

    def _walk(self, root: bytes, key: bytes) -> Proof:
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
        proof = self._walk(root, key)
        depth = len(proof.siblings)
        node = self._leaf(key, value)
        if proof.leaf is not None and proof.leaf[0] != key:
            other = proof.leaf[0]
            fork = depth
            while bit(key, fork) == bit(other, fork):
                fork += 1
            other_node = leaf_hash(*proof.leaf)
            node = self._branch(other_node, node) if bit(key, fork) else self._branch(node, other_node)
            for d in range(fork - 1, depth - 1, -1):
                node = self._branch(EMPTY, node) if bit(key, d) else self._branch(node, EMPTY)
        for d in range(depth - 1, -1, -1):
            sib = proof.siblings[d]
            node = self._branch(sib, node) if bit(key, d) else self._branch(node, sib)
        return node

    def _leaf(self, key: bytes, value: int) -> bytes:
        h = leaf_hash(key, value)
        self.nodes[h] = ("leaf", key, value)
        return h

    def _branch(self, left: bytes, right: bytes) -> bytes:
        h = branch_hash(left, right)
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
