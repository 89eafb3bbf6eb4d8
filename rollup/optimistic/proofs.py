"""What L1 contracts of the rollup compute about L2 state, and what it costs them.

L1 gas of the Python contracts follows the EVM: each keccak of a Merkle node or leaf is
charged as a 3-word KECCAK256 (a node hashes 65 bytes); a step's context hashes are charged
by their encoded length; a signature check is the ecrecover precompile's 3,000.

>>> fold_gas(3)
144
"""

from __future__ import annotations

from prozchain.rollup.vm.merkle import NODE_HASH_GAS, bit, branch_hash, leaf_hash


def fold_gas(n_hashes: int) -> int:
    return n_hashes * NODE_HASH_GAS


def leaf_under(root: bytes, key: bytes, value: int, siblings: list[bytes]) -> bool:
    """Whether the leaf ``key = value`` sits under ``root`` with these siblings (top down)."""
    node = leaf_hash(key, value)
    for depth in range(len(siblings) - 1, -1, -1):
        sib = siblings[depth]
        node = branch_hash(sib, node) if bit(key, depth) else branch_hash(node, sib)
    return node == root

