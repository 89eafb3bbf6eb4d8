"""Points of G1 (over Fp) and G2 (over Fp2, on the twist) as immutable values.

A point is built from outside data with ``from_affine`` or ``from_py_ecc``, both of which
validate it: canonical coordinates, on the curve, in the order-R subgroup. Arithmetic goes
through the current backend (:func:`prozchain.prover.set_backend`); scalars are ints or ``Fr`` elements
and are never reduced modulo R.

>>> g = G1Point.generator()
>>> 2 * g == g + g == g * 2
True
>>> (g - g).is_infinity
True
>>> (-g).affine == (1, P - 2)
True
>>> G1Point.from_affine(1, 3)
Traceback (most recent call last):
...
prozchain.native.errors.InvalidPointError: G1 point (1, 3) is not on the curve y^2 = x^3 + 3
"""

from __future__ import annotations

import operator
from typing import ClassVar, Optional, SupportsIndex, Type, TypeVar


from prozchain.native.curve import G1_GENERATOR, G2_GENERATOR, P, Group, Point
from prozchain.native.errors import InvalidPointError
from prozchain.prover.backend import current_backend

class CurvePoint:
    """An immutable point of G1 or G2; :attr:`affine` is ``None`` at infinity.

    The subclasses fix the group. Instances come from :meth:`from_affine`, :meth:`from_py_ecc`,
    :meth:`generator`, :meth:`infinity` and arithmetic, never from calling the class.
    """

    group: ClassVar[str]
    curve: ClassVar[str]
    degree: ClassVar[int]  # of the coordinate field over Fp
    _generator: ClassVar[Point]
    _bn128_field: ClassVar[str]  # the py_ecc.bn128 coordinate field's name
    __slots__ = ("affine",)
    affine: Point

    def __init__(self, *args: object) -> None:
        raise TypeError(f"build a {type(self).__name__} with from_affine, from_py_ecc or generator")

    @classmethod
    def _of(cls: Type[T], affine: Point) -> T:
        point = object.__new__(cls)
        object.__setattr__(point, "affine", affine)
        return point

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple:
        # pickle (the proving farm's transport between our own processes) rebuilds the point as
        # it was: it was validated when first made, and pickle trusts its sender anyway
        return type(self)._of, (self.affine,)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_affine(cls: Type[T], x: object, y: object) -> T:
        """The validated point ``(x, y)``; raises ``InvalidPointError`` naming the failed check."""
        return cls._of((x, y)).validate()

    @classmethod
    def from_py_ecc(cls: Type[T], point: Optional[tuple]) -> T:
        """The validated point from py_ecc: an optimized_bn128 triple or a bn128 affine pair/None.

        >>> from py_ecc import optimized_bn128, bn128
        >>> G2Point.from_py_ecc(optimized_bn128.G2) == G2Point.from_py_ecc(bn128.G2)
        True
        """
        from prozchain.native import reference  # py_ecc loads only when asked for

        return cls._of(reference.from_py_ecc(point)).validate()

    @classmethod
    def generator(cls: Type[T]) -> T:
        return cls._of(cls._generator)

    @classmethod
    def infinity(cls: Type[T]) -> T:
        return cls._of(None)

    def validate(self: T) -> T:
        """``self`` if its coordinates are canonical, it is on the curve and in the subgroup."""
        if self.affine is None:
            return self
        for name, value in self._named_coordinates():
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < P:
                raise InvalidPointError(
                    f"{self.group.name} point: coordinate {name} = {value!r} is not "
                    "canonical: it must be an int in [0, P)"
                )
        backend = current_backend()
        if not backend.is_on_curve(self.group, self.affine):
            raise InvalidPointError(
                f"{self.group.name} point {self.affine} is not on the curve {self.curve}"
            )
        if not backend.in_subgroup(self.group, self.affine):
            raise InvalidPointError(
                f"{self.group.name} point {self.affine} is on the curve but not in the "
                "subgroup of order R: [R]Q is not the point at infinity"
            )
        return self

    def _named_coordinates(self) -> list[tuple[str, object]]:
        if not (isinstance(self.affine, tuple) and len(self.affine) == 2):
            raise InvalidPointError(f"{self.group.name} point must be a pair (x, y)")
        if self.degree == 1:
            return list(zip("xy", self.affine))
        named = []
        for name, value in zip("xy", self.affine):
            if not (isinstance(value, tuple) and len(value) == 2):
                raise InvalidPointError(
                    f"G2 point: coordinate {name} = {value!r} must be a pair (c0, c1) of ints "
                    "meaning c0 + c1*u"
                )
            named += [(f"{name}.c0", value[0]), (f"{name}.c1", value[1])]
        return named

    # -- conversion ------------------------------------------------------------------------
    def to_py_ecc(self, optimized: bool = True) -> Optional[tuple]:
        """This point for py_ecc.

        ``optimized=True``: a py_ecc.optimized_bn128 projective triple ``(x, y, z)`` meaning
        ``(x/z, y/z)``; ``optimized=False``: a py_ecc.bn128 affine pair, None at infinity.

        >>> from py_ecc import optimized_bn128, bn128
        >>> optimized_bn128.eq(G1Point.generator().to_py_ecc(), optimized_bn128.G1)
        True
        >>> G2Point.generator().to_py_ecc(optimized=False) == bn128.G2
        True
        """
        from py_ecc import bn128

        from prozchain.native import reference

        if optimized:
            return reference.to_py_ecc(self.group, self.affine)
        if self.affine is None:
            return None
        field = getattr(bn128, self._bn128_field)
        x, y = self.affine
        return (field(x), field(y))

    # -- arithmetic ------------------------------------------------------------------------
    @property
    def is_infinity(self) -> bool:
        return self.affine is None

    def __add__(self: T, other: T) -> T:
        if type(other) is not type(self):
            return NotImplemented
        return self._of(current_backend().g_add(self.group, self.affine, other.affine))

    def __neg__(self: T) -> T:
        return self._of(current_backend().g_neg(self.group, self.affine))

    def __sub__(self: T, other: T) -> T:
        if type(other) is not type(self):
            return NotImplemented
        return self + -other

    def __mul__(self: T, k: SupportsIndex) -> T:
        try:
            k = operator.index(k)
        except TypeError:
            return NotImplemented
        return self._of(current_backend().g_mul(self.group, self.affine, k))

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.affine == other.affine

    def __hash__(self) -> int:
        return hash((self.group, self.affine))

    def __repr__(self) -> str:
        if self.affine is None:
            return f"{type(self).__name__}.infinity()"
        return f"{type(self).__name__}.from_affine{self.affine}"


# The methods' annotations name T; it is bound to the class, not to its name: typing compiles a
# name (a ForwardRef), and a process's first compile costs 1 ms of a one-shot proof's start.
T = TypeVar("T", bound=CurvePoint)


class G1Point(CurvePoint):
    """A point of G1: y^2 = x^3 + 3 over Fp (cofactor 1, so every curve point is in G1)."""

    group = Group.G1
    curve = "y^2 = x^3 + 3"
    degree = 1
    _generator = G1_GENERATOR
    _bn128_field = "FQ"
    __slots__ = ()


class G2Point(CurvePoint):
    """A point of G2: the order-R subgroup of y^2 = x^3 + 3/(9+u) over Fp2 = Fp[u]/(u^2+1).

    Coordinates are pairs ``(c0, c1)`` meaning ``c0 + c1*u``.
    """

    group = Group.G2
    curve = "y^2 = x^3 + 3/(9+u)"
    degree = 2
    _generator = G2_GENERATOR
    _bn128_field = "FQ2"
    __slots__ = ()
