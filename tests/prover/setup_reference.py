"""The Groth16 setups as they were before they were streamed: the development setup with Python
ints throughout and the Lagrange basis by its closed form, and the setup on a ceremony with one
MSM per signal and the circuit hash over the whole key. The oracles the differential tests
compare against."""

from __future__ import annotations

import hashlib
import random
import struct
from dataclasses import replace

import numpy as np

from prozchain.native.backend import Backend
from prozchain.native.curve import R, Field, Group
from prozchain.native.kernels import (COEF_DTYPE, PreparedBases, array_to_ints, bases_to_points, ints_to_array,
                                      prepare_bases, scalars_array)
from prozchain.prover.curve import G1Point, G2Point
from prozchain.prover.formats.ptau import PowersOfTau
from prozchain.prover.formats.zkey import Contribution, MPCParams, ZKey
from prozchain.prover.groth16.ptau_dev import blake2b, hash_to_g2, uncompressed
from prozchain.prover.groth16.setup import (CONTRIBUTOR, MONT2, ConstraintSystem, public_rows, zkey_coefficients,
                                            zkey_scaled)


def lagrange_at(backend: Backend, n: int, tau: int) -> list[int]:
    """L_i(tau) for the domain of the n-th roots of unity: w^i (tau^n - 1) / (n (tau - w^i))."""
    unit = np.zeros((n, 4), dtype=np.uint64)
    unit[1 % n, 0] = 1  # the polynomial x (for n = 1 the domain is {1}, where x = 1)
    roots = array_to_ints(backend.ntt_array(unit))  # its evaluations: (w^i)_i
    z = (pow(tau, n, R) - 1) % R
    assert z, "tau fell on the domain"
    inverses = array_to_ints(backend.inv_array(Field.FR, ints_to_array([n * (tau - w) % R for w in roots], R)))
    return [w * z * d % R for w, d in zip(roots, inverses)]


def _evaluate(backend: Backend, cs: ConstraintSystem, all_terms: np.ndarray, matrix: int, basis: list[int]) -> list[int]:
    terms = all_terms[all_terms["matrix"] == matrix]
    swapped = np.zeros(len(terms), dtype=COEF_DTYPE)
    swapped["constraint"], swapped["signal"] = terms["signal"], terms["constraint"]
    swapped["value"] = ints_to_array([v * MONT2 % R for v in array_to_ints(terms["value"])])
    values, _ = backend.qap_abc(swapped, ints_to_array(basis, R), cs.n_vars)
    return array_to_ints(values)


def reference_dev_setup(cs: ConstraintSystem, seed: int, backend: Backend) -> ZKey:
    """The key the old ``dev_setup(cs, seed)`` made (the same draws of the toxic waste)."""
    n = cs.domain_size()
    rng = random.Random(seed)
    tau, alpha, beta, gamma, delta = (rng.randrange(1, R) for _ in range(5))
    basis = lagrange_at(backend, n, tau)
    with_public = np.concatenate([cs.terms, public_rows(cs)])
    u, v, w = (_evaluate(backend, cs, with_public, m, basis) for m in range(3))
    k = [(beta * a + alpha * b + c) % R for a, b, c in zip(u, v, w)]
    gamma_inv, delta_inv = pow(gamma, -1, R), pow(delta, -1, R)
    odd = lagrange_at(backend, 2 * n, tau)[1::2]
    sections = [(Group.G1, u), (Group.G1, v), (Group.G2, v),
                (Group.G1, [x * delta_inv % R for x in k[cs.n_public + 1:]]), (Group.G1, [x * delta_inv % R for x in odd])]
    a, b1, b2, c, h = (backend.generator_multiples(group, scalars_array(scalars)) for group, scalars in sections)
    g1, g2 = G1Point.generator(), G2Point.generator()
    return ZKey(cs.n_vars, cs.n_public, n, g1 * alpha, g1 * beta, g2 * beta, g2 * gamma, g1 * delta, g2 * delta,
                tuple(g1 * (x * gamma_inv % R) for x in k[:cs.n_public + 1]),
                zkey_scaled(np.concatenate([cs.terms[cs.terms["matrix"] <= 1], public_rows(cs)])), a, b1, b2, c, h)


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


