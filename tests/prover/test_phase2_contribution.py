"""Our phase-2 contribution judged by snarkjs: ``ptau_setup`` on a development ``.ptau`` writes
section 10 (the MPC record) as ``snarkjs groth16 setup`` + ``zkey contribute`` would, so
``snarkjs zkey verify`` accepts the key; snarkjs contributions and a beacon on top of ours,
and ours on top of theirs, still verify; proofs from every such key, by our prover and by
snarkjs, verify; keys whose delta, record or C/H points were tampered with are refused by
snarkjs, and our reader refuses a malformed section 10 naming the file and the section."""

from __future__ import annotations

import json
import re
import struct
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from prozchain.cli import main
from prozchain.native.curve import R
from prozchain.prover.curve import G1Point
from prozchain.prover.errors import SetupError
from prozchain.relations.formats.container import FormatError, read_container, write_container
from prozchain.prover.formats.ptau import read_ptau
from prozchain.relations.formats.r1cs import read_r1cs
from prozchain.prover.formats.zkey import MPCParams, parse_mpc_params, read_zkey, write_zkey
from prozchain.prover.groth16.ptau_dev import write_dev_ptau
from prozchain.prover.groth16.setup import (CONTRIBUTOR, add_contribution, constraint_system, dev_setup, ptau_setup,
                                            toy_r1cs)
from tests import js_oracles
from tests.prover.conftest import CUBE, Circuit, compile_circuit, snarkjs

POWER = 4
SEED = 20240918
DELTA, S = 0x1234567890ABCDEF, 0xFEDCBA987654321  # the test contribution's secrets, known on purpose
BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"

VERIFY_ZKEYS = """
const snarkjs = require("snarkjs");
(async () => {
  const request = JSON.parse(require("fs").readFileSync(0));
  const answers = [];
  for (const zkey of request.zkeys) {
    const said = [];
    const log = (m) => said.push(String(m));
    const logger = { error: log, warn: log, info: () => {}, debug: () => {} };
    const original = console.log;
    console.log = log;  // zkey verify prints the per-contribution failures with console.log
    try {
      answers.push([await snarkjs.zKey.verifyFromR1cs(request.r1cs, request.ptau, zkey, logger), said.join("; ")]);
    } finally {
      console.log = original;
    }
  }
  process.stdout.write(JSON.stringify(answers));
})().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
"""


