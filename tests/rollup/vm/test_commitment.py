"""The Poseidon commitment: the same machine, hashed for circuits; the keccak one unchanged."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.rollup.l1.gas import POSEIDON_GAS
from prozchain.rollup.vm import InvalidWitness, state_root, step
from prozchain.rollup.vm.examples import TOKEN, token_storage
from prozchain.rollup.vm.merkle import (EMPTY, KECCAK, POSEIDON, MerkleDB, hash_counter, read, sponge,
                                        write)
from prozchain.rollup.vm.state import Context, addr_int, mapping_slot

from .helpers import ALICE, BOB, CAROL, call, machine, run
from .test_step import KEYS, TOKEN_AT, check_program, programs


@settings(max_examples=3, deadline=None, database=None)
@given(programs(), st.lists(st.integers(1, 100), max_size=2))
def test_poseidon_step_from_witness_equals_full_execution(txs, amounts):
    check_program(txs, amounts, POSEIDON)


def test_the_token_runs_alike_under_both_commitments():
    balances = {}
    for scheme in (KECCAK, POSEIDON):
        storage = token_storage(TOKEN_AT, {k.address: 1_000 for k in KEYS}, scheme)
        ex, genesis = machine({TOKEN_AT: TOKEN}, storage, scheme=scheme)
        trace = run(ex, genesis, [call(ALICE, TOKEN_AT, 1, addr_int(BOB.address), 300)])
        world = trace.final.world
        balances[scheme.name] = [ex.storage(world, TOKEN_AT, mapping_slot(addr_int(k.address), 0, scheme))
                                 for k in (ALICE, BOB, CAROL)]
        assert trace.root(len(trace)) == state_root(trace.final, scheme)
    assert balances["keccak"] == balances["poseidon"] == [700, 1_300, 1_000]


def test_a_keccak_witness_does_not_open_a_poseidon_root():
    ex, genesis = machine({TOKEN_AT: TOKEN}, scheme=KECCAK)
    trace = run(ex, genesis, [call(ALICE, TOKEN_AT, 1, addr_int(BOB.address), 0)], check_steps=False)
    witness = ex.witness(trace.contexts[0])
    try:
        step(witness, POSEIDON)
    except InvalidWitness:
        return
    raise AssertionError("a keccak proof opened a Poseidon root")


def test_poseidon_tree_reads_and_writes_from_proofs():
    db, root = MerkleDB(POSEIDON), EMPTY
    keys = [POSEIDON.key_of(b"k", i.to_bytes(32, "big")) for i in range(40)]
    for i, key in enumerate(keys):
        proof = db.prove(root, key)
        assert read(root, key, proof, POSEIDON) == 0
        new = write(root, key, proof, 2**256 - 1 - i, POSEIDON)
        root = db.write(root, key, 2**256 - 1 - i)
        assert new == root
    assert all(read(root, k, db.prove(root, k), POSEIDON) == 2**256 - 1 - i for i, k in enumerate(keys))
    # a lone leaf ends its path: 40 keys need paths of about log2(40) levels, not 254
    assert max(len(db.prove(root, k).siblings) for k in keys) <= 16


def test_poseidon_is_charged_at_solidity_prices():
    with hash_counter() as counted:
        sponge(list(range(9)))  # 5 elements, then the running hash and 4 more
    assert counted == [0, 2 * POSEIDON_GAS[5]]
    with hash_counter() as counted:
        state_root(Context(), KECCAK)
    assert counted == [2, 0]
