"""``.ptau`` headers from outside: the power is range-checked before anything is sized by it."""

from __future__ import annotations

import struct

import pytest

from prozchain.relations.r1cs import R1CS, SparseMatrix
from prozchain.cli import main
from prozchain.native.curve import P
from prozchain.relations.formats.container import FormatError, write_container
from prozchain.prover.formats.ptau import MAX_POWER, read_ptau
from prozchain.relations.formats.r1cs import write_r1cs


def ptau_with_power(power: int) -> bytes:
    """A header claiming ``power``, followed by empty prepared sections."""
    header = struct.pack("<I", 32) + P.to_bytes(32, "little") + struct.pack("<II", power, power)
    return write_container(b"ptau", 1, [(1, header)] + [(t, b"") for t in (2, 3, 4, 5, 6, 12, 13, 14, 15)])


@pytest.mark.parametrize("power", [MAX_POWER + 1, 255, 2**32 - 1])
def test_a_power_out_of_range_is_refused(power):
    with pytest.raises(FormatError, match=rf"x\.ptau: section type 1 \(header\): power {power} is out of range"):
        read_ptau(ptau_with_power(power), name="x.ptau")


def test_the_largest_power_passes_the_range_but_is_held_to_the_data():
    with pytest.raises(FormatError, match=r"x\.ptau: section type 2 \(tau G1\): 0 bytes, but power 27 means "
                                          r"268435455 G1 points"):
        read_ptau(ptau_with_power(MAX_POWER), name="x.ptau")


@pytest.mark.parametrize("power", [0, 1, 3])
def test_a_header_power_that_does_not_match_the_sections_is_refused(tmp_path, power):
    """The fuzz suite's find: a power 2 file whose header says another power read as another
    ceremony."""
    from prozchain.prover.groth16.ptau_dev import write_dev_ptau

    write_dev_ptau(tmp_path / "p.ptau", 2, seed=1)
    data = bytearray((tmp_path / "p.ptau").read_bytes())
    data[60:64] = struct.pack("<I", power)
    with pytest.raises(FormatError, match=f"but power {power} means"):
        read_ptau(bytes(data), name="x.ptau")


def test_setup_exits_2_with_one_line(tmp_path, capsys):
    table: list[int] = []
    square = SparseMatrix.from_rows([[(2, 1)]], table)
    write_r1cs(R1CS(3, 1, 0, 1, square, square, SparseMatrix.from_rows([[(1, 1)]], table), table), tmp_path / "c.r1cs")
    (tmp_path / "bad.ptau").write_bytes(ptau_with_power(255))
    assert main(["groth16", "setup", str(tmp_path / "c.r1cs"), str(tmp_path / "bad.ptau"), str(tmp_path / "c.zkey")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "bad.ptau: section type 1 (header): power 255 is out of range" in err
