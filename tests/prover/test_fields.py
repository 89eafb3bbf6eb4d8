"""Fp and Fr element types: canonical-range validation and operators mapped onto the backend."""

from __future__ import annotations

import pytest

from prozchain.native.curve import P, R
from prozchain.native.errors import InvalidFieldElementError
from prozchain.prover import Fp, Fr


@pytest.mark.parametrize("cls", [Fp, Fr], ids=["Fp", "Fr"])
def test_non_canonical_values_are_refused(cls):
    for value in [-1, cls.modulus, cls.modulus + 1, 2**256]:
        message = f"{cls.__name__} element {value} is not canonical"
        with pytest.raises(InvalidFieldElementError, match=message):
            cls(value)


@pytest.mark.parametrize("bad", [1.0, "1", True, None])
def test_non_ints_are_refused(bad):
    with pytest.raises(InvalidFieldElementError, match="must be an int"):
        Fr(bad)


def test_fp_and_fr_do_not_mix(prover_backend):
    with pytest.raises(TypeError):
        Fp(1) + Fr(1)


@pytest.mark.parametrize("cls, m", [(Fp, P), (Fr, R)], ids=["Fp", "Fr"])
def test_operators_match_ints(prover_backend, cls, m, rng):
    a, b = rng.randrange(1, m), rng.randrange(1, m)
    x, y = cls(a), cls(b)
    assert x + y == (a + b) % m and a + y == x + b
    assert x - y == (a - b) % m and a - y == x - b
    assert x * y == a * b % m and a * y == x * b
    assert x / y == a * pow(b, -1, m) % m and a / y == x / b
    assert -x == -a % m
    assert x**5 == pow(a, 5, m)
    assert x**-3 == pow(a, -3, m)
    assert x.inv() * x == 1
    assert cls.batch_inv([x, b]) == [x.inv(), y.inv()]
    assert int(x) == a and hash(x) == hash(a)


def test_zero_has_no_inverse(prover_backend):
    with pytest.raises(ZeroDivisionError):
        Fr(0).inv()
    with pytest.raises(ZeroDivisionError):
        Fr(1) / 0


def test_sqrt(prover_backend):
    assert Fp(9).sqrt() == 3
    assert Fp(P - 1).sqrt() is None


def test_elements_are_immutable():
    with pytest.raises(AttributeError):
        Fr(1).n = 2
