"""The compiled C core as cffi loads it, and nothing that needs numpy: which arithmetic path runs,
its functions as named records, the interface's constants, and the conversions between Python
ints and C limbs. :mod:`prozchain.native.c_backend` builds the Backend on it; a one-shot
``groth16 prove`` (:mod:`prozchain.prover.groth16.oneshot`) calls it without importing numpy.

The module holds one compiled copy of the core per arithmetic path (see native/build.py): "adx"
(x86-64 MULX/ADCX/ADOX assembly, run only where CPUID reports ADX and BMI2) and "portable"
(plain C). ``PATH`` is the fastest one this CPU runs, unless ``PROZ_NATIVE_PATH`` names another;
``kernels`` holds its functions as a named record (:class:`PathKernels`). ``PROZ_THREADS`` sets
how many OpenMP threads the bulk kernels use.

>>> from prozchain.native.core import PATH, kernels, runnable_paths
>>> kernels.g1.msm.__name__ == f"pz_{PATH}_g1_msm"
True
>>> "portable" in runnable_paths()
True
>>> from_limbs(to_limbs([5, 7]), 2)
[5, 7]
"""

from __future__ import annotations

import os
from collections import namedtuple
from collections.abc import Callable, Sequence
from functools import lru_cache

from prozchain.native import BackendUnavailable

# libgomp reads its settings when the core loads it. By default an idle OpenMP thread spins for
# 300,000 iterations before it sleeps: between the many short kernels of a small proof that is
# CPU taken from the proof on a shared machine (measured at load 12 on 2 cores: a 2^12
# `groth16 prove` took 450 ms of CPU, 360 ms with 10,000 iterations; 2^16 2.0 s and 1.85 s).
# Back-to-back regions inside a kernel still find their threads spinning. A user's setting wins.
if "GOMP_SPINCOUNT" not in os.environ and "OMP_WAIT_POLICY" not in os.environ:
    os.environ["GOMP_SPINCOUNT"] = "10000"

from prozchain.native._bn254 import ffi, lib  # noqa: E402  (after the OpenMP settings above)
from prozchain.native.curve import G1, G2, P, Field, Group, Point, flatten, unflatten
from prozchain.native.errors import InvalidFieldElementError, NativeMemoryError

PATHS = tuple(path for path in ("adx", "portable") if hasattr(lib, f"pz_{path}_add"))
PATH_DESCRIPTIONS = {
    "adx": "x86-64 assembly: MULX, ADCX, ADOX",
    "portable": "portable C",
}


def runnable_paths() -> tuple[str, ...]:
    """The compiled paths this CPU can run, fastest first."""
    return tuple(path for path in PATHS if path != "adx" or lib.pz_cpu_has_adx())


def choose_path(requested: str | None = None) -> str:
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


Kernel = Callable[..., object]  # a function of the compiled module, as native/src/api.h declares it


def _bind(record: type, prefix: str, **given):
    """``record`` with each field that ``given`` lacks bound to the compiled function named
    ``prefix`` + the field's name: a name api.h lacks fails here, at import."""
    return record(**given, **{name: getattr(lib, prefix + name) for name in record._fields if name not in given})


# namedtuple rather than typing.NamedTuple, which makes each field's annotation (a string here) a
# ForwardRef that typing compiles: a compile per field at every start, the process's first costing 1 ms.
class GroupKernels(namedtuple("GroupKernels", "add double neg mul on_curve in_subgroup batch_to_affine check "
                                              "msm msm_table msm_fixed progression fixed_base sparse_sums")):
    """One group's functions on one arithmetic path: ``pz_<path>_g1_<name>`` as ``<name>``."""

    __slots__ = ()


class PathKernels(namedtuple("PathKernels", "path g1 g2 add sub mul neg sqr inv pow sqrt batch_inv mul_many "
                                            "to_mont from_mont miller_loop final_exp pairing pairing_check "
                                            "fp12_mul fp12_sqr fp12_inv fp12_pow fp12_frobenius "
                                            "fp12_cyclotomic_sqr msm_window msm_batch msm_glv_split msm_table_window "
                                            "fr_ntt qap_abc qap_abc_add qap_h g1_scale r1cs_solve r1cs_check "
                                            "poseidon")):
    """One arithmetic path's functions: ``pz_<path>_<name>`` as ``<name>``, and each group's
    as a :class:`GroupKernels` (``group(Group.G1)`` or ``.g1``); ``path`` is the path's name."""

    __slots__ = ()

    def group(self, group: Group) -> GroupKernels:
        return self.g1 if group is Group.G1 else self.g2


