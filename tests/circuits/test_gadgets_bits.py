"""Bits and comparators: agreement with their twins, and rejection of cheating witnesses."""

from __future__ import annotations

import pytest

from prozchain.circuits import ConstraintError, WitnessError
from prozchain.circuits.gadgets.bits import bits_of, from_bits, pack_bits, range_check, to_bits, to_bits_strict
from prozchain.circuits.gadgets.comparators import is_equal, is_zero, less_equal, less_equal_full, less_than, less_than_full
from prozchain.circuits.testing import check_circuit
from prozchain.native.curve import R
from tests.circuits.helpers import assert_mutations_rejected, compile_fn, with_hint


def test_to_bits_and_pack_agree_with_twins(rng):
    c = compile_fn(lambda c: c.output("bits", to_bits(c.private_input("x"), 16)))
    for _ in range(5):
        x = rng.randrange(1 << 16)
        w = c.solve({"x": x})
        assert c.outputs(w)["bits"] == bits_of(x, 16) and pack_bits(bits_of(x, 16)) == x
        assert_mutations_rejected(c, w, rng)
    packed = compile_fn(lambda c: c.output("y", from_bits(to_bits(c.private_input("x"), 8))))
    assert packed.outputs(packed.solve({"x": 200}))["y"] == 200


@pytest.mark.parametrize("n", [1, 8, 64, 253])
def test_range_check_is_exact_at_the_boundary(n):
    c = compile_fn(lambda c: range_check(c.private_input("x"), n))
    check_circuit(c, valid=[{"x": 0}, {"x": (1 << n) - 1}], invalid=[{"x": 1 << n}, {"x": R - 1}])


def test_range_check_rejects_non_boolean_bits():
    c = compile_fn(lambda c: range_check(c.private_input("x"), 4))
    # 20 = 2 * 2^3 + 4: a "bit" of 2 would make the sum work
    cheat = with_hint(c, "bits", lambda v: [0, 0, 1, 2])
    with pytest.raises(ConstraintError):
        cheat.solve({"x": 20})


def test_strict_bits_reject_the_alias_x_plus_r(rng):
    c = compile_fn(lambda c: c.output("bits", to_bits_strict(c.private_input("x"))))
    for x in [0, 1, R - 1, rng.randrange(R)]:
        w = c.solve({"x": x})
        assert c.outputs(w)["bits"] == bits_of(x, 254)
    x = 5  # 5 + R < 2^254: its bits also sum to 5 mod R
    cheat = with_hint(c, "strict_bits", lambda v: bits_of(v + R, 254))
    with pytest.raises(ConstraintError, match="to_bits_strict"):
        cheat.solve({"x": x})
    assert_mutations_rejected(c, c.solve({"x": rng.randrange(R)}), rng)


def test_is_zero_and_is_equal(rng):
    c = compile_fn(lambda c: c.output("z", [is_zero(c.private_input("x")), is_equal(c.private_input("a"), c.private_input("b"))]))
    for x, a, b in [(0, 3, 3), (1, 3, 4), (R - 1, 0, R - 1), (rng.randrange(1, R), 7, 7)]:
        w = c.solve({"x": x, "a": a, "b": b})
        assert c.outputs(w)["z"] == [int(x == 0), int(a == b)]
    w = c.solve({"x": 9, "a": 1, "b": 2})
    assert_mutations_rejected(c, w, rng, samples=100)
    # at x = 0 the inverse hint is free (any value works), but the output still is not
    w0 = c.solve({"x": 0, "a": 1, "b": 1})
    out = c.signal("z").wires[0]
    bad = list(w0)
    bad[out] = 0
    assert len(c.r1cs.failing(bad))


def test_less_than_on_n_bits(rng):
    c = compile_fn(lambda c: c.output("r", [less_than(c.private_input("a"), c.private_input("b"), 32), less_equal(c.private_input("a2"), c.private_input("b2"), 32)]))
    top = (1 << 32) - 1
    pairs = [(0, 0), (0, 1), (1, 0), (top, top), (top - 1, top), (top, 0)] + [(rng.randrange(top), rng.randrange(top)) for _ in range(5)]
    for a, b in pairs:
        w = c.solve({"a": a, "b": b, "a2": a, "b2": b})
        assert c.outputs(w)["r"] == [int(a < b), int(a <= b)]
    assert_mutations_rejected(c, c.solve({"a": 5, "b": 9, "a2": 9, "b2": 5}), rng, samples=60)


def test_less_than_full_field(rng):
    def define(c):
        a, b = c.private_input("a"), c.private_input("b")
        c.output("r", [less_than_full(a, b), less_equal_full(a, b)])

    c = compile_fn(define)
    big = [0, 1, R - 1, R - 2, (R - 1) // 2, 1 << 127, (1 << 127) - 1]
    pairs = [(a, b) for a in big for b in big[:3]] + [(rng.randrange(R), rng.randrange(R)) for _ in range(3)]
    for a, b in pairs:
        assert c.outputs(c.solve({"a": a, "b": b}))["r"] == [int(a < b), int(a <= b)]
    # the cheat that n-bit comparators fall to: decompose an alias of a (a + R) instead of a
    cheat = with_hint(c, "strict_bits", lambda v: bits_of(v + R if v + R < 1 << 254 else v, 254))
    with pytest.raises(ConstraintError):
        cheat.solve({"a": 3, "b": 4})


def test_comparator_misuse_is_reported():
    with pytest.raises(Exception, match="less_than needs"):
        compile_fn(lambda c: less_than(c.private_input("a"), 1, 253))
    with pytest.raises(Exception, match="to_bits_strict"):
        compile_fn(lambda c: to_bits(c.private_input("a"), 254))
    c = compile_fn(lambda c: c.output("q", 1 / c.private_input("a")))
    with pytest.raises(WitnessError):
        c.solve({"a": 0})


def test_boolean_logic_truth_tables(rng):
    from prozchain.circuits import assert_bool
    from prozchain.circuits.gadgets.logic import and_, not_, or_, xor

    def define(c):
        a, b = c.private_input("a"), c.private_input("b")
        assert_bool(a)
        assert_bool(b)
        c.output("g", [not_(a), and_(a, b), or_(a, b), xor(a, b)])

    c = compile_fn(define)
    for a in (0, 1):
        for b in (0, 1):
            w = c.solve({"a": a, "b": b})
            assert c.outputs(w)["g"] == [1 - a, a & b, a | b, a ^ b]
            assert_mutations_rejected(c, w, rng)
    check_circuit(c, invalid=[{"a": 2, "b": 0}])
