"""The streamed setup on a ceremony against the one it replaced (tests/prover/setup_reference.py):
the same ceremony and the same contribution give the same key, in memory and byte for byte on
disk (section 10 included: the circuit hash absorbed as the sections stream, the contribution
applied as they are written), at several sizes and seeds, from a compiled circuit's CSR arrays
too; and the errors are the old ones, with no file left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from prozchain.bench.circuit_compile import Chain
from prozchain.prover.backend import current_backend
from prozchain.prover.errors import SetupError
from prozchain.prover.formats.ptau import read_ptau
from prozchain.prover.formats.zkey import write_zkey
from prozchain.prover.groth16 import setup
from prozchain.prover.groth16.ptau_dev import write_dev_ptau
from prozchain.prover.groth16.setup import constraint_system, ptau_setup, toy_r1cs, write_ptau_setup
from prozchain.relations.formats.container import FormatError
from prozchain.relations.formats.r1cs import read_r1cs, write_r1cs
from tests.prover.setup_reference import reference_ptau_setup
from tests.prover.test_ptau_dev import replace_point
from tests.prover.test_setup_streamed import SYSTEMS

POWER = 10


@pytest.fixture(scope="module")
def pot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ptau") / "pot.ptau"
    write_dev_ptau(path, POWER, seed=26)
    return path


def assert_old_key(cs, pot: Path, contribute: bool, seed: int, folder: Path) -> None:
    """The streamed file, the in-memory key written, and the old key written are the same bytes."""
    ptau = read_ptau(pot)
    write_zkey(folder / "old.zkey", reference_ptau_setup(cs, ptau, contribute, seed, current_backend()))
    write_zkey(folder / "whole.zkey", ptau_setup(cs, ptau, contribute, seed=seed))
    head = write_ptau_setup(folder / "streamed.zkey", cs, ptau, contribute, seed=seed)
    old = (folder / "old.zkey").read_bytes()
    assert (folder / "whole.zkey").read_bytes() == old
    assert (folder / "streamed.zkey").read_bytes() == old
    assert head.domain_size == cs.domain_size()


@pytest.mark.parametrize("name", SYSTEMS)
@pytest.mark.parametrize("seed", [3, 11])
@pytest.mark.parametrize("contribute", [True, False])
def test_the_same_contribution_gives_the_old_key(name, seed, contribute, pot, tmp_path, monkeypatch):
    monkeypatch.setattr(setup, "POINT_CHUNK", 3)  # several chunks a section, and a short last one
    monkeypatch.setattr(setup, "TERM_CHUNK", 5)
    assert_old_key(SYSTEMS[name], pot, contribute, seed, tmp_path)


@pytest.mark.parametrize("log_n", [6, 9])
def test_a_chain_read_from_its_r1cs_gets_the_old_key(log_n, pot, tmp_path, monkeypatch):
    """A compiled circuit's CSR matrices as a ``.r1cs`` file holds them (a constant term per row,
    coefficients up to the chain's length), filling its domain; the H points of the circuit
    hash come in several chunks."""
    monkeypatch.setattr(setup, "POINT_CHUNK", 100)
    write_r1cs(Chain((1 << log_n) - 2).compile().r1cs, tmp_path / "chain.r1cs")
    cs = constraint_system(read_r1cs(tmp_path / "chain.r1cs"))
    assert cs.domain_size() == 1 << log_n
    assert_old_key(cs, pot, True, log_n, tmp_path)


def test_too_small_a_ceremony_is_refused_and_leaves_no_file(pot, tmp_path):
    cs = SYSTEMS["wide"]  # 60 constraints + 6 public rows: a domain of 128, so power 8
    write_dev_ptau(tmp_path / "small.ptau", 7, seed=1)
    message = r"60 constraints \(\+ 6 public rows\) need a domain of 128: the ceremony must have power >= 8, it has 7"
    with pytest.raises(SetupError, match=message):
        ptau_setup(cs, read_ptau(tmp_path / "small.ptau"))
    with pytest.raises(SetupError, match=message):
        write_ptau_setup(tmp_path / "key.zkey", cs, read_ptau(tmp_path / "small.ptau"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.ptau"]


@pytest.mark.parametrize("section, index, where", [
    (12, 3 + 1, r"section type 12 \(Lagrange tau G1\): point 4: not on the curve"),  # the sums K and A
    (13, 3 + 2, r"section type 13 \(Lagrange tau G2\): point 5: not on the curve"),  # B2
    (12, 7 + 5, r"section type 12 \(Lagrange tau G1\): point 12: not on the curve"),  # H, an odd point
    (2, 6, r"section type 2 \(tau G1\): point 6: not on the curve"),  # the circuit hash's H points
])
def test_a_malformed_ceremony_is_refused_and_leaves_no_file(section, index, where, pot, tmp_path):
    """The toy's domain is 4: its Lagrange series start at point 3 (H's, of 8, at 7)."""
    point = bytearray(read_ptau(pot).points(section, setup.Group.G1 if section != 13 else setup.Group.G2, 0, 1)
                      .array.tobytes())
    point[0] ^= 1
    replace_point(pot, tmp_path / "bad.ptau", section, index, bytes(point))
    with pytest.raises(FormatError, match=rf"bad\.ptau: {where}"):
        ptau_setup(toy_r1cs(), read_ptau(tmp_path / "bad.ptau"))
    with pytest.raises(FormatError, match=rf"bad\.ptau: {where}"):
        write_ptau_setup(tmp_path / "key.zkey", toy_r1cs(), read_ptau(tmp_path / "bad.ptau"))
    assert not (tmp_path / "key.zkey").exists()
