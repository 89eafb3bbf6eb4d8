"""Bulk data for the MSM and NTT kernels: numpy layouts shared by every backend.

- Fr vectors (scalars, NTT input and output) are ``uint64`` arrays of shape ``(n, 4)``: each row
  one canonical value as little-endian 64-bit limbs. Rows may hold any value below 2^256; MSM
  scalars are taken modulo R, NTT inputs must be below R.
- MSM bases are :class:`PreparedBases`: affine points whose coordinates are already in the
  kernels' Montgomery form (x * 2^256 mod P), shape ``(n, 8)`` on G1 (x, y) and ``(n, 16)`` on
  G2 (x.c0, x.c1, y.c0, y.c1), the point at infinity as a zero row. This is byte for byte the
  layout of a snarkjs ``.zkey`` point section, so a proving key converts once and every MSM
  reuses it.

>>> import numpy as np
>>> a = ints_to_array([1, 2**64 + 3])
>>> a.shape, a.dtype, array_to_ints(a)
((2, 4), dtype('uint64'), [1, 18446744073709551619])
>>> b = prepare_bases(Group.G1, [(1, 2), None])
>>> b.group, len(b), bases_to_points(b)
(<Group.G1: 'g1'>, 2, [(1, 2), None])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Optional, Sequence

import numpy as np

from prozchain.native.curve import P, R, TWO_ADICITY, Group, Point, flatten
from prozchain.native.errors import InvalidArgumentError, InvalidFieldElementError

# One sparse QAP coefficient as a snarkjs .zkey stores it (44 bytes, unaligned): matrix (0 A,
# 1 B), constraint row, signal, value (coef * 2^512 mod R, little-endian limbs).
COEF_DTYPE = np.dtype([("matrix", "<u4"), ("constraint", "<u4"), ("signal", "<u4"), ("value", "<u8", (4,))])
MONT = 1 << 256
MONT_INV_P = pow(MONT, -1, P)


def ints_to_array(values: Sequence[int], modulus: Optional[int] = None) -> np.ndarray:
    """Ints in [0, 2^256) (or [0, modulus) when given) as an ``(n, 4)`` uint64 array."""
    bound = modulus if modulus is not None else 1 << 256
    values = list(values)
    for i, v in enumerate(values):
        if not 0 <= v < bound:
            raise InvalidFieldElementError(f"value {i} ({v}) is not in [0, {bound})")
    data = b"".join(v.to_bytes(32, "little") for v in values)
    return np.frombuffer(data, dtype="<u8").reshape(len(values), 4).astype(np.uint64)


def array_to_ints(arr: np.ndarray) -> list[int]:
    """The rows of an ``(n, 4)`` limb array (or a flat array of 4n limbs) as ints."""
    data = np.ascontiguousarray(arr, dtype="<u8").tobytes()
    return [int.from_bytes(data[i:i + 32], "little") for i in range(0, len(data), 32)]


def scalars_array(scalars: Sequence[int]) -> np.ndarray:
    """MSM scalars (any ints, negative included) reduced modulo R, as an ``(n, 4)`` array."""
    return ints_to_array([k % R for k in scalars])


def check_fr_array(arr: np.ndarray, what: str = "array") -> np.ndarray:
    """``arr`` as a C-contiguous ``(n, 4)`` uint64 array, or a clear error."""
    a = np.ascontiguousarray(arr, dtype=np.uint64)
    if a.ndim != 2 or a.shape[1] != 4:
        raise InvalidArgumentError(f"{what} must have shape (n, 4) (uint64 limbs), not {arr.shape}")
    return a


@dataclass(frozen=True)
class PreparedBases:
    """MSM bases in the kernels' layout (see the module doc); build with ``prepare_bases`` or a
    backend's ``msm_prepare`` once, then pass to ``msm_prepared`` any number of times."""

    group: Group
    array: np.ndarray

    def __len__(self) -> int:
        return self.array.shape[0]


@dataclass(frozen=True)
class FixedBases(PreparedBases):
    """Prepared bases with the C core's fixed-base table beside them (``CBackend.msm_table``):
    ``table`` holds ``2^(window * w)`` times every base for each window w, so an MSM over them
    is one window of buckets with one reduction. A resident prover keeps them per key; any
    backend still accepts them as plain prepared bases."""

    window: int = 0
    table: Optional[np.ndarray] = None


def points_to_array(group: Group, points: Sequence[Point]) -> np.ndarray:
    """Affine points as canonical coordinate limbs, shape ``(n, 4 * coords)``."""
    coords = [c for p in points for c in flatten(group, p)]
    return ints_to_array(coords, P).reshape(len(points), 4 * group.coords)


