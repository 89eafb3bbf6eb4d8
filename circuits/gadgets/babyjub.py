"""Baby Jubjub, circomlib's twisted Edwards curve over BN254's Fr: ``a x^2 + y^2 = 1 + d x^2 y^2``.

Same ``a``, ``d``, generator and base point ``BASE8`` (generator of the prime-order subgroup)
as circomlib/circomlibjs. Points are ``(x, y)`` ints out of circuit and pairs of Vars in it;
the identity is ``(0, 1)``. The addition law is complete (a is a square, d is not), so no
special cases.

Constraint counts: ``add`` 6 (3 when one point is constant), ``double`` 5, ``on_curve`` 4,
``mul_fixed(bits, P)`` at most 5 per bit, ``mul_var(bits, P)`` at most 13 per bit (the first
bits, acting on the identity, fold away).

>>> mul(BASE8, SUBORDER) == IDENTITY and on_curve(mul(GENERATOR, 8))
True
"""

from __future__ import annotations

from typing import Sequence

from prozchain.native.curve import R
from prozchain.native.errors import InvalidArgumentError

from prozchain.circuits.api import assert_equal, assert_mul, gadget, hint, quotient
from prozchain.circuits.gadgets.mux import select
from prozchain.circuits.lc import Value, Var, lift

A = 168700
D = 168696
SUBORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041
ORDER = 8 * SUBORDER
GENERATOR = (
    995203441582195749578291179787384436505546430278305826713579947235728471134,
    5472060717959818805561601436314318772137091100104008585924551046643952123905,
)
BASE8 = (
    5299619240641551281634865583518297030282874472190772894086521144482721001553,
    16950150798460657717958625567821834550301663161624707787222815936182638968203,
)
IDENTITY = (0, 1)
Point = tuple[int, int]


# -- out of circuit ------------------------------------------------------------------------
def add(p: Point, q: Point) -> Point:
    (x1, y1), (x2, y2) = p, q
    t = D * x1 * x2 * y1 * y2 % R
    x3 = (x1 * y2 + y1 * x2) * pow(1 + t, -1, R) % R
    y3 = (y1 * y2 - A * x1 * x2) * pow(1 - t, -1, R) % R
    return x3, y3


def mul(p: Point, k: int) -> Point:
    """``k * p`` for an integer ``k >= 0`` (double and add)."""
    if k < 0:
        raise InvalidArgumentError("scalar must be non-negative")
    result, base = IDENTITY, p
    while k:
        if k & 1:
            result = add(result, base)
        base = add(base, base)
        k >>= 1
    return result


def on_curve(p: Point) -> bool:
    x, y = p
    x2, y2 = x * x % R, y * y % R
    return (A * x2 + y2 - 1 - D * x2 * y2) % R == 0


def in_subgroup(p: Point) -> bool:
    return on_curve(p) and mul(p, SUBORDER) == IDENTITY


# -- in circuit ------------------------------------------------------------------------------
VarPoint = tuple[Var, Var]


def _div(num: Var, den: Var) -> Var:
    """``num / den`` as one constraint ``q * den = num`` (den is never 0 in the complete law)."""
    if den.is_constant():
        return num / den
    (q,) = hint(quotient, [num, den], name="quotient")
    assert_mul(q, den, num)
    return q


def _lift(p) -> VarPoint:
    return lift(p[0]), lift(p[1])


@gadget("babyjub_add")
def add_gadget(p, q) -> VarPoint:
    """``p + q``: 6 constraints, 3 when one of them is a constant point."""
    (x1, y1), (x2, y2) = _lift(p), _lift(q)
    beta = x1 * y2
    gamma = y1 * x2
    delta = (y1 - A * x1) * (x2 + y2)
    tau = beta * gamma
    return _div(beta + gamma, 1 + D * tau), _div(delta + A * beta - gamma, 1 - D * tau)


@gadget("babyjub_double")
def double_gadget(p) -> VarPoint:
    """``2 p``: 5 constraints (the two cross products of ``add`` coincide)."""
    x, y = _lift(p)
    beta = x * y
    delta = (y - A * x) * (x + y)
    tau = beta * beta
    return _div(2 * beta, 1 + D * tau), _div(delta + (A - 1) * beta, 1 - D * tau)


@gadget("babyjub_on_curve")
def assert_on_curve(p) -> None:
    """Constrain ``p`` to lie on the curve: 4 constraints."""
    x, y = _lift(p)
    x2, y2 = x * x, y * y
    assert_equal(A * x2 + y2, 1 + D * (x2 * y2))


def select_point(bit: Value, p, q) -> VarPoint:
    """``p`` if ``bit`` else ``q``: 2 constraints."""
    (px, py), (qx, qy) = _lift(p), _lift(q)
    return select(bit, px, qx), select(bit, py, qy)


@gadget("babyjub_mul_fixed")
def mul_fixed(bits: Sequence[Value], base: Point) -> VarPoint:
    """``k * base`` for a constant point, ``k`` given by boolean little-endian ``bits``: 5 per bit."""
    acc: VarPoint = _lift(IDENTITY)
    power = base
    for bit in bits:
        acc = select_point(bit, add_gadget(acc, power), acc)
        power = add(power, power)
    return acc


@gadget("babyjub_mul_var")
def mul_var(bits: Sequence[Value], point) -> VarPoint:
    """``k * point`` for a variable point, ``k`` given by boolean little-endian ``bits``: 13 per bit."""
    acc: VarPoint = _lift(IDENTITY)
    power = _lift(point)
    for i, bit in enumerate(bits):
        acc = select_point(bit, add_gadget(acc, power), acc)
        if i + 1 < len(bits):
            power = double_gadget(power)
    return acc
