"""Sub-circuits traced once and stamped: a loop body's constraints instantiated by array arithmetic.

A circuit that repeats a large piece (``k`` steps of a machine, ``n`` rounds of a hash) spends
its compile time re-running the same Python for every copy. A function decorated with
:func:`subcircuit` is traced once per *call signature* into a :class:`Template` (its constraints,
solve steps, hints and wires as numpy arrays, over placeholder wires standing for its
non-constant inputs); every call then *stamps* the template into the circuit: its fresh wires
are shifted past the circuit's, its placeholders replaced by the call's inputs, all with numpy
on whole arrays. The result is the constraint system the inline trace makes, in the same order
(:meth:`Circuit.compile(stamp=False) <prozchain.circuits.circuit.Circuit.compile>` traces inline,
and the tests compare the two).

A call signature is the structure of the arguments (nested lists, tuples and dicts), the values of
their constants (ints and constant variables, baked into the template), and which non-constant
inputs are the same variable or the same combination: a template is traced again when any of
these changes. The body must depend only on its arguments (and on variables it captures that
existed before its first call, which every copy then shares); it declares no signals. Traced
with its inputs as independent wires, a body whose gadgets would fold a constant out of a linear
relation between different inputs makes a constraint the inline trace would not: still sound,
one constraint more.

>>> from prozchain.circuits import Circuit, subcircuit
>>> @subcircuit
... def cube_plus(x, y):
...     return x * x * x + y
>>> class Chain(Circuit):
...     def define(self):
...         x = self.private_input("x")
...         for i in range(4):
...             x = cube_plus(x, i)
...         self.output("y", x)
>>> c = Chain().compile()
>>> c.r1cs.n_constraints, c.outputs(c.solve({"x": 1}))["y"] == ((((1 + 0) ** 3 + 1) ** 3 + 2) ** 3 + 3)
(9, True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, TypeVar

import numpy as np

from prozchain.native.curve import R

from prozchain.circuits.builder import Builder, Hint, current, tracing
from prozchain.circuits.errors import CircuitError
from prozchain.circuits.lc import Var

F = TypeVar("F", bound=Callable)
_VAR = "var"


def subcircuit(fn: F) -> F:
    """Decorator: ``fn``'s constraints are traced once per call signature and stamped at every
    call (see the module docstring); with ``compile(stamp=False)`` it runs inline."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        builder = current()
        if not builder.stamp:
            return fn(*args, **kwargs)
        leaves: list[Var] = []
        spec = _flatten((args, kwargs), leaves)
        ports, pattern = _ports(leaves)
        key = (wrapper, spec, pattern)
        template = builder.templates.get(key)
        if template is None:
            template = builder.templates[key] = Template.trace(builder, fn, spec, pattern, len(ports))
        return template.stamp(builder, ports, leaves)

    return wrapper  # type: ignore[return-value]


def _flatten(value, leaves: list[Var], call: bool = True):
    """The structure of ``value`` (nested lists, tuples and dicts), its variables appended to
    ``leaves``. For a call's arguments (``call``), constants (ints, constant variables) are part
    of the structure and anything else is refused; in a result, every variable is a leaf and any
    other value is kept as it is."""
    if isinstance(value, Var):
        if call and value.is_constant():
            return ("const", value.constant_value())
        leaves.append(value)
        return _VAR
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_flatten(v, leaves, call) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, _flatten(v, leaves, call)) for k, v in value.items()))
    if not call:
        return ("value", value)
    if isinstance(value, int):
        return ("int", type(value).__name__, int(value))
    raise CircuitError(f"a sub-circuit takes variables, ints and lists, tuples and dicts of them, not {type(value).__name__}")


def _ports(leaves: list[Var]) -> tuple[list[dict[int, int]], tuple]:
    """The distinct combinations among ``leaves`` (one port each), and per leaf its port and the
    first leaf that is the same object (so that the body sees the aliasing the call has)."""
    port_of: dict[tuple, int] = {}
    object_of: dict[int, int] = {}
    ports: list[dict[int, int]] = []
    pattern = []
    for i, leaf in enumerate(leaves):
        terms = leaf.terms
        key = tuple(sorted(terms.items()))
        p = port_of.get(key)
        if p is None:
            p = port_of[key] = len(ports)
            ports.append(terms)
        pattern.append((p, object_of.setdefault(id(leaf), i)))
    return ports, tuple(pattern)


