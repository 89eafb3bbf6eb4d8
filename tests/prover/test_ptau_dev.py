"""The INSECURE development powers of tau, judged by snarkjs: each hashing and hash-to-curve
piece against snarkjs's own functions (one node process), the whole file by ``snarkjs
powersoftau verify`` and by ``prepare phase2`` recomputing our Lagrange sections byte for byte,
then snarkjs's ``groth16 setup`` and our phase 2 on it with our prover and snarkjs's verifier,
and tampered files refused."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from prozchain.cli import main
from prozchain.native.curve import R, Group
from prozchain.native.kernels import ints_to_array, prepare_bases
from prozchain.prover.backend import current_backend
from prozchain.prover.errors import DevPtauError
from prozchain.relations.formats.container import FormatError, read_container, write_container
from prozchain.prover.formats.ptau import read_ptau
from prozchain.relations.formats.r1cs import read_r1cs
from prozchain.prover.formats.zkey import write_zkey
from prozchain.prover.groth16.ptau_dev import (ChaCha, DevPtau, first_challenge_hash, g2_sp, hash_to_g2, partial_hash,
                                               uncompressed, write_dev_ptau)
from prozchain.prover.groth16.setup import constraint_system, ptau_setup
from tests.prover.setup_reference import lagrange_at
from tests import js_oracles
from tests.prover.conftest import CUBE, Circuit, compile_circuit, snarkjs, snarkjs_verify_many

POWER = 4
SEED = 20240807

PIECES = """
import { pathToFileURL } from "url";
import * as fs from "fs";
import * as ff from "ffjavascript";
const src = process.argv[1];
const load = (name) => import(pathToFileURL(src + "/" + name).href);
const kp = await load("keypair.js");
const misc = await load("misc.js");
const utils = await load("powersoftau_utils.js");
const { getCurveFromName } = await load("curves.js");
const curve = await getCurveFromName("bn128");
const req = JSON.parse(fs.readFileSync(0));
const hex = (b) => Buffer.from(b).toString("hex");
const unhex = (h) => new Uint8Array(Buffer.from(h, "hex"));
const g1 = (h) => curve.G1.fromRprLEM(unhex(h));
const rng = new ff.ChaCha(req.seed);
const out = {
  chacha: Array.from({ length: 40 }, () => rng.nextU32()),
  hash_to_g2: req.digests.map((d) => hex(curve.G2.toUncompressed(curve.G2.toAffine(kp.hashToG2(curve, unhex(d)))))),
  g2_sp: req.sp.map(([p, ch, s, sx]) => hex(curve.G2.toUncompressed(curve.G2.toAffine(kp.getG2sp(curve, p, unhex(ch), g1(s), g1(sx)))))),
  g1_u: req.g1.map((h) => hex(curve.G1.toUncompressed(g1(h)))),
  g2_u: req.g2.map((h) => hex(curve.G2.toUncompressed(curve.G2.fromRprLEM(unhex(h))))),
  first: req.powers.map((p) => hex(utils.calculateFirstChallengeHash(curve, p))),
  resumed: req.partial.map(([state, m]) => { const h = misc.fromPartialHash(unhex(state)); h.update(unhex(m)); return hex(h.digest()); }),
};
process.stdout.write(JSON.stringify(out));
await curve.terminate();
"""


def run_node(script: str, request: dict) -> dict:
    """Run an ES-module node script (argv[1]: snarkjs's src directory) on a JSON request."""
    src = js_oracles.installed() / "snarkjs" / "src"
    result = subprocess.run(["node", "--input-type=module", "-e", script, str(src)], cwd=js_oracles.installed().parent,
                            input=json.dumps(request), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_each_piece_matches_snarkjs():
    backend = current_backend()
    g1_rows = [backend.generator_multiples(Group.G1, ints_to_array([k])).array for k in (1, 7, R - 1)]
    g1_rows.append(prepare_bases(Group.G1, [None]).array)  # infinity: all zero both ways
    g2_rows = [backend.generator_multiples(Group.G2, ints_to_array([k])).array for k in (1, 12345)]
    digests = [hashlib.blake2b(bytes([i]), digest_size=64).digest() for i in range(4)]
    challenge = hashlib.blake2b(b"challenge", digest_size=64).digest()
    prefixes = [b"", challenge, bytes(range(128))]
    messages = [b"", bytes(200), b"key" * 300]
    request = {
        "seed": [0x01234567, 0x89ABCDEF, 0, 1, 2, 3, 0xFFFFFFFF, 42],
        "digests": [d.hex() for d in digests],
        "sp": [[p, challenge.hex(), g1_rows[1].tobytes().hex(), g1_rows[2].tobytes().hex()] for p in (0, 1, 2)],
        "g1": [r.tobytes().hex() for r in g1_rows],
        "g2": [r.tobytes().hex() for r in g2_rows],
        "powers": [1, 3, 6],
        "partial": [[partial_hash(p).hex(), m.hex()] for p in prefixes for m in messages],
    }
    theirs = run_node(PIECES, request)

    rng = ChaCha(request["seed"])
    assert [rng.next_u32() for _ in range(40)] == theirs["chacha"]  # crosses two blocks

    def g2_hex(point) -> str:
        return uncompressed(Group.G2, prepare_bases(Group.G2, [point]).array).hex()

    assert [g2_hex(hash_to_g2(d)) for d in digests] == theirs["hash_to_g2"]
    assert [g2_hex(g2_sp(p, challenge, g1_rows[1], g1_rows[2])) for p in (0, 1, 2)] == theirs["g2_sp"]
    assert [uncompressed(Group.G1, r).hex() for r in g1_rows] == theirs["g1_u"]
    assert [uncompressed(Group.G2, r).hex() for r in g2_rows] == theirs["g2_u"]
    assert [first_challenge_hash(p).hex() for p in (1, 3, 6)] == theirs["first"]
    assert [hashlib.blake2b(p + m, digest_size=64).hexdigest() for p in prefixes for m in messages] == theirs["resumed"]


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DevPtau]:
    path = tmp_path_factory.mktemp("ptau_dev") / "dev.ptau"
    return path, write_dev_ptau(path, POWER, seed=SEED)


def test_snarkjs_verifies_our_ptau(dev):
    path, made = dev
    result = js_oracles.run("snarkjs", "powersoftau", "verify", str(path))
    assert result.returncode == 0 and "Powers of Tau Ok!" in result.stdout, result.stdout + result.stderr
    assert "prozchain dev (INSECURE)" in result.stdout
    printed = result.stdout.replace(" ", "")  # hashes print as groups of 8 hex digits
    for digest in (made.next_challenge, made.response_hash, first_challenge_hash(POWER)):
        assert digest[:4].hex() in printed


def test_prepare_phase2_recomputes_our_lagrange_sections(dev, tmp_path):
    """snarkjs's group FFT over our sections 2-5 gives our fixed-base Lagrange points exactly."""
    path, _ = dev
    ours = read_container(path, b"ptau")
    assert ours.types() == [1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]
    bare = tmp_path / "bare.ptau"
    bare.write_bytes(write_container(b"ptau", 1, [(t, bytes(ours.section(t))) for t in range(1, 8)]))
    snarkjs("powersoftau", "prepare", "phase2", str(bare), "prepared.ptau", cwd=tmp_path)
    theirs = read_container(tmp_path / "prepared.ptau", b"ptau")
    for section in (12, 13, 14, 15):
        assert bytes(ours.section(section)) == bytes(theirs.section(section)), section


def test_reader_sees_the_secrets_lagrange_basis(dev):
    """Independent of the inverse NTT the writer used: L_i(tau) by its closed form."""
    path, made = dev
    ptau, backend = read_ptau(path), current_backend()
    for size in (1, 4, 1 << POWER):
        basis = ints_to_array(lagrange_at(backend, size, made.tau))
        assert (ptau.lagrange(12, Group.G1, size).array == backend.generator_multiples(Group.G1, basis).array).all()
        assert (ptau.lagrange(13, Group.G2, size).array == backend.generator_multiples(Group.G2, basis).array).all()
    alpha_tau = ints_to_array([made.alpha * pow(made.tau, i, R) % R for i in range(1 << POWER)])
    alpha_g1 = backend.generator_multiples(Group.G1, alpha_tau).array
    assert (ptau.points(4, Group.G1, 0, 1 << POWER).array == alpha_g1).all()


@pytest.fixture(scope="module")
def snarkjs_key(dev, tmp_path_factory: pytest.TempPathFactory) -> Circuit:
    """The cube circuit keyed by ``snarkjs groth16 setup`` from our ptau: cube.zkey, cube_vk.json."""
    path, _ = dev
    c = compile_circuit(tmp_path_factory.mktemp("dev_cube"), "cube", CUBE, {"x": 3, "k": 5})
    snarkjs("groth16", "setup", "cube.r1cs", str(path), "cube.zkey", cwd=c.dir)
    snarkjs("zkey", "export", "verificationkey", "cube.zkey", "cube_vk.json", cwd=c.dir)
    return c


def test_snarkjs_setup_on_our_ptau_then_our_prover(snarkjs_key: Circuit, tmp_path):
    """We prove from snarkjs's .zkey and circom's witness; snarkjs verifies, and refuses a
    tampered public input."""
    c = snarkjs_key
    proof, public = tmp_path / "proof.json", tmp_path / "public.json"
    assert main(["groth16", "prove", str(c.path(".zkey")), str(c.path(".wtns")), str(proof), str(public)]) == 0
    assert json.loads(public.read_text()) == ["32", "5"]
    vk, p = json.loads(c.path("_vk.json").read_text()), json.loads(proof.read_text())
    assert snarkjs_verify_many(vk, [(["32", "5"], p), (["32", "6"], p)]) == [True, False]


def test_our_phase2_on_our_ptau_is_snarkjs_setup(dev, snarkjs_key: Circuit, tmp_path):
    """Without the contribution, our phase 2 from our ptau is snarkjs's key byte for byte; with
    it, snarkjs proves and verifies under the key."""
    path, _ = dev
    c = snarkjs_key
    cs = constraint_system(read_r1cs(c.path(".r1cs")))
    write_zkey(tmp_path / "plain.zkey", ptau_setup(cs, read_ptau(path), contribute=False))
    ours, theirs = (read_container(f, b"zkey") for f in (tmp_path / "plain.zkey", c.path(".zkey")))
    for section in range(1, 10):
        assert bytes(ours.section(section)) == bytes(theirs.section(section)), section
    write_zkey(tmp_path / "key.zkey", ptau_setup(cs, read_ptau(path)))
    assert main(["zkey", "export", "verificationkey", str(tmp_path / "key.zkey"), str(tmp_path / "vk.json")]) == 0
    snarkjs("groth16", "prove", "key.zkey", str(c.path(".wtns")), "p.json", "pub.json", cwd=tmp_path)
    case = (json.loads((tmp_path / "pub.json").read_text()), json.loads((tmp_path / "p.json").read_text()))
    assert snarkjs_verify_many(json.loads((tmp_path / "vk.json").read_text()), [case]) == [True]


VERIFY_PTAUS = """
const snarkjs = require("snarkjs");
(async () => {
  const answers = [];
  for (const path of JSON.parse(require("fs").readFileSync(0))) answers.push(await snarkjs.powersOfTau.verify(path));
  process.stdout.write(JSON.stringify(answers));
})().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
"""


def snarkjs_verify_ptaus(paths: list[Path]) -> list[bool]:
    """snarkjs's ``powersOfTau.verify`` on several files in one node process."""
    result = subprocess.run(["node", "-e", VERIFY_PTAUS], cwd=js_oracles.installed().parent,
                            input=json.dumps([str(p) for p in paths]), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def replace_point(path: Path, out: Path, section: int, index: int, point: bytes) -> None:
    box = read_container(path, b"ptau")
    payload = bytearray(box.section(section))
    payload[index * len(point):(index + 1) * len(point)] = point
    out.write_bytes(write_container(b"ptau", 1, [(t, bytes(payload) if t == section else bytes(p))
                                                 for t, p in box.sections]))


def test_tampered_ptau_is_refused(dev, tmp_path):
    path, made = dev
    backend = current_backend()
    wrong = backend.generator_multiples(Group.G1, ints_to_array([made.tau + 1])).array.tobytes()  # a valid G1 point
    off_curve = bytearray(wrong)
    off_curve[0] ^= 1
    cases = {"tau G1 power 3": (2, 3, wrong), "Lagrange tau G1 of domain 16, point 2": (12, 15 + 2, wrong),
             "Lagrange tau G1 off the curve": (12, 15 + 5, bytes(off_curve))}
    files = []
    for section, index, point in cases.values():
        files.append(tmp_path / f"{section}_{index}.ptau")
        replace_point(path, files[-1], section, index, point)
    assert snarkjs_verify_ptaus([path, *files]) == [True] + [False] * len(cases), list(cases)
    with pytest.raises(FormatError, match=r"section type 12 \(Lagrange tau G1\): point 20: .*curve"):
        read_ptau(tmp_path / "12_20.ptau").lagrange(12, Group.G1, 16)


def cli(*argv: str) -> int:
    return main(list(argv))


def test_cli_warns_and_is_reproducible_with_a_seed(tmp_path, capsys):
    assert cli("ptau", "dev", "3", str(tmp_path / "a.ptau"), "--seed", "9") == 0
    out = capsys.readouterr().out
    assert "INSECURE" in out and "forge proofs" in out and "2^3" in out
    write_dev_ptau(tmp_path / "b.ptau", 3, seed=9)
    write_dev_ptau(tmp_path / "c.ptau", 3, seed=10)
    a, b, c = ((tmp_path / f"{n}.ptau").read_bytes() for n in "abc")
    assert a == b and a != c
    assert cli("ptau", "dev", "28", str(tmp_path / "big.ptau")) == 2
    assert "power 28 is out of range" in capsys.readouterr().err
    assert cli("ptau", "dev", "3", str(tmp_path / "missing" / "x.ptau")) == 2
    assert "cannot write" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ptau", "b.ptau", "c.ptau"]  # nothing half-written
    with pytest.raises(DevPtauError):
        write_dev_ptau(tmp_path / "zero.ptau", 0)
