"""The C core behind the :class:`prozchain.native.backend.Backend` interface.

Python ints cross into C as little-endian 64-bit limbs; the C side converts to Montgomery form,
computes, and converts back. Calls release the GIL (cffi does so for every call into the
compiled module). ``PROZ_THREADS`` sets how many OpenMP threads the bulk kernels use.

The module holds one compiled copy of the core per arithmetic path (see native/build.py): "adx"
(x86-64 MULX/ADCX/ADOX assembly, run only where CPUID reports ADX and BMI2) and "portable"
(plain C). ``PATH`` is the fastest one this CPU runs, unless ``PROZ_NATIVE_PATH`` names another;
``lib`` holds its functions under the plain ``pz_`` names, and ``CBackend(path=...)`` runs any
runnable path beside it (the tests compare them).

>>> from prozchain.native.c_backend import CBackend, runnable_paths
>>> b = CBackend()
>>> b.mul("fp", 2, 3)
6
>>> b.g_mul("g1", (1, 2), 1)
(1, 2)
>>> "portable" in runnable_paths()
True
"""

from __future__ import annotations

import os
from functools import lru_cache
from types import SimpleNamespace
from typing import Optional, Sequence

import numpy as np

from prozchain.native import BackendUnavailable
from prozchain.native._bn254 import ffi, lib as _compiled
from prozchain.native.backend import (CHECK_LEVELS, MODULI, P, POINT_CHECKS, Backend, Fp12, G1, G2, Point, fp12_from_tower,
                            fp12_to_tower)
from prozchain.native.errors import InvalidArgumentError, InvalidFieldElementError, NativeMemoryError, NotInvertibleError
from prozchain.native.kernels import check_fr_array

PATHS = tuple(path for path in ("adx", "portable") if hasattr(_compiled, f"pz_{path}_add"))
PATH_DESCRIPTIONS = {
    "adx": "x86-64 assembly: MULX, ADCX, ADOX",
    "portable": "portable C",
}


def runnable_paths() -> tuple[str, ...]:
    """The compiled paths this CPU can run, fastest first."""
    return tuple(path for path in PATHS if path != "adx" or _compiled.pz_cpu_has_adx())


def choose_path(requested: Optional[str] = None) -> str:
    """``requested`` (default ``$PROZ_NATIVE_PATH``) if this CPU runs it, else the fastest path."""
    requested = requested or os.environ.get("PROZ_NATIVE_PATH") or None
    runnable = runnable_paths()
    if requested is None:
        return runnable[0]
    if requested not in PATHS:
        raise BackendUnavailable(f"PROZ_NATIVE_PATH={requested!r}: this build has the paths {', '.join(PATHS)}")
    if requested not in runnable:
        raise BackendUnavailable(f"PROZ_NATIVE_PATH={requested!r}: this CPU lacks the ADX and BMI2 instructions it needs")
    return requested


@lru_cache(maxsize=None)
def path_functions(path: str) -> SimpleNamespace:
    """One path's functions under the plain names (``pz_adx_add`` as ``pz_add``), with the
    functions both paths share."""
    prefix = f"pz_{path}_"
    names = {name: getattr(_compiled, name) for name in dir(_compiled) if name.startswith("pz_")}
    own = {"pz_" + name[len(prefix):]: fn for name, fn in names.items() if name.startswith(prefix)}
    shared = {name: fn for name, fn in names.items() if not any(name.startswith(f"pz_{p}_") for p in PATHS)}
    return SimpleNamespace(**shared, **own)


PATH = choose_path()
lib = path_functions(PATH)


def path_summary() -> str:
    """Which arithmetic path runs and what chose it, for the headers of demos and benchmarks.

    >>> path_summary().startswith(PATH)
    True
    """
    chooser = "PROZ_NATIVE_PATH" if os.environ.get("PROZ_NATIVE_PATH") else "CPUID"
    others = [path for path in PATHS if path != PATH]
    also = f"; also built: {', '.join(others)}" if others else ""
    return f"{PATH} ({PATH_DESCRIPTIONS[PATH]}), chosen by {chooser}{also}"

