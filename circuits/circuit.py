"""Circuits as Python classes, and their compiled form (R1CS + solve steps + labels).

Subclass :class:`Circuit`, take parameters in ``__init__``, and write ``define``: declare inputs
with ``public_input``/``private_input``, compute with ``+ - * /`` and gadgets, and publish
results with ``output``. ``compile()`` traces ``define`` once and returns a
:class:`CompiledCircuit`, whose ``solve`` computes witnesses without running ``define`` again.

>>> from prozchain.circuits import Circuit
>>> class Multiply(Circuit):
...     def define(self):
...         a, b = self.private_input("a"), self.private_input("b")
...         self.output("c", a * b)
>>> m = Multiply().compile()
>>> m.r1cs.n_constraints, m.r1cs.n_wires
(2, 5)
>>> w = m.solve({"a": 3, "b": "11"})
>>> m.outputs(w)
{'c': 33}
"""

from __future__ import annotations

import functools
import gc
from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Sequence

import numpy as np

from prozchain.circuits.builder import HINT, INTERNAL, KIND_NAMES, OUTPUT, PRIVATE, PUBLIC, Builder, Hint, Signal, nest, tracing
from prozchain.circuits.builder import current
from prozchain.native.backend import Backend
from prozchain.native.kernels import R1CSProgram
from prozchain.relations.r1cs import R1CS, SparseMatrix
from prozchain.circuits import solver

CHUNK = 1 << 22  # terms renumbered at once


