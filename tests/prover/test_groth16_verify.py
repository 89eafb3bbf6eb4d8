"""Groth16 verification: simulated proofs, tampering, batches, and snarkjs's JSON files."""

from __future__ import annotations

import json

import pytest

from prozchain.native.curve import P, R
from prozchain.prover import G1Point, G2Point
from prozchain.prover.errors import InvalidPublicInputs
from prozchain.relations.errors import JSONFormatError
from prozchain.prover.formats.snarkjs_json import (proof_from_json, proof_to_json, public_to_json,
                                                   verification_key_from_json, verification_key_to_json)
from prozchain.prover.groth16 import Proof, Trapdoor, batch_verify, verify
from prozchain.prover.twist import twist_point_outside_g2


@pytest.fixture(scope="module")
def setup():
    trapdoor = Trapdoor.random(n_public=2, seed=11)
    return trapdoor, trapdoor.verification_key()


def test_valid_proofs_verify(prover_backend, setup, rng):
    trapdoor, vk = setup
    public = [rng.randrange(R), rng.randrange(R)]
    assert verify(vk, public, trapdoor.prove(public, seed=rng.randrange(2**32)))


def tampered(proof: Proof) -> list[Proof]:
    g1, g2 = G1Point.generator(), G2Point.generator()
    return [Proof(proof.a + g1, proof.b, proof.c), Proof(proof.a, proof.b + g2, proof.c),
            Proof(proof.a, proof.b, proof.c + g1), Proof(proof.c, proof.b, proof.a),
            Proof(-proof.a, proof.b, proof.c)]


def test_tampered_proofs_and_inputs_are_rejected(setup):
    trapdoor, vk = setup
    public = [5, 6]
    proof = trapdoor.prove(public, seed=1)
    assert verify(vk, public, proof)
    for bad in tampered(proof):
        assert not verify(vk, public, bad)
    assert not verify(vk, [6, 5], proof)
    assert not verify(vk, [5, 6 + 1], proof)


def test_malformed_public_inputs_raise(setup):
    trapdoor, vk = setup
    proof = trapdoor.prove([1, 2], seed=1)
    with pytest.raises(InvalidPublicInputs, match="takes 2 public inputs, got 1"):
        verify(vk, [1], proof)
    with pytest.raises(InvalidPublicInputs, match="public input 1"):
        verify(vk, [1, R], proof)  # R reduces to 0 but is not a canonical input


def test_batch_verification_names_the_bad_proofs(setup):
    trapdoor, vk = setup
    items = [([i, i + 1], trapdoor.prove([i, i + 1], seed=i)) for i in range(6)]
    assert batch_verify(vk, items).ok
    assert batch_verify(vk, []).ok
    bad = list(items)
    bad[2] = (bad[2][0], tampered(bad[2][1])[0])
    bad[4] = ([9, 9], bad[4][1])
    result = batch_verify(vk, bad)
    assert not result.ok and result.bad == [2, 4]


def test_json_round_trip_and_errors(setup, rng):
    trapdoor, vk = setup
    proof = trapdoor.prove([1, 2], seed=3)
    assert proof_from_json(json.loads(json.dumps(proof_to_json(proof)))) == proof
    assert verification_key_from_json(verification_key_to_json(vk)) == vk
    good = proof_to_json(proof)
    cases = {
        "pi_a": (dict(good, pi_a=["1", "3", "1"]), "not on the curve"),
        "pi_c": (dict(good, pi_c=[str(P + 1), "2", "1"]), "not below the modulus"),
        "protocol": (dict(good, protocol="plonk"), "not supported"),
        "pi_b": (dict(good, pi_b=[["1", "2"], ["3"], ["1", "0"]]), "expected a list of 2"),
        "pi_a ": (dict(good, pi_a=["0x1", "2", "1"]), "not a canonical decimal"),
    }
    for name, (obj, message) in cases.items():
        with pytest.raises(JSONFormatError, match=message):
            proof_from_json(obj, source="proof.json")
    (x0, x1), (y0, y1) = twist_point_outside_g2(rng)
    outside = dict(good, pi_b=[[str(x0), str(x1)], [str(y0), str(y1)], ["1", "0"]])
    with pytest.raises(JSONFormatError, match="pi_b: .*not in the subgroup"):
        proof_from_json(outside)
    vk_json = verification_key_to_json(vk)
    with pytest.raises(JSONFormatError, match="nPublic"):
        verification_key_from_json(dict(vk_json, nPublic=5))


def test_jacobian_coordinates_are_read_as_ffjavascript_does(setup):
    trapdoor, vk = setup
    proof = trapdoor.prove([1, 2], seed=4)
    x, y = proof.a.affine
    z = 7
    jacobian = [str(x * z * z % P), str(y * z**3 % P), str(z)]
    assert proof_from_json(dict(proof_to_json(proof), pi_a=jacobian)).a == proof.a


def test_snarkjs_accepts_our_files_and_rejects_tampering(setup, tmp_path):
    """snarkjs judges our verification_key.json, public.json and proof.json."""
    from prozchain.relations.formats.bounded_json import write_json
    from tests import js_oracles

    trapdoor, vk = setup
    public = [123, 456]
    proof = trapdoor.prove(public, seed=5)
    write_json(tmp_path / "vk.json", verification_key_to_json(vk))
    write_json(tmp_path / "public.json", public_to_json(public))
    write_json(tmp_path / "proof.json", proof_to_json(proof))
    ok = js_oracles.run("snarkjs", "groth16", "verify", "vk.json", "public.json", "proof.json", cwd=tmp_path)
    assert ok.returncode == 0 and "OK" in ok.stdout, ok.stdout + ok.stderr
    write_json(tmp_path / "bad.json", proof_to_json(tampered(proof)[2]))
    bad = js_oracles.run("snarkjs", "groth16", "verify", "vk.json", "public.json", "bad.json", cwd=tmp_path)
    assert bad.returncode != 0 and "Invalid proof" in bad.stdout, bad.stdout + bad.stderr
    write_json(tmp_path / "public2.json", public_to_json([123, 457]))
    wrong = js_oracles.run("snarkjs", "groth16", "verify", "vk.json", "public2.json", "proof.json", cwd=tmp_path)
    assert wrong.returncode != 0, wrong.stdout


def test_verify_command_exit_codes(setup, tmp_path, capsys):
    from prozchain.relations.formats.bounded_json import write_json
    from prozchain.cli import main

    trapdoor, vk = setup
    proof = trapdoor.prove([1, 2], seed=6)
    write_json(tmp_path / "vk.json", verification_key_to_json(vk))
    write_json(tmp_path / "public.json", public_to_json([1, 2]))
    write_json(tmp_path / "proof.json", proof_to_json(proof))
    write_json(tmp_path / "bad.json", proof_to_json(tampered(proof)[0]))
    (tmp_path / "broken.json").write_text("{")

    def run(proof_file: str) -> int:
        return main(["groth16", "verify", str(tmp_path / "vk.json"), str(tmp_path / "public.json"),
                     str(tmp_path / proof_file)])

    assert run("proof.json") == 0 and "OK" in capsys.readouterr().out
    assert run("bad.json") == 1 and "Invalid proof" in capsys.readouterr().out
    assert run("broken.json") == 2 and "not valid JSON" in capsys.readouterr().err
    assert run("missing.json") == 2 and "no such file" in capsys.readouterr().err
