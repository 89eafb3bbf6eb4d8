"""Groth16 proving and setup, judged by snarkjs: its keys with our prover, our keys with its
prover, each side verifying the other's proofs, and tampering rejected by both."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from prozchain.cli import main
from prozchain.native import get_backend
from prozchain.native.curve import root_of_unity
from prozchain.prover import G1Point, G2Point
from prozchain.relations.formats.container import read_container
from prozchain.prover.formats.ptau import read_ptau
from prozchain.relations.formats.r1cs import read_r1cs
from prozchain.prover.formats.snarkjs_json import proof_from_json, proof_to_json
from prozchain.relations.formats.bounded_json import write_json
from prozchain.prover.formats.zkey import read_zkey, write_zkey
from prozchain.prover.groth16 import Proof, batch_verify
from prozchain.relations import WitnessError
from prozchain.prover.groth16.prover import check_witness, load_key, prove, prove_many, read_witness
from prozchain.prover.groth16.setup import constraint_system, ptau_setup
from tests.prover.conftest import Circuit, snarkjs, snarkjs_verify_many
from tests import js_oracles


def snarkjs_verifies(vk: Path, public: Path, proof: Path) -> bool:
    result = js_oracles.run("snarkjs", "groth16", "verify", str(vk), str(public), str(proof))
    assert ("OK" in result.stdout) == (result.returncode == 0), result.stdout + result.stderr
    return result.returncode == 0


def our_prove(zkey: Path, wtns: Path, out: Path, *extra: str) -> tuple[Path, Path]:
    proof, public = out / "proof.json", out / "public.json"
    assert main(["groth16", "prove", str(zkey), str(wtns), str(proof), str(public), *extra]) == 0
    return proof, public


def test_snarkjs_verifies_our_proofs_from_its_key_and_rejects_tampering(cube: Circuit, tmp_path, capsys):
    proof_path, public_path = our_prove(cube.path(".zkey"), cube.path(".wtns"), tmp_path)
    assert json.loads(public_path.read_text()) == ["32", "5"]  # y = 3^3 + 5, then k
    vk = cube.dir / "cube_vk.json"
    assert snarkjs_verifies(vk, public_path, proof_path)
    assert main(["groth16", "verify", str(vk), str(public_path), str(proof_path)]) == 0

    proof = proof_from_json(json.loads(proof_path.read_text()))
    public = json.loads(public_path.read_text())
    g1, g2 = G1Point.generator(), G2Point.generator()
    tampered = [(public, Proof(proof.a + g1, proof.b, proof.c)), (public, Proof(proof.a, proof.b + g2, proof.c)),
                (public, Proof(proof.a, proof.b, proof.c + g1)), (public, Proof(proof.c, proof.b, proof.a)),
                (["32", "6"], proof), (["33", "5"], proof)]
    cases = [(pub, proof_to_json(p)) for pub, p in tampered]
    assert snarkjs_verify_many(json.loads(vk.read_text()), [(public, proof_to_json(proof))] + cases) == [True] + [False] * 6
    for i, (pub, p) in enumerate(cases):
        write_json(tmp_path / f"p{i}.json", p)
        write_json(tmp_path / f"pub{i}.json", pub)
        assert main(["groth16", "verify", str(vk), str(tmp_path / f"pub{i}.json"), str(tmp_path / f"p{i}.json")]) == 1
    capsys.readouterr()


def test_we_verify_snarkjs_proofs(cube: Circuit, tmp_path, capsys):
    snarkjs("groth16", "prove", str(cube.path(".zkey")), str(cube.path(".wtns")), str(tmp_path / "p.json"),
            str(tmp_path / "pub.json"), cwd=tmp_path)
    assert main(["groth16", "verify", str(cube.dir / "cube_vk.json"), str(tmp_path / "pub.json"),
                 str(tmp_path / "p.json")]) == 0
    assert "OK" in capsys.readouterr().out


def test_exported_verification_key_equals_snarkjs_export(cube: Circuit, tmp_path):
    """Every field, vk_alphabeta_12 included (ffjavascript's pairing value, see snarkjs_json)."""
    ours = tmp_path / "vk.json"
    assert main(["zkey", "export", "verificationkey", str(cube.path(".zkey")), str(ours)]) == 0
    assert json.loads(ours.read_text()) == json.loads((cube.dir / "cube_vk.json").read_text())


def test_dev_setup_writes_snarkjs_layout_and_snarkjs_proves_with_it(cube: Circuit, tmp_path, capsys):
    zkey = tmp_path / "dev.zkey"
    assert main(["groth16", "setup", str(cube.path(".r1cs")), "--dev", str(zkey)]) == 0
    assert "development setup" in capsys.readouterr().out
    ours, theirs = (read_container(p, b"zkey") for p in (zkey, cube.path(".zkey")))
    assert bytes(ours.section(4)) == bytes(theirs.section(4))  # the same QAP coefficients, same order
    assert bytes(ours.section(2))[:84] == bytes(theirs.section(2))[:84]  # q, r, nVars, nPublic, domain
    vk = tmp_path / "vk.json"
    assert main(["zkey", "export", "verificationkey", str(zkey), str(vk)]) == 0
    snarkjs("groth16", "prove", str(zkey), str(cube.path(".wtns")), "p.json", "pub.json", cwd=tmp_path)
    assert snarkjs_verifies(vk, tmp_path / "pub.json", tmp_path / "p.json")
    proof_path, public_path = our_prove(zkey, cube.path(".wtns"), tmp_path)
    assert snarkjs_verifies(vk, public_path, proof_path)


def test_poseidon_circuit_both_ways_with_our_setup(poseidon: Circuit, tmp_path, capsys):
    """circomlib's Poseidon: our dev key; snarkjs and we prove with it, each verifies the other."""
    zkey, vk = tmp_path / "poseidon.zkey", tmp_path / "vk.json"
    assert main(["groth16", "setup", str(poseidon.path(".r1cs")), "--dev", str(zkey)]) == 0
    assert main(["zkey", "export", "verificationkey", str(zkey), str(vk)]) == 0
    snarkjs("zkey", "export", "verificationkey", str(zkey), "snarkjs_vk.json", cwd=tmp_path)
    assert json.loads(vk.read_text()) == json.loads((tmp_path / "snarkjs_vk.json").read_text())
    proof_path, public_path = our_prove(zkey, poseidon.path(".wtns"), tmp_path, "--profile")
    err = capsys.readouterr().err
    assert " msms " in err or " msm_h " in err  # a small domain's MSMs: one batch on two threads or more
    assert snarkjs_verifies(vk, public_path, proof_path)
    snarkjs("groth16", "prove", str(zkey), str(poseidon.path(".wtns")), "p.json", "pub.json", cwd=tmp_path)
    assert json.loads((tmp_path / "pub.json").read_text()) == json.loads(public_path.read_text())
    assert main(["groth16", "verify", str(vk), str(tmp_path / "pub.json"), str(tmp_path / "p.json")]) == 0


def test_proofs_are_fresh_and_keys_are_cached(cube: Circuit):
    key = load_key(cube.path(".zkey"))
    assert load_key(cube.path(".zkey")) is key
    witness = read_witness(cube.path(".wtns"))
    (p1, pub1), (p2, pub2) = prove_many(key, [witness, witness])
    assert p1 != p2 and pub1 == pub2 == [32, 5]  # fresh r, s each time
    assert batch_verify(key.verification_key(), [(pub1, p1), (pub2, p2)])


def test_prove_many_side_by_side_keeps_order_and_the_callers_threads(cube: Circuit):
    from prozchain.native.core import lib

    threads = lib.pz_num_threads()
    witness = read_witness(cube.path(".wtns"))
    done = prove_many(cube.path(".zkey"), [witness] * 4, parallel=2, self_check=True)
    assert [public for _, public in done] == [[32, 5]] * 4 and len({proof for proof, _ in done}) == 4
    assert lib.pz_num_threads() == threads  # only the pool's threads ran on one core each


def test_c_and_reference_backends_agree_on_the_quotient(cube: Circuit):
    key, witness = read_zkey(cube.path(".zkey")), read_witness(cube.path(".wtns"))
    shift = root_of_unity(key.domain_size.bit_length())
    results = []
    for name in ("c", "reference"):
        b = get_backend(name)
        a, bb = b.qap_abc(key.coefficients, witness, key.domain_size)
        results.append((a, bb, b.qap_h(a, bb, shift)))
    for ours, ref in zip(*results):
        assert np.array_equal(ours, ref)
    c = get_backend("c")
    a, bb, h = results[0]
    assert np.array_equal(c.qap_h(a.copy(), bb.copy(), shift, consume=True), h)  # the inputs as scratch
    same = a.copy()  # one array as both: only one of them can be the scratch
    assert np.array_equal(c.qap_h(same, same, shift, consume=True), c.qap_h(a, a, shift))


def test_qap_abc_in_parts_equals_the_whole(cube: Circuit):
    """The records added a part at a time (qap_abc_parts, as both provers stream the section)
    give pz_qap_abc's A and B, each release seeing all the records added so far, and a bad
    record's index counts from the first record, not from its part's."""
    from prozchain.native.core import QAP_RECORD, ffi, kernels, qap_abc_parts

    key, witness = read_zkey(cube.path(".zkey")), read_witness(cube.path(".wtns"))
    records, n, w = key.coefficients.view(np.uint8).tobytes(), key.domain_size, ffi.from_buffer("uint64_t[]", witness)
    count = len(records) // QAP_RECORD

    def abc(part: int, data: bytes = records):
        a, b, released = ffi.new("uint64_t[]", 4 * n), ffi.new("uint64_t[]", 4 * n), []
        bad = qap_abc_parts(kernels, a, b, data, w, len(witness), n, lambda done: released.append(len(done)), part)
        return bad, bytes(ffi.buffer(a)), bytes(ffi.buffer(b)), released

    whole = ffi.new("uint64_t[]", 4 * n), ffi.new("uint64_t[]", 4 * n)
    assert kernels.qap_abc(*whole, records, count, w, len(witness), n) == -1
    for part in (1, 2, 3, count - 1, count, 1 << 16):
        bad, a, b, released = abc(part)
        assert (bad, a, b) == (-1, bytes(ffi.buffer(whole[0])), bytes(ffi.buffer(whole[1])))
        assert released == [QAP_RECORD * min(count, end) for end in range(part, count + part, part)]
    broken = bytearray(records)
    broken[QAP_RECORD * (count - 2)] = 2  # matrix 2: neither A nor B
    assert abc(3, bytes(broken))[0] == count - 2


def test_witness_is_checked(cube: Circuit):
    key, witness = read_zkey(cube.path(".zkey")), read_witness(cube.path(".wtns"))
    with pytest.raises(WitnessError, match="nVars = 5"):
        check_witness(key, witness[:-1])
    bad = witness.copy()
    bad[0, 0] = 2
    with pytest.raises(WitnessError, match="not the constant 1"):
        prove(key, bad)
    bad[0] = [0xFFFFFFFFFFFFFFFF] * 4
    with pytest.raises(WitnessError, match="value 0 is not below r"):
        check_witness(key, bad)


def test_prove_command_reports_malformed_files(cube: Circuit, tmp_path, capsys):
    broken = tmp_path / "broken.zkey"
    broken.write_bytes(cube.path(".zkey").read_bytes()[:1000])
    assert main(["groth16", "prove", str(broken), str(cube.path(".wtns")), "p.json", "pub.json"]) == 2
    assert "broken.zkey" in capsys.readouterr().err


def test_ptau_phase2_is_snarkjs_setup_plus_a_contribution(cube: Circuit, tmp_path, capsys):
    """Without the contribution our phase 2 writes snarkjs's `groth16 setup` key byte for byte;
    with it (the CLI), both provers' proofs verify under our exported key."""
    plain = tmp_path / "plain.zkey"
    write_zkey(plain, ptau_setup(constraint_system(read_r1cs(cube.path(".r1cs"))), read_ptau(cube.dir / "pot.ptau"),
                                 contribute=False))
    ours, theirs = (read_container(p, b"zkey") for p in (plain, cube.dir / "cube0.zkey"))
    for section in range(1, 10):
        assert bytes(ours.section(section)) == bytes(theirs.section(section)), section

    zkey, vk = tmp_path / "ours.zkey", tmp_path / "vk.json"
    assert main(["groth16", "setup", str(cube.path(".r1cs")), str(cube.dir / "pot.ptau"), str(zkey)]) == 0
    assert main(["zkey", "export", "verificationkey", str(zkey), str(vk)]) == 0
    assert read_zkey(zkey).delta2 != read_zkey(plain).delta2  # the contribution took place
    snarkjs("groth16", "prove", str(zkey), str(cube.path(".wtns")), "p.json", "pub.json", cwd=tmp_path)
    proof_path, public_path = our_prove(zkey, cube.path(".wtns"), tmp_path)
    vk_json = json.loads(vk.read_text())
    cases = [(json.loads(p.with_name(q).read_text()), json.loads(p.read_text()))
             for p, q in ((tmp_path / "p.json", "pub.json"), (proof_path, public_path.name))]
    assert snarkjs_verify_many(vk_json, cases) == [True, True]
    capsys.readouterr()


def test_setup_rejects_a_ceremony_too_small(cube: Circuit, poseidon: Circuit, capsys):
    assert main(["groth16", "setup", str(poseidon.path(".r1cs")), str(cube.dir / "pot.ptau"), "x.zkey"]) == 2
    assert "power >= 11" in capsys.readouterr().err


def test_r1cs_info_agrees_with_snarkjs(cube: Circuit, capsys):
    assert main(["r1cs", "info", str(cube.path(".r1cs"))]) == 0
    ours = capsys.readouterr().out.splitlines()
    theirs = snarkjs("r1cs", "info", str(cube.path(".r1cs")), cwd=cube.dir)
    assert "[INFO] # of Constraints: 2" in ours
    for line in ours:
        assert line.split("] ", 1)[1] in theirs, line
