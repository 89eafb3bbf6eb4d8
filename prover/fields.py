"""Elements of the BN254 base field Fp and scalar field Fr.

An element wraps one canonical int (``0 <= n < modulus``); anything else is refused with
``InvalidFieldElementError`` rather than silently reduced. Arithmetic mixes freely with ints
(which are checked the same way) and goes through the current backend
(:func:`prozchain.prover.set_backend`).

>>> a = Fr(7)
>>> a * 3 + 1
Fr(22)
>>> a / a == 1
True
>>> int(-Fr(1)) == R - 1
True
>>> Fp(16).sqrt()
Fp(4)
>>> Fr(-1)
Traceback (most recent call last):
...
prozchain.native.errors.InvalidFieldElementError: Fr element -1 is not canonical: it must be an int in [0, R)
"""

from __future__ import annotations

from typing import ClassVar, Optional, Sequence, Type, TypeVar, Union

from prozchain.native.curve import P, R, Field
from prozchain.native.errors import InvalidFieldElementError
from prozchain.prover.backend import current_backend

class FieldElement:
    """An immutable element of a prime field; the subclasses :class:`Fp` and :class:`Fr` name it."""

    field: ClassVar[str]
    modulus: ClassVar[int]
    modulus_name: ClassVar[str]
    __slots__ = ("n",)
    n: int

    def __init__(self, n: int) -> None:
        if isinstance(n, bool) or not isinstance(n, int):
            raise InvalidFieldElementError(
                f"{type(self).__name__} element must be an int, not {type(n).__name__}"
            )
        if not 0 <= n < self.modulus:
            raise InvalidFieldElementError(
                f"{type(self).__name__} element {n} is not canonical: "
                f"it must be an int in [0, {self.modulus_name})"
            )
        object.__setattr__(self, "n", n)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    @classmethod
    def batch_inv(cls: Type[T], values: Sequence[Union[T, int]]) -> list[T]:
        """Every inverse, with a single field inversion.

        >>> Fr.batch_inv([1, 2, Fr(4)]) == [Fr(1), 1 / Fr(2), 1 / Fr(4)]
        True
        """
        ns = [cls._coerce(v) for v in values]
        return [cls(v) for v in current_backend().batch_inv(cls.field, ns)]

    @classmethod
    def _coerce(cls, other: object) -> int:
        if isinstance(other, cls):
            return other.n
        if isinstance(other, FieldElement):
            raise TypeError(f"cannot mix {cls.__name__} and {type(other).__name__}")
        return cls(other).n  # type: ignore[arg-type]

    def _op(self: T, name: str, *args: int) -> T:
        return type(self)(getattr(current_backend(), name)(self.field, *args))

    def __add__(self: T, other: Union[T, int]) -> T:
        return self._op("add", self.n, self._coerce(other))

    def __radd__(self: T, other: int) -> T:
        return self._op("add", self._coerce(other), self.n)

    def __sub__(self: T, other: Union[T, int]) -> T:
        return self._op("sub", self.n, self._coerce(other))

    def __rsub__(self: T, other: int) -> T:
        return self._op("sub", self._coerce(other), self.n)

    def __mul__(self: T, other: Union[T, int]) -> T:
        if not isinstance(other, (int, FieldElement)):
            return NotImplemented  # e.g. Fr * G1Point: the point scales itself
        return self._op("mul", self.n, self._coerce(other))

    def __rmul__(self: T, other: int) -> T:
        return self._op("mul", self._coerce(other), self.n)

    def __truediv__(self: T, other: Union[T, int]) -> T:
        return self._op("mul", self.n, current_backend().inv(self.field, self._coerce(other)))

    def __rtruediv__(self: T, other: int) -> T:
        return self.inv() * other

    def __neg__(self: T) -> T:
        return self._op("neg", self.n)

    def __pow__(self: T, e: int) -> T:
        """``self**e``; a negative ``e`` raises the inverse to ``-e``."""
        if e < 0:
            return self.inv() ** -e
        return self._op("pow", self.n, e)

    def inv(self: T) -> T:
        """The multiplicative inverse; ``ZeroDivisionError`` for 0."""
        return self._op("inv", self.n)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, type(self)):
            return self.n == other.n
        if isinstance(other, int) and not isinstance(other, bool):
            return self.n == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.n)

    def __int__(self) -> int:
        return self.n

    def __index__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.n})"


# The methods' annotations name T; it is bound to the class, not to its name: typing compiles a
# name (a ForwardRef), and a process's first compile costs 1 ms of a one-shot proof's start.
T = TypeVar("T", bound=FieldElement)


class Fp(FieldElement):
    """An element of the base field: coordinates of G1 points live here."""

    field = Field.FP
    modulus = P
    modulus_name = "P"
    __slots__ = ()

    def sqrt(self) -> Optional[Fp]:
        """The square root ``r`` with ``r <= P - r``, or None if ``self`` is not a square.

        >>> Fp(P - 1).sqrt() is None
        True
        """
        r = current_backend().sqrt(self.n)
        return None if r is None else Fp(r)


class Fr(FieldElement):
    """An element of the scalar field: witnesses, exponents, and scalars for G1 and G2."""

    field = Field.FR
    modulus = R
    modulus_name = "R"
    __slots__ = ()
