"""Sub-circuits traced once and stamped: the same constraint system as tracing every call inline."""

from __future__ import annotations

import pytest

from prozchain.circuits import Circuit, CircuitError, subcircuit
from prozchain.circuits.api import assert_bool, hint
from prozchain.circuits.builder import inverse_or_zero
from prozchain.circuits.gadgets.comparators import is_zero, less_than
from prozchain.circuits.gadgets.mux import select
from prozchain.circuits.testing import assert_rejects, assert_same_system


@subcircuit
def round_(on, state: dict, key, rounds: int):
    """A toy round: combinations, constants, a hint, a captured-free gadget mix."""
    x, y = state["x"], state["y"]
    for _ in range(rounds):
        x, y = y + 3 * key, x * x + y
    (inv,) = hint(inverse_or_zero, [x], name="inv")
    flag = is_zero(x - y)
    assert_bool(flag)
    return {"x": select(on, x + inv * 0, state["x"]), "y": select(on, y + flag, state["y"]), "pair": (x, 7)}


class Rounds(Circuit):
    def __init__(self, k: int = 3) -> None:
        self.k = k

    def define(self):
        n = self.public_input("n")
        key = self.private_input("key")
        state = {"x": self.private_input("x"), "y": self.private_input("y")}
        for i in range(self.k):
            # ``on`` is a combination (1 - bit): its rows are rewritten, the others renamed
            out = round_(less_than(i, n, 8), state, key, 2)
            state = {"x": out["x"], "y": out["y"]}
        self.output("x_out", state["x"])
        self.output("y_out", state["y"])


def test_stamped_equals_inline_and_solves_the_same():
    stamped, inline = Rounds(5).compile(), Rounds(5).compile(stamp=False)
    assert_same_system(stamped, inline)
    inputs = {"n": 3, "key": 5, "x": 2, "y": 9}
    assert stamped.solve(inputs) == inline.solve(inputs)
    wrong = stamped.solve(inputs)
    wrong[1] += 1
    assert_rejects(stamped, wrong)


def test_a_template_is_traced_once_per_call_signature():
    calls = []

    @subcircuit
    def square(x, c):
        calls.append(c)
        return x * x + c

    class Uses(Circuit):
        def define(self):
            x, y = self.private_input("x"), self.private_input("y")
            total = square(x, 1) + square(y, 1) + square(x + y, 1)  # one signature
            total = total + square(x, 2)  # another constant: traced again
            total = total + square(x, Circuit.private_input("z"))  # a variable: traced again
            self.output("t", total)

    compiled = Uses().compile()
    assert calls[:2] == [1, 2] and len(calls) == 3
    assert_same_system(compiled, Uses().compile(stamp=False))
    values = compiled.outputs(compiled.solve({"x": 3, "y": 4, "z": 5}))
    assert values == {"t": 9 + 1 + 16 + 1 + 49 + 1 + 9 + 2 + 9 + 5}


def test_aliased_inputs_and_captured_variables():
    @subcircuit
    def body(a, b):
        return a * b + a * captured[0]  # captured[0] is a variable of the circuit, shared by every copy

    captured = []

    class Aliases(Circuit):
        def define(self):
            x, y = self.private_input("x"), self.private_input("y")
            captured.append(y * y)
            u = body(x, x)  # the same variable twice: a signature of its own
            v = body(y, y + 0)  # equal combinations, different objects
            w = body(captured[0], x)  # bound to the captured wire itself: rows rewritten, merged
            self.output("r", u + v + w)

    compiled = Aliases().compile()
    captured.clear()
    inline = Aliases().compile(stamp=False)
    assert compiled.r1cs.n_constraints == inline.r1cs.n_constraints
    x, y = 3, 5
    assert compiled.outputs(compiled.solve({"x": x, "y": y})) == inline.outputs(inline.solve({"x": x, "y": y})) == \
        {"r": x * x + x * y * y + y * y + y * y * y + y * y * x + y ** 4}


def test_a_subcircuit_declares_no_signals_and_takes_no_strings():
    @subcircuit
    def declares(x):
        return Circuit.private_input("inner") * x

    @subcircuit
    def takes(x, name):
        return x

    class Bad(Circuit):
        def __init__(self, which):
            self.which = which

        def define(self):
            x = self.private_input("x")
            self.output("y", declares(x) if self.which else takes(x, "s"))

    with pytest.raises(CircuitError, match="declared inside a sub-circuit"):
        Bad(True).compile()
    with pytest.raises(CircuitError, match="not str"):
        Bad(False).compile()
