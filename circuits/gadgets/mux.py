"""Selection: ``select`` (if-then-else on a bit), ``mux`` (pick one of 2^k by bits), ``cond_swap``.

Constraint counts: ``select`` 1, ``cond_swap`` 1, ``mux`` over 2^k values 2^k - 1. The selector
bits must already be constrained to 0/1 (for instance they come from ``to_bits``).

>>> from prozchain.circuits import Circuit
>>> class Pick(Circuit):
...     def define(self):
...         s, a, b = (self.private_input(n) for n in "sab")
...         self.output("out", select(s, a, b))
>>> c = Pick().compile()
>>> c.outputs(c.solve({"s": 1, "a": 10, "b": 20}))["out"], c.outputs(c.solve({"s": 0, "a": 10, "b": 20}))["out"]
(10, 20)
"""

from __future__ import annotations

from prozchain.circuits.api import gadget, mul_add
from prozchain.circuits.errors import CircuitError
from prozchain.circuits.lc import Value, Var, lift


def select_value(cond: int, a: int, b: int) -> int:
    return a if cond else b


@gadget("select")
def select(cond: Value, a: Value, b: Value) -> Var:
    """``a`` if ``cond`` is 1, ``b`` if it is 0: ``b + cond * (a - b)``, 1 constraint, one wire."""
    return mul_add(cond, lift(a) - b, b)


@gadget("cond_swap")
def cond_swap(swap: Value, a: Value, b: Value) -> tuple[Var, Var]:
    """``(b, a)`` if ``swap`` is 1 else ``(a, b)``: 1 constraint."""
    d = lift(swap) * (lift(b) - a)
    return lift(a) + d, lift(b) - d


def cond_swap_value(swap: int, a: int, b: int) -> tuple[int, int]:
    return (b, a) if swap else (a, b)


@gadget("mux")
def mux(bits: list[Value], values: list[Value]) -> Var:
    """``values[index]`` where ``index`` has little-endian ``bits``: len(values) - 1 constraints."""
    if len(values) != 1 << len(bits):
        raise CircuitError(f"mux over {len(bits)} bits needs {1 << len(bits)} values, got {len(values)}")
    layer = [lift(v) for v in values]
    for bit in bits:
        layer = [select(bit, layer[i + 1], layer[i]) for i in range(0, len(layer), 2)]
    return layer[0]