class Circuit:
    """Base class of circuits written in the DSL; see the module docstring."""

    def define(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement define()")

    @staticmethod
    def public_input(name: str, shape: int | tuple[int, ...] = ()):
        """A public input signal (a Var, or nested lists of Vars for an array shape)."""
        return current().input(name, shape, public=True)

    @staticmethod
    def private_input(name: str, shape: int | tuple[int, ...] = ()):
        """A private input signal (a Var, or nested lists of Vars for an array shape)."""
        return current().input(name, shape, public=False)

    @staticmethod
    def output(name: str, value) -> None:
        """A public output signal constrained to equal ``value``."""
        current().output(name, value)

    def compile(self, stamp: bool = True) -> "CompiledCircuit":
        """Trace ``define`` into a :class:`CompiledCircuit`; ``stamp=False`` traces every call of
        a :func:`~prozchain.circuits.stamp.subcircuit` inline instead of stamping its template
        (the same constraints, slower: the tests compare the two)."""
        builder = Builder(stamp=stamp)
        name = type(self).__name__
        # Tracing allocates millions of short-lived acyclic objects; the cycle collector would
        # rescan them all again and again for nothing.
        collecting = gc.isenabled()
        gc.disable()
        try:
            with tracing(builder), builder.scope(name):
                self.define()
            return CompiledCircuit.from_builder(builder, name)
        finally:
            if collecting:
                gc.enable()


def compile_function(define: Callable[[Circuit], None], name: str | None = None) -> "CompiledCircuit":
    """Compile a circuit written as a function of the circuit object (instead of a subclass).

    >>> def square(c):
    ...     x = c.public_input("x")
    ...     c.output("y", x * x)
    >>> compiled = compile_function(square)
    >>> compiled.name, compiled.r1cs.n_constraints
    ('square', 2)
    """
    cls = type(name or define.__name__, (Circuit,), {"define": lambda self: define(self)})
    return cls().compile()


@dataclass
class CompiledCircuit:
    """An R1CS in circom wire order plus what the solver and the tooling need."""

    name: str
    r1cs: R1CS
    signals: list[Signal]
    step_source: np.ndarray
    step_wire: np.ndarray
    hints: list[Hint]
    wire_kind: np.ndarray
    wire_site: np.ndarray
    scope_calls: dict[str, int]
    site_scope: list[str]

    @staticmethod
    def from_builder(b: Builder, name: str) -> "CompiledCircuit":
        """The compiled form of a finished trace. Its per-constraint arrays are views of the
        builder's (not copies: at millions of constraints a copy is a gigabyte), so the builder
        must not trace further."""
        kind = np.frombuffer(bytes(b.wire_kind), dtype=np.uint8)
        by_kind = {k: [w for s in b.signals if s.kind == k for w in s.wires] for k in (OUTPUT, PUBLIC, PRIVATE)}
        internal = np.nonzero(kind >= INTERNAL)[0]
        order = np.concatenate(
            [np.zeros(1, np.int64)] + [np.array(by_kind[k], np.int64) for k in (OUTPUT, PUBLIC, PRIVATE)] + [internal]
        )
        new = np.empty(b.n_wires, np.int64)
        new[order] = np.arange(b.n_wires)
        new32 = new.astype(np.uint32)

        def matrix(rows) -> SparseMatrix:
            # renumbered in place, a chunk at a time: the terms are the larger part of a big circuit
            wires = np.frombuffer(rows.wires, np.uint32)
            for lo in range(0, len(wires), CHUNK):
                np.take(new32, wires[lo:lo + CHUNK], out=wires[lo:lo + CHUNK])
            return SparseMatrix(np.frombuffer(rows.indptr, np.int64), wires, np.frombuffer(rows.ids, np.uint32))

        signals = [Signal(s.name, s.kind, s.shape, new[s.wires].tolist()) for s in b.signals]
        names: list[str | None] = [None] * b.n_wires
        names[0] = "one"
        for s in signals:
            for i, w in enumerate(s.wires):
                names[w] = f"{name}.{s.name}" + _index_suffix(i, s.shape)
        r1cs = R1CS(
            b.n_wires,
            len(by_kind[OUTPUT]),
            len(by_kind[PUBLIC]),
            len(by_kind[PRIVATE]),
            *(matrix(rows) for rows in b.matrices),
            b.coeffs,
            np.frombuffer(b.constraint_site, np.int64),
            b.sites,
            names,
        )
        steps = np.frombuffer(b.step_wire, np.int64)
        step_wire = np.where(steps >= 0, new[np.maximum(steps, 0)], -1)
        hints = [
            Hint(h.fn, [{int(new[w]): c for w, c in t.items()} for t in h.inputs], new[h.outputs].tolist(), h.name, h.site)
            for h in b.hints
        ]
        return CompiledCircuit(
            name,
            r1cs,
            signals,
            np.frombuffer(b.step_source, np.int64),
            step_wire,
            hints,
            kind[order],
            np.frombuffer(b.wire_site, np.int64)[order],
            dict(b.scope_calls),
            b.site_scope,
        )

    # -- witnesses -------------------------------------------------------------------------
    def solve(self, inputs: Mapping[str, object], check: bool = True, backend: Optional[Backend] = None) -> list[int]:
        """The full witness for ``inputs`` (signal name -> value or nested lists of values)."""
        return solver.solve(self, inputs, check, backend)

    def solve_array(self, inputs: Mapping[str, object], check: bool = True,
                    backend: Optional[Backend] = None) -> np.ndarray:
        """:meth:`solve` as canonical ``(n_wires, 4)`` uint64 limbs, the prover's layout."""
        return solver.solve_array(self, inputs, check, backend)

    def __getstate__(self) -> dict:
        """Pickled without :attr:`program`: it holds native buffers, and is made again on first
        use wherever the circuit lands (a proving farm's worker)."""
        state = dict(self.__dict__)
        state.pop("program", None)
        return state

    @functools.cached_property
    def program(self) -> R1CSProgram:
        """What the solver runs (made on first use; see :mod:`prozchain.circuits.solver`)."""
        return solver.program(self)

    def check(self, witness: Sequence[int]) -> None:
        """Raise ``ConstraintError`` naming the first violated constraint (index, site, values)."""
        self.r1cs.check(witness)

    def signal(self, name: str) -> Signal:
        for s in self.signals:
            if s.name == name:
                return s
        raise KeyError(f"no signal {name!r} in {self.name}")

    def value(self, witness: Sequence[int], name: str):
        """The value of signal ``name`` in ``witness`` (nested lists for arrays)."""
        s = self.signal(name)
        return nest([witness[w] for w in s.wires], s.shape)

    def outputs(self, witness: Sequence[int]) -> dict:
        return {s.name: self.value(witness, s.name) for s in self.signals if s.kind == OUTPUT}

    def public_values(self, witness: Sequence[int]) -> list[int]:
        """What a verifier sees: public outputs then public inputs, in wire order."""
        return list(witness[1 : 1 + self.r1cs.n_public_wires])

    # -- names -----------------------------------------------------------------------------
    def wire_label(self, wire: int) -> str:
        """A readable name: the signal's for inputs and outputs, else the scope and kind."""
        name = self.r1cs.wire_names[wire] if self.r1cs.wire_names else None
        if name:
            return name
        scope = self.site_scope[int(self.wire_site[wire])] or self.name
        return f"{scope.replace('/', '.')}.{'hint' if self.wire_kind[wire] == HINT else 'w'}{wire}"

    def wire_labels(self) -> list[str]:
        """:meth:`wire_label` of every wire, in wire order (what a ``.sym`` file lists)."""
        return [self.wire_label(w) for w in range(self.r1cs.n_wires)]

    def describe_wire(self, wire: int) -> str:
        return f"wire {wire} ({KIND_NAMES[self.wire_kind[wire]]} {self.wire_label(wire)}, made at {self.r1cs.sites[int(self.wire_site[wire])]})"


def _index_suffix(i: int, shape: tuple[int, ...]) -> str:
    parts = []
    for n in reversed(shape):
        parts.append(f"[{i % n}]")
        i //= n
    return "".join(reversed(parts))
