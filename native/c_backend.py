"""The C core behind the :class:`prozchain.native.backend.Backend` interface.

Python ints cross into C as little-endian 64-bit limbs; the C side converts to Montgomery form,
computes, and converts back. Calls release the GIL (cffi does so for every call into the
compiled module). The compiled module, its arithmetic paths and the conversions are in
:mod:`prozchain.native.core` (which needs no numpy); ``CBackend(path=...)`` runs any runnable
path (the tests compare them). The constants of the C interface (native/src/api.h) are read
from the compiled module, ``lib.PZ_FR`` and so on.

>>> from prozchain.native.c_backend import CBackend
>>> from prozchain.native.curve import Field, Group
>>> b = CBackend()
>>> b.mul(Field.FP, 2, 3)
6
>>> b.g_mul(Group.G1, (1, 2), 1)
(1, 2)
"""

from __future__ import annotations

from enum import IntFlag
from typing import Any, Callable, Optional, Sequence

import numpy as np

from prozchain.native.backend import Backend, Check, CheckLevel, check_sparse_arrays, fp12_from_tower, fp12_to_tower
from prozchain.native.core import (GROUP, WHICH, check_alloc, choose_path, ffi, from_limbs, g_add, g_mul,
                                   in_subgroup, lib, msm_batch, pair_limbs, pairing_check, path_kernels, qap_abc_parts,
                                   scalar_limbs, to_limbs, unary_point)
from prozchain.native.curve import GENERATORS, MODULI, R, Field, Fp12, G1, G2, Group, Point, flatten, unflatten
from prozchain.native.errors import InvalidArgumentError, InvalidFieldElementError, NotInvertibleError
from prozchain.native.kernels import (COEF_DTYPE, FixedBases, PreparedBases, R1CSProgram, array_to_ints,
                                      check_fr_array, ntt_log, points_to_array)

CHECKS = {check: getattr(lib, f"PZ_CHECK_{check.name}") for check in Check}
FAILED_CHECK = {code: check for check, code in CHECKS.items()}
MsmFlag = IntFlag("MsmFlag", {"NO_SPLIT": lib.PZ_MSM_NO_SPLIT, "JACOBIAN": lib.PZ_MSM_JACOBIAN,
                              "AFFINE": lib.PZ_MSM_AFFINE, "NO_GLV": lib.PZ_MSM_NO_GLV, "GLV": lib.PZ_MSM_GLV})
MsmFlag.__doc__ = """``CBackend.msm_prepared``'s flags: no split of the scalars by size, Jacobian
buckets only, affine buckets whenever the window is at least 2, full scalars never or always split
into halves by the GLV endomorphism (0: the cost model decides)."""


def _ptr(arr: np.ndarray):
    """A C pointer into a C-contiguous uint64 numpy array (no copy)."""
    return ffi.from_buffer("uint64_t[]", arr)


def _check_witness(program: R1CSProgram, witness: np.ndarray) -> None:
    if witness.shape != (program.n_wires, 4) or witness.dtype != np.uint64 or not witness.flags.c_contiguous:
        raise InvalidArgumentError(f"the witness must be a C-contiguous ({program.n_wires}, 4) uint64 array, "
                                   f"not {witness.dtype} {witness.shape}")


def _r1cs_struct(program: R1CSProgram):
    """``program`` as the C core's ``struct pz_r1cs``, made once and kept in ``program.cache``
    with the buffers its pointers hold."""
    made = program.cache.get("c")
    if made is None:
        cs = ffi.new("struct pz_r1cs *")
        keep = [cs]

        def buffer(ctype: str, arr: np.ndarray):
            keep.append(ffi.from_buffer(ctype, arr))
            return keep[-1]

        for m in range(3):
            cs.indptr[m] = buffer("int64_t[]", program.indptr[m])
            cs.wires[m] = buffer("uint32_t[]", program.wires[m])
            cs.ids[m] = buffer("uint32_t[]", program.ids[m])
        cs.coeffs = buffer("uint64_t[]", program.coeffs_mont)
        cs.one_id, cs.n_steps = program.one_id, program.n_steps
        cs.step_source = buffer("int64_t[]", program.step_source)
        cs.step_wire = buffer("int64_t[]", program.step_wire)
        cs.step_own = buffer("int32_t[]", program.step_own)
        cs.own_inv = buffer("uint64_t[]", program.own_inv)
        cs.hint_op = buffer("uint8_t[]", program.hint_op)
        cs.hint_lc = buffer("int64_t[]", program.hint_lc)
        cs.hint_ptr = buffer("int64_t[]", program.hint_ptr)
        cs.hint_wires = buffer("uint32_t[]", program.hint_wires)
        cs.hint_coeffs = buffer("uint64_t[]", program.hint_coeffs)
        cs.hint_out = buffer("int64_t[]", program.hint_out)
        made = program.cache["c"] = (cs, keep)
    return made[0]


