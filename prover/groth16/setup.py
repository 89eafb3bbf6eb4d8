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
from pathlib import Path
from typing import Iterator, Optional, Sequence, Union

import numpy as np
from tqdm import tqdm

from prozchain.native.backend import Backend
from prozchain.native.curve import P, R, Field, Group, root_of_unity
from prozchain.native.kernels import (COEF_DTYPE, PreparedBases, array_to_ints, bases_to_points, ints_to_array,
                                     prepare_bases)
from prozchain.prover.backend import current_backend
from prozchain.prover.curve import G1Point, G2Point
from prozchain.prover.errors import SetupError
from prozchain.prover.formats.ptau import PowersOfTau
from prozchain.prover.formats.zkey import (MAX_LOG_DOMAIN, POINT_SECTIONS, Contribution, KeyHead, MPCParams, ZKey,
                                           stream_zkey)
from prozchain.prover.groth16.ptau_dev import blake2b, hash_to_g2, lagrange_basis, powers, scale, uncompressed

CONTRIBUTOR = "prozchain"  # the name our phase-2 contribution carries in section 10
MONT2 = pow(2, 512, R)  # snarkjs stores zkey coefficients times 2^512 (see native.kernels.COEF_DTYPE)
POINT_CHUNK = 1 << 18  # points per fixed-base kernel call (each builds its table): what a streamed setup holds of a section
TERM_CHUNK = 1 << 20  # terms scaled at a time while building the transposed records
SECTION_GROUPS = (("a", Group.G1), ("b1", Group.G1), ("b2", Group.G2), ("c", Group.G1), ("h", Group.G1))


@dataclass(frozen=True)
class ConstraintSystem:
    """An R1CS as setup needs it. ``terms`` is a :data:`prozchain.native.kernels.COEF_DTYPE` array of
    every non-zero entry: matrix 0/1/2 for A/B/C, constraint row, signal, canonical value.
    Signals follow circom: 0 the constant 1, then the ``n_public`` outputs and public inputs."""

    n_vars: int
    n_public: int
    n_constraints: int
    terms: np.ndarray

    def domain_size(self) -> int:
        """The smallest power of two holding the constraints plus nPublic + 1 rows (snarkjs's)."""
        rows = self.n_constraints + self.n_public + 1
        return 1 << max(0, (rows - 1).bit_length())


def constraint_system(r1cs) -> ConstraintSystem:
    """The constraint system of an R1CS as :func:`prozchain.relations.formats.r1cs.read_r1cs` returns it
    (CSR matrices A, B, C over a coefficient table). Terms are ordered by constraint, then A, B,
    C, each combination in file order: the order snarkjs writes the zkey coefficients in."""
    table = ints_to_array(r1cs.coeffs, R) if r1cs.coeffs else np.zeros((0, 4), np.uint64)
    parts = []
    for m, matrix in enumerate((r1cs.A, r1cs.B, r1cs.C)):
        part = np.zeros(matrix.nnz, dtype=COEF_DTYPE)
        part["matrix"] = m
        part["constraint"] = np.repeat(np.arange(r1cs.n_constraints), np.diff(matrix.indptr))
        part["signal"] = matrix.wires
        part["value"] = table[matrix.coeff_ids]
        parts.append(part)
    terms = np.concatenate(parts)
    terms = terms[np.lexsort((terms["matrix"], terms["constraint"]))]  # stable: keeps file order
    return ConstraintSystem(r1cs.n_wires, r1cs.n_public_wires, r1cs.n_constraints, terms)


