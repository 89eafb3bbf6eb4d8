"""``.r1cs`` files from outside: every header count held to the data, reading linear in the
file's size, and ``r1cs info`` / ``groth16 setup --dev`` exiting 2 with one line for each."""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest

from prozchain.relations.r1cs import R1CS, SparseMatrix
from prozchain.cli import main
from prozchain.native.curve import R
from prozchain.relations.formats.container import FormatError, read_container, write_container
from prozchain.relations.formats.r1cs import read_r1cs, write_r1cs

HEADER_COUNTS = 4 + 32  # the header's counts follow n8 and the prime
FIELDS = {"nWires": (0, "<I"), "nPubOut": (4, "<I"), "nPubIn": (8, "<I"), "nPrvIn": (12, "<I"),
          "nLabels": (16, "<Q"), "nConstraints": (24, "<I")}


def small_r1cs(rng, n_constraints: int = 40, n_wires: int = 12, empty: float = 0.3) -> R1CS:
    """Random constraints, a share of their A, B and C rows empty, over a few coefficients."""
    table: list[int] = []
    coefficients = [1, R - 1, 2, 3 << 200, R - 2]

    def rows():
        return [[] if rng.random() < empty else
                [(rng.randrange(n_wires), rng.choice(coefficients)) for _ in range(rng.randrange(1, 4))]
                for _ in range(n_constraints)]

    a, b, c = (SparseMatrix.from_rows(rows(), table) for _ in range(3))
    return R1CS(n_wires, 1, 1, 2, a, b, c, table)


def sections(blob: bytes) -> dict[int, bytes]:
    return {t: bytes(p) for t, p in read_container(blob, b"r1cs").sections}


def rebuild(parts: list[tuple[int, bytes]]) -> bytes:
    return write_container(b"r1cs", 1, parts)


def with_header(blob: bytes, **counts: int) -> bytes:
    """``blob`` with header counts replaced (the other sections as they were)."""
    parts = sections(blob)
    header = bytearray(parts[1])
    for name, value in counts.items():
        offset, fmt = FIELDS[name]
        struct.pack_into(fmt, header, HEADER_COUNTS + offset, value)
    parts[1] = bytes(header)
    return rebuild(sorted(parts.items()))


def test_rows_empty_and_full_read_back_as_written(rng):
    for _ in range(5):
        r = small_r1cs(rng, empty=rng.choice([0.0, 0.3, 0.9, 1.0]))
        back = read_r1cs(write_r1cs(r))
        assert back.n_constraints == r.n_constraints
        assert [back.rows(i) for i in range(r.n_constraints)] == [r.rows(i) for i in range(r.n_constraints)]
        assert len(back.coeffs) == len(set(back.coeffs))


def test_header_counts_are_held_to_the_data(rng):
    blob = write_r1cs(small_r1cs(rng, empty=0))  # 12 wires, 40 constraints, 1 + 1 + 1 + 2 signals
    cases = [
        (dict(nWires=2**32 - 1), r"section type 3 \(wire map\): 96 bytes, but nWires = 4294967295 needs"),
        (dict(nWires=13), "but nWires = 13 needs 104"),
        (dict(nPubOut=2**32 - 1), "signals do not fit in 12 wires"),
        (dict(nPubIn=11), r"1\+11\+2 signals do not fit in 12 wires"),
        (dict(nPrvIn=2**31), "signals do not fit"),
        (dict(nLabels=11), "wire 11 has a label not below nLabels = 11"),
        (dict(nConstraints=2**32 - 1), "cannot hold 4294967295 constraints"),
        (dict(nConstraints=41), "ends before constraint 40 A"),
        (dict(nConstraints=39), "unexpected bytes after the content"),
    ]
    for counts, message in cases:
        with pytest.raises(FormatError, match=message):
            read_r1cs(with_header(blob, **counts), name="c.r1cs")


