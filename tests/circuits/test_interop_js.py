"""Interop with the real circom/snarkjs tools and circomlibjs (installed by the ``js`` fixture)."""

from __future__ import annotations

import json

import pytest

from prozchain.circuits.examples.merkle_inclusion import MerkleInclusion
from prozchain.circuits.gadgets.poseidon import poseidon_hash
from prozchain.circuits.gadgets.poseidon_constants import poseidon_parameters
from prozchain.native.curve import R
from prozchain.relations.formats import read_r1cs, read_wtns, write_r1cs, write_wtns
from tests.circuits.helpers import compile_fn


def test_poseidon_constants_equal_circomlibjs_tables(js):
    tables = json.loads((js.root / "node_modules/circomlibjs/src/poseidon_constants.json").read_text())
    for t in range(2, 7):
        constants, mds = poseidon_parameters(t)
        assert list(constants) == [int(c, 16) for c in tables["C"][t - 2]]
        assert [list(row) for row in mds] == [[int(c, 16) for c in row] for row in tables["M"][t - 2]]


def test_poseidon_equals_circomlibjs_on_random_inputs(js, rng):
    inputs = [[rng.randrange(R) for _ in range(n)] for n in range(1, 7) for _ in range(8)]
    inputs += [[0], [R - 1, R - 1], [1, 2, 3, 4, 5]]
    expected = js.oracle({"op": "poseidon", "inputs": [[str(x) for x in xs] for xs in inputs]})
    assert [poseidon_hash(xs) for xs in inputs] == [int(h) for h in expected]


def test_merkle_example_accepts_a_proof_built_with_circomlibjs(js, rng):
    depth = 5
    leaf, siblings = rng.randrange(R), [rng.randrange(R) for _ in range(depth)]
    bits = [rng.randrange(2) for _ in range(depth)]
    root = js.oracle({"op": "merkle_root", "leaf": str(leaf), "siblings": [str(s) for s in siblings], "path_bits": bits})
    compiled = MerkleInclusion(depth=depth).compile()
    compiled.check(compiled.solve({"root": root, "leaf": leaf, "siblings": siblings, "path_bits": bits}))


def test_snarkjs_reads_our_r1cs_and_accepts_our_witness(js, tmp_path):
    compiled = MerkleInclusion(depth=3).compile()
    from prozchain.circuits.examples.merkle_inclusion import sample_input

    witness = compiled.solve(sample_input(depth=3))
    write_r1cs(compiled.r1cs, tmp_path / "m.r1cs")
    write_wtns(witness, tmp_path / "m.wtns")
    info = js.snarkjs("r1cs", "info", str(tmp_path / "m.r1cs")).stdout
    assert f"# of Constraints: {compiled.r1cs.n_constraints}" in info
    assert f"# of Wires: {compiled.r1cs.n_wires}" in info
    assert "# of Public Inputs: 1" in info and "# of Private Inputs: 7" in info
    assert "WITNESS IS CORRECT" in js.snarkjs("wtns", "check", str(tmp_path / "m.r1cs"), str(tmp_path / "m.wtns")).stdout
    bad = list(witness)
    bad[-1] = (bad[-1] + 1) % R
    write_wtns(bad, tmp_path / "bad.wtns")
    result = js.snarkjs("wtns", "check", str(tmp_path / "m.r1cs"), str(tmp_path / "bad.wtns"), check=False)
    assert "WITNESS IS CORRECT" not in result.stdout


POSEIDON_CIRCOM = """pragma circom 2.0.0;
include "circomlib/circuits/poseidon.circom";
template Hash3() {
    signal input in[3];
    signal input salt;
    signal output out;
    component h = Poseidon(3);
    for (var i = 0; i < 3; i++) { h.inputs[i] <== in[i] + salt; }
    out <== h.out;
}
component main {public [salt]} = Hash3();
"""