def terms_array(entries: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """(matrix, row, signal, value) tuples as a ``COEF_DTYPE`` array (values taken mod R)."""
    out = np.zeros(len(entries), dtype=COEF_DTYPE)
    for i, (m, c, s, v) in enumerate(entries):
        out[i] = (m, c, s, np.frombuffer((v % R).to_bytes(32, "little"), dtype="<u8"))
    return out


def toy_r1cs() -> ConstraintSystem:
    """y = x^3 as two constraints, x * x = t and t * x = y; signals 1, y (public), x, t."""
    return ConstraintSystem(4, 1, 2, terms_array([
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


def zkey_coefficients(cs: ConstraintSystem) -> np.ndarray:
    """The zkey's coefficient records: the A and B terms, plus A rows nConstraints + s tying
    each public signal s to the proof; values times 2^512 as snarkjs stores them."""
    return zkey_scaled(np.concatenate([cs.terms[cs.terms["matrix"] <= 1], public_rows(cs)]))


def zkey_scaled(terms: np.ndarray) -> np.ndarray:
    """``terms`` with each value times 2^512 mod R, as a zkey stores coefficients (a copy)."""
    records = terms.copy()
    values = np.ascontiguousarray(records["value"])
    factor = np.broadcast_to(ints_to_array([MONT2]), values.shape)
    records["value"] = current_backend().mul_array(Field.FR, values, factor)
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


def signal_sums(backend: Backend, parts: Sequence[np.ndarray], basis: np.ndarray, factors: Sequence[int],
                n_vars: int) -> np.ndarray:
    """Per signal s < ``n_vars``, the sum of factors[matrix] * coef * basis[row] over the terms
    (``COEF_DTYPE`` arrays ``parts``) of s, as an ``(n_vars, 4)`` canonical array: the C core's
    QAP accumulation (``qap_abc``) with signals for rows, a transposed QAP. Coefficients are
    scaled a chunk at a time, so the temporaries stay small beside the records."""
    records = np.zeros(sum(len(p) for p in parts), dtype=COEF_DTYPE)
    table = ints_to_array([f * MONT2 % R for f in factors])  # qap_abc takes coef * 2^512, as a zkey stores it
    pos = 0
    for part in parts:
        for lo in range(0, len(part), TERM_CHUNK):
            chunk = part[lo:lo + TERM_CHUNK]
            out = records[pos:pos + len(chunk)]
            out["constraint"], out["signal"] = chunk["signal"], chunk["constraint"]
            out["value"] = backend.mul_array(Field.FR, np.ascontiguousarray(chunk["value"]), table[chunk["matrix"]])
            pos += len(chunk)
    sums, _ = backend.qap_abc(records, basis, n_vars)
    return sums


def _dev_key(cs: ConstraintSystem, seed: Optional[int], backend: Backend) -> tuple[KeyHead, list[Iterator[np.ndarray]]]:
    """The head of a key from fresh toxic waste, and its point sections A, B1, B2, C, H as
    chunk iterators to consume in that order: each section's scalars are computed when it is
    reached and dropped when it is done, so a streamed setup holds the Lagrange basis, two
    vectors of scalars and one chunk of points at a time."""
    n = cs.domain_size()
    if n.bit_length() - 1 > MAX_LOG_DOMAIN:
        raise SetupError(f"{cs.n_constraints} constraints need a domain of {n} > 2^{MAX_LOG_DOMAIN}")
    if cs.n_vars < cs.n_public + 1:
        raise SetupError(f"n_vars {cs.n_vars} < n_public {cs.n_public} + 1")
    rng = random.Random(seed) if seed is not None else secrets.SystemRandom()
    tau, alpha, beta, gamma, delta = (rng.randrange(1, R) for _ in range(5))
    if pow(tau, 2 * n, R) == 1:
        raise SetupError("tau fell on the domain; draw again")
    public = public_rows(cs)
    basis = lagrange_at(backend, n, tau)
    k = signal_sums(backend, (cs.terms, public), basis, (beta, alpha, 1), cs.n_vars)
    g1, g2 = G1Point.generator(), G2Point.generator()
    head = KeyHead(cs.n_vars, cs.n_public, n, g1 * alpha, g1 * beta, g2 * beta, g2 * gamma, g1 * delta, g2 * delta,
                   tuple(g1 * x for x in array_to_ints(scale(backend, k[:cs.n_public + 1], pow(gamma, -1, R)))),
                   zkey_coefficients(cs))

    def scalars() -> Iterator[tuple[Group, np.ndarray]]:
        nonlocal basis, k
        c = scale(backend, k[cs.n_public + 1:], pow(delta, -1, R))
        k = None
        yield Group.G1, signal_sums(backend, (cs.terms[cs.terms["matrix"] == 0], public), basis, (1, 0, 0), cs.n_vars)
        v = signal_sums(backend, (cs.terms[cs.terms["matrix"] == 1],), basis, (0, 1, 0), cs.n_vars)
        basis = None
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


def _sparse_sums(backend: Backend, bases: PreparedBases, rows: np.ndarray, signals: np.ndarray,
                 values: np.ndarray, n_signals: int) -> PreparedBases:
    """Per signal s, the sum of values[t] * bases[rows[t]] over the terms t of s: one small MSM
    per signal over the rows it touches (none: the point at infinity)."""
    order = np.argsort(signals, kind="stable")
    rows, signals, values = rows[order], signals[order], np.ascontiguousarray(values[order])
    bounds = np.searchsorted(signals, np.arange(n_signals + 1)).tolist()
    points = [backend.msm_prepared(PreparedBases(bases.group, bases.array[rows[lo:hi]]), values[lo:hi])
              if hi > lo else None for lo, hi in zip(bounds, bounds[1:])]
    return backend.msm_prepare(bases.group, points)


def ptau_setup(cs: ConstraintSystem, ptau: PowersOfTau, contribute: bool = True, seed: Optional[int] = None,
               backend: Optional[Backend] = None, name: str = CONTRIBUTOR) -> ZKey:
    """Phase 2 on a snarkjs powers-of-tau ceremony: what ``snarkjs groth16 setup`` computes
    (gamma = delta = 1, from the ceremony's Lagrange points, as in the module doc with the
    secrets in the exponent, and section 10 holding snarkjs's circuit hash), then unless
    ``contribute=False`` one contribution by :func:`add_contribution`: a fresh delta, recorded
    as ``snarkjs zkey contribute`` records it, so ``snarkjs zkey verify`` accepts the key. Only
    the contributor's delta is ours; tau, alpha, beta come from the ceremony.

    >>> import os, tempfile
    >>> from prozchain.prover.formats.ptau import read_ptau
    >>> from prozchain.prover.groth16.ptau_dev import write_dev_ptau
    >>> path = os.path.join(tempfile.mkdtemp(), "dev.ptau")
    >>> _ = write_dev_ptau(path, 3, seed=1)
    >>> key = ptau_setup(toy_r1cs(), read_ptau(path), seed=2)
    >>> [c.name for c in key.mpc_params().contributions], key.mpc_params().contributions[0].delta_after == key.delta1
    (['prozchain'], True)
    """
    backend = backend or current_backend()
    n = cs.domain_size()
    if 2 * n > 1 << ptau.power:
        raise SetupError(f"{cs.n_constraints} constraints (+ {cs.n_public + 1} public rows) need a domain of {n}: "
                         f"the ceremony must have power >= {(2 * n).bit_length() - 1}, it has {ptau.power}")
    tau_g1, tau_g2 = ptau.lagrange(12, Group.G1, n), ptau.lagrange(13, Group.G2, n)
    alpha_tau, beta_tau = ptau.lagrange(14, Group.G1, n), ptau.lagrange(15, Group.G1, n)
    terms = np.concatenate([cs.terms, public_rows(cs)])
    rows, signals = terms["constraint"].astype(np.int64), terms["signal"].astype(np.int64)
    matrix, values = terms["matrix"], np.ascontiguousarray(terms["value"])
    a, b = matrix == 0, matrix == 1

    # K_s = sum_A coef [beta L_c] + sum_B coef [alpha L_c] + sum_C coef [L_c], over the three
    # Lagrange series side by side: IC (s <= nPublic) and C (the rest, still undivided: delta = 1).
    k_bases = PreparedBases(Group.G1, np.concatenate([tau_g1.array, alpha_tau.array, beta_tau.array]))
    k = _sparse_sums(backend, k_bases, rows + n * np.where(a, 2, np.where(b, 1, 0)), signals, values, cs.n_vars)
    g1, g2 = G1Point.generator(), G2Point.generator()
    alpha1, beta1 = (_point(ptau.points(s, Group.G1, 0, 1)) for s in (4, 5))
    key = ZKey(
        cs.n_vars, cs.n_public, n,
        alpha1, beta1, _point(ptau.points(6, Group.G2, 0, 1)), g2, g1, g2,
        tuple(_point(PreparedBases(Group.G1, k.array[s:s + 1])) for s in range(cs.n_public + 1)),
        zkey_coefficients(cs),
        _sparse_sums(backend, tau_g1, rows[a], signals[a], values[a], cs.n_vars),
        _sparse_sums(backend, tau_g1, rows[b], signals[b], values[b], cs.n_vars),
        _sparse_sums(backend, tau_g2, rows[b], signals[b], values[b], cs.n_vars),
        PreparedBases(Group.G1, k.array[cs.n_public + 1:]),
        PreparedBases(Group.G1, ptau.lagrange(12, Group.G1, 2 * n).array[1::2].copy()),
    )
    key = replace(key, contributions=MPCParams(circuit_hash(key, ptau, backend)).to_bytes())
    if not contribute:
        return key
    rng = random.Random(seed) if seed is not None else secrets.SystemRandom()
    return add_contribution(key, rng.randrange(1, R), rng.randrange(1, R), name, backend)


def circuit_hash(key: ZKey, ptau: PowersOfTau, backend: Optional[Backend] = None) -> bytes:
    """snarkjs's circuit hash (``csHash``, what ``zkey verify`` recomputes from the .r1cs and
    .ptau) of the key ``groth16 setup`` makes (gamma = delta = 1, no contribution yet):
    blake2b-512 over alpha1, beta1, beta2, gamma2, delta1, delta2, then for IC, H, C, A, B1, B2
    in that order a big-endian u32 count and the points, all uncompressed. The H entry is not
    the key's H section but (tau^(i + n) - tau^i) G1 from the ceremony's section 2, counted
    n - 1 and hashed for i < n - 1 (snarkjs's ``hashHPoints``, whose chunking takes i up to n -
    1 once n - 1 exceeds 2^14)."""
    backend = backend or current_backend()
    n = key.domain_size
    digest = hashlib.blake2b(digest_size=64)
    for group, points in ((Group.G1, [key.alpha1, key.beta1]), (Group.G2, [key.beta2, key.gamma2]),
                          (Group.G1, [key.delta1]), (Group.G2, [key.delta2])):
        digest.update(_uncompressed_points(group, points, backend))
    chunk = 1 << 14
    count = -(-(n - 1) // chunk) * min(n - 1, chunk)
    powers = ptau.points(2, Group.G1, 0, count + n).array
    both = PreparedBases(Group.G1, np.concatenate([powers[n:], _negated_g1(powers[:count])]))
    h = _sparse_sums(backend, both, np.arange(2 * count), np.tile(np.arange(count), 2),
                     ints_to_array([1] * (2 * count)), count)  # scalars 1: additions, no multiplications
    ic = prepare_bases(Group.G1, [p.affine for p in key.ic])
    for label, bases in ((len(ic), ic), (n - 1, h), (len(key.c), key.c), (len(key.a), key.a), (len(key.b1), key.b1),
                         (len(key.b2), key.b2)):
        digest.update(struct.pack(">I", label))
        digest.update(uncompressed(bases.group, bases.array, backend))
    return digest.digest()


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
    g1_s = G1Point.generator() * s
    g1_sx = g1_s * delta
    transcript = blake2b(mpc.cs_hash, *(public_key_bytes(c, backend) for c in mpc.contributions),
                         _uncompressed_points(Group.G1, [g1_s, g1_sx], backend))
    g2_spx = G2Point.from_affine(*backend.g_mul(Group.G2, hash_to_g2(transcript, backend), delta))
    delta1, inverse = key.delta1 * delta, pow(delta, -1, R)
    record = Contribution(delta1, g1_s, g1_sx, g2_spx, transcript, 0, name)
    return replace(key, delta1=delta1, delta2=key.delta2 * delta, c=_scaled(backend, key.c, inverse),
                   h=_scaled(backend, key.h, inverse),
                   contributions=MPCParams(mpc.cs_hash, mpc.contributions + (record,)).to_bytes())


def public_key_bytes(c: Contribution, backend: Optional[Backend] = None) -> bytes:
    """What snarkjs hashes of a contribution (``hashPubKey``): deltaAfter, g1_s, g1_sx, g2_spx
    uncompressed, then the transcript; the next transcript absorbs it."""
    return (_uncompressed_points(Group.G1, [c.delta_after, c.g1_s, c.g1_sx], backend)
            + _uncompressed_points(Group.G2, [c.g2_spx], backend) + c.transcript)


def _uncompressed_points(group: Group, points: Sequence, backend: Optional[Backend]) -> bytes:
    return uncompressed(group, prepare_bases(group, [p.affine for p in points]).array, backend)


def _negated_g1(rows: np.ndarray) -> np.ndarray:
    """G1 points in the kernels' layout, each negated: y -> P - y limb by limb (Montgomery form
    commutes with negation); the point at infinity (y = 0) stays zero."""
    out = rows.copy()
    y, borrow = rows[:, 4:8], np.zeros(len(rows), dtype=bool)
    for i in range(4):
        p = np.uint64((P >> (64 * i)) & 0xFFFFFFFFFFFFFFFF)
        out[:, 4 + i] = p - y[:, i] - borrow.astype(np.uint64)
        borrow = (y[:, i] > p) | ((y[:, i] == p) & borrow)
    out[~rows[:, 4:8].any(axis=1), 4:8] = 0
    return out


def _scaled(backend: Backend, bases: PreparedBases, k: int) -> PreparedBases:
    """Every point of ``bases`` times k."""
    n = len(bases)
    return _sparse_sums(backend, bases, np.arange(n), np.arange(n), ints_to_array([k % R] * n, R), n)


def _point(bases: PreparedBases):
    """The one (validated) point of a one-row prepared array, as a point object."""
    (affine,) = bases_to_points(bases)
    cls = G1Point if bases.group is Group.G1 else G2Point
    return cls.infinity() if affine is None else cls.from_affine(*affine)
