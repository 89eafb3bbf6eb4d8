"""Comparators: is-zero, is-equal, less-than / less-or-equal on n-bit values and on full field elements.

Constraint counts: ``is_zero`` 2, ``is_equal`` 2, ``less_than(a, b, n)`` n + 2 (a and b must be
known to fit in n bits, n <= 252), ``less_equal`` n + 2, ``less_than_full`` 2*508 + 2*129 + 2 + 1
= 1277 (any field elements, compared as canonical integers in [0, R)).

>>> from prozchain.circuits import Circuit
>>> class Lt(Circuit):
...     def define(self):
...         a, b = self.private_input("a"), self.private_input("b")
...         self.output("lt", less_than(a, b, 8))
>>> c = Lt().compile()
>>> [c.outputs(c.solve({"a": a, "b": b}))["lt"] for a, b in [(3, 5), (5, 5), (200, 7)]]
[1, 0, 0]
"""

from __future__ import annotations

from prozchain.native.curve import R

from prozchain.circuits.api import assert_mul, gadget, hint, inverse_or_zero
from prozchain.circuits.errors import CircuitError
from prozchain.circuits.gadgets.bits import FIELD_BITS, from_bits, to_bits, to_bits_strict
from prozchain.circuits.lc import Value, Var, lift

HALF = 127  # full-field comparison splits 254 bits into two halves of 127


def is_zero_value(x: int) -> int:
    return int(x % R == 0)


@gadget("is_zero")
def is_zero(x: Value) -> Var:
    """1 if ``x == 0`` else 0: 2 constraints (``x * inv = 1 - out`` and ``x * out = 0``)."""
    x = lift(x)
    (inv,) = hint(inverse_or_zero, [x], name="inverse_or_zero")
    out = 1 - x * inv
    assert_mul(x, out, 0)
    return out


@gadget("is_equal")
def is_equal(a: Value, b: Value) -> Var:
    """1 if ``a == b`` else 0: 2 constraints."""
    return is_zero(lift(a) - b)


@gadget(lambda a, b, n: f"less_than({n})")
def less_than(a: Value, b: Value, n: int) -> Var:
    """1 if ``a < b`` else 0, for a, b already known to be below 2^n: n + 2 constraints.

    ``a + 2^n - b`` lies in [1, 2^(n+1)); its bit n is 1 exactly when a >= b.
    """
    if not 0 < n <= FIELD_BITS - 2:
        raise CircuitError(f"less_than needs 0 < n <= {FIELD_BITS - 2}, got {n}")
    bits = to_bits(lift(a) + (1 << n) - b, n + 1)
    return 1 - bits[n]


def less_equal(a: Value, b: Value, n: int) -> Var:
    """1 if ``a <= b`` else 0 (a, b below 2^n): n + 2 constraints."""
    return less_than(a, lift(b) + 1, n + 1) if n < FIELD_BITS - 2 else 1 - less_than(b, a, n)


@gadget("less_than_full")
def less_than_full(a: Value, b: Value) -> Var:
    """1 if ``a < b`` as integers in [0, R), for any field elements: 1277 constraints.

    Each side is decomposed canonically, split into 127-bit halves (exact integers, no
    wrap-around), and compared high half first.
    """
    a_bits, b_bits = to_bits_strict(a), to_bits_strict(b)
    a_lo, a_hi = from_bits(a_bits[:HALF]), from_bits(a_bits[HALF:])
    b_lo, b_hi = from_bits(b_bits[:HALF]), from_bits(b_bits[HALF:])
    hi_lt = less_than(a_hi, b_hi, HALF)
    lo_lt = less_than(a_lo, b_lo, HALF)
    return hi_lt + is_equal(a_hi, b_hi) * lo_lt


def less_equal_full(a: Value, b: Value) -> Var:
    """1 if ``a <= b`` as integers in [0, R): 1277 constraints."""
    return 1 - less_than_full(b, a)
