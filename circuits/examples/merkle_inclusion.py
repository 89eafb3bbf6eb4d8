"""``MerkleInclusion``: a private leaf sits in a Poseidon Merkle tree with a public root.

The statement a circomlib Poseidon Merkle proof makes: level i hashes (left, right) with
Poseidon(2), the running node being the right child when ``path_bits[i]`` is 1. Compile and
solve it from the command line::

    prozchain circuit compile circuits/examples/merkle_inclusion.py:MerkleInclusion --param depth=4 -o build
    prozchain circuit witness circuits/examples/merkle_inclusion.py:MerkleInclusion --param depth=4 \\
        circuits/examples/merkle_inclusion.input.json build/merkle.wtns

>>> import json, pathlib
>>> sample = json.loads(pathlib.Path(__file__).with_name("merkle_inclusion.input.json").read_text())
>>> c = MerkleInclusion(depth=4).compile()
>>> c.r1cs.n_constraints
969
>>> c.check(c.solve(sample))
"""

from __future__ import annotations

from prozchain.circuits import Circuit
from prozchain.circuits.gadgets.merkle import SparseMerkleTree, merkle_inclusion


class MerkleInclusion(Circuit):
    """Public ``root``; private ``leaf``, ``siblings[depth]``, ``path_bits[depth]``: 242 * depth + 1 constraints."""

    def __init__(self, depth: int = 4):
        self.depth = depth

    def define(self) -> None:
        root = self.public_input("root")
        leaf = self.private_input("leaf")
        siblings = self.private_input("siblings", self.depth)
        path_bits = self.private_input("path_bits", self.depth)
        merkle_inclusion(root, leaf, siblings, path_bits)


def sample_input(depth: int = 4, index: int = 5, leaf: int = 123456789) -> dict:
    """An input JSON for ``MerkleInclusion(depth)``: a tree with a few leaves, proving ``index``."""
    tree = SparseMerkleTree(depth)
    for i, value in enumerate([11, 22, 33, 44, 55, 66, 77, 88][: 1 << depth]):
        tree.set(i, value)
    tree.set(index, leaf)
    siblings, bits = tree.proof(index)
    return {
        "root": str(tree.root),
        "leaf": str(leaf),
        "siblings": [str(s) for s in siblings],
        "path_bits": [str(b) for b in bits],
    }