def snarkjs_verify_zkeys(r1cs: Path, ptau: Path, zkeys: list[Path]) -> list[tuple[bool, str]]:
    """snarkjs's ``zKey.verifyFromR1cs`` (what ``snarkjs zkey verify`` runs) on several keys in
    one node process: (accepted, what it logged) per key."""
    request = json.dumps({"r1cs": str(r1cs), "ptau": str(ptau), "zkeys": [str(z) for z in zkeys]})
    result = subprocess.run(["node", "-e", VERIFY_ZKEYS], cwd=js_oracles.installed().parent, input=request,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return [tuple(answer) for answer in json.loads(result.stdout)]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Circuit:
    """The cube circuit on a power-4 development ptau (pot.ptau) with: theirs.zkey (snarkjs
    groth16 setup), plain.zkey (ours, no contribution), ours.zkey (ours, one contribution with
    the known DELTA), ours_snarkjs.zkey (+ snarkjs zkey contribute), ours_beacon.zkey (+ snarkjs
    zkey beacon) and ours_snarkjs_ours.zkey (ours_snarkjs + our add_contribution)."""
    c = compile_circuit(tmp_path_factory.mktemp("phase2"), "cube", CUBE, {"x": 3, "k": 5})
    d = c.dir
    write_dev_ptau(d / "pot.ptau", POWER, seed=SEED)
    snarkjs("groth16", "setup", "cube.r1cs", "pot.ptau", "theirs.zkey", cwd=d)
    cs, ptau = constraint_system(read_r1cs(c.path(".r1cs"))), read_ptau(d / "pot.ptau")
    plain = ptau_setup(cs, ptau, contribute=False)
    write_zkey(d / "plain.zkey", plain)
    write_zkey(d / "ours.zkey", add_contribution(plain, DELTA, S))
    snarkjs("zkey", "contribute", "ours.zkey", "ours_snarkjs.zkey", "--name=second", "-e=phase2 test entropy", cwd=d)
    snarkjs("zkey", "beacon", "ours_snarkjs.zkey", "ours_beacon.zkey", BEACON, "10", "--name=final beacon", cwd=d)
    write_zkey(d / "ours_snarkjs_ours.zkey", add_contribution(read_zkey(d / "ours_snarkjs.zkey"), 5, 7, "third"))
    return c


VALID = ["plain", "ours", "ours_snarkjs", "ours_beacon", "ours_snarkjs_ours"]


def test_setup_without_contribution_is_snarkjs_setup_to_the_byte(keys: Circuit):
    """Section 10 included: our circuit hash is snarkjs's (its csHash over the key and ptau)."""
    ours, theirs = (read_container(keys.dir / f"{n}.zkey", b"zkey") for n in ("plain", "theirs"))
    assert sorted(ours.types()) == sorted(theirs.types()) == list(range(1, 11))
    for section in ours.types():
        assert bytes(ours.section(section)) == bytes(theirs.section(section)), section


def test_snarkjs_zkey_verify_accepts_our_contribution(keys: Circuit):
    result = js_oracles.run("snarkjs", "zkey", "verify", "cube.r1cs", "pot.ptau", "ours.zkey", cwd=keys.dir)
    assert result.returncode == 0 and "ZKey Ok!" in result.stdout, result.stdout + result.stderr
    assert f"contribution #1 {CONTRIBUTOR}" in result.stdout


def test_snarkjs_zkey_verify_accepts_the_key_the_cli_streams(keys: Circuit, tmp_path: Path, capsys):
    """``prozchain groth16 setup circuit.r1cs pot.ptau`` writes the key as it computes it
    (:func:`prozchain.prover.groth16.setup.write_ptau_setup`): snarkjs checks it against the
    circuit and the ceremony."""
    zkey = tmp_path / "cli.zkey"
    assert main(["groth16", "setup", str(keys.path(".r1cs")), str(keys.dir / "pot.ptau"), str(zkey)]) == 0
    assert "phase 2 on" in capsys.readouterr().out
    result = js_oracles.run("snarkjs", "zkey", "verify", "cube.r1cs", "pot.ptau", str(zkey), cwd=keys.dir)
    assert result.returncode == 0 and "ZKey Ok!" in result.stdout, result.stdout + result.stderr


def test_contributions_on_top_of_ours_and_ours_on_top_verify(keys: Circuit):
    answers = snarkjs_verify_zkeys(keys.path(".r1cs"), keys.dir / "pot.ptau", [keys.dir / f"{n}.zkey" for n in VALID])
    assert answers == [(True, "")] * len(VALID), list(zip(VALID, answers))


def test_the_record_is_what_we_contributed(keys: Circuit):
    """delta is the known secret; snarkjs's record of our contribution, its own and the beacon
    parse, and write back byte for byte."""
    plain, ours = read_zkey(keys.dir / "plain.zkey"), read_zkey(keys.dir / "ours.zkey")
    assert ours.delta1 == G1Point.generator() * DELTA and ours.delta2 == plain.delta2 * DELTA
    (record,) = ours.mpc_params().contributions
    assert (record.delta_after, record.g1_s, record.g1_sx) == (ours.delta1, G1Point.generator() * S,
                                                                G1Point.generator() * (S * DELTA % R))
    assert (record.type, record.name) == (0, CONTRIBUTOR)
    assert ours.mpc_params().cs_hash == plain.mpc_params().cs_hash
    final = keys.dir / "ours_snarkjs_ours.zkey"
    raw = bytes(read_container(final, b"zkey").section(10))
    mpc = parse_mpc_params(raw)
    assert [(c.type, c.name) for c in mpc.contributions] == [(0, CONTRIBUTOR), (0, "second"), (0, "third")]
    assert mpc.contributions[0] == record and mpc.to_bytes() == raw
    beacon_raw = bytes(read_container(keys.dir / "ours_beacon.zkey", b"zkey").section(10))
    beacon = parse_mpc_params(beacon_raw).contributions[-1]
    assert (beacon.type, beacon.name, beacon.iterations_exp, beacon.beacon_hash.hex()) == (1, "final beacon", 10, BEACON)
    assert parse_mpc_params(beacon_raw).to_bytes() == beacon_raw


PROVE_AND_VERIFY = """
const snarkjs = require("snarkjs");
(async () => {
  const request = JSON.parse(require("fs").readFileSync(0));
  const answers = [];
  for (const k of request.keys) {
    const theirs = await snarkjs.groth16.prove(k.zkey, request.wtns);
    const cases = [[k.public, k.proof], [theirs.publicSignals, theirs.proof], [["32", "6"], k.proof]];
    const said = [];
    for (const [pub, proof] of cases) said.push(await snarkjs.groth16.verify(k.vk, pub, proof));
    answers.push([theirs.publicSignals, said]);
  }
  process.stdout.write(JSON.stringify(answers));
})().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
"""


def test_proofs_from_every_key_verify(keys: Circuit, tmp_path: Path, capsys):
    """Our prover and snarkjs's prove under each key; snarkjs verifies both under the key's
    verification key (exported by us), and refuses our proof with a changed public input."""
    request = {"wtns": str(keys.path(".wtns")), "keys": []}
    for name in VALID:
        zkey, vk, proof, public = (tmp_path / f"{name}{suffix}" for suffix in ("", "_vk.json", "_p.json", "_pub.json"))
        assert main(["zkey", "export", "verificationkey", str(keys.dir / f"{name}.zkey"), str(vk)]) == 0
        assert main(["groth16", "prove", str(keys.dir / f"{name}.zkey"), str(keys.path(".wtns")), str(proof),
                     str(public)]) == 0
        request["keys"].append({"zkey": str(keys.dir / f"{name}.zkey"), "vk": json.loads(vk.read_text()),
                                "proof": json.loads(proof.read_text()), "public": json.loads(public.read_text())})
    capsys.readouterr()
    result = subprocess.run(["node", "-e", PROVE_AND_VERIFY], cwd=js_oracles.installed().parent,
                            input=json.dumps(request), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    answers = json.loads(result.stdout)
    assert [k["public"] for k in request["keys"]] == [["32", "5"]] * len(VALID)
    assert answers == [[["32", "5"], [True, True, False]]] * len(VALID), list(zip(VALID, answers))


def _with_contribution(key, **changes):
    """The key with its last contribution record changed as ``changes`` say (nothing else)."""
    mpc = key.mpc_params()
    record = replace(mpc.contributions[-1], **changes)
    return replace(key, contributions=MPCParams(mpc.cs_hash, mpc.contributions[:-1] + (record,)).to_bytes())


def test_tampered_contributions_are_refused(keys: Circuit, tmp_path: Path):
    plain, ours = read_zkey(keys.dir / "plain.zkey"), read_zkey(keys.dir / "ours.zkey")
    record = ours.mpc_params().contributions[0]
    twice = add_contribution(ours, 2, 3)
    cases = {
        # a consistent key (proofs verify) whose second delta is not on record
        "unrecorded delta": (replace(twice, contributions=ours.contributions), "Invalid delta1"),
        "g2_spx altered": (_with_contribution(ours, g2_spx=record.g2_spx * 2), "do not have the same ration"),
        "g1_sx altered": (_with_contribution(ours, g1_sx=record.g1_sx * 2), "Inconsistent transcript"),
        "transcript altered": (_with_contribution(ours, transcript=bytes(64)), "Inconsistent transcript"),
        "deltaAfter altered": (_with_contribution(twice, delta_after=ours.delta1), "deltaAfter does not fillow"),
        "C not divided by delta": (replace(ours, c=plain.c), "L section does not match"),
        "H not divided by delta": (replace(ours, h=plain.h), "H section does not match"),
    }
    paths = []
    for i, (key, _) in enumerate(cases.values()):
        paths.append(tmp_path / f"tampered{i}.zkey")
        write_zkey(paths[-1], key)
    answers = snarkjs_verify_zkeys(keys.path(".r1cs"), keys.dir / "pot.ptau", paths)
    for (case, (_, reason)), (accepted, said) in zip(cases.items(), answers):
        assert not accepted and reason in said, (case, said)
    result = js_oracles.run("snarkjs", "zkey", "verify", "cube.r1cs", "pot.ptau", str(paths[0]), cwd=keys.dir)
    assert result.returncode != 0 and "Invalid delta1" in result.stdout + result.stderr


CONTRIBUTION = 68  # where the first contribution starts: circuit hash, u32 count
PARAMS = CONTRIBUTION + 392  # its parameters, after the points, transcript, type and length


def _patch(at: int, data: bytes):
    return lambda raw: raw[:at] + data + raw[at + len(data):]


MALFORMED = {
    "60 bytes, too few for the 64-byte circuit hash": lambda raw: raw[:60],
    "contribution 1 of 2: the section ends": _patch(64, struct.pack("<I", 2)),
    "contribution 0: g1_s: .*not on the curve": _patch(CONTRIBUTION + 64, b"\x05"),
    "contribution 0: type 5 is neither 0": _patch(CONTRIBUTION + 384, struct.pack("<I", 5)),
    "contribution 0: 1000 parameter bytes run past": _patch(CONTRIBUTION + 388, struct.pack("<I", 1000)),
    "contribution 0: parameter type 4 at byte 0 is not 1": _patch(PARAMS, b"\x04"),
    "contribution 0: parameter type 1 at byte 0 runs past": _patch(PARAMS + 1, b"\xc8"),
    "contribution 0: a beacon without its hash": _patch(CONTRIBUTION + 384, struct.pack("<I", 1)),
    "1 bytes after the 1 contributions": lambda raw: raw + b"\0",
}


@pytest.mark.parametrize("problem", MALFORMED)
def test_reader_refuses_a_malformed_section_10(keys: Circuit, tmp_path: Path, problem: str):
    box = read_container(keys.dir / "ours.zkey", b"zkey")
    raw = MALFORMED[problem](bytes(box.section(10)))
    bad = tmp_path / "bad_mpc.zkey"
    bad.write_bytes(write_container(b"zkey", 1, [(t, raw if t == 10 else bytes(p)) for t, p in box.sections]))
    with pytest.raises(FormatError, match=rf"bad_mpc\.zkey.*section type 10 \(contributions\): {problem}"):
        read_zkey(bad, check="none")


def test_a_contribution_needs_a_record_and_a_secret(keys: Circuit):
    ours = read_zkey(keys.dir / "ours.zkey")
    with pytest.raises(SetupError, match="non-zero"):
        add_contribution(ours, R, 3)
    with pytest.raises(SetupError, match="no phase-2 record"):
        add_contribution(dev_setup(toy_r1cs(), seed=1), 2, 3)


def test_our_verifier_refuses_a_key_without_contribution(keys: Circuit, tmp_path: Path, capsys):
    """snarkjs's groth16 setup alone leaves gamma = delta: any proof's C can then be moved to
    other public inputs. The key exports and proves, but our verifier says why it refuses it."""
    vk, proof, public = (tmp_path / name for name in ("vk.json", "p.json", "pub.json"))
    assert main(["zkey", "export", "verificationkey", str(keys.dir / "theirs.zkey"), str(vk)]) == 0
    assert main(["groth16", "prove", str(keys.dir / "theirs.zkey"), str(keys.path(".wtns")), str(proof), str(public)]) == 0
    capsys.readouterr()
    assert main(["groth16", "verify", str(vk), str(public), str(proof)]) == 2
    assert "vk.json: gamma = delta or -delta" in capsys.readouterr().err
