"""Rank-1 constraint systems as sparse arrays, and the check that names the first failing constraint.

Constraint ``i`` says ``<A_i, w> * <B_i, w> = <C_i, w>`` over Fr. Each matrix is stored in CSR
form: ``indptr`` (row ``i`` spans ``indptr[i]:indptr[i+1]``), ``wires`` (column indices) and
``coeff_ids`` into one table ``coeffs`` shared by A, B and C, since circuits reuse few distinct
coefficients (1, -1, powers of two, round constants): 8 bytes per non-zero whatever the value.

Wires follow circom's order: 0 is the constant 1, then public outputs, public inputs, private
inputs, then internal wires.

>>> from prozchain.relations.r1cs import R1CS, SparseMatrix
>>> # one constraint: w1 * w1 = w2 (wires: 1, x, y)
>>> A = SparseMatrix.from_rows([[(1, 1)]], [1]); C = SparseMatrix.from_rows([[(2, 1)]], [1])
>>> r = R1CS(3, 0, 0, 2, A, A, C, [1])
>>> r.check([1, 3, 9])
>>> r.check([1, 3, 8])
Traceback (most recent call last):
...
prozchain.relations.errors.ConstraintError: constraint 0 fails (<top>): <A,w>=3 <B,w>=3 <C,w>=8, A*B-C=1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from prozchain.native.curve import R

from prozchain.relations.errors import ConstraintError, WitnessError


BLOCK = 1 << 16  # constraints checked at once: bounds the object arrays' memory


def _objects(values: Sequence[int]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = [int(v) for v in values]
    return out


@dataclass
class SparseMatrix:
    """One of A, B, C in CSR form; coefficients are indices into the system's ``coeffs`` table."""

    indptr: np.ndarray  # int64, n_constraints + 1
    wires: np.ndarray  # unsigned or int64, nnz (compiled circuits use uint32: 8 bytes per term)
    coeff_ids: np.ndarray  # same

    @staticmethod
    def from_rows(rows: Sequence[Sequence[tuple[int, int]]], table: list[int]) -> "SparseMatrix":
        """Build from rows of ``(wire, coeff)``, appending new coefficients to ``table`` in place."""
        index = {c: i for i, c in enumerate(table)}
        indptr, wires, ids = [0], [], []
        for row in rows:
            for wire, coeff in row:
                coeff %= R
                if coeff not in index:
                    index[coeff] = len(table)
                    table.append(coeff)
                wires.append(wire)
                ids.append(index[coeff])
            indptr.append(len(wires))
        return SparseMatrix(np.array(indptr, np.int64), np.array(wires, np.int64), np.array(ids, np.int64))

    @property
    def nnz(self) -> int:
        return len(self.wires)

    def rows_slice(self, lo: int, hi: int) -> "SparseMatrix":
        """Rows ``lo`` to ``hi`` as a matrix of their own (views, no copy of the terms)."""
        s, e = int(self.indptr[lo]), int(self.indptr[hi])
        return SparseMatrix(self.indptr[lo : hi + 1] - s, self.wires[s:e], self.coeff_ids[s:e])

    def row(self, i: int, table: list[int]) -> list[tuple[int, int]]:
        s, e = int(self.indptr[i]), int(self.indptr[i + 1])
        return [(w, table[c]) for w, c in zip(self.wires[s:e].tolist(), self.coeff_ids[s:e].tolist())]

    def evaluate(self, witness: np.ndarray, table: np.ndarray) -> np.ndarray:
        """``<row_i, w> mod R`` for every row, as an object array of ints."""
        products = table[self.coeff_ids] * witness[self.wires]
        sums = np.concatenate([np.zeros(1, dtype=object), np.cumsum(products)]) if len(products) else np.zeros(1, dtype=object)
        return (sums[self.indptr[1:]] - sums[self.indptr[:-1]]) % R


@dataclass
class R1CS:
    """A constraint system with its wire layout, per-constraint sites and wire names."""

    n_wires: int
    n_outputs: int
    n_public: int
    n_private: int
    A: SparseMatrix
    B: SparseMatrix
    C: SparseMatrix
    coeffs: list[int]
    constraint_site: np.ndarray | None = None  # index into ``sites`` per constraint
    sites: list[str] = field(default_factory=lambda: ["<top>"])
    wire_names: list[str] | None = None

    @property
    def n_constraints(self) -> int:
        return len(self.A.indptr) - 1

    @property
    def n_public_wires(self) -> int:
        """Public outputs plus public inputs (what a verifier sees), not counting wire 0."""
        return self.n_outputs + self.n_public

    def site(self, i: int) -> str:
        """The gadget label and source line that created constraint ``i``."""
        if self.constraint_site is None:
            return "<top>"
        return self.sites[int(self.constraint_site[i])]

    def wire_name(self, wire: int) -> str:
        if self.wire_names is not None and self.wire_names[wire]:
            return self.wire_names[wire]
        return f"w{wire}"

    def rows(self, i: int) -> tuple[list[tuple[int, int]], ...]:
        return tuple(m.row(i, self.coeffs) for m in (self.A, self.B, self.C))

    def evaluate(self, witness: Sequence[int], lo: int = 0, hi: int | None = None) -> tuple[np.ndarray, ...]:
        """``(<A,w>, <B,w>, <C,w>)`` for constraints ``lo`` to ``hi`` (default: all)."""
        if len(witness) != self.n_wires:
            raise WitnessError(f"witness has {len(witness)} values, the system has {self.n_wires} wires")
        hi = self.n_constraints if hi is None else hi
        w = witness if isinstance(witness, np.ndarray) and witness.dtype == object else _objects(witness)
        table = _objects(self.coeffs)
        return tuple(m.rows_slice(lo, hi).evaluate(w, table) for m in (self.A, self.B, self.C))

    def failing(self, witness: Sequence[int]) -> np.ndarray:
        """Indices of every constraint the witness violates (checked in blocks, to bound memory)."""
        w = _objects(witness)
        bad = []
        for lo in range(0, self.n_constraints, BLOCK):
            a, b, c = self.evaluate(w, lo, min(lo + BLOCK, self.n_constraints))
            bad.append(np.nonzero((a * b - c) % R != 0)[0] + lo)
        return np.concatenate(bad) if bad else np.zeros(0, np.int64)

    def check(self, witness: Sequence[int]) -> None:
        """Raise ``ConstraintError`` naming the first constraint ``witness`` violates."""
        if len(witness) and int(witness[0]) != 1:
            raise WitnessError(f"wire 0 must be 1, the witness has {witness[0]}")
        bad = self.failing(witness)
        if len(bad):
            raise self.constraint_error(witness, int(bad[0]), len(bad))

    def constraint_error(self, witness: Sequence[int], i: int, n_bad: int) -> ConstraintError:
        """The error naming constraint ``i``, which ``witness`` violates, among ``n_bad`` that fail."""
        a, b, c = self.evaluate(witness, i, i + 1)
        values = (int(a[0]), int(b[0]), int(c[0]))
        diff = (values[0] * values[1] - values[2]) % R
        return ConstraintError(
            f"constraint {i} fails ({self.site(i)}): <A,w>={values[0]} <B,w>={values[1]} "
            f"<C,w>={values[2]}, A*B-C={diff}" + (f" ({n_bad} constraints fail in all)" if n_bad > 1 else ""),
            i,
            self.site(i),
            values,
        )

    def wire_uses(self) -> np.ndarray:
        """How many constraint terms mention each wire."""
        all_wires = np.concatenate([self.A.wires, self.B.wires, self.C.wires])
        return np.bincount(all_wires, minlength=self.n_wires)
