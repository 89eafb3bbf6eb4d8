"""Fp and Fr arithmetic of every backend against Python ints, plus the field axioms."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.native.curve import MODULI, P, Field
from prozchain.native.errors import InvalidFieldElementError
from tests.oracle import field_edge_values

FIELDS = [Field.FP, Field.FR]
BINARY = {
    "add": lambda a, b, m: (a + b) % m,
    "sub": lambda a, b, m: (a - b) % m,
    "mul": lambda a, b, m: a * b % m,
}


def sample(field, rng, count=50):
    """The field's edge values followed by ``count`` random elements."""
    m = MODULI[field]
    return field_edge_values(field) + [rng.randrange(m) for _ in range(count)]


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("field", FIELDS)
def test_binary_ops_match_ints(backend, field, op, rng):
    m = MODULI[field]
    values = sample(field, rng)
    for a, b in itertools.product(values, repeat=2):
        assert getattr(backend, op)(field, a, b) == BINARY[op](a, b, m), (op, a, b)


@pytest.mark.parametrize("field", FIELDS)
def test_unary_ops_match_ints(backend, field, rng):
    m = MODULI[field]
    for a in sample(field, rng, 200):
        assert backend.neg(field, a) == -a % m, a
        assert backend.sqr(field, a) == a * a % m, a
        if a:
            assert backend.inv(field, a) == pow(a, -1, m), a


@pytest.mark.parametrize("field", FIELDS)
def test_inverse_on_shapes_that_steer_the_divsteps(c, field, rng):
    """The C inversion (Bernstein-Yang divsteps, which skip runs of zero bits) on powers of two
    and their neighbours, values just below the modulus, long runs of ones or zeros inside,
    and a few thousand random elements, against Python's pow."""
    m = MODULI[field]
    values = [2**k + d for k in range(254) for d in (-1, 0, 1)]
    values += [m - 2**k for k in range(0, 254, 3)] + [m - d for d in range(1, 40)]
    values += [(2**j - 1) << i for i in range(0, 250, 25) for j in range(1, 254 - i, 17)]
    values += [rng.randrange(m) for _ in range(3000)]
    for a in values:
        a %= m
        if a:
            assert c.inv(field, a) == pow(a, -1, m), a


@pytest.mark.parametrize("field", FIELDS)
def test_inverse_of_zero_raises(backend, field):
    with pytest.raises(ZeroDivisionError):
        backend.inv(field, 0)


@pytest.mark.parametrize("field", FIELDS)
def test_pow_matches_ints(backend, field, rng):
    m = MODULI[field]
    exponents = [0, 1, 2, 3, m - 2, m - 1, m, m + 1, 2**256 - 1, 2**300 + 7] + [
        rng.randrange(2**260) for _ in range(10)
    ]
    for a in field_edge_values(field) + [rng.randrange(m) for _ in range(5)]:
        for e in exponents:
            assert backend.pow(field, a, e) == pow(a, e, m), (a, e)
    assert backend.pow(field, 0, 0) == 1


def test_sqrt_of_squares_is_the_smaller_root(backend, rng):
    for a in field_edge_values(Field.FP) + [rng.randrange(P) for _ in range(100)]:
        assert backend.sqrt(a * a % P) == min(a, P - a), a


def test_sqrt_of_non_residues_is_none(backend, rng):
    non_residues = [P - 1, 3 * 3 * (P - 1) % P]
    while len(non_residues) < 50:
        a = rng.randrange(P)
        if pow(a, (P - 1) // 2, P) == P - 1:  # Euler's criterion
            non_residues.append(a)
    for a in non_residues:
        assert backend.sqrt(a) is None, a


@pytest.mark.parametrize("field", FIELDS)
def test_batch_inv_matches_single_inverses(backend, field, rng):
    m = MODULI[field]
    for size in [0, 1, 2, 17]:
        values = [rng.randrange(1, m) for _ in range(size)]
        assert backend.batch_inv(field, values) == [pow(v, -1, m) for v in values], values
    edge = [v for v in field_edge_values(field) if v]
    assert backend.batch_inv(field, edge) == [pow(v, -1, m) for v in edge]


@pytest.mark.parametrize("field", FIELDS)
def test_batch_inv_with_a_zero_raises(backend, field):
    with pytest.raises(ZeroDivisionError):
        backend.batch_inv(field, [1, 2, 0, 3])


@pytest.mark.parametrize("field", FIELDS)
def test_non_canonical_inputs_are_refused(backend, field):
    m = MODULI[field]
    calls = [
        lambda v: backend.add(field, v, 1),
        lambda v: backend.sub(field, 1, v),
        lambda v: backend.mul(field, v, 1),
        lambda v: backend.neg(field, v),
        lambda v: backend.sqr(field, v),
        lambda v: backend.inv(field, v),
        lambda v: backend.pow(field, v, 2),
        lambda v: backend.batch_inv(field, [1, v]),
    ]
    if field is Field.FP:
        calls.append(backend.sqrt)
    for bad in [m, m + 1, 2**256 - 1, -1]:
        for call in calls:
            with pytest.raises(InvalidFieldElementError):
                call(bad)


@pytest.mark.parametrize("field", FIELDS)
def test_negative_exponents_are_refused(backend, field):
    with pytest.raises(ValueError, match="negative exponent"):
        backend.pow(field, 2, -1)


# -- field axioms -------------------------------------------------------------------------
def draw(data, field, count):
    m = MODULI[field]
    element = st.one_of(st.sampled_from(field_edge_values(field)), st.integers(0, m - 1))
    return [data.draw(element) for _ in range(count)]


axioms = settings(max_examples=60, deadline=None)


@pytest.mark.parametrize("field", FIELDS)
@axioms
@given(data=st.data())
def test_add_and_mul_are_commutative_and_associative(backend, field, data):
    a, b, c = draw(data, field, 3)
    add, mul = backend.add, backend.mul
    assert add(field, a, b) == add(field, b, a)
    assert mul(field, a, b) == mul(field, b, a)
    assert add(field, add(field, a, b), c) == add(field, a, add(field, b, c))
    assert mul(field, mul(field, a, b), c) == mul(field, a, mul(field, b, c))


@pytest.mark.parametrize("field", FIELDS)
@axioms
@given(data=st.data())
def test_mul_distributes_over_add(backend, field, data):
    a, b, c = draw(data, field, 3)
    left = backend.mul(field, a, backend.add(field, b, c))
    right = backend.add(field, backend.mul(field, a, b), backend.mul(field, a, c))
    assert left == right


@pytest.mark.parametrize("field", FIELDS)
@axioms
@given(data=st.data())
def test_identities_and_inverses(backend, field, data):
    [a] = draw(data, field, 1)
    assert backend.add(field, a, 0) == a
    assert backend.mul(field, a, 1) == a
    assert backend.add(field, a, backend.neg(field, a)) == 0
    assert backend.sub(field, a, a) == 0
    assert backend.sqr(field, a) == backend.mul(field, a, a)
    if a:
        assert backend.mul(field, a, backend.inv(field, a)) == 1