def _point(bases: PreparedBases):
    (affine,) = bases_to_points(bases)
    cls = G1Point if bases.group is Group.G1 else G2Point
    return cls.infinity() if affine is None else cls.from_affine(*affine)


def _circuit_hash(key: ZKey, ptau: PowersOfTau, backend: Backend) -> bytes:
    n = key.domain_size
    digest = hashlib.blake2b(digest_size=64)
    for group, points in ((Group.G1, [key.alpha1, key.beta1]), (Group.G2, [key.beta2, key.gamma2]),
                          (Group.G1, [key.delta1]), (Group.G2, [key.delta2])):
        digest.update(uncompressed(group, prepare_bases(group, [p.affine for p in points]).array, backend))
    chunk = 1 << 14
    count = -(-(n - 1) // chunk) * min(n - 1, chunk)
    powers = ptau.points(2, Group.G1, 0, count + n)
    h = [(G1Point.from_affine(*p) if p else G1Point.infinity()) for p in bases_to_points(powers)]
    h_points = [h[n + i] + (-h[i]) for i in range(count)]
    h_bases = prepare_bases(Group.G1, [p.affine for p in h_points])
    ic = prepare_bases(Group.G1, [p.affine for p in key.ic])
    for label, bases in ((len(ic), ic), (n - 1, h_bases), (len(key.c), key.c), (len(key.a), key.a),
                         (len(key.b1), key.b1), (len(key.b2), key.b2)):
        digest.update(struct.pack(">I", label))
        digest.update(uncompressed(bases.group, bases.array, backend))
    return digest.digest()


def _scaled(backend: Backend, bases: PreparedBases, k: int) -> PreparedBases:
    n = len(bases)
    return _sparse_sums(backend, bases, np.arange(n), np.arange(n), ints_to_array([k % R] * n, R), n)


def reference_ptau_setup(cs: ConstraintSystem, ptau: PowersOfTau, contribute: bool, seed: int,
                         backend: Backend, name: str = CONTRIBUTOR) -> ZKey:
    """The key the old ``ptau_setup(cs, ptau, contribute, seed)`` made: every term as a 44-byte
    record, one MSM per signal, the circuit hash over the whole key, the contribution applied to
    the whole key (its record by the same rule as ever: delta1 * delta, the transcript)."""
    n = cs.domain_size()
    tau_g1, tau_g2 = ptau.lagrange(12, Group.G1, n), ptau.lagrange(13, Group.G2, n)
    alpha_tau, beta_tau = ptau.lagrange(14, Group.G1, n), ptau.lagrange(15, Group.G1, n)
    terms = np.concatenate([cs.terms, public_rows(cs)])
    rows, signals = terms["constraint"].astype(np.int64), terms["signal"].astype(np.int64)
    matrix, values = terms["matrix"], np.ascontiguousarray(terms["value"])
    a, b = matrix == 0, matrix == 1
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
    mpc = MPCParams(_circuit_hash(key, ptau, backend))
    if not contribute:
        return replace(key, contributions=mpc.to_bytes())
    rng = random.Random(seed)
    delta, s = rng.randrange(1, R), rng.randrange(1, R)
    g1_s = g1 * s
    g1_sx = g1_s * delta
    transcript = blake2b(mpc.cs_hash, uncompressed(Group.G1, prepare_bases(Group.G1, [g1_s.affine, g1_sx.affine]).array))
    g2_spx = G2Point.from_affine(*backend.g_mul(Group.G2, hash_to_g2(transcript, backend), delta))
    record = Contribution(g1 * delta, g1_s, g1_sx, g2_spx, transcript, 0, name)
    inverse = pow(delta, -1, R)
    return replace(key, delta1=g1 * delta, delta2=g2 * delta, c=_scaled(backend, key.c, inverse),
                   h=_scaled(backend, key.h, inverse), contributions=MPCParams(mpc.cs_hash, (record,)).to_bytes())
