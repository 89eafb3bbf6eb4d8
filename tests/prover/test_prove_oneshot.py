"""The numpy-free one-shot ``groth16 prove`` (prozchain.prover.groth16.oneshot): it imports no
numpy, its proofs verify (ours and snarkjs's verifiers), its JSON is the full path's, and every
input it does not accept goes to the full path, which names the problem as before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from prozchain.cli import main
from prozchain.prover.formats.snarkjs_json import proof_to_json, read_proof, read_public
from prozchain.prover.formats.zkey import write_zkey
from prozchain.prover.groth16.oneshot import prove_files
from prozchain.prover.groth16.profile import Profile
from prozchain.prover.groth16.setup import dev_setup, toy_r1cs, toy_witness
from prozchain.prover.groth16.verifier import verify
from prozchain.relations.formats.container import read_container, write_container
from prozchain.relations.formats.wtns import write_wtns
from tests.prover.conftest import Circuit
from tests.prover.test_groth16_prove import snarkjs_verifies


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> tuple[Path, Path, object]:
    """A development key of the toy circuit (x^3 + x + 5, public output) and a witness for x = 3."""
    folder = tmp_path_factory.mktemp("toy")
    key = dev_setup(toy_r1cs(), seed=7)
    write_zkey(folder / "toy.zkey", key)
    write_wtns([int(v) for v in toy_witness_ints()], folder / "toy.wtns")
    return folder / "toy.zkey", folder / "toy.wtns", key


def toy_witness_ints() -> list[int]:
    from prozchain.native.kernels import array_to_ints

    return array_to_ints(toy_witness(3))


def test_the_command_imports_no_numpy_and_its_proof_verifies(toy, tmp_path):
    zkey, wtns, key = toy
    proof, public = tmp_path / "proof.json", tmp_path / "public.json"
    code = ("import sys\nfrom prozchain.cli import main\n"
            f"code = main(['groth16', 'prove', {str(zkey)!r}, {str(wtns)!r}, {str(proof)!r}, {str(public)!r}, '--profile'])\n"
            "assert code == 0 and 'numpy' not in sys.modules, sorted(m for m in sys.modules if 'numpy' in m)[:3]\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    steps = result.stderr.splitlines()[-1]
    assert all(f" {step} " in f" {steps}" for step in ("python_start", "imports", "read", "verify", "total"))
    assert " msms " in steps or " msm_b2 " in steps  # the MSMs as one batch (two threads or more) or one by one
    assert verify(key.verification_key(), read_public(public), read_proof(proof))
    assert json.loads(proof.read_text()) == proof_to_json(read_proof(proof))  # the full path's JSON, field for field


@pytest.mark.parametrize("extra", [[], ["--profile", "--check=all", "--no-self-check"]])
def test_the_command_imports_only_what_it_needs(toy, tmp_path, extra):
    """The modules a one-shot proof has been measured not to need stay unloaded (unless the
    interpreter's start loaded them: an editable install's finder loads pathlib): its command
    line is read without argparse and its JSON written without json (tests/test_cli_plain.py)."""
    zkey, wtns, _ = toy
    files = [str(zkey), str(wtns), str(tmp_path / "proof.json"), str(tmp_path / "public.json")]
    code = ("import sys\nbefore = set(sys.modules)\nfrom prozchain.cli import main\n"
            f"assert main(['groth16', 'prove', *{files + extra!r}]) == 0\n"
            "print(' '.join(sorted(set(sys.modules) - before)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    unneeded = {"numpy", "shutil", "bz2", "lzma", "pathlib", "threading", "random", "cffi", "prozchain.native.c_backend",
                "prozchain.prover.formats.zkey", "prozchain.relations.formats.r1cs", "prozchain.bench.cli",
                "prozchain.prover.groth16.ptau_cli", "prozchain.prover.serve", "prozchain.circuits.cli",
                "prozchain.rollup.sim.cli", "argparse", "gettext", "locale", "warnings", "importlib", "json", "_json",
                "typing", "re", "contextlib", "prozchain.cli.parsers", "prozchain.prover.backend",
                "prozchain.prover.curve", "prozchain.prover.fields", "prozchain.prover.pairing",
                "prozchain.native.backend"}
    assert not loaded & unneeded, sorted(loaded & unneeded)
    assert {"prozchain.prover.groth16.oneshot", "prozchain.prover.groth16.cli", "prozchain.native.core"} <= loaded
    assert json.loads((tmp_path / "public.json").read_text()) == [str(toy_witness_ints()[1])]


def test_the_command_makes_no_forward_reference(toy, tmp_path):
    """typing compiles each ForwardRef (a string annotation or bound it evaluates at import), and a
    process's first compile costs about 1 ms: the one-shot path makes none."""
    zkey, wtns, _ = toy
    files = [str(zkey), str(wtns), str(tmp_path / "proof.json"), str(tmp_path / "public.json")]
    code = ("import typing\nmade = []\nmake = typing.ForwardRef.__init__\n"
            "typing.ForwardRef.__init__ = lambda self, arg, *a, **k: made.append(arg) or make(self, arg, *a, **k)\n"
            "from prozchain.cli import main\n"
            f"assert main(['groth16', 'prove', *{files!r}]) == 0\n"
            "print(made)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.split("\n")[-2] == "[]", result.stdout + result.stderr


def test_snarkjs_verifies_one_shot_proofs_of_its_contributed_key(cube: Circuit, tmp_path):
    profile = Profile()
    made = prove_files(cube.path(".zkey"), cube.path(".wtns"), profile=profile)
    assert made is not None and ("msms" in profile or "msm_b2" in profile)  # a key with a phase-2 contribution takes this path
    (tmp_path / "proof.json").write_text(json.dumps(made[0]))
    (tmp_path / "public.json").write_text(json.dumps(made[1]))
    assert made[1] == ["32", "5"]
    assert snarkjs_verifies(cube.dir / "cube_vk.json", tmp_path / "public.json", tmp_path / "proof.json")


@pytest.mark.parametrize("check", ["all", "sample", "none"])
def test_every_check_level_proves(toy, check):
    zkey, wtns, key = toy
    proof, public = prove_files(zkey, wtns, check=check)
    assert verify(key.verification_key(), [int(v) for v in public], read_proof_json(proof))


def read_proof_json(obj: dict):
    from prozchain.prover.formats.snarkjs_json import proof_from_json

    return proof_from_json(obj)


def _sections(path: Path) -> list[tuple[int, bytes]]:
    return [(kind, bytes(data)) for kind, data in read_container(path, b"zkey").sections]


def _rewrite(path: Path, out: Path, kind: int, edit) -> Path:
    out.write_bytes(write_container(b"zkey", 1, [(k, edit(d) if k == kind else d) for k, d in _sections(path)]))
    return out


def _flip(offset: int):
    return lambda data: data[:offset] + bytes([data[offset] ^ 1]) + data[offset + 1:]


@pytest.mark.parametrize("name, kind, edit", [
    ("a point of A off the curve", 5, _flip(64 + 40)),
    ("alpha1 off the curve", 2, _flip(84 + 40)),
    ("an IC point off the curve", 3, _flip(40)),
    ("a coefficient record beyond the domain", 4, lambda d: d[:8] + (2**31).to_bytes(4, "little") + d[12:]),
    ("a contribution point off the curve", 10, lambda d: d + b""),  # replaced below by a real contribution
    ("section 10 cut short", 10, lambda d: d[:60]),
])
def test_keys_it_does_not_accept_go_to_the_full_path_with_the_same_error(toy, tmp_path, capsys, name, kind, edit):
    zkey, wtns, _ = toy
    if name.startswith("a contribution"):
        edit = lambda d: d[:64] + (1).to_bytes(4, "little") + bytes(3 * 64 + 128 + 64) + bytes(8)  # noqa: E731
        bad = _rewrite(zkey, tmp_path / "bad.zkey", kind, edit)
        assert prove_files(bad, wtns) is not None  # all-zero points are infinity, which the reader accepts
        edit = lambda d: d[:64] + (1).to_bytes(4, "little") + bytes([1]) + bytes(3 * 64 + 128 + 64 - 1) + bytes(8)  # noqa: E731
    bad = _rewrite(zkey, tmp_path / "bad.zkey", kind, edit)
    assert prove_files(bad, wtns) is None, name
    assert main(["groth16", "prove", str(bad), str(wtns), str(tmp_path / "p.json"), str(tmp_path / "pub.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: section type {kind}"), err
    assert not (tmp_path / "p.json").exists()


@pytest.mark.parametrize("values, message", [
    (lambda w: w[:-1], "nVars = 4"),
    (lambda w: [2] + w[1:], "not the constant 1"),
    (lambda w: w[:1] + [21888242871839275222246405745257275088548364400416034343698204186575808495617] + w[2:],
     "not below the prime"),
])
def test_witnesses_it_does_not_accept_go_to_the_full_path(toy, tmp_path, capsys, values, message):
    zkey, _, _ = toy
    bad = tmp_path / "bad.wtns"
    witness = values(toy_witness_ints())
    header = (32).to_bytes(4, "little") + (21888242871839275222246405745257275088548364400416034343698204186575808495617).to_bytes(32, "little") + len(witness).to_bytes(4, "little")
    bad.write_bytes(write_container(b"wtns", 2, [(1, header), (2, b"".join(v.to_bytes(32, "little") for v in witness))]))
    assert prove_files(zkey, bad) is None
    assert main(["groth16", "prove", str(zkey), str(bad), str(tmp_path / "p.json"), str(tmp_path / "pub.json")]) == 2
    assert message in capsys.readouterr().err
