"""The one interface every arithmetic backend implements.

Values cross this interface as plain Python data, in canonical (not Montgomery) form:

- an Fp or Fr element is an ``int`` in ``[0, modulus)``;
- an Fp2 element is a tuple ``(c0, c1)`` meaning ``c0 + c1*u`` with ``u^2 = -1``;
- an Fp12 element (a pairing value, "GT") is a tuple of 12 ints: the coefficients of
  ``w^0 .. w^11`` in ``Fp[w] / (w^12 - 18*w^6 + 82)``, the basis py_ecc's ``FQ12`` uses;
- a G1 point is an affine ``(x, y)`` tuple of ints, and ``None`` is the point at infinity;
- a G2 point is an affine ``((x0, x1), (y0, y1))`` tuple of Fp2 tuples, ``None`` at infinity.

Field functions take the field first: ``Field.FP`` (base field, modulus ``P``) or ``Field.FR``
(scalar field, modulus ``R``). Group functions take ``Group.G1`` or ``Group.G2``
(:mod:`prozchain.native.curve`).

Group operations assume their inputs are on the curve; checking points read from outside is
the caller's job (``is_on_curve``, ``in_subgroup``). Scalars are any Python int (negative and
``>= R`` included): they are never reduced modulo ``R`` behind the caller's back, so
multiplying a point outside the subgroup still gives the true multiple.

>>> from prozchain.native import Field, Group, get_backend
>>> b = get_backend("reference")
>>> b.mul(Field.FR, 3, 5)
15
>>> b.g_mul(Group.G1, b.g1_generator(), 0) is None
True
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Callable, Literal, Optional, Sequence, Tuple

import numpy as np

from prozchain.native.curve import GENERATORS, GT_ONE, MODULI, P, R, Field, Fp12, G1, G2, Group, Point
from prozchain.native.errors import InvalidArgumentError, InvalidFieldElementError
from prozchain.native.kernels import (PreparedBases, R1CSProgram, array_to_ints, check_fr_array, ints_to_array, prepare_bases,
                                      scalars_array)

CheckLevel = Literal["canonical", "curve", "subgroup"]


class Check(IntEnum):
    """The checks on points read from outside, in the order they run (a later one assumes the
    earlier ones passed), each with the reason a point failing it is given."""

    CANONICAL = 1
    CURVE = 2
    SUBGROUP = 3

    @classmethod
    def upto(cls, level: CheckLevel) -> Check:
        return cls[level.upper()]

    @property
    def reason(self) -> str:
        return _REASONS[self]


_REASONS = {Check.CANONICAL: "a coordinate is not below P", Check.CURVE: "not on the curve",
            Check.SUBGROUP: "not in the subgroup of order R"}
MONT_INV = pow(2**256, -1, P)


def fp12_from_tower(coeffs: Sequence[int]) -> Fp12:
    """Tower coefficients (12 ints: the C core's and snarkjs's layout) to the py_ecc basis w^0..w^11.

    The tower's Fp2 coefficient a + b*u of w^k (k < 6) is a + b*(w^6 - 9), since u = w^6 - 9.
    In the C layout the Fp2 coefficient of w^(2i) is slot i and that of w^(2i+1) is slot 3 + i.
    """
    out = [0] * 12
    for slot in range(6):
        k = 2 * slot if slot < 3 else 2 * (slot - 3) + 1
        a, b = coeffs[2 * slot], coeffs[2 * slot + 1]
        out[k] = (a - 9 * b) % P
        out[k + 6] = b
    return tuple(out)


def fp12_to_tower(value: Fp12) -> list[int]:
    coeffs = [0] * 12
    for slot in range(6):
        k = 2 * slot if slot < 3 else 2 * (slot - 3) + 1
        b = value[k + 6] % P
        coeffs[2 * slot] = (value[k] + 9 * b) % P
        coeffs[2 * slot + 1] = b
    return coeffs


def check_sparse_arrays(bases: PreparedBases, indptr, rows, ids, table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``sparse_sums``'s index arrays as C-contiguous int64 / uint32 arrays, or a clear error."""
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    rows, ids = (np.ascontiguousarray(x, dtype=np.uint32) for x in (rows, ids))
    check_fr_array(table, "table")
    if indptr.ndim != 1 or not len(indptr) or indptr[0] != 0 or (np.diff(indptr) < 0).any() or indptr[-1] != len(rows) \
            or len(ids) != len(rows):
        raise InvalidArgumentError(f"sparse_sums: indptr must ascend from 0 to the {len(rows)} rows and ids")
    if len(rows) and (int(rows.max()) >= len(bases) or int(ids.max()) >= len(table)):
        raise InvalidArgumentError(f"sparse_sums: a row is not below {len(bases)} or an id not below {len(table)}")
    return indptr, rows, ids