@lru_cache(maxsize=None)
def path_kernels(path: str) -> PathKernels:
    """The compiled functions of one arithmetic path, as named records."""
    prefix = f"pz_{path}_"
    return _bind(PathKernels, prefix, path=path, g1=_bind(GroupKernels, prefix + "g1_"),
                 g2=_bind(GroupKernels, prefix + "g2_"))


PATH = choose_path()
kernels = path_kernels(PATH)

# The C interface's constants for the Python names (native/src/api.h)
WHICH = {Field.FP: lib.PZ_FP, Field.FR: lib.PZ_FR}
GROUP = {Group.G1: lib.PZ_G1, Group.G2: lib.PZ_G2}


def path_summary() -> str:
    """Which arithmetic path runs and what chose it, for the headers of demos and benchmarks.

    >>> path_summary().startswith(PATH)
    True
    """
    chooser = "PROZ_NATIVE_PATH" if os.environ.get("PROZ_NATIVE_PATH") else "CPUID"
    others = [path for path in PATHS if path != PATH]
    also = f"; also built: {', '.join(others)}" if others else ""
    return f"{PATH} ({PATH_DESCRIPTIONS[PATH]}), chosen by {chooser}{also}"


lib.pz_set_threads(int(os.environ.get("PROZ_THREADS") or os.cpu_count() or 1))


def check_alloc(status: int, kernel: str, count: int, unit: str) -> int:
    """``status`` as a kernel that allocates returned it, unless it is ``PZ_OUT_OF_MEMORY``: then
    a :class:`NativeMemoryError` naming the kernel and its size (``count`` ``unit``)."""
    if status == lib.PZ_OUT_OF_MEMORY:
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


def msm_batch(kernels: PathKernels, jobs: Sequence[tuple[Group, Any, Any, int]]) -> list[Point]:
    """The MSMs ``jobs`` (group, prepared bases, canonical scalars, count: C arrays as
    ``kernels.g1.msm`` takes them) side by side in one call (``pz_msm_batch``), their affine
    results in the jobs' order; a :class:`NativeMemoryError` if any job ran out of memory."""
    batch, outs = ffi.new("struct pz_msm_job[]", len(jobs)), []
    for job, (group, bases, scalars, count) in zip(batch, jobs):
        outs.append(ffi.new("uint64_t[]", 4 * group.coords))
        job.group, job.out, job.bases, job.scalars, job.n = GROUP[group], outs[-1], bases, scalars, count
    check_alloc(kernels.msm_batch(batch, len(jobs)), "pz_msm_batch", sum(job[3] for job in jobs), "points")
    return [unflatten(job[0], from_limbs(out, job[0].coords)) for job, out in zip(jobs, outs)]


QAP_RECORD = 44  # bytes of one zkey coefficient record (qap.h)
QAP_PART = 1 << 16  # records added per call of qap_abc_add: 2.75 MiB of the section resident at a time