_FIELD_INDEX = {"fp": 0, "fr": 1}
_COORDS = {"g1": 2, "g2": 4}

lib.pz_set_threads(int(os.environ.get("PROZ_THREADS") or os.cpu_count() or 1))


def check_alloc(status: int, kernel: str, count: int, unit: str) -> int:
    """``status`` as a kernel that allocates returned it, unless it is ``PZ_OUT_OF_MEMORY``: then
    a :class:`NativeMemoryError` naming the kernel and its size (``count`` ``unit``)."""
    if status == _compiled.PZ_OUT_OF_MEMORY:
        size = f"2^{count.bit_length() - 1}" if count >= 1024 and count & (count - 1) == 0 else str(count)
        raise NativeMemoryError(f"out of memory in {kernel} ({size} {unit})")
    return status


def to_limbs(values: Sequence[int], modulus: int = P):
    """A C ``uint64_t[]`` holding each value as 4 limbs; every value must lie in [0, modulus)."""
    packed = 0
    for i, v in enumerate(values):
        if not 0 <= v < modulus:
            raise InvalidFieldElementError(f"{v} is not a field element (must be in [0, {modulus}))")
        packed |= v << (256 * i)
    arr = ffi.new("uint64_t[]", max(1, 4 * len(values)))
    ffi.memmove(arr, packed.to_bytes(32 * len(values), "little"), 32 * len(values))
    return arr


def from_limbs(arr, count: int) -> list[int]:
    packed = int.from_bytes(ffi.buffer(arr, 32 * count), "little")
    mask = (1 << 256) - 1
    return [(packed >> (256 * i)) & mask for i in range(count)]


def _ptr(arr: np.ndarray):
    """A C pointer into a C-contiguous uint64 numpy array (no copy)."""
    return ffi.from_buffer("uint64_t[]", arr)


def _check_below(arr: np.ndarray, modulus: int) -> None:
    """Raise unless every row of an (n, 4) limb array is a canonical element below modulus."""
    top = np.uint64(modulus >> 192)
    suspects = np.nonzero(arr[:, 3] >= top)[0]
    for i in suspects:  # rare: only rows whose top limb reaches the modulus's need a full compare
        value = int.from_bytes(arr[i].astype("<u8").tobytes(), "little")
        if value >= modulus:
            raise InvalidFieldElementError(f"row {i} ({value}) is not a field element (must be below {modulus})")


