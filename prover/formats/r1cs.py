"""circom's ``.r1cs`` files, read into and written from :class:`circuits.R1CS`.

Container magic ``r1cs``, version 1. Section 1 (header): u32 n8 (bytes per field element), the
prime (n8 bytes), u32 nWires, u32 nPubOut, u32 nPubIn, u32 nPrvIn, u64 nLabels, u32
nConstraints. Section 2 (constraints): for each constraint, A, B then C, each as u32 term
count and that many (u32 wire, n8-byte coefficient) pairs, little-endian, standard (not
Montgomery) form. Section 3: u64 label id per wire. Sections 4 and 5 (PLONK custom gates) are
refused; other unknown sections are skipped.

>>> from circuits import Circuit
>>> class Mul(Circuit):
...     def define(self):
...         self.output("c", self.private_input("a") * self.private_input("b"))
>>> r = Mul().compile().r1cs
>>> back = read_r1cs(write_r1cs(r))
>>> (back.n_wires, back.n_outputs, back.n_private, back.rows(0))
(5, 1, 2, ([(2, 1)], [(3, 1)], [(4, 1)]))
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from circuits.r1cs import R1CS, SparseMatrix
from native.backend import R
from prover.formats.container import FormatError, Source, read_container, write_container

MAGIC = b"r1cs"
HEADER, CONSTRAINTS, WIRE_TO_LABEL, CUSTOM_GATES_LIST, CUSTOM_GATES_USES = 1, 2, 3, 4, 5
N8 = 32
CHUNK = 1 << 14  # constraints serialized at once


def write_r1cs(r1cs: R1CS, path: str | Path | None = None) -> bytes:
    """The ``.r1cs`` bytes of ``r1cs`` (labels: wire i has label i); also written to ``path`` if given."""
    header = struct.pack("<I", N8) + R.to_bytes(N8, "little") + struct.pack(
        "<IIIIQI", r1cs.n_wires, r1cs.n_outputs, r1cs.n_public, r1cs.n_private, r1cs.n_wires, r1cs.n_constraints
    )
    labels = np.arange(r1cs.n_wires, dtype="<u8").tobytes()
    blob = write_container(MAGIC, 1, [(HEADER, header), (CONSTRAINTS, _constraints_bytes(r1cs)), (WIRE_TO_LABEL, labels)])
    if path is not None:
        Path(path).write_bytes(blob)
    return blob


def _constraints_bytes(r1cs: R1CS) -> bytes:
    """Section 2, built with numpy a chunk of constraints at a time."""
    coeff_bytes = np.frombuffer(b"".join(c.to_bytes(N8, "little") for c in r1cs.coeffs), np.uint8).reshape(-1, N8)
    out = []
    for lo in range(0, r1cs.n_constraints, CHUNK):
        hi = min(lo + CHUNK, r1cs.n_constraints)
        mats = [m.rows_slice(lo, hi) for m in (r1cs.A, r1cs.B, r1cs.C)]
        counts = [np.diff(m.indptr) for m in mats]
        sizes = sum(4 + (4 + N8) * c for c in counts)
        start = np.concatenate([[0], np.cumsum(sizes)])
        buf = np.zeros(int(start[-1]), np.uint8)
        block = start[:-1].copy()
        for m, count in zip(mats, counts):
            buf[block[:, None] + np.arange(4)] = count.astype("<u4").view(np.uint8).reshape(-1, 4)
            rows = np.repeat(np.arange(hi - lo), count)
            position = np.arange(m.nnz) - m.indptr[rows]
            term_at = block[rows] + 4 + (4 + N8) * position
            terms = np.concatenate([m.wires.astype("<u4").view(np.uint8).reshape(-1, 4), coeff_bytes[m.coeff_ids]], axis=1)
            buf[term_at[:, None] + np.arange(4 + N8)] = terms
            block += 4 + (4 + N8) * count
        out.append(buf.tobytes())
    return b"".join(out)


def read_r1cs(source: Source, name: str | None = None) -> R1CS:
    """Parse a ``.r1cs`` file (path or bytes); errors name the file, section and problem."""
    box = read_container(source, MAGIC, versions={1}, name=name)
    if box.has(CUSTOM_GATES_LIST) or box.has(CUSTOM_GATES_USES):
        raise FormatError(f"{box.name}: uses PLONK custom gates (sections 4/5), which an R1CS cannot express")
    h = box.reader(HEADER, "header")
    h.scalar_field()
    n_wires, n_out, n_pub, n_prv = (h.u32(what) for what in ("nWires", "nPubOut", "nPubIn", "nPrvIn"))
    h.u64("nLabels")
    n_constraints = h.u32("nConstraints")
    if 1 + n_out + n_pub + n_prv > n_wires:
        raise FormatError(f"{h.where}: {n_out}+{n_pub}+{n_prv} signals do not fit in {n_wires} wires")
    c = box.reader(CONSTRAINTS, "constraints")
    table: list[int] = []
    index: dict[bytes, int] = {}
    indptr = [[0], [0], [0]]
    wires: list[list[np.ndarray]] = [[], [], []]
    ids: list[list[int]] = [[], [], []]
    term = np.dtype([("wire", "<u4"), ("coeff", f"V{N8}")])
    for i in range(n_constraints):
        for m, letter in enumerate("ABC"):
            count = c.u32(f"constraint {i} {letter} term count")
            terms = np.frombuffer(c.take(count * term.itemsize, f"constraint {i} {letter} terms"), term)
            wires[m].append(terms["wire"])
            for raw in terms["coeff"].tolist():
                k = index.get(raw)
                if k is None:
                    value = int.from_bytes(raw, "little")
                    if value >= R:
                        raise FormatError(f"{c.where}: constraint {i} {letter} has coefficient {value} >= the prime")
                    k = index[raw] = len(table)
                    table.append(value)
                ids[m].append(k)
            indptr[m].append(indptr[m][-1] + count)
    c.expect_end()
    mats = []
    for m in range(3):
        w = np.concatenate(wires[m]).astype(np.int64) if wires[m] else np.zeros(0, np.int64)
        if len(w) and int(w.max()) >= n_wires:
            raise FormatError(f"{c.where}: a term names wire {int(w.max())}, but there are {n_wires} wires")
        mats.append(SparseMatrix(np.array(indptr[m], np.int64), w, np.array(ids[m], np.int64)))
    return R1CS(
        n_wires, n_out, n_pub, n_prv, *mats, table,
        constraint_site=np.zeros(n_constraints, np.int64), sites=[f"imported from {box.name}"],
    )
