"""Bit decomposition with range check, strict (canonical) decomposition of full field elements, packing.

Constraint counts: ``to_bits(x, n)`` n + 1; ``range_check(x, n)`` n + 1; ``from_bits`` 0;
``to_bits_strict(x)`` 254 + 1 + 253 = 508 (the bits, their sum, and a check that they
spell an integer below R, so each field element has exactly one decomposition);
``assert_bits_below(bits, bound)`` about one per bit.

>>> from prozchain.circuits import Circuit
>>> class Nibble(Circuit):
...     def define(self):
...         self.output("bits", to_bits(self.private_input("x"), 4))
>>> c = Nibble().compile()
>>> c.r1cs.n_constraints - 4        # minus the 4 output-defining constraints
5
>>> c.outputs(c.solve({"x": 6}))["bits"] == bits_of(6, 4)
True
"""

from __future__ import annotations

from prozchain.native.curve import R

from prozchain.circuits.api import assert_bool, assert_equal, assert_mul, gadget, hint
from prozchain.circuits.errors import CircuitError
from prozchain.circuits.lc import Value, Var, linear_sum

FIELD_BITS = R.bit_length()  # 254


def bits_of(x: int, n: int) -> list[int]:
    """The ``n`` low bits of ``x``, least significant first (the twin of ``to_bits``)."""
    return [(x >> i) & 1 for i in range(n)]


def pack_bits(bits: list[int]) -> int:
    """The integer whose little-endian bits are ``bits`` (the twin of ``from_bits``)."""
    return sum(b << i for i, b in enumerate(bits))


def from_bits(bits: list[Value]) -> Var:
    """``sum(bits[i] * 2^i)``: free (linear); the bits must already be constrained to 0/1."""
    return linear_sum(bits, [1 << i for i in range(len(bits))])


@gadget(lambda x, n: f"to_bits({n})")
def to_bits(x: Value, n: int) -> list[Var]:
    """The ``n`` bits of ``x`` (LSB first), proving ``x < 2^n``; n + 1 constraints, n <= 253."""
    if not 0 < n < FIELD_BITS:
        raise CircuitError(f"to_bits needs 0 < n < {FIELD_BITS} (use to_bits_strict for full field elements), got {n}")
    bits = hint(lambda v: bits_of(v, n), [x], n, name="bits")
    for b in bits:
        assert_bool(b)
    assert_equal(from_bits(bits), x)
    return bits


def range_check(x: Value, n: int) -> None:
    """Constrain ``0 <= x < 2^n``: n + 1 constraints."""
    to_bits(x, n)


@gadget("to_bits_strict")
def to_bits_strict(x: Value) -> list[Var]:
    """The 254 bits of the canonical representative of ``x``: 508 constraints.

    254 bits can also spell ``x + R`` when that is below 2^254; we forbid it by proving the bits,
    read as an integer, are at most R - 1. Scanning from the top, ``eq`` is 1 while the bits so
    far equal those of R - 1; where R - 1 has a 0 bit, ``eq * bit = 0`` (so the number cannot
    exceed R - 1 there); where it has a 1 bit, ``eq`` is updated with one multiplication.
    """
    bits = hint(lambda v: bits_of(v, FIELD_BITS), [x], FIELD_BITS, name="strict_bits")
    for b in bits:
        assert_bool(b)
    assert_equal(from_bits(bits), x)
    assert_bits_below(bits, R)
    return bits


@gadget("assert_bits_below")
def assert_bits_below(bits: list[Value], bound: int) -> None:
    """Constrain the integer spelled by boolean ``bits`` to be below the constant ``bound``.

    About one constraint per bit: see ``to_bits_strict``.
    """
    if not 0 < bound <= 1 << len(bits):
        raise CircuitError(f"bound {bound} does not fit {len(bits)} bits")
    if bound == 1 << len(bits):
        return
    top = bound - 1
    eq: Var = Var.const(1)
    for i in reversed(range(len(bits))):
        if (top >> i) & 1:
            if i:  # the lowest bit never needs the prefix again
                eq = eq * bits[i]
        else:
            assert_mul(eq, bits[i], 0)
