"""Tracing a circuit: the builder that turns variable arithmetic into constraints and solve steps.

While a circuit's ``define`` runs, one :class:`Builder` is current. Every non-linear operation
appends a constraint to flat arrays (wire index and coefficient id per term, so 2^20
constraints fit in tens of megabytes) and, when it introduces a wire, a *solve step* saying how
the witness solver computes that wire later: either from the constraint itself (the wire
appears once, linearly, in C) or from a hint. Each constraint remembers its *site*: the gadget
scope that was open and the source line outside this package that created it.

>>> from prozchain.circuits.builder import Builder, tracing
>>> with tracing(Builder()) as b:
...     x = b.input("x", public=False)
...     y = x * x * x + x + 5
...     b.output("y", y)
>>> b.n_constraints
3
"""

from __future__ import annotations

import os
import sys
from array import array
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Sequence

import numpy as np

from prozchain.native.curve import R
from prozchain.native.errors import NotInvertibleError
from prozchain.native.kernels import HintOp

from prozchain.circuits.errors import CircuitError
from prozchain.circuits.lc import Value, Var, lift

ONE, OUTPUT, PUBLIC, PRIVATE, INTERNAL, HINT = range(6)
KIND_NAMES = ["one", "public output", "public input", "private input", "internal", "hint output"]

# Frames from these files are machinery: a constraint's source line is the first frame outside them.
_MACHINERY = {
    os.path.join(os.path.dirname(__file__), name)
    for name in ("lc.py", "builder.py", "circuit.py", "api.py", "stamp.py")
}

_current: "Builder | None" = None


def current() -> "Builder":
    """The builder of the circuit being traced."""
    if _current is None:
        raise CircuitError(
            "no circuit is being traced: multiply variables and call gadgets inside a circuit's define()"
        )
    return _current


@contextmanager
def tracing(builder: "Builder") -> Iterator["Builder"]:
    """Make ``builder`` the current one for the duration of the block."""
    global _current
    previous, _current = _current, builder
    try:
        yield builder
    finally:
        _current = previous


@dataclass
class Signal:
    """A named input or output: its kind, shape and wires (flattened, row-major)."""

    name: str
    kind: int
    shape: tuple[int, ...]
    wires: list[int]


@dataclass
class Hint:
    """Advice computed outside the constraints: ``outputs = fn(*values of inputs)``."""

    fn: Callable[..., object]
    inputs: list[dict[int, int]]
    outputs: list[int]
    name: str
    site: int


class _Rows:
    """One matrix under construction: CSR arrays grown by appending, a traced row term by term, a
    stamped block (:mod:`prozchain.circuits.stamp`) as whole arrays. ``array`` grows in place
    (realloc), so a matrix of hundreds of millions of terms never exists twice."""

    def __init__(self) -> None:
        self.indptr = array("q", [0])
        self.wires = array("I")  # 4 bytes per term: wires and coefficient ids stay below 2^32
        self.ids = array("I")

    def append_block(self, indptr: np.ndarray, wires: np.ndarray, ids: np.ndarray) -> None:
        """Append rows given in CSR form (``indptr`` from 0)."""
        self.indptr.frombytes((indptr[1:] + len(self.wires)).astype(np.int64).tobytes())
        self.wires.frombytes(wires.astype(np.uint32).tobytes())
        self.ids.frombytes(ids.astype(np.uint32).tobytes())


