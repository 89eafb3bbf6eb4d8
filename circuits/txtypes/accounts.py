"""The rollup state: a Poseidon sparse Merkle tree of accounts, the twin of the batch circuit's.

Leaf ``i`` is ``Poseidon(Ax, Ay, balance, nonce)`` of account ``i`` (an empty account is
``(0, 0, 0, 0)``, so untouched subtrees have fixed default roots); nodes are ``Poseidon(left,
right)`` as in :mod:`prozchain.circuits.gadgets.merkle`, whose ``merkle_root_of`` checks our proofs. Only
non-default nodes are stored: memory grows with the accounts in use, not with ``2^depth``.
Index 0 is the rollup's null account (no key: padding slots touch it without changing it).

>>> from prozchain.circuits.gadgets.merkle import merkle_root_of
>>> tree = AccountTree(depth=8)
>>> tree.set(5, Account(1, 2, balance=40, nonce=0))
>>> siblings, bits = tree.proof(5)
>>> merkle_root_of(leaf_hash(tree.get(5)), siblings, bits) == tree.root
True
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from prozchain.circuits.gadgets.merkle import SparseMerkleTree
from prozchain.circuits.gadgets.poseidon import c_poseidon, poseidon_hash
from prozchain.circuits.gadgets.poseidon_constants import FULL_ROUNDS, partial_rounds, poseidon_parameters
from prozchain.circuits.txtypes.registry import EMPTY, Account
from prozchain.native.errors import InvalidArgumentError
from prozchain.native.kernels import array_to_ints, ints_to_array


TreeDelta = tuple[dict[int, Account[int]], dict[tuple[int, int], int]]
"""Accounts by index and nodes by (level, index): what :meth:`AccountTree.delta` gives."""


def leaf_hash(account: Account[int]) -> int:
    return poseidon_hash(account.values())


def poseidon_many(rows: np.ndarray) -> np.ndarray:
    """``poseidon_hash`` of every row of an ``(n, k, 4)`` limb array at once: the bulk path of
    tree building, on the C core (:mod:`prozchain.native.poseidon_c`; 3-4 times numba's speed
    on 4,096 rows, and nothing to compile), else in numba (:mod:`prozchain.native.poseidon_numba`)."""
    t = rows.shape[1] + 1
    kernel = c_poseidon(t)
    if kernel is not None:
        return kernel.many(rows)
    from prozchain.native.poseidon_numba import poseidon_array

    constants, mds = poseidon_parameters(t)
    return poseidon_array(rows, constants, mds, FULL_ROUNDS, partial_rounds(t))


class AccountTree(SparseMerkleTree):
    """Accounts by index under a Poseidon root; ``set`` rehashes one path (depth hashes)."""

    def __init__(self, depth: int):
        if not 1 <= depth <= 32:
            raise InvalidArgumentError(f"tree depth {depth} is not in 1..32 (indices are 4 bytes)")
        self.depth = depth
        self.accounts: dict[int, Account[int]] = {}
        self.defaults = [leaf_hash(EMPTY)]  # the empty account's leaf, not 0 as in the base tree
        for _ in range(depth):
            self.defaults.append(poseidon_hash([self.defaults[-1]] * 2))
        self.nodes: dict[tuple[int, int], int] = {}

    def get(self, index: int) -> Account[int]:  # type: ignore[override]
        self._check_index(index)
        return self.accounts.get(index, EMPTY)

    def set(self, index: int, account: Account[int]) -> None:  # type: ignore[override]
        super().set(index, leaf_hash(account))
        self.accounts[index] = account

    def bulk_load(self, first: int, accounts: Sequence[Account[int]]) -> None:
        """Set accounts ``first``, ``first + 1``, ... at once, hashing level by level in batches;
        the result equals setting them one by one (which costs ``depth`` Python hashes each)."""
        if not accounts:
            return
        self._check_index(first)
        self._check_index(first + len(accounts) - 1)
        leaves = ints_to_array([v for a in accounts for v in a.values()]).reshape(len(accounts), 4, 4)
        level, lo = poseidon_many(leaves), first
        for i, account in enumerate(accounts):
            self.accounts[first + i] = account
        for height in range(self.depth + 1):
            values = array_to_ints(level)
            self.nodes.update(((height, lo + i), v) for i, v in enumerate(values))
            if height == self.depth:
                break
            if lo % 2:  # pair the edges with their stored (or default) siblings
                values, lo = [self._node(height, lo - 1)] + values, lo - 1
            if len(values) % 2:
                values.append(self._node(height, lo + len(values)))
            level, lo = poseidon_many(ints_to_array(values).reshape(len(values) // 2, 2, 4)), lo // 2

    def delta(self, indices: Iterable[int]) -> TreeDelta:
        """The accounts at ``indices`` and every node on their paths: all that setting them wrote,
        for a tree that lacks those writes to take them without hashing (:meth:`apply_delta`).

        >>> tree, twin = AccountTree(depth=4), AccountTree(depth=4)
        >>> tree.set(3, Account(1, 2, balance=5, nonce=0))
        >>> twin.apply_delta(tree.delta([3]))
        >>> twin.root == tree.root and twin.nodes == tree.nodes and twin.accounts == tree.accounts
        True
        """
        indices = set(indices)
        accounts = {i: self.get(i) for i in indices}
        nodes = {(level, i >> level): self._node(level, i >> level) for i in indices for level in range(self.depth + 1)}
        return accounts, nodes

    def apply_delta(self, delta: TreeDelta) -> None:
        """Take the accounts and nodes :meth:`delta` gave (of a tree that was this one before)."""
        accounts, nodes = delta
        self.accounts.update(accounts)
        self.nodes.update(nodes)

    def copy(self) -> "AccountTree":
        other = AccountTree.__new__(AccountTree)
        other.depth, other.defaults = self.depth, self.defaults
        other.accounts, other.nodes = dict(self.accounts), dict(self.nodes)
        return other