@pytest.fixture(scope="module")
def circom_poseidon(js, tmp_path_factory):
    """circomlib's Poseidon(3), compiled by circom2, with one witness computed by its wasm."""
    workdir = js.circom(POSEIDON_CIRCOM, "hash3", tmp_path_factory.mktemp("circom"))
    (workdir / "input.json").write_text(json.dumps({"in": ["1", "2", "3"], "salt": "10"}))
    js.snarkjs("wtns", "calculate", str(workdir / "hash3_js/hash3.wasm"), str(workdir / "input.json"), str(workdir / "w.wtns"))
    return read_r1cs(workdir / "hash3.r1cs"), read_wtns(workdir / "w.wtns")


def test_import_circom_r1cs_and_wtns(circom_poseidon, rng):
    r1cs, witness = circom_poseidon
    assert (r1cs.n_outputs, r1cs.n_public, r1cs.n_private) == (1, 1, 3)
    r1cs.check(witness)
    assert witness[1] == poseidon_hash([11, 12, 13]) and witness[2] == 10  # out, then the public salt
    for _ in range(5):  # a changed wire (other than inputs) breaks the circom system too
        bad = list(witness)
        wire = rng.randrange(1 + 1 + 1 + 3, r1cs.n_wires) if rng.random() < 0.8 else 1
        bad[wire] = (bad[wire] + 1) % R
        assert len(r1cs.failing(bad))


def test_our_witness_for_our_poseidon_matches_the_circom_output(circom_poseidon):
    r1cs, witness = circom_poseidon

    def define(c):
        from prozchain.circuits.gadgets.poseidon import poseidon

        xs, salt = c.private_input("in", 3), c.public_input("salt")
        c.output("out", poseidon([x + salt for x in xs]))

    ours = compile_fn(define, "Hash3")
    w = ours.solve({"in": [1, 2, 3], "salt": 10})
    assert ours.public_values(w) == witness[1:3]


def test_babyjub_multiplication_equals_circomlibjs(js, rng):
    from prozchain.circuits.gadgets import babyjub

    cases = [(babyjub.mul(babyjub.BASE8, rng.randrange(1, babyjub.SUBORDER)), rng.randrange(R)) for _ in range(4)]
    cases.append((babyjub.GENERATOR, babyjub.ORDER - 1))
    theirs = js.oracle({"op": "babyjub_mul", "points": [[str(p[0]), str(p[1]), str(k)] for p, k in cases]})
    assert [list(babyjub.mul(p, k)) for p, k in cases] == [[int(c) for c in pt] for pt in theirs]


def test_eddsa_signatures_cross_verify_with_circomlibjs(js, rng):
    from prozchain.circuits.gadgets.eddsa import Signature, public_key, sign, verify, verify_gadget

    keys = [rng.randbytes(32) for _ in range(3)]
    msgs = [rng.randrange(R) for _ in keys]
    theirs = js.oracle({"op": "eddsa_sign", "keys": [k.hex() for k in keys], "msgs": [str(m) for m in msgs]})

    def define(c):
        verify_gadget(c.private_input("msg"), c.public_input("A", 2), c.private_input("R8", 2), c.private_input("S"))

    verifier = compile_fn(define, "Verify")
    items = []
    for key, msg, their in zip(keys, msgs, theirs):
        a, r8, s = tuple(int(c) for c in their["A"]), tuple(int(c) for c in their["R8"]), int(their["S"])
        ours = sign(key, msg)
        assert (public_key(key), ours) == (a, Signature(r8, s))  # deterministic: the very same signature
        assert verify(msg, Signature(r8, s), a)
        verifier.check(verifier.solve({"msg": msg, "A": list(a), "R8": list(r8), "S": s}))
        items.append({"msg": str(msg), "A": [str(c) for c in a], "R8": [str(c) for c in r8], "S": str(s)})
    forged = dict(items[0], msg=str((msgs[0] + 1) % R))
    assert js.oracle({"op": "eddsa_verify", "items": items + [forged]}) == [True, True, True, False]
