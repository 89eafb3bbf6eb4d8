"""256-bit words in limbs: agreement with Python's arithmetic mod 2^256, and rejection of
cheating witnesses (any computed wire changed, and provers whose hints lie)."""

from __future__ import annotations

import random

import pytest

from prozchain.circuits.gadgets.uint256 import (BASE, WORD, add, bitwise, divmod_words, limbs_of, mul_lo, power_of_two,
                                                sub, word_bits, word_input, word_of)
from prozchain.circuits.testing import assert_rejects
from tests.circuits.helpers import assert_mutations_rejected, compile_fn, with_hint

EDGES = [0, 1, 2, BASE - 1, BASE, WORD - 1, WORD // 2, 3 * BASE**2 + 7]


def _ops(c):
    x = word_input(c.public_input("x", 4))
    y = word_input(c.public_input("y", 4))
    s, carry = add(x, y)
    d, borrow = sub(x, y)
    q, r = divmod_words(x, y)
    both, either, differ = bitwise(word_bits(x), word_bits(y))
    c.output("sum", s), c.output("carry", carry), c.output("diff", d), c.output("borrow", borrow)
    c.output("prod", mul_lo(x, y)), c.output("q", q), c.output("r", r)
    c.output("and", both), c.output("or", either), c.output("xor", differ)


@pytest.fixture(scope="module")
def ops():
    return compile_fn(_ops, "Ops")


def _pairs(rng: random.Random, n: int) -> list[tuple[int, int]]:
    values = EDGES + [rng.randrange(WORD) for _ in range(n)] + [rng.randrange(BASE) for _ in range(n)]
    return [(a, b) for a in values for b in values if rng.random() < 0.15] + [(5, 0), (0, 0), (WORD - 1, WORD - 1)]


def test_every_operation_agrees_with_python(ops, rng):
    for x, y in _pairs(rng, 6):
        out = ops.outputs(ops.solve({"x": limbs_of(x), "y": limbs_of(y)}))
        got = {k: word_of(v) if isinstance(v, list) else int(v) for k, v in out.items()}
        q, r = (x // y, x % y) if y else (0, 0)
        assert got == {"sum": (x + y) % WORD, "carry": int(x + y >= WORD), "diff": (x - y) % WORD,
                       "borrow": int(x < y), "prod": x * y % WORD, "q": q, "r": r,
                       "and": x & y, "or": x | y, "xor": x ^ y}, (x, y)


@pytest.mark.parametrize("x, y", [(WORD - 1, 3), (12345, 0), (2**200 + 17, 2**64 + 1)])
def test_any_changed_computed_wire_is_rejected(ops, rng, x, y):
    witness = ops.solve({"x": limbs_of(x), "y": limbs_of(y)})
    assert_mutations_rejected(ops, witness, rng, samples=60)


def test_a_limb_at_or_above_2_64_is_not_a_word():
    compiled = compile_fn(lambda c: c.output("w", word_input(c.public_input("x", 4))), "In")
    assert_rejects(compiled, {"x": [BASE, 0, 0, 0]})


def test_a_lying_division_hint_is_rejected(ops):
    """q - 1 and r + y also satisfy q * y + r = x: only ``r < y`` tells them apart."""
    x, y = 10**30 + 7, 10**9

    def lie(*v):
        true_q, true_r = word_of(v[:4]) // word_of(v[4:]), word_of(v[:4]) % word_of(v[4:])
        return limbs_of(true_q - 1) + limbs_of(true_r + word_of(v[4:]))
    assert_rejects(with_hint(ops, "quotient_remainder", lie), {"x": limbs_of(x), "y": limbs_of(y)})


@pytest.mark.parametrize("name", ["add_limb", "sub_limb", "mul_column"])
def test_a_carry_hint_that_wraps_is_rejected(ops, name):
    """A limb split as (low + 2^64, carry - 1) satisfies the limb equation; the range checks refuse it."""
    def lie(v):
        low, carry = int(v) % BASE, int(v) // BASE
        return [low + BASE, carry - 1] if carry else [low, carry]
    x, y = WORD - 1, WORD - 1  # every limb carries
    assert_rejects(with_hint(ops, name, lie), {"x": limbs_of(x), "y": limbs_of(y)})


def test_power_of_two_for_every_shift(rng):
    """Its bits come proven boolean (here from ``word_bits``, as the VM's shifts take them)."""
    def define(c):
        s = word_input(c.public_input("s", 4))
        c.output("p", power_of_two(word_bits(s)[:8]))
    compiled = compile_fn(define, "Pow")
    for shift in range(256):
        witness = compiled.solve({"s": limbs_of(shift)})
        assert word_of(compiled.outputs(witness)["p"]) == 1 << shift
    assert_mutations_rejected(compiled, compiled.solve({"s": limbs_of(200)}), rng, samples=60)
