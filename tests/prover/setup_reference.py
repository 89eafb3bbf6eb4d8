"""The Groth16 development setup as it was before the streamed one: Python ints throughout,
the Lagrange basis by its closed form. The oracle the differential tests compare against."""

from __future__ import annotations

import random

import numpy as np

from prozchain.native.backend import Backend
from prozchain.native.curve import R, Field, Group
from prozchain.native.kernels import COEF_DTYPE, array_to_ints, ints_to_array, scalars_array
from prozchain.prover.curve import G1Point, G2Point
from prozchain.prover.formats.zkey import ZKey
from prozchain.prover.groth16.setup import MONT2, ConstraintSystem, public_rows, zkey_scaled


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
