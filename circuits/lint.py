"""Soundness lint: wires that no constraint mentions, and hint outputs no constraint pins down.

Static findings need only the compiled circuit: an input that appears in no constraint is
unused, and an internal or hint wire in no constraint is unconstrained (a prover may set it to
anything). A hint output can also hide behind computed wires: ``output("y", h)`` mentions ``h``
in the constraint that computes ``y``, yet nothing checks ``h``. So constraints are split into
those that compute a wire and *assertions* (every other one); a hint output is reported unless
an assertion mentions it or a wire computed from it. Given a witness, the lint also tries each
hint output alone: if changing it to a random value breaks no constraint, nothing determines
it (at least at this witness).

>>> from prozchain.circuits import Circuit, hint
>>> class Sloppy(Circuit):
...     def define(self):
...         x = self.private_input("x")
...         self.private_input("unused")
...         (y,) = hint(lambda v: v + 1, [x], name="succ")   # never constrained
...         self.output("x2", x * x)
>>> for finding in lint(Sloppy().compile()):
...     print(finding.problem, finding.wire)
unused input 3
unconstrained hint output 4
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from prozchain.native.curve import R

from prozchain.circuits.builder import HINT, ONE, OUTPUT, PRIVATE, PUBLIC
from prozchain.circuits.circuit import CompiledCircuit


@dataclass
class Finding:
    problem: str
    wire: int
    detail: str

    def __str__(self) -> str:
        return f"{self.problem}: {self.detail}"


def lint(compiled: CompiledCircuit, witness: Sequence[int] | None = None, seed: int = 0) -> list[Finding]:
    """Every finding, static ones first, each naming the wire and where it was made."""
    uses = compiled.r1cs.wire_uses()
    hint_names = {w: h.name for h in compiled.hints for w in h.outputs}
    findings = []
    for wire in np.nonzero(uses == 0)[0].tolist():
        kind = int(compiled.wire_kind[wire])
        if kind == ONE:
            continue
        problem = {
            PUBLIC: "unused input",
            PRIVATE: "unused input",
            OUTPUT: "unconstrained output",
            HINT: "unconstrained hint output",
        }.get(kind, "unconstrained wire")
        findings.append(Finding(problem, wire, _describe(compiled, wire, hint_names)))
    reported = {f.wire for f in findings}
    for wire in unchecked_hint_outputs(compiled):
        if wire not in reported:
            findings.append(Finding("hint output checked by no assertion", wire, _describe(compiled, wire, hint_names)))
    if witness is not None:
        skip = {f.wire for f in findings}
        for wire in free_hint_outputs(compiled, witness, random.Random(seed), skip):
            findings.append(Finding("hint output not determined", wire, _describe(compiled, wire, hint_names)))
    return findings


def unchecked_hint_outputs(compiled: CompiledCircuit) -> list[int]:
    """Hint outputs that no assertion constraint depends on, directly or through computed wires."""
    r1cs = compiled.r1cs
    n = r1cs.n_constraints
    sources, targets = compiled.step_source, compiled.step_wire
    solving = sources >= 0
    computes = np.full(n, -1, np.int64)  # the wire each constraint computes, -1 for assertions
    computes[sources[solving]] = targets[solving]
    checked = np.zeros(r1cs.n_wires, bool)
    matrices = (r1cs.A, r1cs.B, r1cs.C)
    for m in matrices:
        rows = np.repeat(np.arange(n), np.diff(m.indptr))
        checked[m.wires[computes[rows] < 0]] = True
    # A wire computed by a constraint is checked if what it feeds is; walk back from the last one.
    for constraint, target in zip(sources[solving][::-1].tolist(), targets[solving][::-1].tolist()):
        if checked[target]:
            for m in matrices:
                checked[m.wires[m.indptr[constraint] : m.indptr[constraint + 1]]] = True
    return [w for h in compiled.hints for w in h.outputs if not checked[w]]


def _describe(compiled: CompiledCircuit, wire: int, hint_names: dict[int, str]) -> str:
    text = compiled.describe_wire(wire)
    return f"{text}, from hint {hint_names[wire]!r}" if wire in hint_names else text


def free_hint_outputs(compiled: CompiledCircuit, witness: Sequence[int], rng: random.Random, skip: set[int]) -> list[int]:
    """Hint outputs that can change alone, at this witness, without breaking a constraint."""
    r1cs = compiled.r1cs
    candidates = [w for h in compiled.hints for w in h.outputs if w not in skip]
    if not candidates:
        return []
    touching: dict[int, set[int]] = {w: set() for w in candidates}
    for m in (r1cs.A, r1cs.B, r1cs.C):
        rows = np.repeat(np.arange(r1cs.n_constraints), np.diff(m.indptr))
        mask = np.isin(m.wires, candidates)
        for wire, row in zip(m.wires[mask].tolist(), rows[mask].tolist()):
            touching[wire].add(row)
    free = []
    changed = list(witness)
    for wire in candidates:
        changed[wire] = (witness[wire] + rng.randrange(1, R)) % R
        if all(_holds(r1cs, row, changed) for row in touching[wire]):
            free.append(wire)
        changed[wire] = witness[wire]
    return free


def _holds(r1cs, row: int, witness: Sequence[int]) -> bool:
    a, b, c = (sum(coeff * witness[w] for w, coeff in terms) % R for terms in r1cs.rows(row))
    return (a * b - c) % R == 0


def format_findings(findings: list[Finding]) -> str:
    if not findings:
        return "no findings"
    return "\n".join(str(f) for f in findings)

