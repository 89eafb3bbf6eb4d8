"""Groth16 setup producing a snarkjs-compatible ``.zkey``: a single-party development setup,
and phase 2 on a snarkjs powers-of-tau ceremony.

``dev_setup`` draws tau, alpha, beta, gamma, delta itself from fresh randomness and forgets
them: whoever runs it could forge proofs, so it is for development and tests only, never for
keys others must trust. ``ptau_setup`` takes tau, alpha, beta (in the exponent) from a ``.ptau``
ceremony, computes what ``snarkjs groth16 setup`` does, and adds one contribution (a fresh
delta, recorded in section 10 as ``snarkjs zkey contribute`` records one, so ``snarkjs zkey
verify`` accepts the key); more contributions can follow with ``snarkjs zkey contribute``.

The key follows snarkjs's QAP convention exactly, so snarkjs proves with it and our prover
proves with snarkjs's keys. With L_c the Lagrange basis of the domain of size n (the smallest
power of two >= constraints + nPublic + 1), rows c >= nConstraints adding one A term (signal s,
coefficient 1) for each public signal s = 0..nPublic:

    u_s = sum_A coef L_c(tau),  v_s = sum_B coef L_c(tau),  w_s = sum_C coef L_c(tau)
    A_s = [u_s]_1,  B1_s = [v_s]_1,  B2_s = [v_s]_2
    IC_s = [(beta u_s + alpha v_s + w_s) / gamma]_1   (s <= nPublic)
    C_s  = [(beta u_s + alpha v_s + w_s) / delta]_1   (s > nPublic)
    H_i  = [L'_(2i+1)(tau) / delta]_1,  L' the Lagrange basis of the domain of size 2n

(the prover evaluates A B - C on the odd points of the doubled domain, where it equals
h(x) Z(x); the even points vanish, so sum_i value_i H_i = h(tau) Z(tau) / delta).

>>> key = dev_setup(toy_r1cs(), seed=7)
>>> key.n_vars, key.n_public, key.domain_size, len(key.h)
(4, 1, 4, 4)
"""

from __future__ import annotations

import hashlib
import random
import secrets
import struct
from dataclasses import dataclass, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Sequence, Union

import numpy as np
from tqdm import tqdm

from prozchain.native.backend import Backend
from prozchain.native.curve import R, Field, Group, root_of_unity
from prozchain.native.kernels import (COEF_DTYPE, PreparedBases, array_to_ints, bases_to_points, ints_to_array,
                                     prepare_bases)
from prozchain.prover.backend import current_backend
from prozchain.prover.curve import G1Point, G2Point
from prozchain.prover.errors import SetupError
from prozchain.prover.formats.ptau import PowersOfTau
from prozchain.prover.formats.zkey import (MAX_LOG_DOMAIN, POINT_SECTIONS, Contribution, KeyHead, MPCParams, RecordChunks, ZKey,
                                           stream_zkey)
from prozchain.prover.groth16.ptau_dev import blake2b, hash_to_g2, lagrange_basis, powers, scale, uncompressed
from prozchain.relations.r1cs import SparseMatrix

CONTRIBUTOR = "prozchain"  # the name our phase-2 contribution carries in section 10
MONT2 = pow(2, 512, R)  # snarkjs stores zkey coefficients times 2^512 (see native.kernels.COEF_DTYPE)
POINT_CHUNK = 1 << 18  # points per fixed-base kernel call (each builds its table): what a streamed setup holds of a section
TERM_CHUNK = 1 << 24  # terms made into 44-byte records at a time (the coefficient section, the per-signal sums)
SECTION_GROUPS = (("a", Group.G1), ("b1", Group.G1), ("b2", Group.G2), ("c", Group.G1), ("h", Group.G1))


