"""The one interface every arithmetic backend implements.

Values cross this interface as plain Python data, in canonical (not Montgomery) form:

- an Fp or Fr element is an ``int`` in ``[0, modulus)``;
- an Fp2 element is a tuple ``(c0, c1)`` meaning ``c0 + c1*u`` with ``u^2 = -1``;
- an Fp12 element (a pairing value, "GT") is a tuple of 12 ints: the coefficients of
  ``w^0 .. w^11`` in ``Fp[w] / (w^12 - 18*w^6 + 82)``, the basis py_ecc's ``FQ12`` uses;
- a G1 point is an affine ``(x, y)`` tuple of ints, and ``None`` is the point at infinity;
- a G2 point is an affine ``((x0, x1), (y0, y1))`` tuple of Fp2 tuples, ``None`` at infinity.

Field functions take the field's name first: ``"fp"`` (base field, modulus ``P``) or ``"fr"``
(scalar field, modulus ``R``). Group functions take ``"g1"`` or ``"g2"``.

Group operations assume their inputs are on the curve; checking points read from outside is
the caller's job (``is_on_curve``, ``in_subgroup``). Scalars are any Python int (negative and
``>= R`` included): they are never reduced modulo ``R`` behind the caller's back, so
multiplying a point outside the subgroup still gives the true multiple.

>>> from native import get_backend
>>> b = get_backend("reference")
>>> b.mul("fr", 3, 5)
15
>>> b.g_mul("g1", b.g1_generator(), 0) is None
True
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
ATE_X = 4965661367192848881  # the BN parameter x: P and R are polynomials in it

MODULI = {"fp": P, "fr": R}

Fp2 = Tuple[int, int]
Fp12 = Tuple[int, ...]
G1 = Optional[Tuple[int, int]]
G2 = Optional[Tuple[Fp2, Fp2]]
Point = object  # G1 or G2, depending on the group name passed alongside

G1_GENERATOR: G1 = (1, 2)
G2_GENERATOR: G2 = (
    (
        10857046999023057135944570762232829481370756359578518086990519993285655852781,
        11559732032986387107991004021392285783925812861821192530917403151452391805634,
    ),
    (
        8495653923123431417604973247489272438418190587263600148770280649306958101930,
        4082367875863433681332203403145435568316851327593401208105741076214120093531,
    ),
)


class Backend:
    """Arithmetic on BN254: fields, the groups G1 and G2, and the optimal ate pairing."""

    name: str = "abstract"

    # -- fields ----------------------------------------------------------------------------
    def add(self, field: str, a: int, b: int) -> int:
        raise NotImplementedError

    def sub(self, field: str, a: int, b: int) -> int:
        raise NotImplementedError

    def neg(self, field: str, a: int) -> int:
        raise NotImplementedError

    def mul(self, field: str, a: int, b: int) -> int:
        raise NotImplementedError

    def sqr(self, field: str, a: int) -> int:
        raise NotImplementedError

    def inv(self, field: str, a: int) -> int:
        """The inverse of ``a``; ``ZeroDivisionError`` for 0."""
        raise NotImplementedError

    def pow(self, field: str, a: int, e: int) -> int:
        """``a**e`` for ``e >= 0`` (``0**0 == 1``)."""
        raise NotImplementedError

    def sqrt(self, a: int) -> Optional[int]:
        """A square root of ``a`` in Fp (the one ``r`` with ``r <= P - r``), or None."""
        raise NotImplementedError

    def batch_inv(self, field: str, values: Sequence[int]) -> list[int]:
        """Every inverse with one field inversion; ``ZeroDivisionError`` if any value is 0."""
        raise NotImplementedError

    # -- groups ----------------------------------------------------------------------------
    def g_add(self, group: str, a: Point, b: Point) -> Point:
        raise NotImplementedError

    def g_double(self, group: str, a: Point) -> Point:
        raise NotImplementedError

    def g_neg(self, group: str, a: Point) -> Point:
        raise NotImplementedError

    def g_mul(self, group: str, a: Point, k: int) -> Point:
        raise NotImplementedError

    def is_on_curve(self, group: str, a: Point) -> bool:
        """y^2 = x^3 + b (b = 3 on G1, 3/(9+u) on G2); infinity counts as on the curve."""
        raise NotImplementedError

    def in_subgroup(self, group: str, a: Point) -> bool:
        """Whether an on-curve point has order dividing R (always true on G1: cofactor 1)."""
        raise NotImplementedError

    def batch_to_affine(self, group: str, points: Sequence[tuple]) -> list[Point]:
        """Jacobian ``(X, Y, Z)`` triples (Fp or Fp2 coordinates, Z = 0 at infinity) to affine."""
        raise NotImplementedError

    # -- pairing ---------------------------------------------------------------------------
    def pairing(self, p: G1, q: G2) -> Fp12:
        """The reduced optimal ate pairing e(p, q); equals py_ecc's ``pairing(q, p)``."""
        return self.multi_pairing([(p, q)])

    def multi_pairing(self, pairs: Sequence[Tuple[G1, G2]]) -> Fp12:
        """The product of e(p_i, q_i): one Miller loop per pair, one final exponentiation."""
        raise NotImplementedError

    def pairing_check(self, pairs: Sequence[Tuple[G1, G2]]) -> bool:
        """Whether the product of e(p_i, q_i) is 1 (the test Groth16 and EIP-197 need)."""
        return self.multi_pairing(pairs) == GT_ONE

    def gt_mul(self, a: Fp12, b: Fp12) -> Fp12:
        raise NotImplementedError

    def gt_pow(self, a: Fp12, e: int) -> Fp12:
        raise NotImplementedError

    # -- constants -------------------------------------------------------------------------
    def g1_generator(self) -> G1:
        return G1_GENERATOR

    def g2_generator(self) -> G2:
        return G2_GENERATOR


GT_ONE: Fp12 = (1,) + (0,) * 11
