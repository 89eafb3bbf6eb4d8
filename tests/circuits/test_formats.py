"""The iden3 container and the .r1cs/.wtns/.sym files: round trips and errors that say what is wrong."""

from __future__ import annotations

import struct

import pytest

from prozchain.circuits.gadgets.merkle import merkle_root
from prozchain.circuits.gadgets.poseidon import poseidon
from prozchain.native.curve import R
from prozchain.relations.formats import FormatError, read_container, read_r1cs, read_wtns, write_container, write_r1cs, write_wtns
from prozchain.relations.formats.sym import symbols_text
from tests.circuits.helpers import compile_fn


def poseidon_circuit():
    return compile_fn(lambda c: c.output("h", poseidon(c.private_input("x", 2)) + c.public_input("k")), "P")


def test_r1cs_round_trip_keeps_every_term_and_the_layout(rng, tmp_path):
    compiled = poseidon_circuit()
    r = compiled.r1cs
    path = tmp_path / "p.r1cs"
    write_r1cs(r, path)
    back = read_r1cs(path)
    assert (back.n_wires, back.n_outputs, back.n_public, back.n_private, back.n_constraints) == (
        r.n_wires, 1, 1, 2, r.n_constraints,
    )
    for i in rng.sample(range(r.n_constraints), 20) + [0, r.n_constraints - 1]:
        assert back.rows(i) == r.rows(i)
    witness = compiled.solve({"x": [1, 2], "k": 3})
    back.check(witness)
    assert "imported from" in back.site(0)


def test_r1cs_writer_chunks_match_a_single_pass(monkeypatch):
    import prozchain.relations.formats.r1cs as r1cs_format

    compiled = compile_fn(lambda c: c.output("r", merkle_root(c.private_input("l"), [1, 2], c.private_input("b", 2))))
    whole = write_r1cs(compiled.r1cs)
    monkeypatch.setattr(r1cs_format, "CHUNK", 7)
    assert write_r1cs(compiled.r1cs) == whole


def test_wtns_round_trip_and_value_checks(tmp_path):
    values = [1, 0, R - 1, 12345]
    write_wtns(values, tmp_path / "w.wtns")
    assert read_wtns(tmp_path / "w.wtns") == values
    with pytest.raises(FormatError, match="witness value 1"):
        write_wtns([1, R])


def test_container_skips_unknown_sections_and_names_problems(tmp_path):
    r1cs_bytes = write_r1cs(poseidon_circuit().r1cs)
    box = read_container(r1cs_bytes, b"r1cs")
    with_extra = write_container(b"r1cs", 1, [(99, b"future stuff")] + [(t, bytes(p)) for t, p in box.sections])
    assert read_r1cs(with_extra).n_constraints == read_r1cs(r1cs_bytes).n_constraints
    cases = [
        (b"wtns" + r1cs_bytes[4:], "magic is b'wtns', expected b'r1cs'"),
        (r1cs_bytes[:4] + struct.pack("<I", 2) + r1cs_bytes[8:], "version 2 is not supported"),
        (r1cs_bytes[:-5], "claims .* bytes but only"),
        (r1cs_bytes + b"xx", "2 bytes after the last section"),
        (write_container(b"r1cs", 1, [(t, bytes(p)) for t, p in box.sections if t != 2]), "section type 2 \\(constraints\\) is missing"),
        (write_container(b"r1cs", 1, [(t, bytes(p)[:20] if t == 1 else bytes(p)) for t, p in box.sections]), "header.*ends inside"),
        (write_container(b"r1cs", 1, [(t, bytes(p)) for t, p in box.sections] + [(4, b"")]), "custom gates"),
    ]
    for blob, message in cases:
        with pytest.raises(FormatError, match=message):
            read_r1cs(blob, name="case.r1cs")
    with pytest.raises(FormatError, match="missing.r1cs: cannot read"):
        read_r1cs(tmp_path / "missing.r1cs")


def test_wrong_prime_and_wild_wire_are_refused():
    r1cs_bytes = bytearray(write_r1cs(poseidon_circuit().r1cs))
    prime_at = 12 + 12 + 4  # container header, section header, n8
    bad_prime = bytes(r1cs_bytes)
    bad_prime = bad_prime[:prime_at] + (R + 2).to_bytes(32, "little") + bad_prime[prime_at + 32 :]
    with pytest.raises(FormatError, match="not BN254's scalar field order"):
        read_r1cs(bad_prime)
    box = read_container(bytes(r1cs_bytes), b"r1cs")
    header = bytearray(box.section(1))
    struct.pack_into("<I", header, 4 + 32, 5)  # claim 5 wires, with a wire map of 5
    blob = write_container(b"r1cs", 1, [(1, bytes(header)), (2, bytes(box.section(2))), (3, bytes(40))])
    with pytest.raises(FormatError, match="names wire .* but there are 5 wires"):
        read_r1cs(blob)


def test_symbols_name_signals_and_gadget_wires():
    lines = symbols_text(poseidon_circuit().wire_labels()).splitlines()
    assert lines[:4] == ["1,1,0,P.h", "2,2,0,P.k", "3,3,0,P.x[0]", "4,4,0,P.x[1]"]
    assert lines[4].split(",")[3].startswith("P.poseidon(2).w")


def test_wtns_value_not_below_the_prime_is_refused_with_its_index():
    from prozchain.native.curve import R

    header = struct.pack("<I", 32) + R.to_bytes(32, "little") + struct.pack("<I", 3)
    values = b"".join(v.to_bytes(32, "little") for v in (1, 5, R))
    blob = write_container(b"wtns", 2, [(1, header), (2, values)])
    with pytest.raises(FormatError, match=r"x\.wtns: witness value 2 .* is not below the prime"):
        read_wtns(blob, name="x.wtns")
