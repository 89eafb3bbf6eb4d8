"""The optimal ate pairing e: G1 x G2 -> GT, and GT as a value type.

Arguments go G1 first: ``pairing(p, q)`` here is ``py_ecc.optimized_bn128.pairing(q, p)``.

>>> from prozchain.prover.curve import G1Point, G2Point

if TYPE_CHECKING:
    from py_ecc import optimized_bn128
>>> g1, g2 = G1Point.generator(), G2Point.generator()
>>> pairing(g1, g2) != GT.one()
True
>>> pairing_check([(2 * g1, g2), (-g1, 2 * g2)])
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence, Tuple

from prozchain.native.curve import GT_ONE, P
from prozchain.native.errors import InvalidFieldElementError
from prozchain.prover.backend import current_backend
from prozchain.prover.curve import G1Point, G2Point


class GT:
    """An element of GT, the order-R subgroup of Fp12^*, as 12 canonical ints.

    The ints are the coefficients of ``w^0 .. w^11`` in ``Fp[w] / (w^12 - 18*w^6 + 82)``,
    py_ecc's FQ12 basis. GT is written multiplicatively: ``*`` and ``**``.
    """

    __slots__ = ("coeffs",)
    coeffs: Tuple[int, ...]

    def __init__(self, coeffs: Sequence[int]) -> None:
        coeffs = tuple(coeffs)
        if len(coeffs) != 12:
            raise InvalidFieldElementError(f"a GT element has 12 coefficients, not {len(coeffs)}")
        for i, c in enumerate(coeffs):
            if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < P:
                raise InvalidFieldElementError(
                    f"GT coefficient {i} = {c!r} is not canonical: it must be an int in [0, P)"
                )
        object.__setattr__(self, "coeffs", coeffs)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("GT is immutable")

    @classmethod
    def one(cls) -> GT:
        return cls(GT_ONE)

    @classmethod
    def from_py_ecc(cls, f: optimized_bn128.FQ12) -> GT:
        """A py_ecc FQ12 (optimized_bn128 or bn128) that is a pairing value."""
        return cls(int(c) for c in f.coeffs)

    def to_py_ecc(self) -> optimized_bn128.FQ12:
        """This value as a py_ecc.optimized_bn128 FQ12.

        >>> from py_ecc import optimized_bn128
        >>> GT.one().to_py_ecc() == optimized_bn128.FQ12.one()
        True
        """
        from py_ecc import optimized_bn128

        return optimized_bn128.FQ12(list(self.coeffs))

    def __mul__(self, other: GT) -> GT:
        if not isinstance(other, GT):
            return NotImplemented
        return GT(current_backend().gt_mul(self.coeffs, other.coeffs))

    def __pow__(self, e: int) -> GT:
        """``self**e``; a negative ``e`` raises the inverse to ``-e``."""
        return GT(current_backend().gt_pow(self.coeffs, e))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GT):
            return NotImplemented
        return self.coeffs == other.coeffs

    def __hash__(self) -> int:
        return hash(self.coeffs)

    def __repr__(self) -> str:
        return f"GT({self.coeffs})"


def _pairs(pairs: Iterable[Tuple[G1Point, G2Point]]) -> list:
    affine = []
    for i, (p, q) in enumerate(pairs):
        if not (isinstance(p, G1Point) and isinstance(q, G2Point)):
            raise TypeError(
                f"pair {i}: expected (G1Point, G2Point), got "
                f"({type(p).__name__}, {type(q).__name__}); note that G1 comes first"
            )
        affine.append((p.affine, q.affine))
    return affine


def pairing(p: G1Point, q: G2Point) -> GT:
    """The reduced optimal ate pairing e(p, q)."""
    [(p_affine, q_affine)] = _pairs([(p, q)])
    return GT(current_backend().pairing(p_affine, q_affine))


def multi_pairing(pairs: Iterable[Tuple[G1Point, G2Point]]) -> GT:
    """The product of e(p_i, q_i), with one Miller loop per pair and one final exponentiation."""
    return GT(current_backend().multi_pairing(_pairs(pairs)))


def pairing_check(pairs: Iterable[Tuple[G1Point, G2Point]]) -> bool:
    """Whether the product of e(p_i, q_i) is 1: the check Groth16 and EIP-197 make."""
    return current_backend().pairing_check(_pairs(pairs))