def qap_abc_parts(kernels: "PathKernels", a, b, records, witness, n_witness: int, n: int,
                  release: Callable[[memoryview], None] | None = None, part: int = QAP_PART) -> int:
    """Groth16's canonical A and B evaluations into ``a`` and ``b`` (C arrays of ``n`` zeroed
    elements) from ``records`` (a buffer of the zkey's 44-byte coefficient records) and the
    canonical ``witness`` (C array of ``n_witness`` elements), ``part`` records at a time, as
    ``pz_qap_abc`` computes them whole; after each part, ``release`` gets the bytes of all the
    records added so far (:func:`prozchain.relations.formats.container.release_pages` then drops
    a memory-mapped key's pages as they go). Returns -1, or the index of the first invalid record (a and b are void).

    >>> from prozchain.native.curve import R
    >>> a, b, w = ffi.new("uint64_t[4]"), ffi.new("uint64_t[4]"), to_limbs([1, 5], R)
    >>> def record(matrix, signal, coef):  # snarkjs stores coef * 2^512 mod R
    ...     fields = matrix.to_bytes(4, "little") + bytes(4) + signal.to_bytes(4, "little")
    ...     return fields + (coef * 2**512 % R).to_bytes(32, "little")
    >>> qap_abc_parts(kernels, a, b, record(0, 1, 3) + record(1, 0, 2), w, 2, 1, part=1)  # A = 3 w_1, B = 2 w_0
    -1
    >>> from_limbs(a, 1), from_limbs(b, 1)
    ([15], [2])
    """
    view = memoryview(records).cast("B")
    count = len(view) // QAP_RECORD
    for start in range(0, count, part):
        chunk = view[QAP_RECORD * start:QAP_RECORD * min(count, start + part)]
        bad = kernels.qap_abc_add(a, b, ffi.from_buffer("uint8_t[]", chunk), len(chunk) // QAP_RECORD, witness,
                                  n_witness, n)
        if bad >= 0:
            return start + bad
        if release is not None:
            release(view[:QAP_RECORD * start + len(chunk)])
    kernels.from_mont(lib.PZ_FR, a, a, n)
    kernels.from_mont(lib.PZ_FR, b, b, n)
    return -1


def scalar_limbs(k: int):
    """Non-negative scalar of any size as limbs, plus the limb count."""
    nlimbs = max(1, (k.bit_length() + 63) // 64)
    arr = ffi.new("uint64_t[]", nlimbs)
    ffi.memmove(arr, k.to_bytes(8 * nlimbs, "little"), 8 * nlimbs)
    return arr, nlimbs


def unary_point(fn: Kernel, group: Group, a: Point) -> Point:
    """``fn(out, a)`` on one affine point of ``group`` (double, negate)."""
    n = group.coords
    out = ffi.new("uint64_t[]", 4 * n)
    fn(out, to_limbs(flatten(group, a)))
    return unflatten(group, from_limbs(out, n))


def g_add(kernels: PathKernels, group: Group, a: Point, b: Point) -> Point:
    """a + b in ``group`` (affine points of ints, None at infinity)."""
    n = group.coords
    out = ffi.new("uint64_t[]", 4 * n)
    kernels.group(group).add(out, to_limbs(flatten(group, a)), to_limbs(flatten(group, b)))
    return unflatten(group, from_limbs(out, n))


def g_mul(kernels: PathKernels, group: Group, a: Point, k: int) -> Point:
    """k * a in ``group`` for any int k (never reduced modulo R)."""
    if k < 0:
        a, k = unary_point(kernels.group(group).neg, group, a), -k
    n = group.coords
    out = ffi.new("uint64_t[]", 4 * n)
    scalar, nlimbs = scalar_limbs(k)
    kernels.group(group).mul(out, to_limbs(flatten(group, a)), scalar, nlimbs)
    return unflatten(group, from_limbs(out, n))


def in_subgroup(kernels: PathKernels, group: Group, a: Point) -> bool:
    """Whether the point ``a`` (on the curve) lies in the subgroup of order R."""
    return bool(kernels.group(group).in_subgroup(to_limbs(flatten(group, a))))


def pair_limbs(pairs: Sequence[tuple[G1, G2]]):
    """The G1 coordinates then the G2 ones, in one buffer: pointers to both halves, the count."""
    coords = [c for p, _ in pairs for c in flatten(Group.G1, p)]
    coords += [c for _, q in pairs for c in flatten(Group.G2, q)]
    limbs = to_limbs(coords)
    return limbs, limbs + 8 * len(pairs), len(pairs)


def pairing_check(kernels: PathKernels, pairs: Sequence[tuple[G1, G2]]) -> bool:
    """Whether the product of e(P_i, Q_i) over ``pairs`` is 1."""
    status = kernels.pairing_check(*pair_limbs(pairs))
    return bool(check_alloc(status, "pz_pairing_check", len(pairs), "pairs"))
