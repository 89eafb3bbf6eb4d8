"""256-bit words (arithmetic mod 2^256, as the EVM and the L2 VM do it) in four 64-bit limbs.

A word is a list of four variables, the little-endian 64-bit limbs, each proven below 2^64 by
whoever made it (:func:`word_input`, or the gadget that computed it), so a word has one
representation and a sum of a few limb products never wraps around the field. 64-bit limbs
are what a 254-bit field affords: a product of two limbs (128 bits) plus a column of them
stays far below R, while 128-bit limbs would not.

Constraint counts: ``word_input``/``word_bits`` 260; ``add``/``sub`` 268 (a 64-bit range
check, a boolean carry and the limb equation per limb); ``mul_lo`` 546 (10 limb products,
result limbs and 67-bit column carries range-checked); ``divmod_words`` 1,092 (the quotient
and remainder as words, their 16 limb products checked against the dividend, ``r < y``, and
``y = 0`` giving 0); ``bitwise`` 256 (one product per bit, on decomposed operands: AND, OR and
XOR all follow); ``is_zero_word`` 2; ``power_of_two`` 10.

>>> from prozchain.circuits import Circuit
>>> class Mul(Circuit):
...     def define(self):
...         x, y = word_input(self.private_input("x", 4)), word_input(self.private_input("y", 4))
...         self.output("z", mul_lo(x, y))
>>> c = Mul().compile()
>>> z = c.outputs(c.solve({"x": limbs_of(2**255 + 3), "y": limbs_of(2)}))["z"]
>>> word_of(z)
6
"""

from __future__ import annotations

from typing import Sequence

from prozchain.circuits.api import assert_bool, assert_equal, gadget, hint
from prozchain.circuits.gadgets.bits import from_bits, to_bits
from prozchain.circuits.gadgets.comparators import is_zero
from prozchain.circuits.lc import Value, Var, lift, linear_sum

LIMB_BITS = 64
LIMBS = 4
BASE = 1 << LIMB_BITS
WORD = 1 << (LIMB_BITS * LIMBS)
CARRY_BITS = 67  # a column of four 128-bit products plus a carry stays below 2^131
Word = list[Var]


def limbs_of(x: int) -> list[int]:
    """The four little-endian 64-bit limbs of ``x mod 2^256`` (the twin of a word)."""
    x %= WORD
    return [(x >> (LIMB_BITS * i)) % BASE for i in range(LIMBS)]


def word_of(limbs: Sequence[int]) -> int:
    """The integer of four limbs."""
    return sum(int(v) << (LIMB_BITS * i) for i, v in enumerate(limbs))


def constant_word(x: int) -> Word:
    return [Var.const(v) for v in limbs_of(x)]


@gadget("word_bits")
def word_bits(w: Sequence[Value]) -> list[Var]:
    """The 256 bits of a word (LSB first), proving each limb below 2^64: 260 constraints."""
    return [b for limb in w for b in to_bits(limb, LIMB_BITS)]


def word_input(w: Sequence[Value]) -> Word:
    """Four field elements made a word: each proven below 2^64 (260 constraints)."""
    word_bits(w)
    return [lift(v) for v in w]


def pack_word(bits: Sequence[Value]) -> Word:
    """The word of 256 boolean variables: free."""
    return [from_bits(list(bits[LIMB_BITS * i:LIMB_BITS * (i + 1)])) for i in range(LIMBS)]


def _split(t: Var, carry_bits: int, name: str) -> tuple[Var, Var]:
    """``t = low + 2^64 * carry`` with ``low < 2^64`` and ``carry < 2^carry_bits``."""
    low, carry = hint(lambda v: list(divmod(v, BASE))[::-1], [t], 2, name=name)
    to_bits(low, LIMB_BITS)
    if carry_bits == 1:
        assert_bool(carry)
    else:
        to_bits(carry, carry_bits)
    assert_equal(low + carry * BASE, t)
    return low, carry


@gadget("add")
def add(x: Sequence[Value], y: Sequence[Value]) -> tuple[Word, Var]:
    """``(x + y mod 2^256, carry out)``: 268 constraints."""
    out, carry = [], Var.const(0)
    for xi, yi in zip(x, y):
        low, carry = _split(lift(xi) + yi + carry, 1, "add_limb")
        out.append(low)
    return out, carry