@dataclass(frozen=True)
class ConstraintSystem:
    """An R1CS as setup needs it: the matrices A, B, C in CSR form
    (:class:`prozchain.relations.r1cs.SparseMatrix`, coefficient ids into ``table``, an ``(k, 4)``
    array of canonical values), so a big system costs 8 bytes a term, not a 44-byte record.
    Signals follow circom: 0 the constant 1, then the ``n_public`` outputs and public inputs.

    >>> cs = toy_r1cs()
    >>> [m.nnz for m in cs.matrices], len(cs.table), cs.terms["signal"].tolist()
    ([2, 2, 2], 1, [2, 2, 3, 3, 2, 1])
    """

    n_vars: int
    n_public: int
    n_constraints: int
    matrices: tuple[SparseMatrix, SparseMatrix, SparseMatrix]
    table: np.ndarray

    def domain_size(self) -> int:
        """The smallest power of two holding the constraints plus nPublic + 1 rows (snarkjs's)."""
        rows = self.n_constraints + self.n_public + 1
        return 1 << max(0, (rows - 1).bit_length())

    @staticmethod
    def from_terms(n_vars: int, n_public: int, n_constraints: int, terms: np.ndarray) -> "ConstraintSystem":
        """The system of a :data:`prozchain.native.kernels.COEF_DTYPE` array of its terms
        (matrix 0/1/2 for A/B/C, row, signal, canonical value), each row's terms in the order
        given."""
        table, ids = np.unique(np.ascontiguousarray(terms["value"]), axis=0, return_inverse=True)
        matrices = []
        for m in range(3):
            mine = np.nonzero(terms["matrix"] == m)[0]
            mine = mine[np.argsort(terms["constraint"][mine], kind="stable")]
            counts = np.bincount(terms["constraint"][mine], minlength=n_constraints)
            matrices.append(SparseMatrix(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
                                         terms["signal"][mine].astype(np.uint32), ids.reshape(-1)[mine].astype(np.uint32)))
        return ConstraintSystem(n_vars, n_public, n_constraints, tuple(matrices), table.astype(np.uint64).reshape(-1, 4))

    @cached_property
    def terms(self) -> np.ndarray:
        """Every non-zero entry as a ``COEF_DTYPE`` array, ordered by row, then A, B, C, each
        row's terms in file order: the order snarkjs writes the zkey coefficients in. 44 bytes a
        term, kept once made: for the checks, not for big systems."""
        parts = []
        for m, matrix in enumerate(self.matrices):
            part = np.zeros(matrix.nnz, dtype=COEF_DTYPE)
            part["matrix"] = m
            part["constraint"] = np.repeat(np.arange(self.n_constraints), np.diff(matrix.indptr))
            part["signal"] = matrix.wires
            part["value"] = self.table[matrix.coeff_ids]
            parts.append(part)
        terms = np.concatenate(parts)
        return terms[np.lexsort((terms["matrix"], terms["constraint"]))]  # stable: keeps file order

    def chunks(self, matrix: int, lo: int, hi: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The terms of rows ``lo`` to ``hi`` of ``matrix`` (0/1/2) as ``(rows, signals, coefficient
        ids)`` arrays of at most ``TERM_CHUNK`` terms each, in file order."""
        mat = self.matrices[matrix]
        indptr = mat.indptr
        for start in range(int(indptr[lo]), int(indptr[hi]), TERM_CHUNK):
            end = min(start + TERM_CHUNK, int(indptr[hi]))
            first, last = (int(np.searchsorted(indptr, x, side="right")) - 1 for x in (start, end - 1))
            counts = np.diff(np.clip(indptr[first:last + 2], start, end))
            yield np.repeat(np.arange(first, last + 1, dtype=np.uint32), counts), mat.wires[start:end], mat.coeff_ids[start:end]


def constraint_system(r1cs) -> ConstraintSystem:
    """The constraint system of an R1CS as :func:`prozchain.relations.formats.r1cs.read_r1cs` or a
    compiled circuit holds it (CSR matrices A, B, C over a coefficient table): the matrices
    themselves, not a copy."""
    table = ints_to_array(r1cs.coeffs, R) if r1cs.coeffs else np.zeros((0, 4), np.uint64)
    return ConstraintSystem(r1cs.n_wires, r1cs.n_public_wires, r1cs.n_constraints, (r1cs.A, r1cs.B, r1cs.C), table)


def terms_array(entries: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """(matrix, row, signal, value) tuples as a ``COEF_DTYPE`` array (values taken mod R)."""
    out = np.zeros(len(entries), dtype=COEF_DTYPE)
    for i, (m, c, s, v) in enumerate(entries):
        out[i] = (m, c, s, np.frombuffer((v % R).to_bytes(32, "little"), dtype="<u8"))
    return out


def toy_r1cs() -> ConstraintSystem:
    """y = x^3 as two constraints, x * x = t and t * x = y; signals 1, y (public), x, t."""
    return ConstraintSystem.from_terms(4, 1, 2, terms_array([
        (0, 0, 2, 1), (1, 0, 2, 1), (2, 0, 3, 1),
        (0, 1, 3, 1), (1, 1, 2, 1), (2, 1, 1, 1),
    ]))


def toy_witness(x: int) -> np.ndarray:
    """The witness of :func:`toy_r1cs` for input x."""
    return ints_to_array([1, pow(x, 3, R), x % R, x * x % R])


def public_rows(cs: ConstraintSystem) -> np.ndarray:
    """The A terms snarkjs adds: row nConstraints + s holds signal s with coefficient 1, for
    s = 0..nPublic, so that the public signals are bound to the proof (and IC is not empty)."""
    return terms_array([(0, cs.n_constraints + s, s, 1) for s in range(cs.n_public + 1)])


def coefficient_chunks(cs: ConstraintSystem) -> Iterator[np.ndarray]:
    """The zkey's coefficient records (section 4) as ``COEF_DTYPE`` chunks of about
    ``TERM_CHUNK``: the A and B terms row by row (A's first), then A rows nConstraints + s
    tying each public signal s to the proof; values times 2^512 as snarkjs stores them. Made
    from the CSR arrays a chunk at a time."""
    scaled = zkey_scaled_table(cs.table)
    a, b = cs.matrices[0].indptr, cs.matrices[1].indptr
    both = a + b
    bounds = np.unique(np.concatenate([np.searchsorted(both, np.arange(0, int(both[-1]), TERM_CHUNK)), [cs.n_constraints]]))
    for lo, hi in zip(bounds.tolist(), bounds[1:].tolist()):
        parts = []
        for m in (0, 1):
            for rows, signals, ids in cs.chunks(m, lo, hi):
                part = np.zeros(len(rows), dtype=COEF_DTYPE)
                part["matrix"], part["constraint"], part["signal"], part["value"] = m, rows, signals, scaled[ids]
                parts.append(part)
        records = np.concatenate(parts)
        yield records[np.argsort(records["constraint"].astype(np.int64) * 2 + records["matrix"], kind="stable")]
    yield zkey_scaled(public_rows(cs))


def zkey_coefficients(cs: ConstraintSystem) -> np.ndarray:
    """:func:`coefficient_chunks` as one array."""
    return np.concatenate(list(coefficient_chunks(cs)))


def zkey_scaled_table(values: np.ndarray) -> np.ndarray:
    """An ``(n, 4)`` array of canonical values each times 2^512 mod R, as a zkey stores coefficients."""
    return scale(current_backend(), np.ascontiguousarray(values), MONT2)


def zkey_scaled(terms: np.ndarray) -> np.ndarray:
    """``terms`` with each value times 2^512 mod R, as a zkey stores coefficients (a copy)."""
    records = terms.copy()
    records["value"] = zkey_scaled_table(records["value"])
    return records


def lagrange_at(backend: Backend, n: int, tau: int) -> np.ndarray:
    """L_i(tau), i < n, over the n-th roots of unity, as an ``(n, 4)`` canonical array: the
    inverse NTT of tau^0 .. tau^(n-1) (:func:`prozchain.prover.groth16.ptau_dev.lagrange_basis`).

    >>> [x - R if x > R // 2 else x for x in array_to_ints(lagrange_at(current_backend(), 2, 3))]  # (1 +- x) / 2 at 3
    [2, -1]
    """
    return lagrange_basis(backend, powers(backend, tau, n), n)


def odd_lagrange_at(backend: Backend, n: int, tau: int) -> np.ndarray:
    """L'_(2i+1)(tau), i < n, over the 2n-th roots of unity w', as an ``(n, 4)`` array: as
    w'^n = -1, the sum (1/2n) sum_(j<2n) (tau w'^-(2i+1))^j folds to (1 - tau^n)/2 times the
    inverse NTT of size n of (tau / w')^j, so the doubled domain is never built."""
    shifted = tau * pow(root_of_unity((2 * n).bit_length() - 1), -1, R) % R
    return scale(backend, lagrange_at(backend, n, shifted), (1 - pow(tau, n, R)) * pow(2, -1, R))


def signal_sums(backend: Backend, cs: ConstraintSystem, basis: np.ndarray,
                factors: Sequence[tuple[int, int, int]]) -> list[np.ndarray]:
    """For each of one or two factor triples f (for A, B, C), per signal s < ``cs.n_vars`` the
    sum of f[matrix] * coef * basis[row] over the terms of s, the public rows (:func:`public_rows`)
    counting as A terms: ``(n_vars, 4)`` canonical arrays. It is the C core's QAP accumulation
    (``qap_abc``, one output per triple) with signals for rows, a transposed QAP, run on
    ``TERM_CHUNK`` terms at a time straight from the CSR arrays and the chunks' sums added up,
    so only one chunk of 44-byte records exists at a time."""
    if not 1 <= len(factors) <= 2:
        raise ValueError(f"qap_abc has two outputs, not {len(factors)}")
    # qap_abc takes coef * 2^512, as a zkey stores it: scale the table once per (output, matrix)
    scaled = [[scale(backend, cs.table, f * MONT2) if f and len(cs.table) else None for f in triple]
              for triple in factors]
    sums: list[Optional[np.ndarray]] = [None] * len(factors)
    for m in range(3):
        if not any(triple[m] for triple in factors):
            continue
        for rows, signals, ids in cs.chunks(m, 0, cs.n_constraints):
            records = np.zeros(len(rows) * len(factors), dtype=COEF_DTYPE)
            pos = 0
            for out, table in enumerate(scaled):
                if table[m] is not None:
                    block = records[pos:pos + len(rows)]
                    block["matrix"], block["constraint"], block["signal"], block["value"] = out, signals, rows, table[m][ids]
                    pos += len(rows)
            parts = backend.qap_abc(records[:pos], basis, cs.n_vars)
            sums = [part if total is None else _add_mod(total, part) for total, part in zip(sums, parts)]
    sums = [np.zeros((cs.n_vars, 4), np.uint64) if total is None else total for total in sums]
    public = array_to_ints(basis[cs.n_constraints:cs.n_constraints + cs.n_public + 1])
    for total, triple in zip(sums, factors):
        head = array_to_ints(total[:cs.n_public + 1])
        total[:cs.n_public + 1] = ints_to_array([(x + triple[0] * y) % R for x, y in zip(head, public)], R)
    return sums


def _add_mod(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x + y mod R of two ``(n, 4)`` canonical arrays, limb by limb in numpy (x + y < 2R < 2^256:
    no carry out of the top limb)."""
    out, carry = np.empty_like(x), np.zeros(len(x), dtype=np.uint64)
    for i in range(4):
        s = x[:, i] + y[:, i]
        t = s + carry
        carry = ((s < x[:, i]) | (t < s)).astype(np.uint64)
        out[:, i] = t
    limbs = [np.uint64((R >> (64 * i)) & 0xFFFFFFFFFFFFFFFF) for i in range(4)]
    above, equal = np.zeros(len(x), dtype=bool), np.ones(len(x), dtype=bool)
    for i in reversed(range(4)):
        above |= equal & (out[:, i] > limbs[i])
        equal &= out[:, i] == limbs[i]
    rows = np.nonzero(above | equal)[0]
    high = out[rows]
    borrow = np.zeros(len(rows), dtype=np.uint64)
    for i in range(4):
        d = high[:, i] - limbs[i] - borrow
        borrow = ((high[:, i] < limbs[i]) | ((high[:, i] == limbs[i]) & (borrow > 0))).astype(np.uint64)
        high[:, i] = d
    out[rows] = high
    return out


def _dev_key(cs: ConstraintSystem, seed: Optional[int], backend: Backend) -> tuple[KeyHead, list[Iterator[np.ndarray]]]:
    """The head of a key from fresh toxic waste (its coefficient section as chunks made on
    demand: :class:`prozchain.prover.formats.zkey.RecordChunks`), and its point sections A, B1,
    B2, C, H as chunk iterators to consume in that order: each section's scalars are dropped
    when it is done, so a streamed setup holds the constraint system, three vectors of scalars
    and one chunk of records or points at a time (the Lagrange basis only while the scalars are
    summed)."""
    n = cs.domain_size()
    if n.bit_length() - 1 > MAX_LOG_DOMAIN:
        raise SetupError(f"{cs.n_constraints} constraints need a domain of {n} > 2^{MAX_LOG_DOMAIN}")
    if cs.n_vars < cs.n_public + 1:
        raise SetupError(f"n_vars {cs.n_vars} < n_public {cs.n_public} + 1")
    rng = random.Random(seed) if seed is not None else secrets.SystemRandom()
    tau, alpha, beta, gamma, delta = (rng.randrange(1, R) for _ in range(5))
    if pow(tau, 2 * n, R) == 1:
        raise SetupError("tau fell on the domain; draw again")
    basis = lagrange_at(backend, n, tau)
    k, u = signal_sums(backend, cs, basis, [(beta, alpha, 1), (1, 0, 0)])
    (v,) = signal_sums(backend, cs, basis, [(0, 1, 0)])
    del basis
    g1, g2 = G1Point.generator(), G2Point.generator()
    records = RecordChunks(cs.matrices[0].nnz + cs.matrices[1].nnz + cs.n_public + 1, lambda: coefficient_chunks(cs))
    head = KeyHead(cs.n_vars, cs.n_public, n, g1 * alpha, g1 * beta, g2 * beta, g2 * gamma, g1 * delta, g2 * delta,
                   tuple(g1 * x for x in array_to_ints(scale(backend, k[:cs.n_public + 1], pow(gamma, -1, R)))),
                   records)

    def scalars() -> Iterator[tuple[Group, np.ndarray]]:
        nonlocal k, u, v
        c = scale(backend, k[cs.n_public + 1:], pow(delta, -1, R))
        k = None
        yield Group.G1, u
        u = None
        yield Group.G1, v
        yield Group.G2, v
        v = None
        yield Group.G1, c
        c = None
        yield Group.G1, scale(backend, odd_lagrange_at(backend, n, tau), pow(delta, -1, R))

    pending = scalars()

    def section() -> Iterator[np.ndarray]:
        group, values = next(pending)
        for start in range(0, max(len(values), 1), POINT_CHUNK):  # an empty section still yields its (0, w) chunk
            yield backend.generator_multiples(group, values[start:start + POINT_CHUNK]).array

    return head, [section() for _ in POINT_SECTIONS]


def _progress(head: KeyHead, sections: Sequence[Iterator[np.ndarray]], enabled: bool) -> list[Iterator[np.ndarray]]:
    """``sections`` with a tqdm bar over their points."""
    bar = tqdm(total=sum(head.point_counts()), desc="key points", unit="pt", disable=not enabled)

    def counted(chunks: Iterator[np.ndarray], last: bool) -> Iterator[np.ndarray]:
        for chunk in chunks:
            bar.update(len(chunk))
            yield chunk
        if last:
            bar.close()

    return [counted(chunks, i == len(sections) - 1) for i, chunks in enumerate(sections)]


def dev_setup(cs: ConstraintSystem, seed: Optional[int] = None, backend: Optional[Backend] = None,
              progress: bool = False) -> ZKey:
    """A proving key from fresh toxic waste (``seed`` only for reproducible tests); see the
    module doc. Every constraint system row must fit: constraints + nPublic + 1 <= 2^27.
    ``progress`` shows a bar over the key's points. :func:`write_dev_setup` makes the same key
    straight to a file, in bounded memory."""
    head, sections = _dev_key(cs, seed, backend or current_backend())
    points = [np.concatenate(list(chunks)) for chunks in _progress(head, sections, progress)]
    head = replace(head, coefficients=head.coefficients.array())
    return ZKey(**{f.name: getattr(head, f.name) for f in fields(head)},
                **{name: PreparedBases(group, rows) for (name, group), rows in zip(SECTION_GROUPS, points)})


def write_dev_setup(path: Union[str, Path], cs: ConstraintSystem, seed: Optional[int] = None,
                    backend: Optional[Backend] = None, progress: bool = False) -> KeyHead:
    """:func:`dev_setup` written to ``path`` as a ``.zkey`` (the file :func:`write_zkey` writes
    of that key, byte for byte) while it is computed: each point section is made
    ``POINT_CHUNK`` points at a time and each chunk written as it comes, so the peak memory is
    the constraint system, the Lagrange basis and two vectors of scalars, not the key.
    Returns the key's head.

    >>> import os, tempfile
    >>> from prozchain.prover.formats.zkey import read_zkey
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.zkey")
    >>> head = write_dev_setup(path, toy_r1cs(), seed=7)
    >>> bool((read_zkey(path).h.array == dev_setup(toy_r1cs(), seed=7).h.array).all()), head.domain_size
    (True, 4)
    """
    head, sections = _dev_key(cs, seed, backend or current_backend())
    stream_zkey(path, head, _progress(head, sections, progress))
    return head


def signal_terms(cs: ConstraintSystem, parts: Sequence[tuple[int, int]]) -> tuple[np.ndarray, ...]:
    """The terms of the matrices in ``parts`` (``(matrix, row offset)`` pairs, matrix 0 with
    the public rows of :func:`public_rows`) grouped by signal, as the arguments of
    :meth:`prozchain.native.backend.Backend.sparse_sums`: ``(indptr, rows, ids, table)``, each
    row plus its matrix's offset (which Lagrange series it picks), ``table`` the coefficient
    table with a 1 appended for the public rows. 12 bytes a term (with the sort)."""
    one = len(cs.table)
    rows, signals, ids = [], [], []
    for m, offset in parts:
        mat = cs.matrices[m]
        rows.append(np.repeat(np.arange(offset, offset + cs.n_constraints, dtype=np.uint32), np.diff(mat.indptr)))
        signals.append(mat.wires)
        ids.append(mat.coeff_ids)
        if m == 0:
            rows.append(np.arange(cs.n_public + 1, dtype=np.uint32) + np.uint32(offset + cs.n_constraints))
            signals.append(np.arange(cs.n_public + 1, dtype=np.uint32))
            ids.append(np.full(cs.n_public + 1, one, dtype=np.uint32))
    everyone = np.concatenate(signals)
    order = np.argsort(everyone, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(everyone, minlength=cs.n_vars))]).astype(np.int64)
    table = np.concatenate([cs.table.reshape(-1, 4), ints_to_array([1])])
    return indptr, np.concatenate(rows)[order], np.concatenate(ids)[order], table


def _chunked_sums(backend: Backend, bases: PreparedBases, terms: tuple[np.ndarray, ...]) -> Iterator[np.ndarray]:
    """:meth:`Backend.sparse_sums` of ``terms`` (:func:`signal_terms`), ``POINT_CHUNK`` sums at a time."""
    indptr, rows, ids, table = terms
    for lo in range(0, max(len(indptr) - 1, 1), POINT_CHUNK):
        part = indptr[lo:lo + POINT_CHUNK + 1]
        yield backend.sparse_sums(bases, part - part[0], rows[part[0]:part[-1]], ids[part[0]:part[-1]], table).array


def _ptau_key(cs: ConstraintSystem, ptau: PowersOfTau, contribute: bool, seed: Optional[int], backend: Backend,
              name: str) -> tuple[KeyHead, list[Iterator[np.ndarray]], Callable[[], bytes]]:
    """The head of the key :func:`ptau_setup` makes, its point sections A, B1, B2, C, H as
    chunk iterators to consume in that order, and its section 10, to ask for after them.

    Section 10 starts with snarkjs's circuit hash (``csHash``, what ``zkey verify`` recomputes
    from the .r1cs and .ptau) of the key before any contribution (gamma = delta = 1):
    blake2b-512 over alpha1, beta1, beta2, gamma2, delta1, delta2, then for IC, H, C, A, B1, B2
    in that order a big-endian u32 count and the points, all uncompressed, where H is not the
    key's H section but snarkjs's own points (:func:`_hash_h_points`), counted n - 1. The hash
    absorbs IC, H and C while the head is made, and A, B1, B2 as they stream; C is kept (one
    point a private signal) to be written, divided by the contribution's delta, after B2. The ceremony's points are read a
    series at a time: the three Lagrange series of the per-signal sums K, then tau G1 for A
    and B1, then tau G2 for B2, then H a chunk at a time."""
    n = cs.domain_size()
    if 2 * n > 1 << ptau.power:
        raise SetupError(f"{cs.n_constraints} constraints (+ {cs.n_public + 1} public rows) need a domain of {n}: "
                         f"the ceremony must have power >= {(2 * n).bit_length() - 1}, it has {ptau.power}")
    delta, s = 1, 0
    if contribute:
        rng = random.Random(seed) if seed is not None else secrets.SystemRandom()
        delta, s = rng.randrange(1, R), rng.randrange(1, R)
    # K_s = sum_A coef [beta L_c] + sum_B coef [alpha L_c] + sum_C coef [L_c], over the three
    # Lagrange series side by side: IC (s <= nPublic) and C (the rest, still undivided: delta = 1).
    k_bases = PreparedBases(Group.G1, np.concatenate([ptau.lagrange(i, Group.G1, n).array for i in (12, 14, 15)]))
    k = backend.sparse_sums(k_bases, *signal_terms(cs, [(0, 2 * n), (1, n), (2, 0)])).array
    del k_bases
    ic, c = k[:cs.n_public + 1], k[cs.n_public + 1:]
    g1, g2 = G1Point.generator(), G2Point.generator()
    alpha1, beta1 = (_point(ptau.points(i, Group.G1, 0, 1)) for i in (4, 5))
    beta2 = _point(ptau.points(6, Group.G2, 0, 1))
    digest = hashlib.blake2b(digest_size=64)
    for group, points in ((Group.G1, [alpha1, beta1]), (Group.G2, [beta2, g2]), (Group.G1, [g1]), (Group.G2, [g2])):
        digest.update(_uncompressed_points(group, points, backend))

    def absorb(group: Group, count: int, chunks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        digest.update(struct.pack(">I", count))
        for chunk in chunks:
            digest.update(uncompressed(group, chunk, backend))
            yield chunk

    for count, chunks in ((len(ic), [ic]), (n - 1, _hash_h_points(backend, ptau, n)),
                          (len(c), (c[i:i + POINT_CHUNK] for i in range(0, len(c), POINT_CHUNK)))):
        for _ in absorb(Group.G1, count, chunks):  # hashed now: in the hash, IC, H and C come before A
            pass
    records = RecordChunks(cs.matrices[0].nnz + cs.matrices[1].nnz + cs.n_public + 1, lambda: coefficient_chunks(cs))
    head = KeyHead(cs.n_vars, cs.n_public, n, alpha1, beta1, beta2, g2, g1 * delta, g2 * delta,
                   tuple(_point(PreparedBases(Group.G1, ic[i:i + 1])) for i in range(len(ic))), records)
    inverse = pow(delta, -1, R)

    def divided(rows: np.ndarray) -> np.ndarray:  # by the contribution's delta
        return backend.scale_points(PreparedBases(Group.G1, rows), inverse).array if contribute else rows

    def sections() -> Iterator[Iterator[np.ndarray]]:
        nonlocal c
        tau_g1 = ptau.lagrange(12, Group.G1, n)
        yield absorb(Group.G1, cs.n_vars, _chunked_sums(backend, tau_g1, signal_terms(cs, [(0, 0)])))
        yield absorb(Group.G1, cs.n_vars, _chunked_sums(backend, tau_g1, signal_terms(cs, [(1, 0)])))
        del tau_g1
        yield absorb(Group.G2, cs.n_vars, _chunked_sums(backend, ptau.lagrange(13, Group.G2, n),
                                                        signal_terms(cs, [(1, 0)])))
        kept, c = c, None
        yield (divided(kept[i:i + POINT_CHUNK]) for i in range(0, max(len(kept), 1), POINT_CHUNK))
        del kept
        # H: the odd points of the doubled domain's Lagrange series, L'_(2i+1) at 2n - 1 + 2i + 1
        yield (divided(ptau.points(12, Group.G1, 2 * n - 1 + 2 * i, 2 * min(POINT_CHUNK, n - i)).array[1::2].copy())
               for i in range(0, n, POINT_CHUNK))

    def section10() -> bytes:
        mpc = MPCParams(digest.digest())
        if contribute:
            mpc = MPCParams(mpc.cs_hash, (_contribution(mpc, g1, delta, s, name, backend),))
        return mpc.to_bytes()

    pending = sections()
    return head, [_lazy(pending) for _ in POINT_SECTIONS], section10


def _lazy(pending: Iterator[Iterator[np.ndarray]]) -> Iterator[np.ndarray]:
    """The next section of ``pending``, made only when its first chunk is asked for (after the
    section before it is done)."""
    yield from next(pending)


def _hash_h_points(backend: Backend, ptau: PowersOfTau, n: int) -> Iterator[np.ndarray]:
    """What snarkjs's circuit hash takes for H: (tau^(i + n) - tau^i) G1 from the ceremony's
    section 2 for i < n - 1 (its ``hashHPoints``, whose chunking takes i up to n - 1 once n - 1
    exceeds 2^14), ``POINT_CHUNK`` at a time: each a sum of two points (scalars 1 and -1)."""
    chunk = 1 << 14
    count = -(-(n - 1) // chunk) * min(n - 1, chunk)
    one_minus_one = ints_to_array([1, R - 1])
    for lo in range(0, count, POINT_CHUNK):
        m = min(POINT_CHUNK, count - lo)
        both = PreparedBases(Group.G1, np.concatenate([ptau.points(2, Group.G1, n + lo, m).array,
                                                       ptau.points(2, Group.G1, lo, m).array]))
        rows = np.stack([np.arange(m), np.arange(m, 2 * m)], axis=1).reshape(-1)
        yield backend.sparse_sums(both, np.arange(0, 2 * m + 1, 2), rows, np.tile([0, 1], m), one_minus_one).array


def ptau_setup(cs: ConstraintSystem, ptau: PowersOfTau, contribute: bool = True, seed: Optional[int] = None,
               backend: Optional[Backend] = None, name: str = CONTRIBUTOR) -> ZKey:
    """Phase 2 on a snarkjs powers-of-tau ceremony: what ``snarkjs groth16 setup`` computes
    (gamma = delta = 1, from the ceremony's Lagrange points, as in the module doc with the
    secrets in the exponent, and section 10 holding snarkjs's circuit hash), then unless
    ``contribute=False`` one contribution as :func:`add_contribution` makes it: a fresh delta,
    recorded as ``snarkjs zkey contribute`` records it, so ``snarkjs zkey verify`` accepts the
    key. Only the contributor's delta is ours; tau, alpha, beta come from the ceremony.
    :func:`write_ptau_setup` makes the same key straight to a file, in bounded memory.

    >>> import os, tempfile
    >>> from prozchain.prover.formats.ptau import read_ptau
    >>> from prozchain.prover.groth16.ptau_dev import write_dev_ptau
    >>> path = os.path.join(tempfile.mkdtemp(), "dev.ptau")
    >>> _ = write_dev_ptau(path, 3, seed=1)
    >>> key = ptau_setup(toy_r1cs(), read_ptau(path), seed=2)
    >>> [c.name for c in key.mpc_params().contributions], key.mpc_params().contributions[0].delta_after == key.delta1
    (['prozchain'], True)
    """
    head, sections, section10 = _ptau_key(cs, ptau, contribute, seed, backend or current_backend(), name)
    points = [np.concatenate(list(chunks)) for chunks in sections]
    head = replace(head, coefficients=head.coefficients.array())
    return ZKey(**{f.name: getattr(head, f.name) for f in fields(head)},
                **{section: PreparedBases(group, rows) for (section, group), rows in zip(SECTION_GROUPS, points)},
                contributions=section10())


def write_ptau_setup(path: Union[str, Path], cs: ConstraintSystem, ptau: PowersOfTau, contribute: bool = True,
                     seed: Optional[int] = None, backend: Optional[Backend] = None, name: str = CONTRIBUTOR,
                     progress: bool = False) -> KeyHead:
    """:func:`ptau_setup` written to ``path`` as a ``.zkey`` (the file :func:`write_zkey` writes
    of that key, byte for byte) while it is computed, ``POINT_CHUNK`` points at a time: the
    peak memory is the constraint system's terms, a Lagrange series (three while the sums K
    are made) and the C points, not the key. ``progress`` shows a bar over the key's points.
    Returns the key's head.

    >>> import os, tempfile
    >>> from prozchain.prover.formats.ptau import read_ptau
    >>> from prozchain.prover.formats.zkey import read_zkey
    >>> from prozchain.prover.groth16.ptau_dev import write_dev_ptau
    >>> folder = tempfile.mkdtemp()
    >>> _ = write_dev_ptau(os.path.join(folder, "dev.ptau"), 3, seed=1)
    >>> ptau = read_ptau(os.path.join(folder, "dev.ptau"))
    >>> head = write_ptau_setup(os.path.join(folder, "toy.zkey"), toy_r1cs(), ptau, seed=2)
    >>> read_zkey(os.path.join(folder, "toy.zkey")).contributions == ptau_setup(toy_r1cs(), ptau, seed=2).contributions
    True
    """
    head, sections, section10 = _ptau_key(cs, ptau, contribute, seed, backend or current_backend(), name)
    stream_zkey(path, head, _progress(head, sections, progress), section10)
    return head


def add_contribution(key: ZKey, delta: int, s: int, name: str = CONTRIBUTOR,
                     backend: Optional[Backend] = None) -> ZKey:
    """What ``snarkjs zkey contribute`` does, with the secret ``delta`` (and the proof-of-
    knowledge base g1_s = s G1) given: delta1, delta2 times delta, C and H divided by it, and a
    :class:`prozchain.prover.formats.zkey.Contribution` appended to the key's section 10, which must
    already hold snarkjs's record (a key from :func:`ptau_setup` or snarkjs). Whoever knows
    ``delta`` must forget it.

    >>> first = replace(dev_setup(toy_r1cs(), seed=1), contributions=MPCParams(bytes(64)).to_bytes())
    >>> second = add_contribution(first, 5, 7, name="second")
    >>> second.delta1 == first.delta1 * 5, [c.name for c in second.mpc_params().contributions]
    (True, ['second'])
    """
    backend = backend or current_backend()
    mpc = key.mpc_params()
    if mpc is None:
        raise SetupError("the key has no phase-2 record (section 10) to add a contribution to")
    if not 0 < delta % R or not 0 < s % R:
        raise SetupError("delta and s must be non-zero mod r")
    record = _contribution(mpc, key.delta1, delta, s, name, backend)
    inverse = pow(delta, -1, R)
    return replace(key, delta1=record.delta_after, delta2=key.delta2 * delta,
                   c=backend.scale_points(key.c, inverse),
                   h=backend.scale_points(key.h, inverse),
                   contributions=MPCParams(mpc.cs_hash, mpc.contributions + (record,)).to_bytes())


def _contribution(mpc: MPCParams, delta1: G1Point, delta: int, s: int, name: str, backend: Backend) -> Contribution:
    """The record of a contribution of ``delta`` (proof-of-knowledge base s G1) to a key whose
    delta1 and section 10 are ``delta1`` and ``mpc``, as ``snarkjs zkey contribute`` makes it."""
    g1_s = G1Point.generator() * s
    g1_sx = g1_s * delta
    transcript = blake2b(mpc.cs_hash, *(public_key_bytes(c, backend) for c in mpc.contributions),
                         _uncompressed_points(Group.G1, [g1_s, g1_sx], backend))
    g2_spx = G2Point.from_affine(*backend.g_mul(Group.G2, hash_to_g2(transcript, backend), delta))
    return Contribution(delta1 * delta, g1_s, g1_sx, g2_spx, transcript, 0, name)


def public_key_bytes(c: Contribution, backend: Optional[Backend] = None) -> bytes:
    """What snarkjs hashes of a contribution (``hashPubKey``): deltaAfter, g1_s, g1_sx, g2_spx
    uncompressed, then the transcript; the next transcript absorbs it."""
    return (_uncompressed_points(Group.G1, [c.delta_after, c.g1_s, c.g1_sx], backend)
            + _uncompressed_points(Group.G2, [c.g2_spx], backend) + c.transcript)


def _uncompressed_points(group: Group, points: Sequence, backend: Optional[Backend]) -> bytes:
    return uncompressed(group, prepare_bases(group, [p.affine for p in points]).array, backend)


def _point(bases: PreparedBases):
    """The one (validated) point of a one-row prepared array, as a point object."""
    (affine,) = bases_to_points(bases)
    cls = G1Point if bases.group is Group.G1 else G2Point
    return cls.infinity() if affine is None else cls.from_affine(*affine)
