"""The DSL core: folding, constraint counting, wire order, solver, debugger, lint, test helper."""

from __future__ import annotations

import pytest

from prozchain.circuits import (
    BranchOnVariableError,
    CircuitError,
    ConstraintError,
    WitnessError,
    assert_equal,
    assert_mul,
    gadget,
    hint,
)
from prozchain.circuits.lint import lint
from prozchain.circuits.report import constraint_counts, format_counts
from prozchain.circuits.testing import check_circuit
from prozchain.native.curve import R
from tests.circuits.helpers import compile_fn


def test_linear_combinations_and_constants_fold_for_free():
    def define(c):
        x, y = c.private_input("x"), c.private_input("y")
        z = 3 * x - y + 7 - 2 * (x + 1) + (y - y) * 5 + x * 4 / 2
        assert_equal(z, 3 * x - y + 5)  # folds to 0 = 0: no constraint
        assert_equal(5 * 6, 30)  # two constants: checked now, no constraint
        assert_equal(z, y)  # one linear constraint

    compiled = compile_fn(define)
    assert compiled.r1cs.n_constraints == 1
    assert compiled.r1cs.rows(0) == ([], [], [(1, 3), (2, R - 2), (0, 5)])


def test_one_multiplication_is_one_constraint():
    def define(c):
        x = c.private_input("x")
        c.output("y", x * x * x * x + (x + 1) * (x + 2))

    compiled = compile_fn(define)
    assert compiled.r1cs.n_constraints == 3 + 1 + 1  # three products, one more product, one output
    assert compiled.outputs(compiled.solve({"x": 3}))["y"] == 81 + 4 * 5


def test_division_proves_a_nonzero_divisor():
    def define(c):
        a, b = c.private_input("a"), c.private_input("b")
        c.output("q", a / b)

    compiled = compile_fn(define)
    assert compiled.outputs(compiled.solve({"a": 10, "b": 4}))["q"] == 10 * pow(4, -1, R) % R
    with pytest.raises(WitnessError, match="inverse.*division by a variable whose value is 0"):
        compiled.solve({"a": 10, "b": 0})


@pytest.mark.parametrize(
    "misuse",
    [
        lambda x: bool(x),
        lambda x: x == 3,
        lambda x: x < 3,
        lambda x: [0, 1][x],
        lambda x: 1 if x else 0,
    ],
)
def test_branching_on_a_variable_is_an_error(misuse):
    def define(c):
        misuse(c.private_input("x"))

    with pytest.raises(BranchOnVariableError):
        compile_fn(define)


def test_wires_follow_circom_order_whatever_the_declaration_order():
    def define(c):
        p = c.private_input("p", 2)
        t = p[0] * p[1]
        c.output("o1", t)
        q = c.public_input("q")
        c.output("o2", t * q)

    compiled = compile_fn(define)
    r = compiled.r1cs
    assert (r.n_outputs, r.n_public, r.n_private) == (2, 1, 2)
    assert [compiled.wire_label(w) for w in range(6)] == ["one", "T.o1", "T.o2", "T.q", "T.p[0]", "T.p[1]"]
    w = compiled.solve({"p": [3, 4], "q": 5})
    assert w[:6] == [1, 12, 60, 5, 3, 4]
    assert compiled.public_values(w) == [12, 60, 5]


def test_solver_reuses_a_compiled_circuit_without_retracing():
    calls = []

    def define(c):
        calls.append(1)
        x = c.private_input("x")
        c.output("y", x * x + 1)

    compiled = compile_fn(define)
    results = [compiled.outputs(compiled.solve({"x": v}))["y"] for v in range(5)]
    assert results == [1, 2, 5, 10, 17] and len(calls) == 1


def test_check_names_the_first_failing_constraint_with_gadget_line_and_values():
    @gadget("square")
    def square(v):
        return v * v

    def define(c):
        x = c.private_input("x")
        c.output("y", square(x) + 1)

    compiled = compile_fn(define, "Sq")
    w = compiled.solve({"x": 3})
    w[-1] = 10  # the internal wire holding x*x
    with pytest.raises(ConstraintError) as info:
        compiled.check(w)
    err = info.value
    assert err.index == 0 and err.values == (3, 3, 10)
    assert "Sq/square" in err.site and "test_dsl.py" in err.site
    assert "constraint 0 fails" in str(err) and "2 constraints fail" in str(err)


def test_input_errors_name_the_signal():
    def define(c):
        c.output("y", c.private_input("x", 2)[0] * c.public_input("k"))

    compiled = compile_fn(define)
    cases = [
        ({"x": [1, 2]}, "input signal 'k' is missing"),
        ({"x": [1, 2], "k": 1, "z": 0}, "unknown input signal.*z"),
        ({"x": [1, 2, 3], "k": 1}, "'x' has shape \\(3,\\)"),
        ({"x": [1, "abc"], "k": 1}, "'x' element 1: 'abc' is not a number"),
        ({"x": [1, 2], "k": R}, "'k': .* is not a field element"),
    ]
    for inputs, message in cases:
        with pytest.raises(WitnessError, match=message):
            compiled.solve(inputs)
    assert compiled.solve({"x": ["0x10", -1], "k": "2"})[1] == 32