def _scalar_limbs(k: int):
    """Non-negative scalar of any size as limbs, plus the limb count."""
    nlimbs = max(1, (k.bit_length() + 63) // 64)
    arr = ffi.new("uint64_t[]", nlimbs)
    ffi.memmove(arr, k.to_bytes(8 * nlimbs, "little"), 8 * nlimbs)
    return arr, nlimbs


def _flatten(group: str, point: Point) -> list[int]:
    """Affine point to its Fp coordinates; infinity is all zeros."""
    if point is None:
        return [0] * _COORDS[group]
    if group == "g1":
        return [point[0], point[1]]
    (x0, x1), (y0, y1) = point
    return [x0, x1, y0, y1]


def _unflatten(group: str, coords: Sequence[int]) -> Point:
    if not any(coords):
        return None
    if group == "g1":
        return (coords[0], coords[1])
    return ((coords[0], coords[1]), (coords[2], coords[3]))


class CBackend(Backend):
    """BN254 arithmetic in the compiled C core, on ``path`` (default: :func:`choose_path`)."""

    name = "c"

    def __init__(self, path: Optional[str] = None):
        self.path = choose_path(path)
        self._lib = path_functions(self.path)
        self.name = "c" if path is None else f"c:{self.path}"

    def _group_fn(self, group: str, operation: str):
        return getattr(self._lib, f"pz_{group}_{operation}")

    # -- fields ----------------------------------------------------------------------------
    def _binary(self, fn, field: str, a: int, b: int) -> int:
        modulus = MODULI[field]
        out = ffi.new("uint64_t[4]")
        fn(_FIELD_INDEX[field], out, to_limbs([a], modulus), to_limbs([b], modulus))
        return from_limbs(out, 1)[0]

    def _unary(self, fn, field: str, a: int) -> int:
        out = ffi.new("uint64_t[4]")
        fn(_FIELD_INDEX[field], out, to_limbs([a], MODULI[field]))
        return from_limbs(out, 1)[0]

    def add(self, field: str, a: int, b: int) -> int:
        return self._binary(self._lib.pz_add, field, a, b)

    def sub(self, field: str, a: int, b: int) -> int:
        return self._binary(self._lib.pz_sub, field, a, b)

    def mul(self, field: str, a: int, b: int) -> int:
        return self._binary(self._lib.pz_mul, field, a, b)

    def neg(self, field: str, a: int) -> int:
        return self._unary(self._lib.pz_neg, field, a)

    def sqr(self, field: str, a: int) -> int:
        return self._unary(self._lib.pz_sqr, field, a)

    def inv(self, field: str, a: int) -> int:
        out = ffi.new("uint64_t[4]")
        if not self._lib.pz_inv(_FIELD_INDEX[field], out, to_limbs([a], MODULI[field])):
            raise NotInvertibleError(f"0 has no inverse in {field}")
        return from_limbs(out, 1)[0]

    def pow(self, field: str, a: int, e: int) -> int:
        if e < 0:
            raise InvalidArgumentError("negative exponent: invert first")
        out = ffi.new("uint64_t[4]")
        exp, nlimbs = _scalar_limbs(e)
        self._lib.pz_pow(_FIELD_INDEX[field], out, to_limbs([a], MODULI[field]), exp, nlimbs)
        return from_limbs(out, 1)[0]

    def sqrt(self, a: int) -> Optional[int]:
        out = ffi.new("uint64_t[4]")
        if not self._lib.pz_sqrt(out, to_limbs([a])):
            return None
        return from_limbs(out, 1)[0]

    def batch_inv(self, field: str, values: Sequence[int]) -> list[int]:
        values = list(values)
        if not values:
            return []
        out = ffi.new("uint64_t[]", 4 * len(values))
        status = self._lib.pz_batch_inv(_FIELD_INDEX[field], out, to_limbs(values, MODULI[field]), len(values))
        zero = check_alloc(status, "pz_batch_inv", len(values), "values")
        if zero >= 0:
            raise NotInvertibleError(f"batch_inv: values[{zero}] is 0 in {field}")
        return from_limbs(out, len(values))

    def mul_array(self, field: str, a, b):
        a, b = check_fr_array(a, "a"), check_fr_array(b, "b")
        if a.shape != b.shape:
            raise InvalidArgumentError(f"mul_array: shapes {a.shape} and {b.shape} differ")
        _check_below(a, MODULI[field])
        _check_below(b, MODULI[field])
        out = np.empty_like(a)
        self._lib.pz_mul_many(_FIELD_INDEX[field], _ptr(out), _ptr(a), _ptr(b), a.shape[0])
        return out

    def inv_array(self, field: str, a):
        a = check_fr_array(a)
        _check_below(a, MODULI[field])
        out = np.empty_like(a)
        status = self._lib.pz_batch_inv(_FIELD_INDEX[field], _ptr(out), _ptr(a), a.shape[0])
        zero = check_alloc(status, "pz_batch_inv", a.shape[0], "values")
        if zero >= 0:
            raise NotInvertibleError(f"batch_inv: values[{zero}] is 0 in {field}")
        return out

    def from_mont_array(self, field: str, a):
        a = check_fr_array(a)
        out = np.empty_like(a)
        self._lib.pz_from_mont(_FIELD_INDEX[field], _ptr(out), _ptr(a), a.shape[0])
        return out

    def qap_abc(self, records, witness, domain_size: int):
        """See :meth:`Backend.qap_abc`; one pass over the records in C."""
        from prozchain.native.kernels import COEF_DTYPE

        if records.dtype != COEF_DTYPE:
            raise InvalidArgumentError(f"qap_abc: records must have dtype COEF_DTYPE, not {records.dtype}")
        w = check_fr_array(witness, "witness")
        recs = np.ascontiguousarray(records)
        a = np.empty((domain_size, 4), dtype=np.uint64)
        b = np.empty_like(a)
        bad = self._lib.pz_qap_abc(_ptr(a), _ptr(b), ffi.from_buffer("uint8_t[]", recs.view(np.uint8)), len(recs),
                             _ptr(w), w.shape[0], domain_size)
        if bad >= 0:
            m, c, s = (int(recs[bad][k]) for k in ("matrix", "constraint", "signal"))
            raise InvalidFieldElementError(f"coefficient record {bad} is invalid (matrix {m}, row {c}, signal {s})")
        return a, b

    def qap_h(self, a, b, shift: int):
        """See :meth:`Backend.qap_h`; six NTTs and the pointwise products in C."""
        from prozchain.native.backend import R
        from prozchain.native.kernels import ntt_log

        a = np.array(check_fr_array(a, "a"), dtype=np.uint64, order="C", copy=True)
        b = np.array(check_fr_array(b, "b"), dtype=np.uint64, order="C", copy=True)
        if a.shape != b.shape:
            raise InvalidArgumentError(f"qap_h: shapes {a.shape} and {b.shape} differ")
        _check_below(a, R)
        _check_below(b, R)
        h = np.empty_like(a)
        status = self._lib.pz_qap_h(_ptr(h), _ptr(a), _ptr(b), ntt_log(a.shape[0]), to_limbs([shift % R], R))
        if check_alloc(status, "pz_qap_h", a.shape[0], "values") != 0:
            raise InvalidArgumentError("qap_h: the coset shift must be nonzero modulo R")
        return h

    def check_points_array(self, group: str, points, upto: str = "subgroup",
                           mont: bool = False) -> Optional[tuple[int, str]]:
        width = 4 * _COORDS[group]
        pts = np.ascontiguousarray(points, dtype=np.uint64)
        if pts.ndim != 2 or pts.shape[1] != width:
            raise InvalidArgumentError(f"{group} points must have shape (n, {width}), not {pts.shape}")
        code = ffi.new("int *")
        check = self._group_fn(group, "check")
        index = check(_ptr(pts), pts.shape[0], CHECK_LEVELS[upto], int(mont), code)
        return None if index < 0 else (int(index), POINT_CHECKS[code[0]])

    # -- groups ----------------------------------------------------------------------------
    def g_add(self, group: str, a: Point, b: Point) -> Point:
        n, add = _COORDS[group], self._group_fn(group, "add")
        out = ffi.new("uint64_t[]", 4 * n)
        add(out, to_limbs(_flatten(group, a)), to_limbs(_flatten(group, b)))
        return _unflatten(group, from_limbs(out, n))

    def _unary_point(self, operation: str, group: str, a: Point) -> Point:
        n, fn = _COORDS[group], self._group_fn(group, operation)
        out = ffi.new("uint64_t[]", 4 * n)
        fn(out, to_limbs(_flatten(group, a)))
        return _unflatten(group, from_limbs(out, n))

    def g_double(self, group: str, a: Point) -> Point:
        return self._unary_point("double", group, a)

    def g_neg(self, group: str, a: Point) -> Point:
        return self._unary_point("neg", group, a)

    def g_mul(self, group: str, a: Point, k: int) -> Point:
        if k < 0:
            a, k = self.g_neg(group, a), -k
        n, mul = _COORDS[group], self._group_fn(group, "mul")
        out = ffi.new("uint64_t[]", 4 * n)
        scalar, nlimbs = _scalar_limbs(k)
        mul(out, to_limbs(_flatten(group, a)), scalar, nlimbs)
        return _unflatten(group, from_limbs(out, n))

    def is_on_curve(self, group: str, a: Point) -> bool:
        return bool(self._group_fn(group, "on_curve")(to_limbs(_flatten(group, a))))

    def in_subgroup(self, group: str, a: Point) -> bool:
        return bool(self._group_fn(group, "in_subgroup")(to_limbs(_flatten(group, a))))

    def batch_to_affine(self, group: str, points: Sequence[tuple]) -> list[Point]:
        n, convert = _COORDS[group], self._group_fn(group, "batch_to_affine")
        coords: list[int] = []
        for x, y, z in points:
            coords += [x, y, z] if group == "g1" else [*x, *y, *z]
        out = ffi.new("uint64_t[]", max(1, 4 * n * len(points)))
        status = convert(out, to_limbs(coords), len(points))
        check_alloc(status, f"pz_{group}_batch_to_affine", len(points), "points")
        flat = from_limbs(out, n * len(points))
        return [_unflatten(group, flat[i * n:(i + 1) * n]) for i in range(len(points))]

    # -- pairing ---------------------------------------------------------------------------
    @staticmethod
    def _pairs(pairs: Sequence[tuple[G1, G2]]):
        """The G1 coordinates then the G2 ones, in one buffer: pointers to both halves, the count."""
        coords = [c for p, _ in pairs for c in _flatten("g1", p)]
        coords += [c for _, q in pairs for c in _flatten("g2", q)]
        limbs = to_limbs(coords)
        return limbs, limbs + 8 * len(pairs), len(pairs)

    def multi_pairing(self, pairs: Sequence[tuple[G1, G2]]) -> Fp12:
        out = ffi.new("uint64_t[48]")
        status = self._lib.pz_pairing(out, *self._pairs(pairs))
        check_alloc(status, "pz_pairing", len(pairs), "pairs")
        return fp12_from_tower(from_limbs(out, 12))

    def pairing_check(self, pairs: Sequence[tuple[G1, G2]]) -> bool:
        status = self._lib.pz_pairing_check(*self._pairs(pairs))
        return bool(check_alloc(status, "pz_pairing_check", len(pairs), "pairs"))

    def gt_mul(self, a: Fp12, b: Fp12) -> Fp12:
        out = ffi.new("uint64_t[48]")
        self._lib.pz_fp12_mul(out, to_limbs(fp12_to_tower(a)), to_limbs(fp12_to_tower(b)))
        return fp12_from_tower(from_limbs(out, 12))

    def gt_pow(self, a: Fp12, e: int) -> Fp12:
        base = to_limbs(fp12_to_tower(a))
        if e < 0:
            if not self._lib.pz_fp12_inv(base, base):
                raise NotInvertibleError("0 has no inverse in Fp12")
            e = -e
        out = ffi.new("uint64_t[48]")
        exp, nlimbs = _scalar_limbs(e)
        self._lib.pz_fp12_pow(out, base, exp, nlimbs)
        return fp12_from_tower(from_limbs(out, 12))

    # -- bulk kernels: MSM and NTT (native/src/msm.h, ntt.h) ---------------------------------
    def msm_prepare(self, group: str, points: Sequence[Point]):
        """Bases in the kernels' Montgomery layout, converted in C (see ``msm_prepare_array``)."""
        from prozchain.native.kernels import points_to_array

        return self.msm_prepare_array(group, points_to_array(group, points))

    def msm_prepare_array(self, group: str, coords):
        """Prepared bases from canonical affine coordinates, an ``(n, 8)`` (G1) or ``(n, 16)``
        (G2) uint64 array; coordinates must be below P (not checked here: use ``pz_*_check``)."""
        import numpy as np

        from prozchain.native.kernels import COORDS, PreparedBases

        width = 4 * COORDS[group]
        src = np.ascontiguousarray(coords, dtype=np.uint64)
        if src.ndim != 2 or src.shape[1] != width:
            raise InvalidArgumentError(f"{group} bases must have shape (n, {width}), not {src.shape}")
        out = np.empty_like(src)
        n = src.shape[0] * COORDS[group]
        if n:
            self._lib.pz_to_mont(0, ffi.from_buffer("uint64_t[]", out), ffi.from_buffer("uint64_t[]", src), n)
        return PreparedBases(group, out)

    def generator_multiples(self, group: str, scalars):
        """See :meth:`Backend.generator_multiples`: a fixed-base table kernel, both cores."""
        import numpy as np

        from prozchain.native.kernels import COORDS, check_fr_array

        k = check_fr_array(scalars, "scalars")
        gen = to_limbs(_flatten(group, self.g1_generator() if group == "g1" else self.g2_generator()))
        out = np.empty((k.shape[0], 4 * COORDS[group]), dtype=np.uint64)
        fn = self._group_fn(group, "fixed_base")
        if k.shape[0]:
            status = fn(ffi.from_buffer("uint64_t[]", out), gen, ffi.from_buffer("uint64_t[]", k), k.shape[0])
            check_alloc(status, f"pz_{group}_fixed_base", k.shape[0], "points")
        return self.msm_prepare_array(group, out)

    def msm_prepared(self, bases, scalars, window: int = 0, flags: int = 0) -> Point:
        """See :meth:`Backend.msm_prepared`; ``window`` forces the Pippenger window (0: cost
        model), ``flags`` 1/2/4: no small-scalar split / Jacobian buckets / affine buckets."""
        from prozchain.native.kernels import COORDS, check_fr_array

        k = check_fr_array(scalars, "scalars")
        m = k.shape[0]
        if m > len(bases):
            raise InvalidArgumentError(f"msm: {m} scalars but only {len(bases)} bases")
        ncoord = COORDS[bases.group]
        out = ffi.new("uint64_t[]", 4 * ncoord)
        fn = self._group_fn(bases.group, "msm")
        if m:
            status = fn(out, _ptr(bases.array), _ptr(k), m, window, flags)
            check_alloc(status, f"pz_{bases.group}_msm", m, "points")
        else:
            return None
        return _unflatten(bases.group, from_limbs(out, ncoord))

    def ntt_array(self, values, inverse: bool = False, shift: Optional[int] = None):
        """See :meth:`Backend.ntt_array`; runs in place on a copy, multithreaded."""
        import numpy as np

        from prozchain.native.backend import R
        from prozchain.native.kernels import check_fr_array, ntt_log

        a = np.array(check_fr_array(values, "ntt input"), dtype=np.uint64, order="C", copy=True)
        log = ntt_log(a.shape[0])
        if (a[:, 3] > 0x30644E72E131A029).any() or _any_ge_r(a):
            raise InvalidFieldElementError("ntt input holds a value that is not < R")
        g = ffi.NULL
        if shift is not None:
            if shift % R == 0:
                raise InvalidArgumentError("the coset shift must be nonzero modulo R")
            g = to_limbs([shift % R], R)
        status = self._lib.pz_fr_ntt(ffi.from_buffer("uint64_t[]", a), log, int(bool(inverse)), g, 0)
        if check_alloc(status, "pz_fr_ntt", a.shape[0], "values") != 0:
            raise InvalidArgumentError(f"NTT of size 2^{log} failed")
        return a


def _any_ge_r(a) -> bool:
    """Whether any row of an (n, 4) limb array is >= R (only rows whose top limb ties need ints)."""
    from prozchain.native.backend import R
    from prozchain.native.kernels import array_to_ints

    top = R >> 192
    rows = a[a[:, 3] == top]
    return any(v >= R for v in array_to_ints(rows)) if len(rows) else False
