"""circom's ``.r1cs`` files, read into and written from :class:`prozchain.relations.R1CS`.

Container magic ``r1cs``, version 1. Section 1 (header): u32 n8 (bytes per field element), the
prime (n8 bytes), u32 nWires, u32 nPubOut, u32 nPubIn, u32 nPrvIn, u64 nLabels, u32
nConstraints. Section 2 (constraints): for each constraint, A, B then C, each as u32 term
count and that many (u32 wire, n8-byte coefficient) pairs, little-endian, standard (not
Montgomery) form. Section 3: u64 label id per wire. Sections 4 and 5 (PLONK custom gates) are
refused; other unknown sections are skipped.

>>> from prozchain.relations import R1CS, SparseMatrix
>>> table = [1]  # c = a * b over wires (1, c, a, b)
>>> a, b, c = (SparseMatrix.from_rows([[(wire, 1)]], table) for wire in (2, 3, 1))
>>> back = read_r1cs(write_r1cs(R1CS(4, 1, 0, 2, a, b, c, table)))
>>> (back.n_wires, back.n_outputs, back.n_private, back.rows(0))
(4, 1, 2, ([(2, 1)], [(3, 1)], [(1, 1)]))
"""

from __future__ import annotations

import re
import struct
from array import array
from pathlib import Path
from typing import Iterator

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from prozchain.relations.r1cs import R1CS, SparseMatrix
from prozchain.native.curve import R
from prozchain.native.kernels import array_to_ints
from prozchain.relations.formats.container import (FormatError, Reader, Source, first_not_below, read_container,
                                                   stream_container, write_container)

MAGIC = b"r1cs"
HEADER, CONSTRAINTS, WIRE_TO_LABEL, CUSTOM_GATES_LIST, CUSTOM_GATES_USES = 1, 2, 3, 4, 5
N8 = 32
TERM_WORDS = 1 + N8 // 4  # a term: u32 wire, then the coefficient's 8 words
CHUNK = 1 << 14  # constraints serialized at once
NONZERO = re.compile(rb"[^\x00]")


def write_r1cs(r1cs: R1CS, path: str | Path | None = None) -> bytes | None:
    """The ``.r1cs`` bytes of ``r1cs`` (labels: wire i has label i); with a ``path``, the file is
    written there instead, a chunk of constraints at a time (a circuit of millions of constraints
    makes a file of gigabytes, never held in memory), and None returned."""
    header = struct.pack("<I", N8) + R.to_bytes(N8, "little") + struct.pack(
        "<IIIIQI", r1cs.n_wires, r1cs.n_outputs, r1cs.n_public, r1cs.n_private, r1cs.n_wires, r1cs.n_constraints
    )
    sections = [(HEADER, [header]), (CONSTRAINTS, _constraints_chunks(r1cs)), (WIRE_TO_LABEL, _labels(r1cs.n_wires))]
    if path is not None:
        stream_container(path, MAGIC, 1, sections)
        return None
    return write_container(MAGIC, 1, [(kind, b"".join(chunks)) for kind, chunks in sections])


def _labels(n_wires: int) -> Iterator[bytes]:
    for lo in range(0, n_wires, CHUNK * 16):
        yield np.arange(lo, min(n_wires, lo + CHUNK * 16), dtype="<u8").tobytes()


def _constraints_chunks(r1cs: R1CS) -> Iterator[bytes]:
    """Section 2, built with numpy a chunk of constraints at a time."""
    coeff_bytes = np.frombuffer(b"".join(c.to_bytes(N8, "little") for c in r1cs.coeffs), np.uint8).reshape(-1, N8)
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
        yield buf.tobytes()


def read_r1cs(source: Source, name: str | None = None) -> R1CS:
    """Parse a ``.r1cs`` file (path or bytes); errors name the file, section and problem.

    Every count in the header is held to the data: nWires to the wire map (8 bytes a wire) and
    to the wires the terms name, nConstraints to section 2. So what is read, and the memory it
    takes, is bounded by the file's size, and the time is linear in it."""
    box = read_container(source, MAGIC, versions={1}, name=name)
    if box.has(CUSTOM_GATES_LIST) or box.has(CUSTOM_GATES_USES):
        raise FormatError(f"{box.name}: uses PLONK custom gates (sections 4/5), which an R1CS cannot express")
    h = box.reader(HEADER, "header")
    h.scalar_field()
    n_wires, n_out, n_pub, n_prv = (h.u32(what) for what in ("nWires", "nPubOut", "nPubIn", "nPrvIn"))
    n_labels = h.u64("nLabels")
    n_constraints = h.u32("nConstraints")
    h.expect_end()
    if 1 + n_out + n_pub + n_prv > n_wires:
        raise FormatError(f"{h.where}: {n_out}+{n_pub}+{n_prv} signals do not fit in {n_wires} wires")
    _check_wire_map(box.reader(WIRE_TO_LABEL, "wire map"), n_wires, n_labels)
    mats, table = _constraints(box.reader(CONSTRAINTS, "constraints"), n_constraints, n_wires)
    return R1CS(
        n_wires, n_out, n_pub, n_prv, *mats, table,
        constraint_site=np.zeros(n_constraints, np.int64), sites=[f"imported from {box.name}"],
    )