class Backend:
    """Arithmetic on BN254: fields, the groups G1 and G2, and the optimal ate pairing."""

    name: str = "abstract"

    # -- fields ----------------------------------------------------------------------------
    def add(self, field: Field, a: int, b: int) -> int:
        raise NotImplementedError

    def sub(self, field: Field, a: int, b: int) -> int:
        raise NotImplementedError

    def neg(self, field: Field, a: int) -> int:
        raise NotImplementedError

    def mul(self, field: Field, a: int, b: int) -> int:
        raise NotImplementedError

    def sqr(self, field: Field, a: int) -> int:
        raise NotImplementedError

    def inv(self, field: Field, a: int) -> int:
        """The inverse of ``a``; ``ZeroDivisionError`` for 0."""
        raise NotImplementedError

    def pow(self, field: Field, a: int, e: int) -> int:
        """``a**e`` for ``e >= 0`` (``0**0 == 1``)."""
        raise NotImplementedError

    def sqrt(self, a: int) -> Optional[int]:
        """A square root of ``a`` in Fp (the one ``r`` with ``r <= P - r``), or None."""
        raise NotImplementedError

    def batch_inv(self, field: Field, values: Sequence[int]) -> list[int]:
        """Every inverse with one field inversion; ``ZeroDivisionError`` if any value is 0."""
        raise NotImplementedError

    # -- bulk over numpy arrays of canonical limbs (layouts in native.kernels) ------------------
    # These defaults go through the per-element methods; the C backend overrides them with
    # single native calls that release the GIL and run on PROZ_THREADS threads.
    def mul_array(self, field: Field, a, b):
        """Elementwise ``a * b`` of two ``(n, 4)`` uint64 arrays of canonical field elements."""
        xs, ys = array_to_ints(a), array_to_ints(b)
        if len(xs) != len(ys):
            raise InvalidArgumentError(f"mul_array: {len(xs)} and {len(ys)} elements")
        return ints_to_array([self.mul(field, x, y) for x, y in zip(xs, ys)], MODULI[field])

    def inv_array(self, field: Field, a):
        """Elementwise inverse of an ``(n, 4)`` array, one field inversion in all."""
        return ints_to_array(self.batch_inv(field, array_to_ints(a)), MODULI[field])

    def from_mont_array(self, field: Field, a):
        """An ``(n, 4)`` array of Montgomery-form limbs (x * 2^256 mod modulus, the layout of
        snarkjs's binary files) as canonical limbs."""
        modulus = MODULI[field]
        inv = pow(1 << 256, -1, modulus)
        return ints_to_array([v * inv % modulus for v in array_to_ints(a)], modulus)

    def qap_abc(self, records, witness, domain_size: int, release: Optional[Callable[[Any], None]] = None):
        """Groth16's A and B evaluations on the domain, from snarkjs's .zkey coefficients.

        ``records`` is a :data:`prozchain.native.kernels.COEF_DTYPE` array (matrix 0 = A / 1 = B,
        constraint row, signal, value) with each value stored as coef * 2^512 mod R as snarkjs
        stores it; ``witness`` an ``(m, 4)`` array. Returns canonical ``(A, B)``, each
        ``(domain_size, 4)``: ``A[row] = sum coef * witness[signal]`` over the A records.
        An invalid record raises ``InvalidFieldElementError`` naming its index. ``release``, if
        given, is called on the records once they are added (the C core calls it on each part
        of them as it goes, see :func:`prozchain.native.core.qap_abc_parts`).
        """
        inv2 = pow(1 << 512, -1, R)
        w = array_to_ints(witness)
        out = ([0] * domain_size, [0] * domain_size)
        values = array_to_ints(records["value"])
        for i, (m, c, s) in enumerate(zip(records["matrix"].tolist(), records["constraint"].tolist(),
                                          records["signal"].tolist())):
            if m > 1 or c >= domain_size or s >= len(w) or values[i] >= R:
                raise InvalidFieldElementError(f"coefficient record {i} is invalid (matrix {m}, row {c}, "
                                               f"signal {s})")
            out[m][c] = (out[m][c] + values[i] * inv2 * w[s]) % R
        if release is not None:
            release(records)
        return ints_to_array(out[0], R), ints_to_array(out[1], R)

    def r1cs_solve(self, program: R1CSProgram, witness: np.ndarray, start: int = 0) -> int:
        """Run ``program``'s solve steps from ``start`` on ``witness`` (canonical ``(n_wires, 4)``
        limbs, filled in place) until a hint its caller must run, whose step is returned, or the
        end (``program.n_steps``). Here, the reference: every hint goes back to the caller (its
        Python function defines it), and a step finds its wire's coefficient by scanning C."""
        table = program.coeffs

        def value(wire: int) -> int:
            return int.from_bytes(witness[wire].tobytes(), "little")

        def row(m: int, i: int) -> tuple[list[int], list[int]]:
            lo, hi = int(program.indptr[m][i]), int(program.indptr[m][i + 1])
            return program.wires[m][lo:hi].tolist(), [table[c] for c in program.ids[m][lo:hi].tolist()]

        for k in range(start, program.n_steps):
            source, target = int(program.step_source[k]), int(program.step_wire[k])
            if source < 0:
                return k
            a, b = (sum(c * value(w) for w, c in zip(*row(m, source))) for m in (0, 1))
            rest, own = 0, 0
            for w, c in zip(*row(2, source)):
                if w == target:
                    own = c
                else:
                    rest += c * value(w)
            result = (a * b - rest) * pow(own, -1, R) % R
            witness[target] = np.frombuffer(result.to_bytes(32, "little"), "<u8")
        return program.n_steps

    def r1cs_check(self, program: R1CSProgram, witness: np.ndarray,
                   rows: Optional[np.ndarray] = None) -> tuple[int, int]:
        """The first constraint of ``program`` that ``witness`` (canonical limbs) violates, or -1,
        and how many it violates: among ``rows`` (ascending indices) when given, else among all."""
        w = np.empty(len(witness), dtype=object)
        w[:] = array_to_ints(witness)
        table = np.empty(len(program.coeffs), dtype=object)
        table[:] = list(program.coeffs)
        dots = []
        for m in range(3):
            products = table[program.ids[m].astype(np.int64)] * w[program.wires[m].astype(np.int64)]
            sums = np.concatenate([np.zeros(1, dtype=object), np.cumsum(products)])
            dots.append(sums[program.indptr[m][1:]] - sums[program.indptr[m][:-1]])
        bad = np.nonzero((dots[0] * dots[1] - dots[2]) % R != 0)[0]
        if rows is not None:
            bad = np.intersect1d(bad, rows)
        return (int(bad[0]) if len(bad) else -1), len(bad)

    def qap_h(self, a, b, shift: int, consume: bool = False):
        """A * B - C on the coset ``shift * <w>``, where ``a``, ``b`` are the evaluations of A
        and B on the domain <w> and C = A * B pointwise there (snarkjs's H values with
        ``shift`` the 2n-th root of unity): interpolate, evaluate on the coset, combine.
        ``consume``: the caller no longer needs ``a`` and ``b``, which may then be overwritten
        (the C core transforms them in place instead of copying them)."""
        c = self.mul_array(Field.FR, a, b)
        coset = [array_to_ints(self.ntt_array(self.ntt_array(x, inverse=True), shift=shift)) for x in (a, b, c)]
        return ints_to_array([(x * y - z) % R for x, y, z in zip(*coset)], R)

    def check_points_array(self, group: Group, points, upto: CheckLevel = "subgroup",
                           mont: bool = False) -> Optional[Tuple[int, str]]:
        """The first invalid point of an ``(n, 8)`` (G1) or ``(n, 16)`` (G2) uint64 array of
        affine coordinates (a zero row is infinity), as ``(index, reason)``; None if every
        point passes the checks up to ``upto``: "canonical" (coordinates below P), "curve"
        (and on the curve) or "subgroup" (and in the order-R subgroup). ``mont``: the
        coordinates are in Montgomery form, as .zkey and .ptau files store them."""
        level = Check.upto(upto)
        coords = array_to_ints(points)
        width = group.coords
        for i in range(len(coords) // width):
            row = coords[i * width:(i + 1) * width]
            if any(c >= P for c in row):
                return i, Check.CANONICAL.reason
            if mont:
                row = [c * MONT_INV % P for c in row]
            point = None if not any(row) else (
                (row[0], row[1]) if group is Group.G1 else ((row[0], row[1]), (row[2], row[3])))
            if level >= Check.CURVE and not self.is_on_curve(group, point):
                return i, Check.CURVE.reason
            if level >= Check.SUBGROUP and not self.in_subgroup(group, point):
                return i, Check.SUBGROUP.reason
        return None

    # -- groups ----------------------------------------------------------------------------
    def g_add(self, group: Group, a: Point, b: Point) -> Point:
        raise NotImplementedError

    def g_double(self, group: Group, a: Point) -> Point:
        raise NotImplementedError

    def g_neg(self, group: Group, a: Point) -> Point:
        raise NotImplementedError

    def g_mul(self, group: Group, a: Point, k: int) -> Point:
        raise NotImplementedError

    def is_on_curve(self, group: Group, a: Point) -> bool:
        """y^2 = x^3 + b (b = 3 on G1, 3/(9+u) on G2); infinity counts as on the curve."""
        raise NotImplementedError

    def in_subgroup(self, group: Group, a: Point) -> bool:
        """Whether an on-curve point has order dividing R (always true on G1: cofactor 1)."""
        raise NotImplementedError

    def batch_to_affine(self, group: Group, points: Sequence[tuple]) -> list[Point]:
        """Jacobian ``(X, Y, Z)`` triples (Fp or Fp2 coordinates, Z = 0 at infinity) to affine."""
        raise NotImplementedError

    # -- pairing ---------------------------------------------------------------------------
    def pairing(self, p: G1, q: G2) -> Fp12:
        """The reduced optimal ate pairing e(p, q); equals py_ecc's ``pairing(q, p)``."""
        return self.multi_pairing([(p, q)])

    def multi_pairing(self, pairs: Sequence[Tuple[G1, G2]]) -> Fp12:
        """The product of e(p_i, q_i): one Miller loop per pair, one final exponentiation."""
        raise NotImplementedError

    def pairing_check(self, pairs: Sequence[Tuple[G1, G2]]) -> bool:
        """Whether the product of e(p_i, q_i) is 1 (the test Groth16 and EIP-197 need)."""
        return self.multi_pairing(pairs) == GT_ONE

    def gt_mul(self, a: Fp12, b: Fp12) -> Fp12:
        raise NotImplementedError

    def gt_pow(self, a: Fp12, e: int) -> Fp12:
        raise NotImplementedError

    # -- bulk kernels: MSM and NTT ------------------------------------------------------------
    # Bulk data is numpy (see native.kernels): scalars and Fr vectors as (n, 4) uint64 arrays of
    # canonical limbs, MSM bases as PreparedBases (Montgomery affine, converted once, reused).
    def msm_prepare(self, group: Group, points: Sequence[Point]) -> PreparedBases:
        """``points`` (affine, None at infinity) converted once to the MSM kernels' layout: a
        :class:`prozchain.native.kernels.PreparedBases` any backend's ``msm_prepared`` accepts."""
        return prepare_bases(group, points)

    def generator_multiples(self, group: Group, scalars) -> PreparedBases:
        """``k * G`` for each row ``k`` of an ``(n, 4)`` uint64 scalar array (canonical limbs,
        taken modulo R) and the group's generator G, as prepared bases: how a setup turns
        secret evaluations into key points. Backends with a fixed-base kernel override this."""
        gen = GENERATORS[group]
        ks = array_to_ints(check_fr_array(scalars, "scalars"))
        return self.msm_prepare(group, [self.g_mul(group, gen, k % R) if k % R else None for k in ks])

    def msm_table(self, bases: PreparedBases, max_points: int) -> PreparedBases:
        """``bases`` made ready for many MSMs: with a fixed-base table of at most ``max_points``
        points where the backend has such a kernel (the C core, see ``CBackend.msm_table``), as
        they are otherwise. ``msm_prepared`` gives the same sums either way."""
        return bases

    def msm_prepared(self, bases: PreparedBases, scalars) -> Point:
        """sum of ``scalars[i] * bases[i]`` over the first ``len(scalars)`` prepared bases.

        ``scalars`` is an ``(m, 4)`` uint64 array (m <= len(bases)) of canonical limbs, each
        below 2^256 and taken modulo R: the bases must lie in the order-R subgroup (every G1
        point does; check G2 points read from outside with ``in_subgroup``).
        """
        raise NotImplementedError

    def sparse_sums(self, bases: PreparedBases, indptr: np.ndarray, rows: np.ndarray, ids: np.ndarray,
                    table: np.ndarray) -> PreparedBases:
        """Many small MSMs over one set of bases at once: for each s < ``len(indptr) - 1``, the
        sum of ``table[ids[t]] * bases[rows[t]]`` over ``indptr[s] <= t < indptr[s + 1]`` (an
        empty sum is the point at infinity), as prepared bases. ``indptr`` ascending int64,
        ``rows`` and ``ids`` uint32 (below ``len(bases)`` and ``len(table)``), ``table`` an
        ``(k, 4)`` array of canonical scalars taken modulo R. How a setup on a ceremony makes
        a key point per signal from the ceremony's Lagrange points (the C core: one call).
        Here, one ``msm_prepared`` per sum."""
        indptr, rows, ids = check_sparse_arrays(bases, indptr, rows, ids, table)
        points = [self.msm_prepared(PreparedBases(bases.group, bases.array[rows[lo:hi]]), table[ids[lo:hi]])
                  if hi > lo else None for lo, hi in zip(indptr.tolist(), indptr[1:].tolist())]
        return self.msm_prepare(bases.group, points)

    def scale_points(self, bases: PreparedBases, k: int) -> PreparedBases:
        """Every point of ``bases`` times ``k`` (any int, taken modulo R), as prepared bases: a
        :meth:`sparse_sums` of one term a sum (the C core: by the GLV method on G1)."""
        n = len(bases)
        return self.sparse_sums(bases, np.arange(n + 1), np.arange(n), np.zeros(n, np.uint32), ints_to_array([k % R]))

    def msm(self, group: Group, points: Sequence[Point], scalars: Sequence[int]) -> Point:
        """sum of ``scalars[i] * points[i]``, scalars any ints (taken modulo R, negatives too);
        the same subgroup precondition as ``msm_prepared``. An empty sum is None."""
        if len(points) != len(scalars):
            raise InvalidArgumentError(f"msm: {len(points)} points but {len(scalars)} scalars")
        return self.msm_prepared(self.msm_prepare(group, points), scalars_array(scalars))

    def ntt_array(self, values, inverse: bool = False, shift: Optional[int] = None):
        """The radix-2 NTT of an ``(n, 4)`` uint64 array of Fr elements (n a power of two up to
        2^28), as a new array, natural order in and out.

        Forward: ``A[k] = sum_j a[j] * (shift * w^k)^j`` with ``w = 5^((R-1)/n)`` (the root
        snarkjs uses, :func:`prozchain.native.curve.root_of_unity`) and ``shift = 1`` unless given:
        the evaluations of the polynomial with coefficients ``a`` at the coset ``shift * <w>``.
        Inverse (``inverse=True``): the coefficients from those evaluations.
        """
        raise NotImplementedError

    def ntt(self, values: Sequence[int], inverse: bool = False, shift: Optional[int] = None) -> list[int]:
        """``ntt_array`` on a list of Fr ints."""
        return array_to_ints(self.ntt_array(ints_to_array(values, R), inverse=inverse, shift=shift))

    # -- constants -------------------------------------------------------------------------
    def g1_generator(self) -> G1:
        return GENERATORS[Group.G1]

    def g2_generator(self) -> G2:
        return GENERATORS[Group.G2]