def _build(spec, leaves: list, at: list[int]):
    """The value of structure ``spec`` (see :func:`_flatten`) with its variables taken from
    ``leaves`` in order."""
    if spec == _VAR:
        at[0] += 1
        return leaves[at[0] - 1]
    tag = spec[0]
    if tag == "const":
        return Var.const(spec[1])
    if tag == "int":
        return bool(spec[2]) if spec[1] == "bool" else spec[2]
    if tag == "value":
        return spec[1]
    if tag == "dict":
        return {k: _build(v, leaves, at) for k, v in spec[1]}
    items = [_build(v, leaves, at) for v in spec[1]]
    return items if tag == "list" else tuple(items)


@dataclass
class Template:
    """A traced sub-circuit. Wire ids below ``base`` are the circuit's (wire 0, variables the body
    captured), ``base .. first_wire`` the ports (one per distinct input combination), from
    ``first_wire`` on the body's own ``n_wires`` wires. ``rows`` are its A, B, C in CSR form;
    ``port_terms[m]`` the positions of the terms of matrix ``m`` that name a port, ``term_rows[m]``
    their rows."""

    base: int
    first_wire: int
    n_wires: int
    rows: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]
    port_terms: tuple[np.ndarray, ...]
    term_rows: tuple[np.ndarray, ...]
    captured: frozenset
    constraint_site: np.ndarray
    step_source: np.ndarray
    step_wire: np.ndarray
    hints: list[Hint]
    wire_kind: bytes
    wire_site: np.ndarray
    scope_calls: dict[str, int]
    out_spec: object
    out_leaves: list  # per result variable: ("arg", leaf index) for an input handed back, else its terms

    @staticmethod
    def trace(parent: Builder, fn: Callable, spec, pattern: tuple, n_ports: int) -> "Template":
        """Run ``fn`` once on placeholder wires for a call of structure ``spec``."""
        base = parent.n_wires
        child = Builder(parent, n_ports)
        placeholders: dict[int, Var] = {}
        leaves = [placeholders.setdefault(obj, Var.wire(base + p)) for p, obj in pattern]
        args, kwargs = _build(spec, leaves, [0])
        with tracing(child):
            result = fn(*args, **kwargs)
        flat: list[Var] = []
        out_spec = _flatten(result, flat, call=False)
        arg_of = {id(v): i for i, v in enumerate(leaves)}
        out_leaves = [("arg", arg_of[id(v)]) if id(v) in arg_of else dict(v.terms) for v in flat]
        rows, port_terms, term_rows, captured = [], [], [], set()
        for m in child.matrices:
            indptr = np.frombuffer(m.indptr, np.int64).copy()
            wires = np.frombuffer(m.wires, np.uint32).astype(np.int64)
            ids = np.frombuffer(m.ids, np.uint32).copy()
            rows.append((indptr, wires, ids))
            at = np.nonzero((wires >= base) & (wires < child.first_wire))[0]
            port_terms.append(at)
            term_rows.append(np.searchsorted(indptr, at, side="right") - 1)
            captured.update(np.unique(wires[(wires < base) & (wires > 0)]).tolist())
        for h in child.hints:
            captured.update(w for terms in h.inputs for w in terms if 0 < w < base)
        captured.update(w for leaf in out_leaves if isinstance(leaf, dict) for w in leaf if 0 < w < base)
        return Template(base, child.first_wire, child.n_wires - child.first_wire, tuple(rows), tuple(port_terms),
                        tuple(term_rows), frozenset(captured), np.frombuffer(child.constraint_site, np.int64).copy(),
                        np.frombuffer(child.step_source, np.int64).copy(),
                        np.frombuffer(child.step_wire, np.int64).copy(), child.hints, bytes(child.wire_kind),
                        np.frombuffer(child.wire_site, np.int64).copy(), dict(child.scope_calls), out_spec,
                        out_leaves)

    def stamp(self, b: Builder, ports: list[dict[int, int]], leaves: list[Var]) -> object:
        """Add a copy to ``b`` with the ports bound to ``ports`` (the call's variables ``leaves``); the
        copy's result."""
        offset = b.n_wires - self.first_wire
        n_constraints, n_hints = b.n_constraints, len(b.hints)
        # a port bound to one other wire (a fresh one: not among those the body names itself) is
        # a renaming, done on whole arrays; any other binding rewrites the rows naming it
        simple = np.full(len(ports), -1, np.int64)
        for p, terms in enumerate(ports):
            if len(terms) == 1:
                ((w, c),) = terms.items()
                if c == 1 and w != 0 and w not in self.captured:
                    simple[p] = w
        for m, ((indptr, wires, ids), at, term_row) in enumerate(zip(self.rows, self.port_terms, self.term_rows)):
            mapped = np.where(wires >= self.first_wire, wires + offset, wires)
            bound = simple[wires[at] - self.base]
            mapped[at] = bound
            redo = np.unique(term_row[bound < 0])
            if len(redo):
                indptr, mapped, ids = self._rewrite(b, indptr, wires, mapped, ids, redo, ports)
            b.matrices[m].append_block(indptr, mapped, ids)
        b.constraint_site.frombytes(self.constraint_site.tobytes())
        b.step_source.frombytes(np.where(self.step_source >= 0, self.step_source + n_constraints,
                                         self.step_source - n_hints).tobytes())
        b.step_wire.frombytes(np.where(self.step_wire >= 0, self.step_wire + offset, -1).tobytes())
        b.wire_kind.extend(self.wire_kind)
        b.wire_site.frombytes(self.wire_site.tobytes())
        b.n_wires += self.n_wires
        for path, n in self.scope_calls.items():
            b.scope_calls[path] = b.scope_calls.get(path, 0) + n
        substitute = functools.partial(self._substitute, offset=offset, ports=ports)
        b.hints.extend(Hint(h.fn, [substitute(t) for t in h.inputs], [w + offset for w in h.outputs], h.name, h.site)
                       for h in self.hints)
        results = [leaves[leaf[1]] if isinstance(leaf, tuple) else Var(substitute(leaf)) for leaf in self.out_leaves]
        return _build(self.out_spec, results, [0])

    def _substitute(self, terms: dict[int, int], offset: int, ports: list[dict[int, int]]) -> dict[int, int]:
        """A combination over the template's wires as one over the circuit's."""
        out: dict[int, int] = {}
        for w, c in terms.items():
            if w >= self.first_wire:
                out[w + offset] = (out.get(w + offset, 0) + c) % R
            elif w >= self.base:
                for pw, pc in ports[w - self.base].items():
                    out[pw] = (out.get(pw, 0) + c * pc) % R
            else:
                out[w] = (out.get(w, 0) + c) % R
        return {w: c for w, c in out.items() if c}

    def _rewrite(self, b: Builder, indptr: np.ndarray, wires: np.ndarray, mapped: np.ndarray, ids: np.ndarray,
                 redo: np.ndarray, ports: list[dict[int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows ``redo`` rebuilt with their ports' combinations substituted, spliced into the rest."""
        coeffs = b.coeffs
        new_rows = []
        for r in redo.tolist():
            s, e = int(indptr[r]), int(indptr[r + 1])
            out: dict[int, int] = {}
            for j in range(s, e):
                w, c = int(mapped[j]), coeffs[int(ids[j])]
                if w < 0:  # a port with a combination
                    for pw, pc in ports[int(wires[j]) - self.base].items():
                        out[pw] = (out.get(pw, 0) + c * pc) % R
                else:
                    out[w] = (out.get(w, 0) + c) % R
            new_rows.append({w: c for w, c in out.items() if c})
        counts = np.diff(indptr)
        new_counts = counts.copy()
        new_counts[redo] = [len(t) for t in new_rows]
        new_indptr = np.zeros(len(indptr), np.int64)
        np.cumsum(new_counts, out=new_indptr[1:])
        term_row = np.repeat(np.arange(len(counts)), counts)
        keep = np.ones(len(counts), bool)
        keep[redo] = False
        kept = keep[term_row]
        dest = new_indptr[term_row[kept]] + (np.arange(len(mapped)) - indptr[term_row])[kept]
        out_wires = np.empty(int(new_indptr[-1]), np.int64)
        out_ids = np.empty(int(new_indptr[-1]), np.uint32)
        out_wires[dest], out_ids[dest] = mapped[kept], ids[kept]
        for r, terms in zip(redo.tolist(), new_rows):
            s = int(new_indptr[r])
            out_wires[s:s + len(terms)] = list(terms)
            out_ids[s:s + len(terms)] = [b.coeff_id(c) for c in terms.values()]
        return new_indptr, out_wires, out_ids
