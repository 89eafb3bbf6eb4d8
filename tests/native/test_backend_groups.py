"""G1 and G2 arithmetic of every backend against py_ecc.optimized_bn128."""

from __future__ import annotations

import pytest
from py_ecc import optimized_bn128 as bn

from prozchain.native import get_backend
from prozchain.native.curve import P, R, Group
from prozchain.native.errors import InvalidFieldElementError
from prozchain.native.reference import from_py_ecc, to_py_ecc
from prozchain.prover.twist import twist_point_outside_g2
from tests import oracle

GROUPS = [Group.G1, Group.G2]


def generator(backend, group):
    return backend.g1_generator() if group is Group.G1 else backend.g2_generator()


def off_curve(point):
    """``point`` with y moved by one: the same x, off the curve."""
    x, y = point
    return (x, (y + 1) % P) if isinstance(y, int) else (x, ((y[0] + 1) % P, y[1]))


@pytest.mark.parametrize("group", GROUPS)
def test_generators_are_py_eccs(backend, group):
    assert generator(backend, group) == from_py_ecc(oracle.GENERATOR[group])


@pytest.mark.parametrize("group", GROUPS)
def test_conversion_to_py_ecc_round_trips(group, rng):
    for point in [None, oracle.random_point(group, rng)]:
        assert from_py_ecc(to_py_ecc(group, point)) == point
    doubled = bn.double(oracle.GENERATOR[group])  # z != 1
    assert bn.eq(to_py_ecc(group, from_py_ecc(doubled)), doubled)


@pytest.mark.parametrize("group", GROUPS)
def test_add_matches_py_ecc(backend, group, rng):
    points = [generator(backend, group)] + [oracle.random_point(group, rng) for _ in range(6)]
    for a in points:
        for b in points:
            assert backend.g_add(group, a, b) == oracle.add(group, a, b), (a, b)


@pytest.mark.parametrize("group", GROUPS)
def test_add_edge_cases(backend, group, rng):
    p = oracle.random_point(group, rng)
    minus_p = backend.g_neg(group, p)
    assert minus_p == oracle.multiply(group, p, -1)
    assert backend.g_add(group, p, p) == backend.g_double(group, p) == oracle.multiply(group, p, 2)
    assert backend.g_add(group, p, minus_p) is None
    assert backend.g_add(group, minus_p, p) is None
    assert backend.g_add(group, p, None) == backend.g_add(group, None, p) == p
    assert backend.g_add(group, None, None) is None
    assert backend.g_double(group, None) is None
    assert backend.g_neg(group, None) is None
    assert backend.g_neg(group, minus_p) == p


@pytest.mark.parametrize("group", GROUPS)
def test_double_matches_py_ecc(backend, group, rng):
    for p in [generator(backend, group)] + [oracle.random_point(group, rng) for _ in range(5)]:
        assert backend.g_double(group, p) == oracle.multiply(group, p, 2), p


SCALARS = [0, 1, 2, 3, R - 2, R - 1, R, R + 1, 2 * R, P, 2**64 - 1, 2**64, 2**255 - 19,
           2**256 - 1, 2**300 + 1, -1, -2, -R, -(R - 1), -(2**256 + 5)]


@pytest.mark.parametrize("group", GROUPS)
def test_mul_matches_py_ecc(backend, group, rng):
    scalars = SCALARS + [rng.randrange(R) for _ in range(4)] + [rng.randrange(-2**300, 2**300)]
    for p in [generator(backend, group), oracle.random_point(group, rng)]:
        for k in scalars:
            assert backend.g_mul(group, p, k) == oracle.multiply(group, p, k), (p, k)
    for k in SCALARS:
        assert backend.g_mul(group, None, k) is None, k


@pytest.mark.parametrize("group", GROUPS)
def test_mul_by_order_and_beyond(backend, group, rng):
    p = oracle.random_point(group, rng)
    k = rng.randrange(R)
    assert backend.g_mul(group, p, R) is None
    assert backend.g_mul(group, p, k + R) == backend.g_mul(group, p, k)
    assert backend.g_mul(group, p, -k) == backend.g_neg(group, backend.g_mul(group, p, k))


