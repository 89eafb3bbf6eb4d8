"""Issue #7: circomlib circuits compiled by circom2, keyed by snarkjs from our development ptau,
witnessed by circom's wasm generator (``snarkjs wtns calculate``), proved by our prover
(``prozchain groth16 prove``), verified by snarkjs and by us; a tampered public input is
rejected by both.

Circuits: a Poseidon Merkle inclusion proof (depth 6, circomlib's Poseidon(2)) and circomlib's
EdDSAPoseidonVerifier. Inputs come from circomlibjs (tests/js/oracle.cjs); every artifact is
built once per session.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from prozchain.cli import main
from prozchain.native.curve import R
from prozchain.relations.formats.r1cs import read_r1cs
from prozchain.prover.groth16.ptau_dev import write_dev_ptau
from prozchain.prover.groth16.setup import constraint_system
from tests import js_oracles
from tests.prover.conftest import Circuit, compile_circuit, snarkjs, snarkjs_verify_many

DEPTH = 6
MERKLE = """pragma circom 2.0.0;
include "circomlib/poseidon.circom";
template MerkleInclusion(depth) {
    signal input leaf;
    signal input root;
    signal input siblings[depth];
    signal input pathBits[depth];
    signal node[depth + 1];
    signal left[depth];
    signal right[depth];
    component hashers[depth];
    node[0] <== leaf;
    for (var i = 0; i < depth; i++) {
        pathBits[i] * (1 - pathBits[i]) === 0;
        left[i] <== node[i] + pathBits[i] * (siblings[i] - node[i]);
        right[i] <== siblings[i] + pathBits[i] * (node[i] - siblings[i]);
        hashers[i] = Poseidon(2);
        hashers[i].inputs[0] <== left[i];
        hashers[i].inputs[1] <== right[i];
        node[i + 1] <== hashers[i].out;
    }
    root === node[depth];
}
component main {public [root]} = MerkleInclusion(%d);
""" % DEPTH

EDDSA = """pragma circom 2.0.0;
include "circomlib/eddsaposeidon.circom";
component main {public [Ax, Ay, M]} = EdDSAPoseidonVerifier();
"""


def circomlibjs(request: dict):
    """One answer from circomlibjs through tests/js/oracle.cjs."""
    root = js_oracles.installed().parent
    result = subprocess.run(["node", str(root / "oracle.cjs")], cwd=root, input=json.dumps(request),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def keyed(circuit: Circuit) -> Circuit:
    """snarkjs's ``groth16 setup`` from a development ptau of just the power the circuit needs,
    one phase-2 contribution (without one gamma = delta, a key verifiers refuse), and snarkjs's
    verification key export: name.zkey, name_vk.json."""
    cs = constraint_system(read_r1cs(circuit.path(".r1cs")))
    write_dev_ptau(circuit.dir / "dev.ptau", max(1, cs.domain_size().bit_length() - 1), seed=7)
    snarkjs("groth16", "setup", f"{circuit.name}.r1cs", "dev.ptau", f"{circuit.name}_0000.zkey", cwd=circuit.dir)
    snarkjs("zkey", "contribute", f"{circuit.name}_0000.zkey", f"{circuit.name}.zkey", "--name=test", "-e=test entropy",
            cwd=circuit.dir)
    snarkjs("zkey", "export", "verificationkey", f"{circuit.name}.zkey", f"{circuit.name}_vk.json", cwd=circuit.dir)
    return circuit


@pytest.fixture(scope="session")
def merkle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Circuit, str]:
    leaf, siblings = 1234567, [1000 + 17 * i for i in range(DEPTH)]
    bits = [(0b101101 >> i) & 1 for i in range(DEPTH)]
    root = circomlibjs({"op": "merkle_root", "leaf": str(leaf), "siblings": [str(s) for s in siblings],
                        "path_bits": bits})
    inputs = {"leaf": leaf, "root": root, "siblings": siblings, "pathBits": bits}
    return keyed(compile_circuit(tmp_path_factory.mktemp("merkle"), "merkle", MERKLE, inputs)), root


@pytest.fixture(scope="session")
def eddsa(tmp_path_factory: pytest.TempPathFactory) -> tuple[Circuit, dict]:
    message = 20240807
    [sig] = circomlibjs({"op": "eddsa_sign", "keys": ["0001020304050607080900010203040506070809000102030405060708090001"],
                         "msgs": [str(message)]})
    inputs = {"enabled": 1, "Ax": sig["A"][0], "Ay": sig["A"][1], "S": sig["S"], "R8x": sig["R8"][0],
              "R8y": sig["R8"][1], "M": message}
    return keyed(compile_circuit(tmp_path_factory.mktemp("eddsa"), "eddsa", EDDSA, inputs)), inputs


def prove_and_check_both_verifiers(c: Circuit, expected_public: list[str], tmp_path: Path) -> None:
    """Our prover on snarkjs's key and circom's witness; snarkjs and we accept the proof and
    reject it against each public input changed by one."""
    proof, public, vk = tmp_path / "proof.json", tmp_path / "public.json", c.path("_vk.json")
    assert main(["groth16", "prove", str(c.path(".zkey")), str(c.path(".wtns")), str(proof), str(public)]) == 0
    assert json.loads(public.read_text()) == expected_public
    tampered = [[str((int(v) + 1) % R) if j == i else v for j, v in enumerate(expected_public)]
                for i in range(len(expected_public))]
    proof_json = json.loads(proof.read_text())
    answers = snarkjs_verify_many(json.loads(vk.read_text()), [(pub, proof_json) for pub in [expected_public, *tampered]])
    assert answers == [True] + [False] * len(tampered)
    assert main(["groth16", "verify", str(vk), str(public), str(proof)]) == 0
    for i, pub in enumerate(tampered):
        (tmp_path / f"bad{i}.json").write_text(json.dumps(pub))
        assert main(["groth16", "verify", str(vk), str(tmp_path / f"bad{i}.json"), str(proof)]) == 1


def test_poseidon_merkle_inclusion(merkle, tmp_path, capsys):
    circuit, root = merkle
    prove_and_check_both_verifiers(circuit, [root], tmp_path)
    capsys.readouterr()


def test_eddsa_poseidon_verifier(eddsa, tmp_path, capsys):
    circuit, inputs = eddsa
    prove_and_check_both_verifiers(circuit, [inputs["Ax"], inputs["Ay"], str(inputs["M"])], tmp_path)
    capsys.readouterr()