def test_sections_missing_repeated_or_cut_are_refused(rng):
    blob = write_r1cs(small_r1cs(rng, empty=0))
    parts = sections(blob)
    header, constraints, wire_map = parts[1], parts[2], parts[3]
    cases = [
        ([(1, header), (2, constraints)], r"section type 3 \(wire map\) is missing"),
        ([(1, header), (2, constraints), (3, wire_map), (3, wire_map)], r"section type 3 \(wire map\) appears 2 times"),
        ([(1, header), (2, constraints), (3, wire_map[:-8])], "88 bytes, but nWires = 12 needs 96"),
        ([(1, header), (2, constraints), (3, wire_map + bytes(8))], "104 bytes, but nWires = 12 needs 96"),
        ([(1, header), (2, constraints), (2, constraints), (3, wire_map)], r"section type 2 \(constraints\) appears 2"),
        ([(1, header + bytes(4)), (2, constraints), (3, wire_map)], r"header\): 4 unexpected bytes"),
        ([(1, header), (2, constraints[:-4]), (3, wire_map)], "ends inside constraint 39 C"),
        ([(1, header), (2, constraints[:-2]), (3, wire_map)], "cannot hold 40 constraints"),
        ([(1, header), (2, constraints + bytes(4)), (3, wire_map)], "4 unexpected bytes after the content"),
    ]
    for parts_list, message in cases:
        with pytest.raises(FormatError, match=message):
            read_r1cs(rebuild(parts_list), name="c.r1cs")


def test_terms_must_name_wires_and_canonical_coefficients():
    one_term = SparseMatrix.from_rows([[(1, 5)], [(2, 1)]], table := [])
    r = R1CS(3, 1, 0, 1, one_term, one_term, one_term, table)
    parts = sections(write_r1cs(r))
    b1 = 4 * 40  # every row is one term (10 words): constraint 1's B row follows four of them
    wild, big = bytearray(parts[2]), bytearray(parts[2])
    struct.pack_into("<I", wild, b1 + 4, 3)
    big[b1 + 8 : b1 + 40] = R.to_bytes(32, "little")
    cases = [(wild, "constraint 1 B names wire 3, but there are 3 wires"),
             (big, f"constraint 1 B has coefficient {R} >= the prime")]
    for section, message in cases:
        with pytest.raises(FormatError, match=message):
            read_r1cs(rebuild([(1, parts[1]), (2, bytes(section)), (3, parts[3])]))


def crafted_empty(n_constraints: int) -> bytes:
    """A header and ``n_constraints`` constraints with no terms: 12 bytes each."""
    header = struct.pack("<I", 32) + R.to_bytes(32, "little") + struct.pack("<IIIIQI", 3, 1, 0, 1, 3, n_constraints)
    return rebuild([(1, header), (2, bytes(12 * n_constraints)), (3, np.arange(3, dtype="<u8").tobytes())])


def test_a_file_of_empty_constraints_reads_fast():
    blob = crafted_empty(1_400_000)  # 16.8 MB: the old reader took 16-60 s and 2 GB
    start = time.perf_counter()
    r = read_r1cs(blob)
    assert time.perf_counter() - start < 5
    assert r.n_constraints == 1_400_000 and r.A.nnz == r.B.nnz == r.C.nnz == 0


def test_cli_exits_2_with_one_line_for_a_malformed_r1cs(rng, tmp_path, capsys):
    good = write_r1cs(small_r1cs(rng))
    parts = sections(good)
    files = {
        "wires.r1cs": with_header(good, nWires=2**32 - 1),
        "outputs.r1cs": with_header(good, nPubOut=2**32 - 1),
        "no_map.r1cs": rebuild([(1, parts[1]), (2, parts[2])]),
        "cut.r1cs": rebuild([(1, parts[1]), (2, parts[2][:-4]), (3, parts[3])]),
    }
    for name, blob in files.items():
        (tmp_path / name).write_bytes(blob)
        for argv in (["r1cs", "info", str(tmp_path / name)],
                     ["groth16", "setup", str(tmp_path / name), "--dev", str(tmp_path / "out.zkey")]):
            assert main(argv) == 2, argv
            out, err = capsys.readouterr()
            assert len(err.strip().splitlines()) == 1 and f"{name}: section type" in err, err
            assert "# of Wires" not in out
    (tmp_path / "dir.r1cs").mkdir()
    assert main(["r1cs", "info", str(tmp_path / "dir.r1cs")]) == 2
    assert "dir.r1cs: cannot read (Is a directory)" in capsys.readouterr().err