class Builder:
    """The constraint system being traced; see the module docstring.

    With a ``parent``, the builder traces a sub-circuit's template (see
    :mod:`prozchain.circuits.stamp`): it shares the parent's coefficient and site tables and its
    open gadget scopes, and its wires start after the parent's and the ``n_ports`` wires that
    stand for the template's inputs. ``wire_kind`` and ``wire_site`` are indexed from
    ``first_wire``. ``stamp`` says whether sub-circuits are stamped (the default) or traced inline.
    """

    def __init__(self, parent: Optional["Builder"] = None, n_ports: int = 0, stamp: bool = True) -> None:
        self.parent = parent
        self.signals: list[Signal] = []
        self.matrices = (_Rows(), _Rows(), _Rows())
        self.constraint_site = array("q")
        self.scope_calls: dict[str, int] = {}
        self.templates: dict = {}  # (sub-circuit, call signature) -> Template, see stamp.py
        if parent is None:
            self.first_wire, self.n_wires, self.stamp = 0, 1, stamp
            self.wire_kind = bytearray([ONE])
            self.wire_site = array("q", [0])
            self.coeffs: list[int] = []
            self._coeff_index: dict[int, int] = {}
            self.sites: list[str] = ["<top>"]
            self.site_scope: list[str] = [""]
            self._site_index: dict[tuple[str, str, int], int] = {}
            self._scopes: list[str] = []
        else:
            self.first_wire = self.n_wires = parent.n_wires + n_ports
            self.stamp = parent.stamp
            self.wire_kind, self.wire_site = bytearray(), array("q")
            self.coeffs, self._coeff_index = parent.coeffs, parent._coeff_index
            self.sites, self.site_scope, self._site_index = parent.sites, parent.site_scope, parent._site_index
            self._scopes = list(parent._scopes)
        self.scope_path = "/".join(self._scopes)
        # Solve steps in creation order: step_source[k] >= 0 solves wire step_wire[k] from that
        # constraint; a negative value -(h + 1) runs hint h.
        self.step_source = array("q")
        self.step_wire = array("q")
        self.hints: list[Hint] = []

    @property
    def n_constraints(self) -> int:
        return len(self.constraint_site)

    def coeff_id(self, coeff: int) -> int:
        """The id of ``coeff`` (in ``[1, R)``) in the coefficient table, added if new."""
        index = self._coeff_index.get(coeff)
        if index is None:
            index = self._coeff_index[coeff] = len(self.coeffs)
            self.coeffs.append(coeff)
        return index

    # -- sites and scopes ------------------------------------------------------------------
    def site(self) -> int:
        frame = sys._getframe(1)
        while frame.f_back is not None and frame.f_code.co_filename in _MACHINERY:
            frame = frame.f_back
        key = (self.scope_path, frame.f_code.co_filename, frame.f_lineno)
        index = self._site_index.get(key)
        if index is None:
            index = self._site_index[key] = len(self.sites)
            where = os.path.relpath(key[1]) if not key[1].startswith("<") else key[1]
            self.sites.append(f"{key[0] or '<top>'} at {where}:{key[2]}")
            self.site_scope.append(key[0])
        return index

    @contextmanager
    def scope(self, label: str) -> Iterator[None]:
        """Label the constraints made inside the block (nested scopes join with '/')."""
        self._scopes.append(label)
        saved, self.scope_path = self.scope_path, "/".join(self._scopes)
        self.scope_calls[self.scope_path] = self.scope_calls.get(self.scope_path, 0) + 1
        try:
            yield
        finally:
            self._scopes.pop()
            self.scope_path = saved

    # -- wires and constraints -------------------------------------------------------------
    def new_wire(self, kind: int = INTERNAL, site: int | None = None) -> int:
        index = self.n_wires
        self.n_wires += 1
        self.wire_kind.append(kind)
        self.wire_site.append(self.site() if site is None else site)
        return index

    def constrain(self, a: Value, b: Value, c: Value, site: int | None = None) -> int:
        """Add ``a * b = c``; return the constraint's index."""
        index = self._coeff_index
        for rows, value in zip(self.matrices, (a, b, c)):
            terms = value.terms if type(value) is Var else lift(value).terms
            rows.wires.extend(terms)
            for coeff in terms.values():
                if coeff not in index:
                    index[coeff] = len(self.coeffs)
                    self.coeffs.append(coeff)
            rows.ids.extend([index[coeff] for coeff in terms.values()])
            rows.indptr.append(len(rows.wires))
        self.constraint_site.append(self.site() if site is None else site)
        return len(self.constraint_site) - 1

    def _solve_from(self, constraint: int, wire: int) -> None:
        self.step_source.append(constraint)
        self.step_wire.append(wire)

    def mul(self, a: Var, b: Var) -> Var:
        """``a * b`` as a fresh wire: one constraint."""
        site = self.site()
        z = self.new_wire(INTERNAL, site)
        self._solve_from(self.constrain(a, b, Var({z: 1}), site), z)
        return Var({z: 1})

    def mul_add(self, a: Value, b: Value, c: Value) -> Var:
        """``a * b + c`` as one fresh wire ``z`` and one constraint ``a * b = z - c``.

        The result is a single wire however long ``c`` is, so chains (an accumulator updated by
        ``select``) keep short linear combinations.
        """
        site = self.site()
        z = self.new_wire(INTERNAL, site)
        self._solve_from(self.constrain(a, b, Var({z: 1}) - lift(c), site), z)
        return Var({z: 1})

    def define(self, value: Value, kind: int = INTERNAL) -> int:
        """A fresh wire equal to the linear ``value`` (one constraint ``0 = value - wire``)."""
        z = self.new_wire(kind)
        self._solve_from(self.constrain(0, 0, lift(value) - Var.wire(z)), z)
        return z

    def hint(self, fn: Callable[..., object], inputs: Sequence[Value], n_out: int, name: str) -> list[Var]:
        """``n_out`` fresh wires computed by ``fn`` from the inputs' values; they must be constrained."""
        site = self.site()
        outputs = [self.new_wire(HINT) for _ in range(n_out)]
        self.hints.append(Hint(fn, [dict(lift(v).terms) for v in inputs], outputs, name, site))
        self.step_source.append(-len(self.hints))
        self.step_wire.append(-1)
        return [Var.wire(w) for w in outputs]

    def inverse(self, x: Var) -> Var:
        """``1 / x`` with the constraint ``x * inv = 1``, which also proves ``x != 0``."""
        (inv,) = self.hint(_inverse, [x], 1, "inverse")
        self.constrain(x, inv, 1)
        return inv

    def assert_equal(self, a: Value, b: Value) -> None:
        diff = lift(a) - lift(b)
        if diff.is_constant():
            if diff.terms:
                raise CircuitError(f"assert_equal of two different constants (they differ by {diff.terms[0]})")
            return
        self.constrain(0, 0, diff)

    # -- signals ---------------------------------------------------------------------------
    def _check_new_name(self, name: str) -> None:
        if self.parent is not None:
            raise CircuitError(f"signal {name!r} declared inside a sub-circuit: declare signals in define()")
        if any(s.name == name for s in self.signals):
            raise CircuitError(f"signal {name!r} is declared twice")

    def _declare(self, name: str, shape: tuple[int, ...], kind: int, wires: list[int]) -> Signal:
        signal = Signal(name, kind, shape, wires)
        self.signals.append(signal)
        return signal

    def input(self, name: str, shape: int | tuple[int, ...] = (), public: bool = False):
        """Declare an input signal; a Var, or nested lists of Vars for an array ``shape``."""
        self._check_new_name(name)
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        kind = PUBLIC if public else PRIVATE
        count = 1
        for n in shape:
            count *= n
        wires = [self.new_wire(kind) for _ in range(count)]
        self._declare(name, shape, kind, wires)
        return nest([Var.wire(w) for w in wires], shape)

    def output(self, name: str, value) -> None:
        """Declare a public output signal equal to ``value`` (a Var, int, or nested lists of them)."""
        self._check_new_name(name)
        flat, shape = flatten(value)
        wires = [self.define(v, OUTPUT) for v in flat]
        self._declare(name, shape, OUTPUT, wires)