def test_hint_outputs_must_be_constrained_and_lint_reports_them(rng):
    def define(c):
        x = c.private_input("x")
        c.private_input("ignored")
        (loose,) = hint(lambda v: v + 1, [x], name="loose")
        (half,) = hint(lambda v: v // 2, [x], name="half")  # in a constraint, but not pinned by it
        (sq,) = hint(lambda v: v * v % R, [x], name="sq")
        assert_equal(x * x, sq)
        c.output("y", half * 0 + sq + x * half * 0)

    compiled = compile_fn(define)
    static = {(f.problem, compiled.wire_label(f.wire).split(".")[-1]) for f in lint(compiled)}
    assert ("unused input", "ignored") in static
    assert any(p == "unconstrained hint output" for p, _ in static)
    dynamic = lint(compiled, compiled.solve({"x": 6, "ignored": 0}), seed=rng.randrange(2**32))
    # half only feeds x * half, which nothing uses: reported too
    assert {f.problem for f in dynamic} == {"unused input", "unconstrained hint output", "hint output checked by no assertion"}


def test_lint_finds_a_hint_output_its_constraints_leave_free(rng):
    def define(c):
        x = c.private_input("x")
        (h,) = hint(lambda v: 0, [x], name="zero_when_x_nonzero")
        assert_mul(h, x, 0)  # pins h to 0 only when x != 0
        c.output("y", x + 1)

    compiled = compile_fn(define)
    seed = rng.randrange(2**32)
    assert lint(compiled, compiled.solve({"x": 5}), seed=seed) == []
    findings = lint(compiled, compiled.solve({"x": 0}), seed=seed)
    assert [f.problem for f in findings] == ["hint output not determined"]
    assert "zero_when_x_nonzero" in str(findings[0]) and "test_dsl.py" in str(findings[0])


def test_counts_table_attributes_constraints_to_gadgets():
    @gadget("cube")
    def cube(v):
        return v * v * v

    def define(c):
        x = c.private_input("x")
        c.output("y", cube(x) + cube(x + 1))

    rows = {r.path: r for r in constraint_counts(compile_fn(define, "Two"))}
    assert (rows["Two/cube"].calls, rows["Two/cube"].total_constraints) == (2, 4)
    assert rows["Two"].total_constraints == 5 and rows["Two"].self_constraints == 1
    assert "Two/cube" in format_counts(list(rows.values()))


def test_check_circuit_accepts_good_and_rejects_bad_and_fails_loudly():
    def define(c):
        x, y = c.private_input("x"), c.public_input("y")
        assert_equal(x * x, y)

    compiled = compile_fn(define)
    check_circuit(compiled, valid=[{"x": 3, "y": 9}], invalid=[{"x": 3, "y": 10}, [1, 9, 4, 16]])
    with pytest.raises(AssertionError, match="valid case 0 is rejected"):
        check_circuit(compiled, valid=[{"x": 3, "y": 10}])
    with pytest.raises(AssertionError, match="invalid case 0 satisfies"):
        check_circuit(compiled, invalid=[{"x": R - 3, "y": 9}])


def test_misuse_errors_are_circuit_errors():
    with pytest.raises(CircuitError, match="no circuit is being traced"):
        from prozchain.circuits import Var

        Var.wire(1) * Var.wire(2)

    def twice(c):
        c.private_input("x")
        c.private_input("x")

    with pytest.raises(CircuitError, match="'x' is declared twice"):
        compile_fn(twice)
    with pytest.raises(CircuitError, match="different constants"):
        compile_fn(lambda c: assert_equal(2, 3))


def test_lint_finds_a_hint_output_only_computed_wires_depend_on():
    def define(c):
        x = c.private_input("x")
        (h,) = hint(lambda v: v * 2, [x], name="double")  # meant to be 2x, never checked
        (g,) = hint(lambda v: v * 3, [x], name="triple")
        c.output("y", h)  # the output is computed from h: h is mentioned, but nothing checks it
        c.output("z", g * g)
        (k,) = hint(lambda v: v * 5, [x], name="quintuple")
        t = k * x  # computed from k ...
        assert_equal(t, 5 * x * x)  # ... and then checked: k is fine

    compiled = compile_fn(define)
    findings = [f for f in lint(compiled) if f.problem == "hint output checked by no assertion"]
    assert sorted(str(f).split("from hint ")[1] for f in findings) == ["'double'", "'triple'"]
