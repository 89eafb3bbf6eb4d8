"""The witness solver: replays a compiled circuit's solve steps on input values.

It never runs the circuit's Python code again: each internal wire is either solved from the one
constraint that introduced it (the wire appears once, linearly, in that constraint's C) or
produced by a hint. Steps are visited in creation order, so every wire a step reads is already
known. The steps run in the backend's ``r1cs_solve`` kernel (the C core by default) over the
witness as canonical ``(n_wires, 4)`` limbs, on the circuit's
:class:`~prozchain.native.kernels.R1CSProgram`, made once; the kernel also runs the hints that
are one field operation (:data:`~prozchain.circuits.builder.NATIVE_HINTS`) and hands every other
hint back here, to its Python function. The reference backend runs the same steps on Python ints
and hands every hint back: the tests compare the two. The check after solving evaluates the
constraints no step solved from (assertions, the constraints on hints): the others hold by
construction, so the first failing constraint and the count are those ``R1CS.check`` reports.

>>> from prozchain.circuits import Circuit
>>> class Cube(Circuit):
...     def define(self):
...         x = self.private_input("x")
...         self.output("y", x * x * x)
>>> Cube().compile().solve({"x": 3})[:3]   # wire 0, then the output y, then the input x
[1, 27, 3]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Optional

import numpy as np

from prozchain.native import get_backend
from prozchain.native.backend import Backend
from prozchain.native.curve import R
from prozchain.native.kernels import HintOp, R1CSProgram, array_to_ints, r1cs_program

from prozchain.circuits.builder import NATIVE_HINTS, PRIVATE, PUBLIC, flatten
from prozchain.relations.errors import WitnessError

if TYPE_CHECKING:
    from prozchain.circuits.circuit import CompiledCircuit

def parse_value(value: object, where: str) -> int:
    """A field element from an int or a decimal/hex string, as circom's input JSON allows."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value, 0) if value.strip().lower().startswith(("0x", "-0x")) else int(value)
        except ValueError:
            raise WitnessError(f"{where}: {value!r} is not a number") from None
    if not isinstance(value, int):
        raise WitnessError(f"{where}: expected a number or a decimal string, got {type(value).__name__}")
    if not -R < value < R:
        raise WitnessError(f"{where}: {value} is not a field element (|value| must be below R)")
    return value % R


def assign_inputs(compiled: "CompiledCircuit", inputs: Mapping[str, object], witness: np.ndarray) -> None:
    declared = {s.name for s in compiled.signals if s.kind in (PUBLIC, PRIVATE)}
    unknown = sorted(set(inputs) - declared)
    if unknown:
        raise WitnessError(f"unknown input signal(s) {', '.join(unknown)}; the circuit declares {sorted(declared)}")
    for signal in compiled.signals:
        if signal.kind not in (PUBLIC, PRIVATE):
            continue
        if signal.name not in inputs:
            raise WitnessError(f"input signal {signal.name!r} is missing")
        value = inputs[signal.name]
        flat, shape = flatten(value if isinstance(value, (list, tuple)) else value)
        if shape != signal.shape:
            raise WitnessError(f"input signal {signal.name!r} has shape {shape}, the circuit declares {signal.shape}")
        for i, (wire, v) in enumerate(zip(signal.wires, flat)):
            where = f"input signal {signal.name!r}" + (f" element {i}" if signal.shape else "")
            _store(witness, wire, parse_value(v, where))


def _store(witness: np.ndarray, wire: int, value: int) -> None:
    witness[wire] = np.frombuffer(value.to_bytes(32, "little"), "<u8")


def _dot(terms: dict[int, int], witness: np.ndarray) -> int:
    return sum(c * int.from_bytes(witness[w].tobytes(), "little") for w, c in terms.items()) % R


def program(compiled: "CompiledCircuit") -> R1CSProgram:
    """The solve program of ``compiled`` (what :attr:`CompiledCircuit.program` caches)."""
    r1cs = compiled.r1cs
    hints = [(NATIVE_HINTS.get(h.fn, HintOp.PYTHON), h.inputs, h.outputs) for h in compiled.hints]
    matrices = [(m.indptr, m.wires, m.coeff_ids) for m in (r1cs.A, r1cs.B, r1cs.C)]
    return r1cs_program(r1cs.n_wires, matrices, r1cs.coeffs, compiled.step_source, compiled.step_wire, hints)


def solve_array(compiled: "CompiledCircuit", inputs: Mapping[str, object], check: bool = True,
                backend: Optional[Backend] = None) -> np.ndarray:
    """Every wire's value from the input signals, as canonical ``(n_wires, 4)`` uint64 limbs (the
    prover's layout); with ``check``, the constraints are verified too. ``backend`` runs the
    steps (default: :func:`~prozchain.native.get_backend`'s)."""
    backend = backend or get_backend()
    prog = compiled.program
    witness = np.zeros((prog.n_wires, 4), np.uint64)
    witness[0, 0] = 1
    assign_inputs(compiled, inputs, witness)
    k = 0
    while k < prog.n_steps:
        k = backend.r1cs_solve(prog, witness, k)
        if k < prog.n_steps:
            run_hint(compiled, -int(prog.step_source[k]) - 1, witness)
            k += 1
    if check:
        first, n_bad = backend.r1cs_check(prog, witness, prog.unsolved_rows)
        if first >= 0:
            raise compiled.r1cs.constraint_error(array_to_ints(witness), first, n_bad)
    return witness


def solve(compiled: "CompiledCircuit", inputs: Mapping[str, object], check: bool = True,
          backend: Optional[Backend] = None) -> list[int]:
    """:func:`solve_array` as a list of ints."""
    return array_to_ints(solve_array(compiled, inputs, check, backend))


def run_hint(compiled: "CompiledCircuit", index: int, witness: np.ndarray) -> None:
    hint = compiled.hints[index]
    args = [_dot(terms, witness) for terms in hint.inputs]
    where = f"hint {hint.name!r} ({compiled.r1cs.sites[hint.site]})"
    try:
        result = hint.fn(*args)
    except (ArithmeticError, ValueError) as exc:
        raise WitnessError(f"{where} failed on inputs {args}: {exc}") from exc
    values = list(result) if isinstance(result, (list, tuple)) else [result]
    if len(values) != len(hint.outputs):
        raise WitnessError(f"{where} returned {len(values)} values, {len(hint.outputs)} expected")
    data = b"".join((int(value) % R).to_bytes(32, "little") for value in values)
    witness[hint.outputs] = np.frombuffer(data, "<u8").reshape(-1, 4)
