"""Mux, Poseidon and Merkle gadgets: agreement with their twins, and rejection of cheating witnesses."""

from __future__ import annotations

import itertools

import pytest

from prozchain.circuits import ConstraintError
from prozchain.circuits.gadgets.merkle import SparseMerkleTree, merkle_inclusion, merkle_root_of, merkle_update
from prozchain.circuits.gadgets.mux import cond_swap, cond_swap_value, mux, select, select_value
from prozchain.circuits.gadgets.poseidon import poseidon, poseidon_hash
from prozchain.circuits.gadgets.poseidon_constants import poseidon_parameters
from prozchain.circuits.testing import check_circuit
from prozchain.native.curve import R
from tests.circuits.helpers import assert_mutations_rejected, compile_fn


def test_select_swap_and_mux(rng):
    def define(c):
        s, a, b = c.private_input("s"), c.private_input("a"), c.private_input("b")
        bits, values = c.private_input("bits", 2), c.private_input("values", 4)
        c.output("out", [select(s, a, b), *cond_swap(s, a, b), mux(bits, values)])

    c = compile_fn(define)
    values = [rng.randrange(R) for _ in range(4)]
    for s, i in itertools.product([0, 1], range(4)):
        a, b = rng.randrange(R), rng.randrange(R)
        w = c.solve({"s": s, "a": a, "b": b, "bits": [i & 1, i >> 1], "values": values})
        assert c.outputs(w)["out"] == [select_value(s, a, b), *cond_swap_value(s, a, b), values[i]]
        assert_mutations_rejected(c, w, rng)


def test_poseidon_constants_have_circomlib_shape():
    for t in range(2, 7):
        constants, mds = poseidon_parameters(t)
        assert len(constants) == (8 + [56, 57, 56, 60, 60][t - 2]) * t and len(mds) == t
    with pytest.raises(ValueError, match="t = 18"):
        poseidon_parameters(18)


@pytest.mark.parametrize("n_inputs", [1, 2, 3, 4, 5])
def test_poseidon_gadget_equals_its_twin(n_inputs, rng):
    c = compile_fn(lambda c: c.output("h", poseidon(c.private_input("x", n_inputs))))
    for _ in range(2):
        xs = [rng.randrange(R) for _ in range(n_inputs)]
        w = c.solve({"x": xs})
        assert c.outputs(w)["h"] == poseidon_hash(xs)
    assert_mutations_rejected(c, w, rng, samples=40)
    claimed = list(w)
    claimed[1] = (claimed[1] + 1) % R  # claim another hash for the same inputs
    with pytest.raises(ConstraintError):
        c.check(claimed)


def test_poseidon_known_answer():
    # circomlibjs poseidon([1, 2]); the npm interop tests compare many more
    assert poseidon_hash([1, 2]) == 7853200120776062878684798364095072458815029376092732009249414926327459813530


def test_sparse_merkle_tree_matches_a_dense_recomputation(rng):
    depth = 3
    tree = SparseMerkleTree(depth)
    leaves = [0] * 8
    for _ in range(6):
        i, v = rng.randrange(8), rng.randrange(R)
        tree.set(i, v)
        leaves[i] = v
    level = leaves
    while len(level) > 1:
        level = [poseidon_hash(level[i : i + 2]) for i in range(0, len(level), 2)]
    assert tree.root == level[0]
    for i in range(8):
        assert tree.get(i) == leaves[i] and merkle_root_of(leaves[i], *tree.proof(i)) == tree.root
    with pytest.raises(IndexError):
        tree.proof(8)


def inclusion_circuit(depth):
    def define(c):
        root, leaf = c.public_input("root"), c.private_input("leaf")
        merkle_inclusion(root, leaf, c.private_input("siblings", depth), c.private_input("bits", depth))

    return compile_fn(define)


def test_merkle_inclusion_accepts_members_and_rejects_forgeries(rng):
    depth = 4
    tree = SparseMerkleTree(depth)
    for i in range(6):
        tree.set(rng.randrange(16), rng.randrange(R))
    index, other = 3, 9
    tree.set(index, rng.randrange(R))
    tree.set(other, (tree.get(index) + 1) % R)
    c = inclusion_circuit(depth)
    siblings, bits = tree.proof(index)
    good = {"root": tree.root, "leaf": tree.get(index), "siblings": siblings, "bits": bits}
    other_siblings, other_bits = tree.proof(other)
    forged = [
        dict(good, leaf=(tree.get(index) + 1) % R),  # another leaf on this path
        dict(good, siblings=other_siblings, bits=other_bits),  # the path of another leaf
        dict(good, bits=[1 - bits[0]] + bits[1:]),  # a flipped direction
        dict(good, root=(tree.root + 1) % R),
    ]
    check_circuit(c, valid=[good], invalid=forged)
    assert_mutations_rejected(c, c.solve(good), rng, samples=40)


def test_merkle_path_bits_must_be_bits():
    # With bit = 2 the swap would mix the children (node + 2(sib - node), ...): refused.
    tree = SparseMerkleTree(1)
    tree.set(0, 7)
    c = inclusion_circuit(1)
    check_circuit(c, invalid=[{"root": tree.root, "leaf": 7, "siblings": [0], "bits": [2]}])


def test_merkle_update_gives_the_new_root(rng):
    depth = 3
    tree = SparseMerkleTree(depth)
    tree.set(2, 11)
    tree.set(5, 22)

    def define(c):
        new_root = merkle_update(
            c.public_input("old_root"), c.private_input("old_leaf"), c.private_input("new_leaf"),
            c.private_input("siblings", depth), c.private_input("bits", depth),
        )
        c.output("new_root", new_root)

    c = compile_fn(define)
    old_root = tree.root
    siblings, bits = tree.proof(5)
    w = c.solve({"old_root": old_root, "old_leaf": 22, "new_leaf": 33, "siblings": siblings, "bits": bits})
    tree.set(5, 33)
    assert c.outputs(w)["new_root"] == tree.root
    check_circuit(c, invalid=[{"old_root": old_root, "old_leaf": 21, "new_leaf": 33, "siblings": siblings, "bits": bits}])
    assert_mutations_rejected(c, w, rng, samples=40)
