"""What gadgets and circuits call besides arithmetic: hints, assertions, labelled gadget scopes.

>>> from prozchain.circuits import Circuit, assert_bool, hint
>>> class Half(Circuit):
...     def define(self):
...         x = self.private_input("x")
...         (h,) = hint(lambda v: v // 2, [x], name="half")
...         assert_bool(x - 2 * h)            # x = 2h + b with b a bit: h is pinned for small x
...         self.output("h", h)
>>> Half().compile().solve({"x": 7})[1]
3
"""

from __future__ import annotations

import functools
from typing import Callable, Sequence, TypeVar

from prozchain.circuits.builder import current, inverse_or_zero, quotient  # noqa: F401 (hints for gadgets)
from prozchain.circuits.lc import Value, Var, lift

F = TypeVar("F", bound=Callable)


def hint(fn: Callable[..., object], inputs: Sequence[Value], n_out: int = 1, name: str | None = None) -> list[Var]:
    """Fresh wires whose values ``fn`` computes from the inputs' values at solve time.

    Nothing constrains them: the caller must. The lint reports hint outputs left unconstrained.
    """
    return current().hint(fn, inputs, n_out, name or getattr(fn, "__name__", "hint"))


def mul_add(a: Value, b: Value, c: Value) -> Var:
    """``a * b + c`` as a single fresh wire: one constraint (a constant factor needs none)."""
    a, b = lift(a), lift(b)
    if a.is_constant() or b.is_constant():
        return a * b + c
    return current().mul_add(a, b, c)


def assert_equal(a: Value, b: Value) -> None:
    """Constrain ``a == b`` (free when linear terms fold: one constraint ``0 = a - b``)."""
    current().assert_equal(a, b)


def assert_zero(a: Value) -> None:
    current().assert_equal(a, 0)


def assert_mul(a: Value, b: Value, c: Value) -> None:
    """Constrain ``a * b == c`` without a new wire (one constraint)."""
    current().constrain(a, b, c)


def assert_nonzero(a: Value) -> None:
    """Constrain ``a != 0``: one constraint ``a * inv = 1`` with ``inv`` from a hint."""
    current().inverse(lift(a))


def assert_bool(a: Value) -> None:
    """Constrain ``a`` to 0 or 1: ``a * (a - 1) = 0``, one constraint."""
    a = lift(a)
    current().constrain(a, a - 1, 0)


def gadget(label: str | Callable[..., str] | None = None) -> Callable[[F], F]:
    """Decorator: the constraints a function makes are counted and reported under ``label``.

    ``label`` is a string, a function of the call's arguments returning one, or the function's name.
    """

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            name = label(*args, **kwargs) if callable(label) else (label or fn.__name__)
            with current().scope(name):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def scope(label: str):
    """Context manager labelling the constraints made inside it."""
    return current().scope(label)