@gadget("sub")
def sub(x: Sequence[Value], y: Sequence[Value]) -> tuple[Word, Var]:
    """``(x - y mod 2^256, borrow)``, the borrow being ``x < y``: 268 constraints."""
    out, borrow = [], Var.const(0)
    for xi, yi in zip(x, y):
        # x_i - y_i - borrow_in + 2^64 borrow_out is the limb: shift by 2^64 to split a non-negative
        low, keep = _split(lift(xi) - yi - borrow + BASE, 1, "sub_limb")
        borrow = 1 - keep
        out.append(low)
    return out, borrow


def is_zero_word(w: Sequence[Value]) -> Var:
    """1 if the word is 0: 2 constraints (its limbs are below 2^64, so their sum cannot wrap)."""
    return is_zero(linear_sum(list(w)))


@gadget("mul_lo")
def mul_lo(x: Sequence[Value], y: Sequence[Value]) -> Word:
    """``x * y mod 2^256``: 546 constraints."""
    out, carry = [], Var.const(0)
    for k in range(LIMBS):
        column = linear_sum([lift(x[i]) * y[k - i] for i in range(k + 1)])
        low, carry = _split(column + carry, CARRY_BITS, "mul_column")
        out.append(low)
    return out


@gadget("divmod")
def divmod_words(x: Sequence[Value], y: Sequence[Value]) -> tuple[Word, Word]:
    """``(x // y, x % y)``, both 0 when ``y = 0`` (the VM's and the EVM's rule): 1,092 constraints.

    The quotient and remainder come from a hint; ``q * y' + r = x`` is checked column by column
    (``y' = y``, or 1 when ``y = 0``), the product's high half is forced to 0 (every term is a
    non-negative integer far below R, so a zero sum means zero terms), and ``r < y'``."""
    zero = is_zero_word(y)
    divisor = [lift(y[0]) + zero] + [lift(v) for v in y[1:]]
    qr = hint(lambda *v: limbs_of(word_of(v[:4]) // word_of(v[4:])) + limbs_of(word_of(v[:4]) % word_of(v[4:])),
              list(x) + divisor, 2 * LIMBS, name="quotient_remainder")
    q, r = word_input(qr[:LIMBS]), word_input(qr[LIMBS:])
    products = [[q[i] * divisor[j] for j in range(LIMBS)] for i in range(LIMBS)]
    carry = Var.const(0)
    for k in range(LIMBS):
        column = linear_sum([products[i][k - i] for i in range(k + 1)]) + r[k] + carry
        # column = x_k + 2^64 carry: the carry is what is left once x_k is taken out
        (carry,) = hint(lambda c, xk: (c - xk) // BASE, [column, x[k]], name="div_carry")
        to_bits(carry, CARRY_BITS)
        assert_equal(column, lift(x[k]) + carry * BASE)
    high = [products[i][j] for i in range(LIMBS) for j in range(LIMBS) if i + j >= LIMBS]
    assert_equal(linear_sum(high) + carry, 0)
    _, below = sub(r, divisor)
    assert_equal(below, 1)
    keep = 1 - zero
    return [keep * v for v in q], [keep * v for v in r]


@gadget("bitwise")
def bitwise(x_bits: Sequence[Value], y_bits: Sequence[Value]) -> tuple[Word, Word, Word]:
    """``(x AND y, x OR y, x XOR y)`` of two decomposed words: 256 constraints."""
    both = [lift(a) * b for a, b in zip(x_bits, y_bits)]
    either = [lift(a) + b - ab for a, b, ab in zip(x_bits, y_bits, both)]
    differ = [lift(a) + b - 2 * ab for a, b, ab in zip(x_bits, y_bits, both)]
    return pack_word(both), pack_word(either), pack_word(differ)


@gadget("power_of_two")
def power_of_two(bits: Sequence[Value]) -> Word:
    """The word ``2^s`` for the 8-bit ``s`` whose bits (LSB first) are given: 10 constraints."""
    within = Var.const(1)
    for i in range(6):  # 2^(s mod 64), one factor per bit
        within = within * (1 + lift(bits[i]) * ((1 << (1 << i)) - 1)) if i else 1 + lift(bits[0])
    hi = lift(bits[6]) * bits[7]
    select = [1 - lift(bits[6]) - bits[7] + hi, lift(bits[6]) - hi, lift(bits[7]) - hi, hi]
    return [s * within for s in select]
