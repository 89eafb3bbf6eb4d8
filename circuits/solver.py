"""The witness solver: replays a compiled circuit's solve steps on input values.

It never runs the circuit's Python code again: each internal wire is either solved from the one
constraint that introduced it (the wire appears once, linearly, in that constraint's C) or
produced by a hint function. Steps are visited in creation order, so every wire a step reads is
already known. Rows are read from the sparse arrays a chunk at a time, which keeps memory
bounded for circuits of millions of constraints.

>>> from prozchain.circuits import Circuit
>>> class Cube(Circuit):
...     def define(self):
...         x = self.private_input("x")
...         self.output("y", x * x * x)
>>> Cube().compile().solve({"x": 3})[:3]   # wire 0, then the output y, then the input x
[1, 27, 3]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np

from prozchain.native.curve import R

from prozchain.circuits.builder import PRIVATE, PUBLIC, flatten
from prozchain.relations.errors import WitnessError

if TYPE_CHECKING:
    from prozchain.circuits.circuit import CompiledCircuit

CHUNK = 8192


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


def assign_inputs(compiled: "CompiledCircuit", inputs: Mapping[str, object], witness: list[int]) -> None:
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
            witness[wire] = parse_value(v, where)


def _dot(terms: dict[int, int], witness: list[int]) -> int:
    return sum(c * witness[w] for w, c in terms.items()) % R


def solve(compiled: "CompiledCircuit", inputs: Mapping[str, object], check: bool = True) -> list[int]:
    """Every wire's value from the input signals; with ``check``, the constraints are verified too."""
    r1cs = compiled.r1cs
    witness = [0] * r1cs.n_wires
    witness[0] = 1
    assign_inputs(compiled, inputs, witness)
    table = np.empty(len(r1cs.coeffs), dtype=object)
    table[:] = r1cs.coeffs
    inverses: dict[int, int] = {1: 1}
    matrices = (r1cs.A, r1cs.B, r1cs.C)
    for start in range(0, len(compiled.step_source), CHUNK):
        sources = compiled.step_source[start : start + CHUNK].tolist()
        targets = compiled.step_wire[start : start + CHUNK].tolist()
        rows = [s for s in sources if s >= 0]
        if rows:  # the constraints these steps solve form one increasing range
            lo, hi = rows[0], rows[-1] + 1
            chunk = []
            for m in matrices:
                ptr = m.indptr[lo : hi + 1].tolist()
                base, end = ptr[0], ptr[-1]
                chunk.append(([p - base for p in ptr], m.wires[base:end].tolist(), table[m.coeff_ids[base:end]].tolist()))
        for source, target in zip(sources, targets):
            if source < 0:
                run_hint(compiled, -source - 1, witness)
                continue
            r = source - lo
            (pa, wa, ca), (pb, wb, cb), (pc, wc, cc) = chunk
            a = sum(ca[j] * witness[wa[j]] for j in range(pa[r], pa[r + 1]))
            b = sum(cb[j] * witness[wb[j]] for j in range(pb[r], pb[r + 1]))
            rest, own = 0, 0
            for j in range(pc[r], pc[r + 1]):
                if wc[j] == target:
                    own = cc[j]
                else:
                    rest += cc[j] * witness[wc[j]]
            inv = inverses.get(own)
            if inv is None:
                inv = inverses[own] = pow(own, -1, R)
            witness[target] = (a * b - rest) * inv % R
    if check:
        r1cs.check(witness)
    return witness


def run_hint(compiled: "CompiledCircuit", index: int, witness: list[int]) -> None:
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
    for wire, value in zip(hint.outputs, values):
        witness[wire] = int(value) % R