def _check_below(arr: np.ndarray, modulus: int) -> None:
    """Raise unless every row of an (n, 4) limb array is a canonical element below modulus."""
    top = np.uint64(modulus >> 192)
    suspects = np.nonzero(arr[:, 3] >= top)[0]
    for i in suspects:  # rare: only rows whose top limb reaches the modulus's need a full compare
        value = int.from_bytes(arr[i].astype("<u8").tobytes(), "little")
        if value >= modulus:
            raise InvalidFieldElementError(f"row {i} ({value}) is not a field element (must be below {modulus})")


class CBackend(Backend):
    """BN254 arithmetic in the compiled C core, on ``path`` (default: :func:`choose_path`)."""

    name = "c"

    def __init__(self, path: Optional[str] = None):
        self.path = choose_path(path)
        self._kernels = path_kernels(self.path)
        self.name = "c" if path is None else f"c:{self.path}"

    # -- fields ----------------------------------------------------------------------------
    def _binary(self, fn, field: Field, a: int, b: int) -> int:
        modulus = MODULI[field]
        out = ffi.new("uint64_t[4]")
        fn(WHICH[field], out, to_limbs([a], modulus), to_limbs([b], modulus))
        return from_limbs(out, 1)[0]

    def _unary(self, fn, field: Field, a: int) -> int:
        out = ffi.new("uint64_t[4]")
        fn(WHICH[field], out, to_limbs([a], MODULI[field]))
        return from_limbs(out, 1)[0]

    def add(self, field: Field, a: int, b: int) -> int:
        return self._binary(self._kernels.add, field, a, b)

    def sub(self, field: Field, a: int, b: int) -> int:
        return self._binary(self._kernels.sub, field, a, b)

    def mul(self, field: Field, a: int, b: int) -> int:
        return self._binary(self._kernels.mul, field, a, b)

    def neg(self, field: Field, a: int) -> int:
        return self._unary(self._kernels.neg, field, a)

    def sqr(self, field: Field, a: int) -> int:
        return self._unary(self._kernels.sqr, field, a)

    def inv(self, field: Field, a: int) -> int:
        out = ffi.new("uint64_t[4]")
        if not self._kernels.inv(WHICH[field], out, to_limbs([a], MODULI[field])):
            raise NotInvertibleError(f"0 has no inverse in {field}")
        return from_limbs(out, 1)[0]

    def pow(self, field: Field, a: int, e: int) -> int:
        if e < 0:
            raise InvalidArgumentError("negative exponent: invert first")
        out = ffi.new("uint64_t[4]")
        exp, nlimbs = scalar_limbs(e)
        self._kernels.pow(WHICH[field], out, to_limbs([a], MODULI[field]), exp, nlimbs)
        return from_limbs(out, 1)[0]

    def sqrt(self, a: int) -> Optional[int]:
        out = ffi.new("uint64_t[4]")
        if not self._kernels.sqrt(out, to_limbs([a])):
            return None
        return from_limbs(out, 1)[0]

    def batch_inv(self, field: Field, values: Sequence[int]) -> list[int]:
        values = list(values)
        if not values:
            return []
        out = ffi.new("uint64_t[]", 4 * len(values))
        status = self._kernels.batch_inv(WHICH[field], out, to_limbs(values, MODULI[field]), len(values))
        zero = check_alloc(status, "pz_batch_inv", len(values), "values")
        if zero >= 0:
            raise NotInvertibleError(f"batch_inv: values[{zero}] is 0 in {field}")
        return from_limbs(out, len(values))

    def mul_array(self, field: Field, a, b):
        a, b = check_fr_array(a, "a"), check_fr_array(b, "b")
        if a.shape != b.shape:
            raise InvalidArgumentError(f"mul_array: shapes {a.shape} and {b.shape} differ")
        _check_below(a, MODULI[field])
        _check_below(b, MODULI[field])
        out = np.empty_like(a)
        self._kernels.mul_many(WHICH[field], _ptr(out), _ptr(a), _ptr(b), a.shape[0])
        return out

    def inv_array(self, field: Field, a):
        a = check_fr_array(a)
        _check_below(a, MODULI[field])
        out = np.empty_like(a)
        status = self._kernels.batch_inv(WHICH[field], _ptr(out), _ptr(a), a.shape[0])
        zero = check_alloc(status, "pz_batch_inv", a.shape[0], "values")
        if zero >= 0:
            raise NotInvertibleError(f"batch_inv: values[{zero}] is 0 in {field}")
        return out

    def from_mont_array(self, field: Field, a):
        a = check_fr_array(a)
        out = np.empty_like(a)
        self._kernels.from_mont(WHICH[field], _ptr(out), _ptr(a), a.shape[0])
        return out

    def qap_abc(self, records, witness, domain_size: int, release: Optional[Callable[[Any], None]] = None):
        """See :meth:`Backend.qap_abc`; in C, a part of the records at a time
        (:func:`prozchain.native.core.qap_abc_parts`), ``release`` called as it says."""
        if records.dtype != COEF_DTYPE:
            raise InvalidArgumentError(f"qap_abc: records must have dtype COEF_DTYPE, not {records.dtype}")
        w = check_fr_array(witness, "witness")
        recs = np.ascontiguousarray(records)
        a = np.zeros((domain_size, 4), dtype=np.uint64)
        b = np.zeros_like(a)
        bad = qap_abc_parts(self._kernels, _ptr(a), _ptr(b), recs.view(np.uint8), _ptr(w), w.shape[0], domain_size,
                            release)
        if bad >= 0:
            m, c, s = (int(recs[bad][k]) for k in ("matrix", "constraint", "signal"))
            raise InvalidFieldElementError(f"coefficient record {bad} is invalid (matrix {m}, row {c}, signal {s})")
        return a, b

    def r1cs_solve(self, program: R1CSProgram, witness: np.ndarray, start: int = 0) -> int:
        """See :meth:`Backend.r1cs_solve`; in C, which also runs the hints of ``program.hint_op``
        (one field operation each), so only the others come back. ``witness`` must be a
        C-contiguous ``(program.n_wires, 4)`` uint64 array of values below R (not checked)."""
        _check_witness(program, witness)
        return self._kernels.r1cs_solve(_r1cs_struct(program), _ptr(witness), start)

    def r1cs_check(self, program: R1CSProgram, witness: np.ndarray,
                   rows: Optional[np.ndarray] = None) -> tuple[int, int]:
        """See :meth:`Backend.r1cs_check`; one pass in C."""
        _check_witness(program, witness)
        n_bad = ffi.new("int64_t *")
        if rows is None:
            first = self._kernels.r1cs_check(_r1cs_struct(program), _ptr(witness), ffi.NULL, program.n_constraints, n_bad)
        else:
            rows = np.ascontiguousarray(rows, np.int64)
            if len(rows) and (rows.min() < 0 or rows.max() >= program.n_constraints or (np.diff(rows) <= 0).any()):
                raise InvalidArgumentError("r1cs_check: rows must be ascending constraint indices")
            first = self._kernels.r1cs_check(_r1cs_struct(program), _ptr(witness), ffi.from_buffer("int64_t[]", rows),
                                             len(rows), n_bad)
        return first, n_bad[0]

    def qap_h(self, a, b, shift: int, consume: bool = False):
        """See :meth:`Backend.qap_h`; in C, the six transforms fused into one pass over A, B and C
        per group of stages, the products in the first and last (native/src/qap.h). Without
        ``consume``, a and b are copied first, since the transforms overwrite them."""
        a = check_fr_array(a, "a")
        b = check_fr_array(b, "b")
        a = a if consume and a.flags.writeable else a.copy()
        b = b if consume and b.flags.writeable and not np.may_share_memory(a, b) else b.copy()
        if a.shape != b.shape:
            raise InvalidArgumentError(f"qap_h: shapes {a.shape} and {b.shape} differ")
        _check_below(a, R)
        _check_below(b, R)
        h = np.empty_like(a)
        status = self._kernels.qap_h(_ptr(h), _ptr(a), _ptr(b), ntt_log(a.shape[0]), to_limbs([shift % R], R))
        if check_alloc(status, "pz_qap_h", a.shape[0], "values") != 0:
            raise InvalidArgumentError("qap_h: the coset shift must be nonzero modulo R")
        return h

    def check_points_array(self, group: Group, points, upto: CheckLevel = "subgroup",
                           mont: bool = False) -> Optional[tuple[int, str]]:
        width = 4 * group.coords
        pts = np.ascontiguousarray(points, dtype=np.uint64)
        if pts.ndim != 2 or pts.shape[1] != width:
            raise InvalidArgumentError(f"{group} points must have shape (n, {width}), not {pts.shape}")
        code = ffi.new("int *")
        check = self._kernels.group(group).check
        index = check(_ptr(pts), pts.shape[0], CHECKS[Check.upto(upto)], int(mont), code)
        return None if index < 0 else (int(index), FAILED_CHECK[code[0]].reason)

    # -- groups ----------------------------------------------------------------------------
    def g_add(self, group: Group, a: Point, b: Point) -> Point:
        return g_add(self._kernels, group, a, b)

    def g_double(self, group: Group, a: Point) -> Point:
        return unary_point(self._kernels.group(group).double, group, a)

    def g_neg(self, group: Group, a: Point) -> Point:
        return unary_point(self._kernels.group(group).neg, group, a)

    def g_mul(self, group: Group, a: Point, k: int) -> Point:
        return g_mul(self._kernels, group, a, k)

    def is_on_curve(self, group: Group, a: Point) -> bool:
        return bool(self._kernels.group(group).on_curve(to_limbs(flatten(group, a))))

    def in_subgroup(self, group: Group, a: Point) -> bool:
        return in_subgroup(self._kernels, group, a)

    def batch_to_affine(self, group: Group, points: Sequence[tuple]) -> list[Point]:
        n, convert = group.coords, self._kernels.group(group).batch_to_affine
        coords: list[int] = []
        for x, y, z in points:
            coords += [x, y, z] if group is Group.G1 else [*x, *y, *z]
        out = ffi.new("uint64_t[]", max(1, 4 * n * len(points)))
        status = convert(out, to_limbs(coords), len(points))
        check_alloc(status, f"pz_{group}_batch_to_affine", len(points), "points")
        flat = from_limbs(out, n * len(points))
        return [unflatten(group, flat[i * n:(i + 1) * n]) for i in range(len(points))]

    # -- pairing ---------------------------------------------------------------------------
    def multi_pairing(self, pairs: Sequence[tuple[G1, G2]]) -> Fp12:
        out = ffi.new("uint64_t[48]")
        status = self._kernels.pairing(out, *pair_limbs(pairs))
        check_alloc(status, "pz_pairing", len(pairs), "pairs")
        return fp12_from_tower(from_limbs(out, 12))

    def pairing_check(self, pairs: Sequence[tuple[G1, G2]]) -> bool:
        return pairing_check(self._kernels, pairs)

    def gt_mul(self, a: Fp12, b: Fp12) -> Fp12:
        out = ffi.new("uint64_t[48]")
        self._kernels.fp12_mul(out, to_limbs(fp12_to_tower(a)), to_limbs(fp12_to_tower(b)))
        return fp12_from_tower(from_limbs(out, 12))

    def gt_pow(self, a: Fp12, e: int) -> Fp12:
        base = to_limbs(fp12_to_tower(a))
        if e < 0:
            if not self._kernels.fp12_inv(base, base):
                raise NotInvertibleError("0 has no inverse in Fp12")
            e = -e
        out = ffi.new("uint64_t[48]")
        exp, nlimbs = scalar_limbs(e)
        self._kernels.fp12_pow(out, base, exp, nlimbs)
        return fp12_from_tower(from_limbs(out, 12))

    # -- bulk kernels: MSM and NTT (native/src/msm.h, ntt.h) ---------------------------------
    def msm_prepare(self, group: Group, points: Sequence[Point]) -> PreparedBases:
        """Bases in the kernels' Montgomery layout, converted in C (see ``msm_prepare_array``)."""
        return self.msm_prepare_array(group, points_to_array(group, points))

    def msm_prepare_array(self, group: Group, coords) -> PreparedBases:
        """Prepared bases from canonical affine coordinates, an ``(n, 8)`` (G1) or ``(n, 16)``
        (G2) uint64 array; coordinates must be below P (not checked here: use ``check_points_array``)."""
        width = 4 * group.coords
        src = np.ascontiguousarray(coords, dtype=np.uint64)
        if src.ndim != 2 or src.shape[1] != width:
            raise InvalidArgumentError(f"{group} bases must have shape (n, {width}), not {src.shape}")
        out = np.empty_like(src)
        n = src.shape[0] * group.coords
        if n:
            self._kernels.to_mont(WHICH[Field.FP], _ptr(out), _ptr(src), n)
        return PreparedBases(group, out)

    def generator_multiples(self, group: Group, scalars) -> PreparedBases:
        """See :meth:`Backend.generator_multiples`: a fixed-base table kernel, both cores."""
        k = check_fr_array(scalars, "scalars")
        gen = to_limbs(flatten(group, GENERATORS[group]))
        out = np.empty((k.shape[0], 4 * group.coords), dtype=np.uint64)
        if k.shape[0]:
            status = self._kernels.group(group).fixed_base(_ptr(out), gen, _ptr(k), k.shape[0])
            check_alloc(status, f"pz_{group}_fixed_base", k.shape[0], "points")
        return self.msm_prepare_array(group, out)

    def sparse_sums(self, bases: PreparedBases, indptr: np.ndarray, rows: np.ndarray, ids: np.ndarray,
                    table: np.ndarray) -> PreparedBases:
        """See :meth:`Backend.sparse_sums`: one call into the C core, every sum's terms added in
        Jacobian coordinates and each chunk of sums made affine with one inversion."""
        indptr, rows, ids = check_sparse_arrays(bases, indptr, rows, ids, table)
        table = check_fr_array(table, "table")
        n = len(indptr) - 1
        out = np.empty((n, bases.array.shape[1]), dtype=np.uint64)
        if n:
            src = np.ascontiguousarray(bases.array, dtype=np.uint64)
            status = self._kernels.group(bases.group).sparse_sums(
                _ptr(out), _ptr(src), len(bases), ffi.from_buffer("int64_t[]", indptr), n,
                ffi.from_buffer("uint32_t[]", rows), ffi.from_buffer("uint32_t[]", ids), _ptr(table), len(table))
            if check_alloc(status, f"pz_{bases.group}_sparse_sums", len(rows), "terms") != 0:
                raise InvalidArgumentError("sparse_sums: an index is out of range")
        return PreparedBases(bases.group, out)

    def scale_points(self, bases: PreparedBases, k: int) -> PreparedBases:
        """See :meth:`Backend.scale_points`: on G1 one call of the GLV kernel (``pz_g1_scale``,
        about 130 doublings a point instead of 254; ``k`` split once, as the MSM splits it)."""
        if bases.group is not Group.G1:
            return super().scale_points(bases, k)
        src = np.ascontiguousarray(bases.array, dtype=np.uint64)
        out = np.empty_like(src)
        if len(src):
            status = self._kernels.g1_scale(_ptr(out), _ptr(src), len(src), to_limbs([k % R]))
            check_alloc(status, "pz_g1_scale", len(src), "points")
        return PreparedBases(Group.G1, out)

    def msm_prepared(self, bases: PreparedBases, scalars, window: int = 0, flags: MsmFlag = MsmFlag(0)) -> Point:
        """See :meth:`Backend.msm_prepared`; ``window`` forces the Pippenger window (0: cost
        model), ``flags`` (:data:`MsmFlag`) force the bucket mode or turn the split by size off."""
        k = check_fr_array(scalars, "scalars")
        m = k.shape[0]
        if m > len(bases):
            raise InvalidArgumentError(f"msm: {m} scalars but only {len(bases)} bases")
        if not m:
            return None
        ncoord = bases.group.coords
        out = ffi.new("uint64_t[]", 4 * ncoord)
        kernels = self._kernels.group(bases.group)
        if isinstance(bases, FixedBases) and bases.table is not None and not window and not flags:
            if m < len(bases):  # the table's rows are len(bases) apart: the missing scalars are 0
                k = np.concatenate([k, np.zeros((len(bases) - m, 4), dtype=np.uint64)])
            status = kernels.msm_fixed(out, _ptr(bases.table), _ptr(k), len(bases), bases.window)
        else:
            status = kernels.msm(out, _ptr(bases.array), _ptr(k), m, window, flags)
        check_alloc(status, f"pz_{bases.group}_msm", m, "points")
        return unflatten(bases.group, from_limbs(out, ncoord))

    def msm_batch(self, jobs: Sequence[tuple[PreparedBases, Any]]) -> list[Point]:
        """``msm_prepared(bases, scalars)`` for each job, the jobs side by side in one call
        (``pz_msm_batch``: each MSM on one thread, for MSMs too small to split well); bases with
        a fixed-base table run from it, in turn."""
        points, batched = [None] * len(jobs), []
        for i, (bases, scalars) in enumerate(jobs):
            if isinstance(bases, FixedBases) and bases.table is not None:
                points[i] = self.msm_prepared(bases, scalars)
                continue
            k = check_fr_array(scalars, "scalars")
            if len(k) > len(bases):
                raise InvalidArgumentError(f"msm: {len(k)} scalars but only {len(bases)} bases")
            batched.append((i, (bases.group, _ptr(bases.array) if len(k) else ffi.NULL,
                                _ptr(k) if len(k) else ffi.NULL, len(k))))
        if batched:
            for (i, _), point in zip(batched, msm_batch(self._kernels, [job for _, job in batched])):
                points[i] = point
        return points

    def msm_table(self, bases: PreparedBases, max_points: int) -> PreparedBases:
        """``bases`` with a fixed-base table of at most ``max_points`` points (:class:`FixedBases`),
        the window chosen by the cost model of the one window the table's MSM runs; ``bases``
        itself when no table fits. The table costs about 254 doublings a base to build and
        ``254 / window + 1`` times the bases' memory; ``msm_prepared`` then uses it for every
        MSM over these bases."""
        n = len(bases)
        window = self._kernels.msm_table_window(GROUP[bases.group], n, max_points) if n else 0
        if not window:
            return bases
        table = np.empty((n * (254 // window + 1), bases.array.shape[1]), dtype=np.uint64)
        status = self._kernels.group(bases.group).msm_table(_ptr(table), _ptr(bases.array), n, window)
        check_alloc(status, f"pz_{bases.group}_msm_table", n, "points")
        return FixedBases(bases.group, bases.array, window, table)

    def ntt_array(self, values, inverse: bool = False, shift: Optional[int] = None):
        """See :meth:`Backend.ntt_array`; runs in place on a copy, multithreaded."""
        a = np.array(check_fr_array(values, "ntt input"), dtype=np.uint64, order="C", copy=True)
        log = ntt_log(a.shape[0])
        if (a[:, 3] > 0x30644E72E131A029).any() or _any_ge_r(a):
            raise InvalidFieldElementError("ntt input holds a value that is not < R")
        g = ffi.NULL
        if shift is not None:
            if shift % R == 0:
                raise InvalidArgumentError("the coset shift must be nonzero modulo R")
            g = to_limbs([shift % R], R)
        status = self._kernels.fr_ntt(_ptr(a), log, int(bool(inverse)), g, 0)
        if check_alloc(status, "pz_fr_ntt", a.shape[0], "values") != 0:
            raise InvalidArgumentError(f"NTT of size 2^{log} failed")
        return a


def _any_ge_r(a) -> bool:
    """Whether any row of an (n, 4) limb array is >= R (only rows whose top limb ties need ints)."""
    top = R >> 192
    rows = a[a[:, 3] == top]
    return any(v >= R for v in array_to_ints(rows)) if len(rows) else False