def _check_wire_map(section: Reader, n_wires: int, n_labels: int) -> None:
    """Section 3 gives each wire its label (u64, below nLabels): its size pins nWires down."""
    if len(section.data) != 8 * n_wires:
        raise FormatError(f"{section.where}: {len(section.data)} bytes, but nWires = {n_wires} needs {8 * n_wires}")
    bad = np.flatnonzero(np.frombuffer(section.data, "<u8") >= n_labels)
    if len(bad):
        raise FormatError(f"{section.where}: wire {bad[0]} has a label not below nLabels = {n_labels}")


def _constraints(section: Reader, n_constraints: int, n_wires: int) -> tuple[list[SparseMatrix], list[int]]:
    """Section 2 as the A, B and C matrices over one table of distinct coefficients; vectorized
    but for the walk from row to row (:func:`_nonempty_rows`)."""
    data, where = section.data, section.where
    if len(data) < 12 * n_constraints or len(data) % 4:
        raise FormatError(f"{where}: {len(data)} bytes cannot hold {n_constraints} constraints "
                          f"(three u32 term counts each, then 36-byte terms)")
    words = np.frombuffer(data, "<u4")
    n_rows = 3 * n_constraints  # A, B and C of each constraint in turn
    rows, starts = _nonempty_rows(words, data, n_rows, where)
    counts = words[starts].astype(np.int64)
    term_row = np.repeat(rows, counts)
    # term k of a row starting at word s is at word s + 1 + 9k
    first_term = np.cumsum(counts) - counts
    term_at = np.repeat(starts + 1 - TERM_WORDS * first_term, counts) + TERM_WORDS * np.arange(len(term_row))
    wires = words[term_at]
    coefficient_words = (sliding_window_view(words, N8 // 4)[term_at + 1] if len(term_at)
                         else np.zeros((0, N8 // 4), "<u4"))
    values = coefficient_words.view("<u8")  # each coefficient's 4 limbs

    def place(term: int) -> str:
        row = int(term_row[term])
        return f"constraint {row // 3} {'ABC'[row % 3]}"

    wild = np.flatnonzero(wires >= n_wires)
    if len(wild):
        raise FormatError(f"{where}: {place(wild[0])} names wire {wires[wild[0]]}, but there are {n_wires} wires")
    big = first_not_below(values, R)
    if big >= 0:
        raise FormatError(f"{where}: {place(big)} has coefficient {array_to_ints(values[big])[0]} >= the prime")
    table, ids = _distinct(values)
    per_row = np.zeros(n_rows, np.int64)
    per_row[rows] = counts
    per_matrix = per_row.reshape(n_constraints, 3)
    matrix = term_row % 3
    mats = [SparseMatrix(np.concatenate([[0], np.cumsum(per_matrix[:, m])]), wires[matrix == m], ids[matrix == m])
            for m in range(3)]
    return mats, table


def _nonempty_rows(words: np.ndarray, data: memoryview, n_rows: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows (of ``n_rows``) that have terms, and the word at which each starts (its term
    count); all rows together must fill ``words`` exactly.

    Where a row starts depends on every count before it, so this is a loop in Python, but one
    that takes a run of empty rows (zero words) in one step: at most two steps per non-empty
    row, which holds 40 bytes or more. A file of empty constraints is read as fast as any."""
    # indexing a memoryview yields Python ints, much faster than numpy scalars; cast from the
    # bytes, since numpy exports a misaligned array as "=I", which a memoryview cannot index
    # (the file's little-endian words are the machine's on every platform the core builds for)
    count = memoryview(data).cast("B").cast("I")
    n = len(words)
    rows, starts = array("q"), array("q")
    row = pos = 0
    try:
        while row < n_rows:
            terms = count[pos]
            if terms:
                rows.append(row)
                starts.append(pos)
                pos += 1 + TERM_WORDS * terms
                row += 1
            else:
                found = NONZERO.search(data, 4 * pos)
                empty = min((found.start() // 4 if found else n) - pos, n_rows - row)
                row += empty
                pos += empty
    except IndexError:  # pos ran past the end; said below
        pass
    if pos > n:
        raise FormatError(f"{where}: ends inside constraint {rows[-1] // 3} {'ABC'[rows[-1] % 3]} "
                          f"({count[starts[-1]]} terms of 36 bytes)")
    if row < n_rows:
        raise FormatError(f"{where}: ends before constraint {row // 3} {'ABC'[row % 3]}")
    if pos < n:
        raise FormatError(f"{where}: {4 * (n - pos)} unexpected bytes after the content")
    return np.frombuffer(rows, np.int64), np.frombuffer(starts, np.int64)


def _distinct(values: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The distinct rows of an ``(n, 4)`` limb array as ints, and each row's index among them
    (by sorting: a hash table would cost a Python step per term)."""
    order = np.lexsort(values.T)
    ordered = values[order]
    new = np.ones(len(ordered), bool)
    new[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    ids = np.empty(len(ordered), np.int64)
    ids[order] = np.cumsum(new) - 1
    return array_to_ints(ordered[new]), ids
