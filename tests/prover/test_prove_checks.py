"""The prover refuses what cannot give a valid proof: a witness that violates a constraint (named
when the .r1cs is given), a key whose section 4 is not the circuit's, and any proof that does not
verify under its own key (the self-check, on by default in the CLI)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from prozchain.cli import main
from prozchain.native.kernels import COEF_DTYPE
from prozchain.prover.errors import KeyMismatchError, SelfCheckError
from prozchain.relations.formats.r1cs import read_r1cs
from prozchain.relations.formats.wtns import read_wtns, write_wtns
from prozchain.prover.formats.zkey import read_zkey
from prozchain.prover.groth16.prover import prove, read_witness
from prozchain.prover.groth16.satisfaction import key_circuit
from prozchain.relations import ConstraintError
from prozchain.prover.groth16.setup import constraint_system
from tests.fuzz.container import section
from tests.prover.conftest import Circuit


def prove_cli(zkey: Path, wtns: Path, out: Path, *extra: str) -> int:
    return main(["groth16", "prove", str(zkey), str(wtns), str(out / "proof.json"), str(out / "public.json"), *extra])


@pytest.fixture
def bad_witness(cube: Circuit, tmp_path: Path) -> Path:
    """cube's witness with t = x * x off by one: constraint 0 (t = x * x) and 1 (y = t x + k) fail."""
    values = read_wtns(cube.path(".wtns"))
    values[-1] += 1
    write_wtns(values, tmp_path / "bad.wtns")
    return tmp_path / "bad.wtns"


@pytest.fixture
def corrupt_zkey(cube: Circuit, tmp_path: Path) -> Path:
    """cube.zkey with the value of section 4's first record changed to another field element."""
    blob = bytearray(cube.path(".zkey").read_bytes())
    value_at = section(bytes(blob), 4).start + 4 + 12
    blob[value_at:value_at + 32] = (5).to_bytes(32, "little")
    path = tmp_path / "corrupt.zkey"
    path.write_bytes(bytes(blob))
    return path


def test_an_unsatisfied_witness_is_refused_by_the_self_check(cube: Circuit, bad_witness: Path, tmp_path, capsys):
    assert prove_cli(cube.path(".zkey"), bad_witness, tmp_path) == 1
    out = capsys.readouterr().err
    assert "did not verify" in out and "cube.zkey" in out and "--r1cs" in out
    assert not (tmp_path / "proof.json").exists()
    assert prove_cli(cube.path(".zkey"), bad_witness, tmp_path, "--no-self-check") == 0  # asked for, not checked


def test_with_the_r1cs_the_failing_constraint_is_named(cube: Circuit, bad_witness: Path, tmp_path, capsys):
    assert prove_cli(cube.path(".zkey"), bad_witness, tmp_path, "--r1cs", str(cube.path(".r1cs"))) == 2
    out = capsys.readouterr().err
    assert "cube.r1cs: constraint 0 is not satisfied" in out and "(2 of 2 constraints fail)" in out
    assert prove_cli(cube.path(".zkey"), cube.path(".wtns"), tmp_path, "--r1cs", str(cube.path(".r1cs"))) == 0


def test_corrupted_coefficients_are_caught(cube: Circuit, corrupt_zkey: Path, tmp_path, capsys):
    """``--check all`` validates points, not coefficients: the self-check catches the bad proof,
    and the .r1cs names the bad record."""
    assert prove_cli(corrupt_zkey, cube.path(".wtns"), tmp_path, "--check", "all") == 1
    assert "did not verify" in capsys.readouterr().err
    assert prove_cli(corrupt_zkey, cube.path(".wtns"), tmp_path, "--r1cs", str(cube.path(".r1cs"))) == 2
    assert "record 0 (A row 0 signal" in capsys.readouterr().err


def test_key_circuit_accepts_any_order_and_names_missing_records(cube: Circuit):
    key, cs = read_zkey(cube.path(".zkey")), constraint_system(read_r1cs(cube.path(".r1cs")))
    shuffled = key.coefficients[np.random.default_rng(1).permutation(len(key.coefficients))]
    key_circuit(_with(key, shuffled), cs, "cube.r1cs")
    with pytest.raises(KeyMismatchError, match="is missing"):
        key_circuit(_with(key, key.coefficients[1:]), cs, "cube.r1cs")
    with pytest.raises(KeyMismatchError, match="repeated"):
        key_circuit(_with(key, np.concatenate([key.coefficients, key.coefficients[2:3]])), cs, "cube.r1cs")


def test_the_api_checks_on_request(cube: Circuit, bad_witness: Path):
    key = read_zkey(cube.path(".zkey"))
    circuit = key_circuit(key, constraint_system(read_r1cs(cube.path(".r1cs"))), "cube.r1cs")
    witness, bad = read_witness(cube.path(".wtns")), read_witness(bad_witness)
    prove(key, witness, circuit=circuit, self_check=True)
    with pytest.raises(ConstraintError) as caught:
        prove(key, bad, circuit=circuit)
    assert caught.value.index == 0
    with pytest.raises(SelfCheckError):
        prove(key, bad, self_check=True)
    prove(key, bad)  # the API default: no check (the rollup's own judge verifies on L1)


def _with(key, coefficients: np.ndarray):
    return replace(key, coefficients=np.ascontiguousarray(coefficients, COEF_DTYPE))
