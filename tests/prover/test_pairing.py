"""pairing, multi_pairing and pairing_check on the prover's types, and the GT value type."""

from __future__ import annotations

import pytest

from prozchain.native.curve import P, R
from prozchain.native.errors import InvalidFieldElementError
from prozchain.prover import GT, G1Point, G2Point, multi_pairing, pairing, pairing_check
from tests import oracle

G1, G2 = G1Point.generator(), G2Point.generator()


@pytest.fixture(scope="module")
def e():
    """e(G1, G2) by py_ecc: the GT value the tests below start from."""
    return GT(oracle.pairing(G1.affine, G2.affine))


def test_pairing_is_py_eccs_with_arguments_swapped(prover_backend, e):
    assert pairing(G1, G2) == e
    assert GT.from_py_ecc(e.to_py_ecc()) == e


def test_gt_operators(prover_backend, e, rng):
    a, b = rng.randrange(R), rng.randrange(R)
    assert e**a * e**b == e ** (a + b)
    assert (e**a).to_py_ecc() == e.to_py_ecc() ** a
    assert e**-a * e**a == GT.one()
    assert e**R == e**0 == GT.one()
    assert hash(e**2) == hash(e * e)


def test_multi_pairing_and_check(prover_backend, rng):
    a, b = rng.randrange(1, R), rng.randrange(1, R)
    pairs = [(a * G1, b * G2), (-(a * b) * G1, G2)]
    assert pairing_check(pairs)
    assert not pairing_check([(a * G1, b * G2), ((-(a * b) + 1) * G1, G2)])
    assert multi_pairing([]) == GT.one()
    assert pairing(G1Point.infinity(), G2) == GT.one()


def test_pairing_arguments_are_checked(prover_backend):
    with pytest.raises(TypeError, match="G1 comes first"):
        pairing(G2, G1)
    with pytest.raises(TypeError, match="pair 1"):
        multi_pairing([(G1, G2), (G1, G1)])


@pytest.mark.parametrize(
    "coeffs, problem",
    [
        ((1,) * 11, "12 coefficients, not 11"),
        ((0,) * 11 + (P,), r"coefficient 11 = \d+ is not canonical"),
    ],
    ids=["too-short", "non-canonical"],
)
def test_gt_values_are_checked(coeffs, problem):
    with pytest.raises(InvalidFieldElementError, match=problem):
        GT(coeffs)
