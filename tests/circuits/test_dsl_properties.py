"""Property test: any expression traced by the DSL computes what the same expression computes on ints."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.native.curve import R
from tests.circuits.helpers import compile_fn

# An expression is a leaf (input index or constant) or (op, left, right).
leaves = st.one_of(st.integers(0, 2).map(lambda i: ("in", i)), st.integers(-5, R + 5).map(lambda c: ("const", c)))
expressions = st.recursive(leaves, lambda sub: st.tuples(st.sampled_from("+-*"), sub, sub), max_leaves=12)


def evaluate(expr, inputs):
    """The expression on ints mod R, or on circuit Vars: the same code for both."""
    kind = expr[0]
    if kind == "in":
        return inputs[expr[1]]
    if kind == "const":
        return expr[1]
    left, right = evaluate(expr[1], inputs), evaluate(expr[2], inputs)
    return {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right}[kind]()


@settings(max_examples=60, deadline=None, derandomize=True, database=None)  # seeded: same cases every run
@given(expressions, st.lists(st.integers(0, R - 1), min_size=3, max_size=3))
def test_traced_expressions_compute_like_ints(expr, values):
    def define(c):
        xs = [c.private_input(f"x{i}") for i in range(3)]
        c.output("y", evaluate(expr, xs))

    compiled = compile_fn(define)
    witness = compiled.solve({f"x{i}": v for i, v in enumerate(values)})
    assert compiled.outputs(witness)["y"] == evaluate(expr, values) % R
    products = repr(expr).count("'*'")
    assert compiled.r1cs.n_constraints <= products + 1  # one per multiplication at most, plus the output