def prepare_bases(group: Group, points: Sequence[Point]) -> PreparedBases:
    """Pure-Python conversion to the prepared layout (the C backend has a faster one)."""
    coords = [c for p in points for c in flatten(group, p)]
    for c in coords:
        if not 0 <= c < P:
            raise InvalidFieldElementError(f"coordinate {c} is not < P")
    mont = ints_to_array([c * MONT % P for c in coords])
    return PreparedBases(group, mont.reshape(len(points), 4 * group.coords))


def bases_to_points(bases: PreparedBases) -> list[Point]:
    """The affine points behind prepared bases (for tests and the reference backend)."""
    k = bases.group.coords
    coords = [c * MONT_INV_P % P for c in array_to_ints(bases.array)]
    out: list[Point] = []
    for i in range(len(bases)):
        c = coords[k * i: k * i + k]
        if not any(c):
            out.append(None)
        elif k == 2:
            out.append((c[0], c[1]))
        else:
            out.append(((c[0], c[1]), (c[2], c[3])))
    return out


def ntt_log(n: int) -> int:
    """log2(n) for an NTT length n, or a ValueError."""
    if n <= 0 or n & (n - 1):
        raise InvalidArgumentError(f"NTT length must be a power of two, not {n}")
    log = n.bit_length() - 1
    if log > TWO_ADICITY:
        raise InvalidArgumentError(f"NTT size 2^{log} exceeds Fr's 2-adicity {TWO_ADICITY}")
    return log


class HintOp(IntEnum):
    """How the witness solver runs a hint (``enum pz_hint_op`` in native/src/api.h): its Python
    function, or one field operation the C core does itself (handing a zero divisor back to the
    Python function, which reports it)."""

    PYTHON = 0
    INVERSE = 1  # 1 / x
    QUOTIENT = 2  # n / d
    INVERSE_OR_ZERO = 3  # 1 / x, or 0 for x = 0

    @property
    def arity(self) -> int:
        return 2 if self is HintOp.QUOTIENT else 1


@dataclass
class R1CSProgram:
    """What the witness solver runs (``struct pz_r1cs`` in native/src/api.h), built once per
    compiled circuit by :func:`r1cs_program`: the R1CS's matrices A, B, C in CSR form (``indptr``,
    ``wires``, ``ids`` into the coefficient table; ``coeffs`` canonical ints, ``coeffs_mont`` the
    kernels' Montgomery limbs, ``one_id`` the id of 1 or -1), the solve steps (``step_source``: the
    constraint solving ``step_wire``, or ``-(h + 1)`` for hint ``h``; ``step_own`` the row of
    ``own_inv``, ``2^512 / c`` for the wire's coefficient ``c`` in that constraint's C), and the hints
    the C core runs itself (``hint_op``; their input combinations ``hint_lc`` -> ``hint_ptr`` ->
    ``hint_wires``, ``hint_coeffs``; one output wire ``hint_out``). ``cache`` holds what a backend
    derives from it (the C struct)."""

    n_wires: int
    indptr: tuple[np.ndarray, np.ndarray, np.ndarray]
    wires: tuple[np.ndarray, np.ndarray, np.ndarray]
    ids: tuple[np.ndarray, np.ndarray, np.ndarray]
    coeffs: Sequence[int]
    coeffs_mont: np.ndarray
    one_id: int
    step_source: np.ndarray
    step_wire: np.ndarray
    step_own: np.ndarray
    own_inv: np.ndarray
    hint_op: np.ndarray
    hint_lc: np.ndarray
    hint_ptr: np.ndarray
    hint_wires: np.ndarray
    hint_coeffs: np.ndarray
    hint_out: np.ndarray
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_steps(self) -> int:
        return len(self.step_source)

    @property
    def n_constraints(self) -> int:
        return len(self.indptr[0]) - 1

    @property
    def unsolved_rows(self) -> np.ndarray:
        """The constraints no step solves a wire from (assertions, hints' checks), ascending: a
        step's constraint holds by construction, its wire being fresh and alone in it."""
        rows = self.cache.get("unsolved")
        if rows is None:
            solved = np.zeros(self.n_constraints, bool)
            solved[self.step_source[self.step_source >= 0]] = True
            rows = self.cache["unsolved"] = np.nonzero(~solved)[0]
        return rows


def _mont_fr(values: Sequence[int]) -> np.ndarray:
    return ints_to_array([v * MONT % R for v in values], R).reshape(len(values), 4)


_ROWS_AT_ONCE = 1 << 18


