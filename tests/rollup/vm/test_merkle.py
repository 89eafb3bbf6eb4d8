"""The sparse Merkle tree: proofs read and write exactly what the database does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.rollup.common.merkle import list_root
from prozchain.rollup.vm.errors import InvalidWitness
from prozchain.rollup.vm.merkle import (EMPTY, MerkleDB, Proof, keccak, key_of, list_proof,
                              list_verify, read, write)

keys = st.integers(0, 40).map(lambda i: key_of(bytes([i])))


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(st.tuples(keys, st.integers(0, 2**256 - 1)), max_size=30), keys, st.integers(0, 5))
def test_proof_read_and_write_match_the_database(writes, probe, value):
    db, root = MerkleDB(), EMPTY
    for key, v in writes:
        proof = db.prove(root, key)
        new_root = write(root, key, proof, v)
        root = db.write(root, key, v)
        assert new_root == root
    proof = db.prove(root, probe)
    assert read(root, probe, proof) == db.get(root, probe) == dict(writes).get(probe, 0)
    assert write(root, probe, proof, value) == db.write(root, probe, value)


def test_old_roots_stay_readable():
    db = MerkleDB()
    one = db.write(EMPTY, key_of(b"k"), 1)
    two = db.write(one, key_of(b"k"), 2)
    assert db.get(one, key_of(b"k")) == 1 and db.get(two, key_of(b"k")) == 2 and one != two


def test_forged_proofs_are_rejected():
    db, root = MerkleDB(), EMPTY
    for i in range(8):
        root = db.write(root, key_of(bytes([i])), i + 100)
    key = key_of(b"\x03")
    good = db.prove(root, key)
    with pytest.raises(InvalidWitness):
        read(root, key, Proof(good.siblings, (key, 999)))  # wrong value
    with pytest.raises(InvalidWitness):
        read(root, key, Proof(good.siblings[:-1], good.leaf))  # wrong depth
    with pytest.raises(InvalidWitness):
        read(root, key, Proof(good.siblings + (EMPTY,), None))  # claims absence below its leaf
    other = db.prove(root, key_of(b"\x05"))
    with pytest.raises(InvalidWitness):
        read(root, key, other)  # someone else's path


@pytest.mark.parametrize("count", [1, 2, 5, 8])
def test_list_tree_proofs(count):
    leaves = [key_of(bytes([i])) for i in range(count)]
    root = list_root(leaves, keccak)
    for i, leaf in enumerate(leaves):
        list_verify(root, count, i, leaf, list_proof(leaves, i))
    with pytest.raises(InvalidWitness):
        list_verify(root, count, count - 1, key_of(b"x"), list_proof(leaves, count - 1))
    with pytest.raises(InvalidWitness):
        list_verify(root, count, count, leaves[0], list_proof(leaves, 0))


def test_an_inner_node_cannot_pass_for_an_item():
    leaves = [key_of(bytes([i])) for i in range(4)]
    root = list_root(leaves, keccak)
    inner = leaves[2] + leaves[3]  # the preimage of the right child of the root
    with pytest.raises(InvalidWitness, match="levels"):
        list_verify(root, 4, 1, keccak(inner), (keccak(leaves[0] + leaves[1]),))
