"""Test helpers for circuit authors: good witnesses must satisfy the system, bad ones must not.

``check_circuit(compiled, valid=[...], invalid=[...])`` takes cases as inputs dicts (solved
here) or full witnesses (to forge what the solver would never produce), and raises an
``AssertionError`` naming the first case that goes the wrong way. ``assert_rejects(circuit,
bad_inputs)`` checks one bad case and returns the :class:`~prozchain.relations.ConstraintError`
naming the first failing constraint (``index``, ``site``: gadget label and source line,
``values``), so a test can also say *which* constraint must catch it.

>>> from prozchain.circuits import Circuit, assert_equal
>>> from prozchain.circuits.testing import assert_rejects, check_circuit
>>> class Square(Circuit):
...     def define(self):
...         x, y = self.private_input("x"), self.public_input("y")
...         self.output("ok", x * x - y)         # 0 when x*x == y
>>> c = Square().compile()
>>> good = c.solve({"x": 3, "y": 9})
>>> bad = list(good); bad[1] = 1              # claim the output is 1
>>> check_circuit(c, valid=[{"x": 3, "y": 9}, good], invalid=[bad])
>>> class Root(Circuit):
...     def define(self):
...         x, y = self.private_input("x"), self.public_input("y")
...         assert_equal(x * x, y)
>>> error = assert_rejects(Root(), {"x": 3, "y": 10}, constraint="Root at")
>>> error.index, error.site.split(" at ")[0]
(1, 'Root')

The pytest plugin (``prozchain.testing``) offers ``assert_rejects`` as a fixture too, beside
``assert_proves``, which also sets up a key, proves and verifies.
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence, Union

import numpy as np

from prozchain.circuits.circuit import Circuit, CompiledCircuit
from prozchain.circuits.errors import CircuitError
from prozchain.relations.errors import ConstraintError, WitnessError

Case = Union[Mapping[str, object], Sequence[int]]


def compiled_of(circuit: Union[Circuit, CompiledCircuit]) -> CompiledCircuit:
    """``circuit`` compiled (a :class:`CompiledCircuit` as it is)."""
    return circuit if isinstance(circuit, CompiledCircuit) else circuit.compile()


def _witness(compiled: CompiledCircuit, case: Case) -> list[int]:
    if isinstance(case, Mapping):
        return compiled.solve(case, check=False)
    return list(case)


def check_circuit(compiled: CompiledCircuit, valid: Sequence[Case] = (), invalid: Sequence[Case] = ()) -> None:
    """Assert each ``valid`` case (inputs dict or full witness) satisfies the constraints, and each
    ``invalid`` one does not (for an inputs dict: solving it fails or its witness is rejected)."""
    for i, case in enumerate(valid):
        try:
            compiled.check(_witness(compiled, case))
        except (CircuitError, WitnessError) as exc:
            raise AssertionError(f"valid case {i} is rejected: {exc}") from exc
    for i, case in enumerate(invalid):
        try:
            assert_rejects(compiled, case)
        except AssertionError as exc:
            raise AssertionError(f"invalid case {i} {exc}") from None


def assert_rejects(circuit: Union[Circuit, CompiledCircuit], bad_inputs: Case,
                   constraint: Optional[Union[int, str]] = None) -> Union[ConstraintError, CircuitError, WitnessError]:
    """Assert ``bad_inputs`` (an inputs dict, or a full witness) are refused, and return why: the
    :class:`ConstraintError` of the first failing constraint, or the solver's error when no
    witness could be computed at all. ``constraint``, when given, must name the failing one: its
    index (int) or a part of its site or message (str)."""
    __tracebackhide__ = True  # pytest shows the caller's line and the message, not these frames
    compiled = compiled_of(circuit)
    try:
        witness = _witness(compiled, bad_inputs)
        compiled.check(witness)
    except ConstraintError as exc:
        if constraint is not None and not _names(exc, constraint):
            raise AssertionError(f"is rejected by another constraint than {constraint!r}: {exc}") from None
        return exc
    except (CircuitError, WitnessError) as exc:
        if constraint is not None:
            raise AssertionError(f"is rejected before any constraint (expected {constraint!r}): {exc}") from None
        return exc
    raise AssertionError(f"satisfies every constraint of {compiled.name}")


def assert_same_system(a: CompiledCircuit, b: CompiledCircuit) -> None:
    """Assert two compilations are the same constraint system, array for array: the constraints
    term by term, the solve steps and hints, wire kinds, sites and names, the gadget counts. What
    a circuit using :func:`~prozchain.circuits.stamp.subcircuit` is held to against its inline
    trace (``compile(stamp=False)``)."""
    __tracebackhide__ = True
    ra, rb = a.r1cs, b.r1cs
    assert (ra.n_wires, ra.n_constraints, ra.coeffs, ra.sites) == (rb.n_wires, rb.n_constraints, rb.coeffs, rb.sites)
    for m in "ABC":
        for field in ("indptr", "wires", "coeff_ids"):
            assert np.array_equal(getattr(getattr(ra, m), field), getattr(getattr(rb, m), field)), f"{m}.{field} differ"
    for field in ("step_source", "step_wire", "wire_kind", "wire_site"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), f"{field} differ"
    assert np.array_equal(ra.constraint_site, rb.constraint_site), "constraint sites differ"
    hints = [[(h.fn.__qualname__, h.inputs, h.outputs, h.name, h.site) for h in c.hints] for c in (a, b)]
    assert hints[0] == hints[1], "hints differ"
    assert ra.wire_names == rb.wire_names and a.scope_calls == b.scope_calls, "names or gadget calls differ"


def _names(error: ConstraintError, constraint: Union[int, str]) -> bool:
    if isinstance(constraint, int):
        return error.index == constraint
    return constraint in error.site or constraint in str(error)
