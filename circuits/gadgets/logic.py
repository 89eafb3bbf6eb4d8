"""Boolean logic on 0/1 variables: not, and, or, xor, and an assertion that a value is boolean.

Inputs must already be constrained to 0/1 (``assert_bool``, or bits from ``to_bits``); the
results then are too. Constraint counts: ``not_`` 0, ``and_`` 1, ``or_`` 1, ``xor`` 1.

>>> from prozchain.circuits import Circuit
>>> class Gates(Circuit):
...     def define(self):
...         a, b = self.private_input("a"), self.private_input("b")
...         assert_bool(a); assert_bool(b)
...         self.output("g", [not_(a), and_(a, b), or_(a, b), xor(a, b)])
>>> c = Gates().compile()
>>> [c.outputs(c.solve({"a": a, "b": b}))["g"] for a, b in [(0, 0), (0, 1), (1, 1)]]
[[1, 0, 0, 0], [1, 0, 1, 1], [0, 1, 1, 0]]
"""

from __future__ import annotations

from prozchain.circuits.api import assert_bool, gadget, mul_add
from prozchain.circuits.lc import Value, Var, lift

__all__ = ["assert_bool", "not_", "and_", "or_", "xor"]


def not_(a: Value) -> Var:
    return 1 - lift(a)


@gadget("and")
def and_(a: Value, b: Value) -> Var:
    return lift(a) * b


@gadget("or")
def or_(a: Value, b: Value) -> Var:
    """``a + b - a b`` in one constraint."""
    return mul_add(-lift(a), b, lift(a) + b)


@gadget("xor")
def xor(a: Value, b: Value) -> Var:
    """``a + b - 2 a b`` in one constraint."""
    return mul_add(-2 * lift(a), b, lift(a) + b)