def _block_terms(indptr: np.ndarray, wires: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """The row and the wire of every term of rows ``lo .. hi``."""
    s, e = int(indptr[lo]), int(indptr[hi])
    return np.repeat(np.arange(lo, hi), np.diff(indptr[lo:hi + 1])), wires[s:e].astype(np.int64)


def r1cs_program(n_wires: int, matrices: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], coeffs: Sequence[int],
                 step_source: np.ndarray, step_wire: np.ndarray,
                 hints: Sequence[tuple[HintOp, Sequence[dict[int, int]], Sequence[int]]]) -> R1CSProgram:
    """The solve program of an R1CS: ``matrices`` are A, B, C as ``(indptr, wires, coefficient
    ids)``, ``coeffs`` the coefficient table (ints below R), ``step_source`` / ``step_wire`` the
    solve steps (see :class:`R1CSProgram`), ``hints`` one ``(op, input combinations {wire: coeff},
    output wires)`` per hint. Each constraint a step names must hold its wire in C, and not in A
    or B: then it holds by construction once solved.

    >>> from prozchain.native.kernels import HintOp, r1cs_program
    >>> import numpy as np
    >>> rows = lambda *r: (np.array([0, *np.cumsum([len(x) for x in r])]), np.array([w for x in r for w in x]),
    ...                    np.zeros(sum(map(len, r)), np.int64))
    >>> p = r1cs_program(3, [rows([1]), rows([1]), rows([2])], [1], np.array([0]), np.array([2]), [])
    >>> p.n_steps, p.one_id, p.step_own.tolist()
    (1, 0, [0])
    """
    indptr = tuple(np.ascontiguousarray(m[0], np.int64) for m in matrices)
    wires = tuple(np.ascontiguousarray(m[1], np.uint32) for m in matrices)
    ids = tuple(np.ascontiguousarray(m[2], np.uint32) for m in matrices)
    step_source = np.ascontiguousarray(step_source, np.int64)
    step_wire = np.ascontiguousarray(step_wire, np.int64)
    if any(len(w) and int(w.max()) >= n_wires for w in wires) or any(len(i) and int(i.max()) >= len(coeffs) for i in ids):
        raise InvalidArgumentError("r1cs_program: a term names a wire or a coefficient beyond the tables")
    # the coefficient of each step's own wire in the C row of its constraint
    n_rows = len(indptr[2]) - 1
    solved = step_source >= 0
    target_of_row = np.full(n_rows, -1, np.int64)
    target_of_row[step_source[solved]] = step_wire[solved]
    own_id_of_row = np.full(n_rows, -1, np.int64)
    for lo in range(0, n_rows, _ROWS_AT_ONCE):  # in blocks of rows: a term costs 8 bytes here, not 40
        hi = min(lo + _ROWS_AT_ONCE, n_rows)
        for m in (0, 1):  # a wire in A or B of its own constraint would be read before it is solved
            rows, terms = _block_terms(indptr[m], wires[m], lo, hi)
            if (terms == target_of_row[rows]).any():
                raise InvalidArgumentError("r1cs_program: a step's wire appears in A or B of its own constraint")
        rows, terms = _block_terms(indptr[2], wires[2], lo, hi)
        own_term = np.nonzero(terms == target_of_row[rows])[0]
        own_id_of_row[rows[own_term]] = ids[2][int(indptr[2][lo]) + own_term]
    own_ids = own_id_of_row[step_source[solved]]
    if (own_ids < 0).any():
        raise InvalidArgumentError("r1cs_program: a step's wire is missing from its constraint's C")
    distinct, own_index = np.unique(own_ids, return_inverse=True)
    step_own = np.full(len(step_source), -1, np.int32)
    step_own[solved] = own_index
    own_inv = ints_to_array([pow(coeffs[int(i)], -1, R) * MONT * MONT % R for i in distinct], R).reshape(-1, 4)
    ops, lc, ptr, hint_wires, hint_values, out = [], [0], [0], [], [], []
    for op, inputs, outputs in hints:
        native = op is not HintOp.PYTHON and len(inputs) == op.arity and len(outputs) == 1
        ops.append(op if native else HintOp.PYTHON)
        out.append(outputs[0] if native else -1)
        for terms in inputs if native else ():
            hint_wires.extend(terms)
            hint_values.extend(terms.values())
            ptr.append(len(hint_wires))
        lc.append(len(ptr) - 1)
    one = [i for i, c in enumerate(coeffs) if c == 1]
    return R1CSProgram(n_wires, indptr, wires, ids, coeffs, _mont_fr(coeffs), one[0] if one else -1,
                       step_source, step_wire, step_own, own_inv, np.array(ops, np.uint8), np.array(lc, np.int64),
                       np.array(ptr, np.int64), np.array(hint_wires, np.uint32), _mont_fr(hint_values),
                       np.array(out, np.int64))
