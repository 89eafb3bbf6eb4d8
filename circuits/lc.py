"""Circuit variables: linear combinations of wires over Fr, with the arithmetic operators.

A :class:`Var` is ``sum(coeff * wire)``, wire 0 being the constant 1. Adding, subtracting and
scaling by constants only rewrite the combination, so they cost nothing; multiplying two
non-constant variables adds one constraint ``a * b = c`` on a fresh wire ``c`` (see
:mod:`prozchain.circuits.builder`). Python control flow on a variable is an error, because its value is
not known when the circuit is traced.

>>> from prozchain.circuits.lc import Var
>>> x = Var({1: 1})                   # the wire 1, as a variable
>>> (3 * x + 2 - x).terms
{1: 2, 0: 2}
>>> Var.const(5) * 7
Var(35)
"""

from __future__ import annotations

from typing import Union

from prozchain.native.curve import R

from prozchain.circuits.errors import BranchOnVariableError, CircuitError

Value = Union["Var", int]


class Var:
    """A linear combination ``{wire: coeff}`` with coefficients in ``[1, R)``; wire 0 is 1."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict[int, int]):
        self.terms = terms

    @staticmethod
    def const(value: int) -> "Var":
        value %= R
        return Var({0: value} if value else {})

    @staticmethod
    def wire(index: int) -> "Var":
        return Var({index: 1})

    def is_constant(self) -> bool:
        terms = self.terms
        return not terms or (len(terms) == 1 and 0 in terms)

    def constant_value(self) -> int:
        """The value of a constant variable; a ``CircuitError`` for one that depends on wires."""
        if not self.is_constant():
            raise CircuitError("this variable depends on wires; it has no value at compile time")
        return self.terms.get(0, 0)

    def single_wire(self) -> int | None:
        """The wire index when this variable is exactly ``1 * wire``, else ``None``."""
        if len(self.terms) == 1:
            ((w, c),) = self.terms.items()
            if c == 1 and w != 0:
                return w
        return None

    # -- arithmetic ------------------------------------------------------------------------
    def __add__(self, other: Value) -> "Var":
        terms = dict(self.terms)
        if type(other) is int:
            k = (terms.get(0, 0) + other) % R
            if k:
                terms[0] = k
            else:
                terms.pop(0, None)
            return Var(terms)
        other = lift(other)
        for w, c in other.terms.items():
            s = (terms.get(w, 0) + c) % R
            if s:
                terms[w] = s
            else:
                terms.pop(w, None)
        return Var(terms)

    __radd__ = __add__

    def __neg__(self) -> "Var":
        return Var({w: R - c for w, c in self.terms.items()})

    def __sub__(self, other: Value) -> "Var":
        return self + (-lift(other))

    def __rsub__(self, other: Value) -> "Var":
        return lift(other) + (-self)

    def scale(self, k: int) -> "Var":
        k %= R
        if k == 0:
            return Var({})
        return Var({w: c * k % R for w, c in self.terms.items()})

    def __mul__(self, other: Value) -> "Var":
        if type(other) is int:
            return self.scale(other)
        other = lift(other)
        if other.is_constant():
            return self.scale(other.terms.get(0, 0))
        if self.is_constant():
            return other.scale(self.terms.get(0, 0))
        return _builder.current().mul(self, other)

    __rmul__ = __mul__

    def __truediv__(self, other: Value) -> "Var":
        other = lift(other)
        if other.is_constant():
            k = other.terms.get(0, 0)
            if k == 0:
                raise CircuitError("division by the constant 0")
            return self.scale(pow(k, -1, R))
        return self * _builder.current().inverse(other)

    def __rtruediv__(self, other: Value) -> "Var":
        return lift(other) / self

    def __pow__(self, exponent: int) -> "Var":
        if not isinstance(exponent, int) or exponent < 0:
            raise CircuitError(f"exponent must be a non-negative int, not {exponent!r}")
        result, base = Var.const(1), self
        while exponent:
            if exponent & 1:
                result = result * base
            exponent >>= 1
            if exponent:
                base = base * base
        return result

    # -- what Python control flow would need: refused unless the value is a constant ---------
    def __bool__(self) -> bool:
        if self.is_constant():
            return bool(self.terms)
        raise BranchOnVariableError(
            "branching on a variable's value would make the circuit depend on the witness; "
            "use select(cond, a, b) or an assertion instead"
        )

    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        other_var = lift(other) if isinstance(other, (Var, int)) else None
        if other_var is not None and self.is_constant() and other_var.is_constant():
            return self.terms == other_var.terms
        raise BranchOnVariableError(
            "comparing variables with == happens at compile time; "
            "use assert_equal(a, b) for a constraint or is_equal(a, b) for a 0/1 variable"
        )

    __hash__ = None  # type: ignore[assignment]

    def _refuse_order(self, other: object) -> bool:
        raise BranchOnVariableError(
            "ordering variables with < <= > >= happens at compile time; use the comparator gadgets "
            "(circuits.gadgets.comparators)"
        )

    __lt__ = __le__ = __gt__ = __ge__ = _refuse_order

    def __int__(self) -> int:
        return self.constant_value()

    def __index__(self) -> int:
        if self.is_constant():
            return self.constant_value()
        raise BranchOnVariableError("a variable cannot be used as a Python index or int")

    def __repr__(self) -> str:
        if self.is_constant():
            return f"Var({self.terms.get(0, 0)})"
        return "Var(" + " + ".join(f"{c}*w{w}" if w else str(c) for w, c in self.terms.items()) + ")"


def lift(value: object) -> Var:
    """``value`` as a variable: ints become constants (reduced mod R)."""
    if isinstance(value, Var):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Var.const(value)
    if isinstance(value, bool):
        return Var.const(int(value))
    raise CircuitError(f"cannot use {type(value).__name__} {value!r} as a circuit value")


def linear_sum(values: list[Value], coeffs: list[int] | None = None) -> Var:
    """``sum(coeffs[i] * values[i])`` built in one pass (repeated ``+`` copies the terms each time).

    >>> linear_sum([Var({1: 1}), Var({2: 1}), 3], [1, 2, 4]).terms
    {1: 1, 2: 2, 0: 12}
    """
    terms: dict[int, int] = {}
    get = terms.get
    for i, value in enumerate(values):
        k = 1 if coeffs is None else coeffs[i] % R
        if not k:
            continue
        for w, c in (value.terms if type(value) is Var else lift(value).terms).items():
            terms[w] = (get(w, 0) + c * k) % R
    return Var({w: c for w, c in terms.items() if c})


# Imported last: the builder imports this module's names, and this module only needs the builder
# when a multiplication is traced.
from prozchain.circuits import builder as _builder  # noqa: E402