@pytest.mark.parametrize("group", GROUPS)
def test_on_curve(backend, group, rng):
    p = oracle.random_point(group, rng)
    assert backend.is_on_curve(group, None)
    assert backend.is_on_curve(group, generator(backend, group))
    assert backend.is_on_curve(group, p)
    assert not backend.is_on_curve(group, off_curve(p))
    assert not backend.is_on_curve(group, off_curve(generator(backend, group)))


@pytest.mark.parametrize("group", GROUPS)
def test_subgroup_members(backend, group, rng):
    assert backend.in_subgroup(group, None)
    assert backend.in_subgroup(group, generator(backend, group))
    assert backend.in_subgroup(group, oracle.random_point(group, rng))


def test_twist_points_outside_g2_are_rejected(backend, rng):
    for _ in range(3):
        q = twist_point_outside_g2(rng)
        assert bn.is_on_curve(to_py_ecc(Group.G2, q), bn.b2)
        assert oracle.multiply(Group.G2, q, R) is not None  # order does not divide R
        assert backend.is_on_curve(Group.G2, q), q
        assert not backend.in_subgroup(Group.G2, q), q
        assert backend.g_mul(Group.G2, q, R) == oracle.multiply(Group.G2, q, R), q


def jacobian(group, point, z):
    """Jacobian (X, Y, Z) coordinates, X = x*z^2 and Y = y*z^3, in the interface's ints."""
    field = bn.FQ if group is Group.G1 else bn.FQ2
    x, y, _ = to_py_ecc(group, point)
    z = field(z)
    return as_ints(x * z**2), as_ints(y * z**3), as_ints(z)


def as_ints(c):
    return tuple(c.coeffs) if isinstance(c, bn.FQ2) else c.n


def random_z(group, rng):
    return rng.randrange(1, P) if group is Group.G1 else (rng.randrange(P), rng.randrange(1, P))


@pytest.mark.parametrize("group", GROUPS)
def test_batch_to_affine(backend, group, rng):
    points = [oracle.random_point(group, rng) for _ in range(6)]
    one = 1 if group is Group.G1 else (1, 0)
    zero = 0 if group is Group.G1 else (0, 0)
    triples = [jacobian(group, p, random_z(group, rng)) for p in points]
    triples[2] = jacobian(group, points[2], one)
    expected = list(points)
    for i in (0, 4):  # Z = 0 stands for infinity whatever X and Y are
        triples[i] = (triples[i][0], triples[i][1], zero)
        expected[i] = None
    assert backend.batch_to_affine(group, triples) == expected
    assert backend.batch_to_affine(group, []) == []
    assert backend.batch_to_affine(group, [(one, one, zero)]) == [None]


@pytest.mark.parametrize("group", GROUPS)
def test_non_canonical_coordinates_are_refused(backend, group):
    g = generator(backend, group)
    x, y = g
    shifted = (x, y + P) if group is Group.G1 else (x, (y[0], y[1] + P))
    one = 1 if group is Group.G1 else (1, 0)
    calls = [
        lambda: backend.g_add(group, g, shifted),
        lambda: backend.g_double(group, shifted),
        lambda: backend.g_neg(group, shifted),
        lambda: backend.g_mul(group, shifted, 3),
        lambda: backend.is_on_curve(group, shifted),
        lambda: backend.batch_to_affine(group, [(*shifted, one)]),
    ]
    for call in calls:
        with pytest.raises(InvalidFieldElementError):
            call()


def test_g2_subgroup_check_on_torsion_mixtures(backend, rng):
    """The endomorphism test (ePrint 2022/348) against the order of each point, on the points a
    shortcut could get wrong: pure cofactor torsion [R]Q, G2 points plus torsion, and [h]Q,
    which is in G2 for the twist's cofactor h = 2P - R."""
    ref = get_backend("reference")
    cofactor = 2 * P - R
    for _ in range(3):
        q = twist_point_outside_g2(rng)
        torsion = ref.g_mul(Group.G2, q, R)
        member = oracle.random_point(Group.G2, rng)
        cleared = ref.g_mul(Group.G2, q, cofactor)
        assert ref.g_mul(Group.G2, cleared, R) is None  # the oracle's view: [h]Q has order R
        assert not backend.in_subgroup(Group.G2, torsion), torsion
        assert not backend.in_subgroup(Group.G2, ref.g_add(Group.G2, member, torsion))
        assert backend.in_subgroup(Group.G2, cleared)
        assert backend.in_subgroup(Group.G2, ref.g_neg(Group.G2, cleared))
