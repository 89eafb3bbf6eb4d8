"""The pairing and GT arithmetic of every backend, against py_ecc and the pairing's algebra.

A reference-backend pairing costs about half a second, so the algebraic properties run on one
sample there and on several with faster backends.
"""

from __future__ import annotations

import functools

import pytest

from prozchain.native.curve import GT_ONE, P, R, Group
from prozchain.native.backend import fp12_from_tower
from tests import oracle


def samples(backend, fast: int) -> int:
    return 1 if backend.name == "reference" else fast


def random_pair(rng):
    return oracle.random_point(Group.G1, rng), oracle.random_point(Group.G2, rng)


def product(backend, values):
    return functools.reduce(backend.gt_mul, values, GT_ONE)


def test_pairing_matches_py_ecc(backend, rng):
    for p, q in [(backend.g1_generator(), backend.g2_generator()), random_pair(rng)]:
        assert backend.pairing(p, q) == oracle.pairing(p, q), (p, q)


def test_bilinearity(backend, rng):
    for _ in range(samples(backend, 6)):
        p, q = random_pair(rng)
        a, b = rng.randrange(1, R), rng.randrange(1, R)
        e = backend.pairing(p, q)
        ab_p = backend.g_mul(Group.G1, p, a * b)
        ab_q = backend.g_mul(Group.G2, q, a * b)
        expected = backend.gt_pow(e, a * b)
        pairing_ab = backend.pairing(backend.g_mul(Group.G1, p, a), backend.g_mul(Group.G2, q, b))
        assert pairing_ab == expected, (p, q, a, b)
        assert backend.pairing(ab_p, q) == expected, (p, q, a, b)
        assert backend.pairing(p, ab_q) == expected, (p, q, a, b)


def test_non_degenerate_and_of_order_r(backend):
    e = backend.pairing(backend.g1_generator(), backend.g2_generator())
    assert e != GT_ONE
    assert backend.gt_pow(e, R) == GT_ONE


def test_pairing_with_infinity_is_one(backend, rng):
    p, q = random_pair(rng)
    assert backend.pairing(p, None) == GT_ONE
    assert backend.pairing(None, q) == GT_ONE
    assert backend.pairing(None, None) == GT_ONE
    assert backend.multi_pairing([]) == GT_ONE
    assert backend.multi_pairing([(None, q), (p, q), (p, None)]) == backend.pairing(p, q)


def test_multi_pairing_is_the_product_of_pairings(backend, rng):
    pairs = [random_pair(rng) for _ in range(samples(backend, 4) + 1)]
    expected = product(backend, [backend.pairing(p, q) for p, q in pairs])
    assert backend.multi_pairing(pairs) == expected, pairs


def test_pairing_check(backend, rng):
    for _ in range(samples(backend, 4)):
        p, q = random_pair(rng)
        a, b = rng.randrange(1, R), rng.randrange(1, R)
        a_p, b_q = backend.g_mul(Group.G1, p, a), backend.g_mul(Group.G2, q, b)
        minus_ab_p = backend.g_mul(Group.G1, p, -a * b)
        assert backend.pairing_check([(a_p, b_q), (minus_ab_p, q)]), (p, q, a, b)
        tampered = backend.g_add(Group.G1, minus_ab_p, p)
        assert not backend.pairing_check([(a_p, b_q), (tampered, q)]), (p, q, a, b)


def test_gt_arithmetic_matches_py_ecc(backend, rng):
    g = oracle.pairing(backend.g1_generator(), backend.g2_generator())
    h = oracle.gt_pow(g, rng.randrange(R))
    assert backend.gt_mul(g, h) == oracle.gt_mul(g, h)
    assert backend.gt_mul(g, GT_ONE) == g
    for e in [0, 1, 2, 3, R - 1, R, R + 1, 2**256 - 1, 2**300 + 5, rng.randrange(R)]:
        assert backend.gt_pow(g, e) == oracle.gt_pow(g, e), e


def test_gt_pow_with_negative_exponents_inverts(backend, rng):
    g = oracle.pairing(backend.g1_generator(), backend.g2_generator())
    k = rng.randrange(1, 2**300)
    assert backend.gt_pow(g, -k) == oracle.gt_pow(g, (-k) % R)
    assert backend.gt_mul(backend.gt_pow(g, -k), backend.gt_pow(g, k)) == GT_ONE
    with pytest.raises(ZeroDivisionError):
        backend.gt_pow((0,) * 12, -1)


def test_fp12_mul_matches_py_ecc(backend, rng):
    """gt_mul is plain Fp12 multiplication, also for values outside GT."""
    edge = [tuple([P - 1] * 12), GT_ONE, (0,) * 12, (0, 1) + (0,) * 10]
    # extremes in the C core's own tower coordinates too, where the reductions happen
    edge += [fp12_from_tower([v] * 12) for v in (P - 1, P - 2, 1)]
    edge += [fp12_from_tower([P - 1, 0] * 6), fp12_from_tower([0, P - 1] * 6)]
    randoms = [tuple(rng.randrange(P) for _ in range(12)) for _ in range(6)]
    values = edge + randoms
    for a in values:
        for b in values:
            assert backend.gt_mul(a, b) == oracle.gt_mul(a, b), (a, b)
