"""Binary Merkle trees over Poseidon(2): inclusion proofs, leaf updates, and a sparse tree.

Level i hashes ``(left, right)`` where the running node is the right child when ``path_bits[i]``
is 1 — the convention of a circomlib Poseidon Merkle proof. Constraint counts, per level: 242
(a boolean check, a conditional swap, a 240-constraint Poseidon(2)); ``merkle_inclusion`` at
depth d is 242 d + 1; ``merkle_update`` 484 d + 1 (the old and the new root along one path).

>>> tree = SparseMerkleTree(depth=4)
>>> tree.set(5, 42)
>>> siblings, bits = tree.proof(5)
>>> merkle_root_of(42, siblings, bits) == tree.root
True
"""

from __future__ import annotations

from typing import Sequence

from prozchain.circuits.api import assert_bool, assert_equal, gadget
from prozchain.circuits.errors import CircuitError
from prozchain.circuits.gadgets.mux import cond_swap
from prozchain.circuits.gadgets.poseidon import poseidon, poseidon_hash
from prozchain.circuits.lc import Value, Var, lift


def merkle_root_of(leaf: int, siblings: Sequence[int], path_bits: Sequence[int]) -> int:
    """The root reached from ``leaf`` along ``siblings`` (the twin of ``merkle_root``)."""
    node = leaf
    for sibling, bit in zip(siblings, path_bits):
        node = poseidon_hash([sibling, node] if bit else [node, sibling])
    return node


@gadget("merkle_root")
def merkle_root(leaf: Value, siblings: Sequence[Value], path_bits: Sequence[Value]) -> Var:
    """The root reached from ``leaf``; constrains each path bit to 0/1. 242 constraints per level."""
    if len(siblings) != len(path_bits):
        raise CircuitError(f"{len(siblings)} siblings but {len(path_bits)} path bits")
    node = lift(leaf)
    for sibling, bit in zip(siblings, path_bits):
        assert_bool(bit)
        left, right = cond_swap(bit, node, sibling)
        node = poseidon([left, right])
    return node


@gadget("merkle_inclusion")
def merkle_inclusion(root: Value, leaf: Value, siblings: Sequence[Value], path_bits: Sequence[Value]) -> None:
    """Constrain ``leaf`` to sit in the tree of ``root`` at the path: 242 constraints per level."""
    assert_equal(merkle_root(leaf, siblings, path_bits), root)


@gadget("merkle_update")
def merkle_update(
    old_root: Value, old_leaf: Value, new_leaf: Value, siblings: Sequence[Value], path_bits: Sequence[Value]
) -> Var:
    """The root after replacing ``old_leaf`` (proven under ``old_root``) by ``new_leaf``: 484 d + 1 constraints."""
    merkle_inclusion(old_root, old_leaf, siblings, path_bits)
    return merkle_root(new_leaf, siblings, path_bits)


class SparseMerkleTree:
    """A Poseidon Merkle tree of ``2^depth`` leaves, all 0 until set; only non-default nodes are stored.

    ``proof(index)`` gives the siblings and path bits (bit i of the index, LSB at the leaves) that
    ``merkle_root`` and ``merkle_inclusion`` take.
    """

    def __init__(self, depth: int):
        self.depth = depth
        self.defaults = [0]  # the root of an all-zero subtree of each height
        for _ in range(depth):
            self.defaults.append(poseidon_hash([self.defaults[-1]] * 2))
        self.nodes: dict[tuple[int, int], int] = {}  # (level, index) -> hash, levels from the leaves

    def _node(self, level: int, index: int) -> int:
        return self.nodes.get((level, index), self.defaults[level])

    def _check_index(self, index: int) -> None:
        if not 0 <= index < 1 << self.depth:
            raise IndexError(f"leaf index {index} outside a tree of depth {self.depth}")

    @property
    def root(self) -> int:
        return self._node(self.depth, 0)

    def get(self, index: int) -> int:
        self._check_index(index)
        return self._node(0, index)

    def set(self, index: int, value: int) -> None:
        self._check_index(index)
        self.nodes[(0, index)] = value
        for level in range(self.depth):
            index >>= 1
            self.nodes[(level + 1, index)] = poseidon_hash(
                [self._node(level, 2 * index), self._node(level, 2 * index + 1)]
            )

    def proof(self, index: int) -> tuple[list[int], list[int]]:
        """``(siblings, path_bits)`` from the leaf at ``index`` up to the root."""
        self._check_index(index)
        siblings, bits = [], []
        for level in range(self.depth):
            siblings.append(self._node(level, index ^ 1))
            bits.append(index & 1)
            index >>= 1
        return siblings, bits