def _inverse(x: int) -> int:
    if x == 0:
        raise NotInvertibleError("division by a variable whose value is 0")
    return pow(x, -1, R)


def quotient(n: int, d: int) -> int:
    """The hint ``n / d`` (``d`` must not be 0): the solver runs it in C."""
    return n * pow(d, -1, R) % R


def inverse_or_zero(v: int) -> int:
    """The hint ``1 / v``, or 0 for ``v = 0``: the solver runs it in C."""
    return pow(v, -1, R) if v else 0


# Hints the witness solver runs as one field operation in C, without calling them; a zero
# divisor hands the hint back to its function, which reports it as it always has.
NATIVE_HINTS = {_inverse: HintOp.INVERSE, quotient: HintOp.QUOTIENT, inverse_or_zero: HintOp.INVERSE_OR_ZERO}


def nest(flat: list, shape: tuple[int, ...]):
    """Reshape a flat list into nested lists of ``shape`` (a scalar for ``()``)."""
    if not shape:
        return flat[0]
    step = len(flat) // shape[0]
    return [nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def flatten(value) -> tuple[list, tuple[int, ...]]:
    """The leaves of nested lists in row-major order, and their shape."""
    if not isinstance(value, (list, tuple)):
        return [value], ()
    parts = [flatten(v) for v in value]
    shapes = {p[1] for p in parts}
    if len(shapes) > 1:
        raise CircuitError(f"ragged nested list: sub-lists have shapes {sorted(shapes)}")
    inner = parts[0][1] if parts else ()
    return [x for p in parts for x in p[0]], (len(value),) + inner
