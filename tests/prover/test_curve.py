"""G1Point and G2Point: validation with named checks, operators, and py_ecc interop."""

from __future__ import annotations

import pytest
from py_ecc import bn128
from py_ecc import optimized_bn128 as bn

from prozchain.native.curve import P, R, Group
from prozchain.native.errors import InvalidPointError
from prozchain.prover import Fr, G1Point, G2Point
from prozchain.prover.twist import twist_point_outside_g2
from tests import oracle

CLASSES = {Group.G1: G1Point, Group.G2: G2Point}


@pytest.fixture(params=[Group.G1, Group.G2])
def group(request):
    return request.param


def random_point(group, rng):
    return CLASSES[group].from_py_ecc(bn.multiply(oracle.GENERATOR[group], rng.randrange(1, R)))


def test_operators_match_py_ecc(prover_backend, group, rng):
    cls = CLASSES[group]
    a, b = random_point(group, rng), random_point(group, rng)
    k = rng.randrange(-(2**300), 2**300)
    assert a + b == cls.from_py_ecc(bn.add(a.to_py_ecc(), b.to_py_ecc()))
    assert a - b == cls.from_py_ecc(bn.add(a.to_py_ecc(), bn.neg(b.to_py_ecc())))
    assert -a == cls.from_py_ecc(bn.neg(a.to_py_ecc()))
    assert (k * a).affine == (a * k).affine == oracle.multiply(group, a.affine, k)
    assert a * Fr(5) == 5 * a == a + a + a + a + a


def test_infinity(prover_backend, group, rng):
    cls = CLASSES[group]
    a, inf = random_point(group, rng), cls.infinity()
    assert inf.is_infinity and not a.is_infinity
    assert a + inf == inf + a == a
    assert (a - a) == inf == -inf == inf + inf == 0 * a == R * a == 7 * inf
    assert inf.validate() is inf


def test_equality_and_hash(prover_backend, rng):
    g = G1Point.generator()
    assert g == G1Point.from_affine(1, 2)
    assert hash(g + g) == hash(2 * g)
    assert len({g, 2 * g, g + g}) == 2
    assert G1Point.infinity() != G2Point.infinity()
    with pytest.raises(TypeError):
        g + G2Point.generator()


def test_points_are_immutable_and_built_by_classmethods():
    g = G1Point.generator()
    with pytest.raises(AttributeError):
        g.affine = None
    with pytest.raises(TypeError, match="from_affine"):
        G1Point(1, 2)


def test_py_ecc_conversions_both_flavours(prover_backend, group, rng):
    cls = CLASSES[group]
    k = rng.randrange(1, R)
    point = k * cls.generator()
    optimized = bn.multiply(oracle.GENERATOR[group], k)
    affine = bn128.multiply(bn128.G1 if group is Group.G1 else bn128.G2, k)
    assert bn.eq(point.to_py_ecc(), optimized)
    assert point.to_py_ecc(optimized=False) == affine
    assert cls.from_py_ecc(optimized) == cls.from_py_ecc(affine) == point
    assert bn.is_inf(cls.infinity().to_py_ecc())
    assert cls.infinity().to_py_ecc(optimized=False) is None
    infinity = bn.Z1 if group is Group.G1 else bn.Z2
    assert cls.from_py_ecc(None) == cls.from_py_ecc(infinity) == cls.infinity()


def test_py_ecc_generators_are_ours(prover_backend):
    assert G1Point.from_py_ecc(bn128.G1) == G1Point.from_py_ecc(bn.G1) == G1Point.generator()
    assert G2Point.from_py_ecc(bn128.G2) == G2Point.from_py_ecc(bn.G2) == G2Point.generator()


# -- validation ---------------------------------------------------------------------------
G2X, G2Y = G2Point.generator().affine


@pytest.mark.parametrize(
    "cls, coordinates, name",
    [
        (G1Point, (P, 2), "x"),
        (G1Point, (1, P + 2), "y"),
        (G1Point, (-1, 2), "x"),
        (G2Point, ((G2X[0], G2X[1] + P), G2Y), "x.c1"),
        (G2Point, (G2X, (G2Y[0] + P, G2Y[1])), "y.c0"),
    ],
)
def test_non_canonical_coordinates_are_named(prover_backend, cls, coordinates, name):
    with pytest.raises(InvalidPointError, match=rf"coordinate {name} = -?\d+ is not canonical"):
        cls.from_affine(*coordinates)


@pytest.mark.parametrize(
    "cls, coordinates, problem",
    [
        (G1Point, (1.0, 2), "coordinate x = 1.0 is not canonical"),
        (G2Point, (1, 2), "coordinate x = 1 must be a pair"),
        (G2Point, ((1, 2, 3), G2Y), "must be a pair"),
    ],
)
def test_malformed_coordinates_are_refused(prover_backend, cls, coordinates, problem):
    with pytest.raises(InvalidPointError, match=problem):
        cls.from_affine(*coordinates)


def test_off_curve_points_are_refused(prover_backend):
    with pytest.raises(InvalidPointError, match=r"G1 point \(1, 3\) is not on the curve"):
        G1Point.from_affine(1, 3)
    with pytest.raises(InvalidPointError, match="G2 point .* is not on the curve"):
        G2Point.from_affine(G2X, (G2Y[0], (G2Y[1] + 1) % P))
    with pytest.raises(InvalidPointError, match="not on the curve"):
        G1Point.from_py_ecc((bn.FQ(1), bn.FQ(3), bn.FQ(1)))


def test_twist_points_outside_g2_are_refused(prover_backend, rng):
    x, y = twist_point_outside_g2(rng)
    with pytest.raises(InvalidPointError, match="on the curve but not in the subgroup of order R"):
        G2Point.from_affine(x, y)
    with pytest.raises(InvalidPointError, match="not in the subgroup"):
        G2Point.from_py_ecc((bn.FQ2(x), bn.FQ2(y), bn.FQ2.one()))


def test_points_of_the_other_group_are_refused(prover_backend):
    with pytest.raises(InvalidPointError, match="must be a pair"):
        G2Point.from_py_ecc(bn.G1)
    with pytest.raises(InvalidPointError, match="not canonical"):
        G1Point.from_py_ecc(bn.G2)
