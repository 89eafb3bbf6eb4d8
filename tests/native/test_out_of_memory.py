"""Out of memory is an error, not a crash (issue 19): every kernel of the C core that allocates
reports a failed allocation, which reaches Python as ``NativeMemoryError`` naming the kernel, and
the core stays usable afterwards.

The kernels run in a subprocess under an address-space limit (``RLIMIT_AS``) set just above the
memory the process already maps, with inputs too large for what is left; each path of the core
runs in its own subprocess. A limit only reaches the allocations that grow with the input (malloc
serves small ones from free space it holds), so a second subprocess fails each allocation of the
core in turn, through a malloc preloaded in front of glibc's: the first, then the second, ... until
the kernel needs no more, which reaches the tables and the per-chunk and per-task buffers of the
OpenMP loops too. A third test checks that every call site in native/c_backend.py turns the status
into the error.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("prozchain.native._bn254")

from prozchain.native.c_backend import CBackend  # noqa: E402

from prozchain.native.core import runnable_paths
from prozchain.native.errors import NativeMemoryError  # noqa: E402
from prozchain.native.curve import Field, Group

# Runs in the subprocess, given the path. Inputs are made before the limit is set and, where the
# kernel fails before reading them, left as untouched zero pages: they cost address space, not
# memory. Each limit leaves room for what the Python side allocates and not for the kernel.
LIMITED = textwrap.dedent(r"""
    import resource
    import sys
    from contextlib import contextmanager

    import numpy as np

    from prozchain.native.c_backend import CBackend

    from prozchain.native.core import check_alloc, ffi, path_kernels
    from prozchain.native.curve import R, Field, Group
    from prozchain.native.errors import NativeMemoryError, ProzError
    from prozchain.native.kernels import PreparedBases

    path = sys.argv[1]
    c, fns = CBackend(path), path_kernels(path)
    MB = 1 << 20


    def ptr(a):
        return ffi.from_buffer("uint64_t[]", a)


    def vm_size():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))


    @contextmanager
    def address_space(margin):
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (vm_size() + margin, hard))
        try:
            yield
        finally:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


    # Known answers, and the OpenMP threads (their stacks need address space too) and malloc's
    # per-thread arenas made before any limit: every kernel below runs split once here.
    g1_gen, g2_gen = c.g1_generator(), c.g2_generator()
    c.mul_array(Field.FR, np.ones((1 << 16, 4), dtype=np.uint64), np.ones((1 << 16, 4), dtype=np.uint64))
    bases = {g: c.generator_multiples(g, np.arange(1, 4097, dtype=np.uint64).repeat(4).reshape(-1, 4) % 7)
             for g in (Group.G1, Group.G2)}
    scalars = np.arange(4096 * 4, dtype=np.uint64).reshape(-1, 4)
    msm_expected = {g: c.msm_prepared(bases[g], scalars) for g in bases}
    pairs = [(g1_gen, g2_gen), (c.g_neg(Group.G1, g1_gen), g2_gen)]
    pairing_expected = c.multi_pairing(pairs[:1])
    c.ntt_array(np.ones((1 << 10, 4), dtype=np.uint64))   # the twiddle table holds transforms up to 2^10


    def still_usable():
        # the same answers as before, and an NTT on e_1, which gives the powers of the root of unity;
        # the first time, right after the NTT's failed twiddle table growth, it grows the table
        for g in bases:
            assert c.msm_prepared(bases[g], scalars) == msm_expected[g], g
        assert c.pairing_check(pairs) and c.multi_pairing(pairs[:1]) == pairing_expected
        e1 = np.zeros((1 << 12, 4), dtype=np.uint64)
        e1[1, 0] = 1
        out = c.ntt_array(e1)
        w = pow(5, (R - 1) >> 12, R)
        for k in (0, 1, 2, 1000, 4095):
            assert int.from_bytes(out[k].astype("<u8").tobytes(), "little") == pow(w, k, R), k


    def expect_out_of_memory(kernel, size, call, margin=64 * MB):
        with address_space(margin):
            try:
                call()
                error = None
            except NativeMemoryError as exc:
                error = exc
        assert error is not None, f"{kernel}: no NativeMemoryError"
        assert isinstance(error, MemoryError) and isinstance(error, ProzError)
        assert str(error) == f"out of memory in {kernel} ({size})", str(error)
        still_usable()
        print("ok", kernel, size, flush=True)


    def zeros(n, width):
        return np.zeros((n, width), dtype=np.uint64)


    def ones(n, width):   # nonzero, where zeros would be infinity or a zero to invert
        return np.ones((n, width), dtype=np.uint64)


    # the kernels that allocate in proportion to their input
    values = zeros(1 << 22, 4)   # ntt_array copies the input (128 MB), the twiddles would be 128 MB more
    expect_out_of_memory("pz_fr_ntt", "2^22 values", lambda: c.ntt_array(values), margin=192 * MB)
    # the MSM's scratch is bounded (a byte a point for the size classes, at most 32 MiB of digits),
    # so the margin is below it; bases and scalars of ones are points in use (not infinity, not 0)
    for group, log, width in ((Group.G1, 24, 8), (Group.G2, 23, 16)):
        big, k = PreparedBases(group, ones(1 << log, width)), ones(1 << log, 4)
        expect_out_of_memory(f"pz_{group}_msm", f"2^{log} points", lambda: c.msm_prepared(big, k), margin=24 * MB)
    del big, k
    a, b = zeros(1 << 21, 4), zeros(1 << 21, 4)   # copies of a and b and h: 192 MB; then 64 MB of twiddles
    expect_out_of_memory("pz_qap_h", "2^21 values", lambda: c.qap_h(a, b, 7), margin=224 * MB)
    del values, a, b
    values = zeros(1 << 21, 4)
    values[:, 0] = 1   # the output (64 MB) fits, the values and their scratch (128 MB) do not
    expect_out_of_memory("pz_batch_inv", "2^21 values", lambda: c.inv_array(Field.FR, values), margin=96 * MB)
    del values
    n = 1 << 22
    for group, width in ((Group.G1, 8), (Group.G2, 16)):
        out, jac = zeros(n, width), zeros(n, 3 * width // 2)
        fn = fns.group(group).batch_to_affine
        expect_out_of_memory(f"pz_{group}_batch_to_affine", "2^22 points",
                             lambda: check_alloc(fn(ptr(out), ptr(jac), n), f"pz_{group}_batch_to_affine", n, "points"))
    del out, jac
    n = 1 << 16   # a pair's Miller loop steps take 40 kB
    g1s, g2s, gt = ones(n, 8), ones(n, 16), zeros(1, 48)
    for kernel, call in (("pz_pairing", lambda: fns.pairing(ptr(gt), ptr(g1s), ptr(g2s), n)),
                         ("pz_pairing_check", lambda: fns.pairing_check(ptr(g1s), ptr(g2s), n)),
                         ("pz_miller_loop", lambda: fns.miller_loop(ptr(gt), ptr(g1s), ptr(g2s), n))):
        expect_out_of_memory(kernel, "2^16 pairs", lambda: check_alloc(call(), kernel, n, "pairs"))
    del g1s, g2s

    print("done", flush=True)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc/self/status: Linux")
@pytest.mark.parametrize("path", runnable_paths())
def test_kernels_report_out_of_memory_and_the_core_stays_usable(path):
    run = subprocess.run([sys.executable, "-c", LIMITED, path], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and run.stdout.endswith("done\n"), (
        f"exit {run.returncode}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}")


# Fails the k-th allocation made from the C core's own code (return addresses in [lo, hi)), and
# only that one; everything else allocates as usual.
FAILING_MALLOC = r"""
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
void *__libc_malloc(size_t), *__libc_calloc(size_t, size_t), *__libc_memalign(size_t, size_t);
static atomic_long countdown;   /* allocations until the one that fails; 0: none */
static uintptr_t lo, hi;
void fail_allocation(long k, uintptr_t from, uintptr_t to) { lo = from; hi = to; atomic_store(&countdown, k); }
long allocations_left(void) { return atomic_load(&countdown); }
static int fails(void *caller) {
    if ((uintptr_t)caller < lo || (uintptr_t)caller >= hi) return 0;
    long left = atomic_load(&countdown);
    while (left > 0 && !atomic_compare_exchange_weak(&countdown, &left, left - 1)) {}
    if (left != 1) return 0;
    errno = ENOMEM;
    return 1;
}
void *malloc(size_t n) { return fails(__builtin_return_address(0)) ? NULL : __libc_malloc(n); }
void *calloc(size_t n, size_t size) { return fails(__builtin_return_address(0)) ? NULL : __libc_calloc(n, size); }
void *aligned_alloc(size_t align, size_t n) {
    return fails(__builtin_return_address(0)) ? NULL : __libc_memalign(align, n);
}
"""

# Runs in the subprocess, given the path: each call, with its k-th allocation failing for k = 1,
# 2, ..., must raise NativeMemoryError and leave the core giving the same answers, until it
# allocates fewer than k times and gives its answer. An allocation whose failure went unnoticed
# would show as an answer while the countdown reached its end (or as a crash).
FAULTS = textwrap.dedent(r"""
    import ctypes
    import sys

    import numpy as np

    from prozchain.native import _bn254
    from prozchain.native.c_backend import CBackend, MsmFlag
    from prozchain.native.core import check_alloc, ffi, lib, path_kernels, to_limbs
    from prozchain.native.curve import R, Field, Group
    from prozchain.native.errors import NativeMemoryError

    path = sys.argv[1]
    c, fns = CBackend(path), path_kernels(path)
    shim = ctypes.CDLL(None)
    shim.fail_allocation.argtypes = [ctypes.c_long, ctypes.c_size_t, ctypes.c_size_t]
    shim.allocations_left.restype = ctypes.c_long
    with open("/proc/self/maps") as maps:
        spans = [[int(x, 16) for x in line.split()[0].split("-")] for line in maps if _bn254.__file__ in line]
    core = (min(lo for lo, _ in spans), max(hi for _, hi in spans))


    def ints(a):
        return [int.from_bytes(row.astype("<u8").tobytes(), "little") for row in a]


    def ptr(a):
        return ffi.from_buffer("uint64_t[]", a)


    def progression(group, n):
        out = np.zeros((n, 8 if group is Group.G1 else 16), dtype=np.uint64)
        gen = to_limbs([1, 2]) if group is Group.G1 else to_limbs([*c.g2_generator()[0], *c.g2_generator()[1]])
        fn = fns.group(group).progression
        check_alloc(fn(ffi.from_buffer("uint64_t[]", out), gen, to_limbs([3]), to_limbs([5]), n),
                    f"pz_{group}_progression", n, "points")
        return out


    rng = np.random.default_rng(19)
    g1, g2 = c.g1_generator(), c.g2_generator()
    mixed = rng.integers(0, 1 << 62, size=(2048, 4), dtype=np.uint64)
    mixed[::3, 1:] = 0        # small scalars
    mixed[::5] = [1, 0, 0, 0]
    mixed[::7] = 0
    fr = mixed >> np.uint64(4)   # below R
    calls = {}
    for group in (Group.G1, Group.G2):
        bases = c.msm_prepare_array(group, progression(group, 2048))
        same = np.tile(np.array([12345, 0, 0, 1 << 40], dtype=np.uint64), (2048, 1))
        # affine buckets, 2^11 of them (reduced in affine batches), equal scalars (side buckets);
        # then the cost model's choice over scalars of every size class
        calls[f"pz_{group}_msm affine"] = lambda b=bases, k=same: c.msm_prepared(
            b, k, window=12, flags=MsmFlag.NO_SPLIT | MsmFlag.AFFINE)
        calls[f"pz_{group}_msm"] = lambda b=bases: c.msm_prepared(b, mixed)
        calls[f"pz_{group}_progression"] = lambda g=group: ints(progression(g, 3 * 4096 + 5)[::997])
        calls[f"pz_{group}_fixed_base"] = lambda g=group: ints(c.generator_multiples(g, mixed[:1500]).array[::97])
        # 3,000 sums of 3 terms: chunks of sums on every thread, each with its own buffers
        calls[f"pz_{group}_sparse_sums"] = lambda b=bases: ints(c.sparse_sums(
            b, np.arange(0, 9001, 3), np.arange(9000) % 2048, np.arange(9000) % 2048, mixed).array[::97])
    # a batch of MSMs side by side: a job that fails reports it, and leaves the others' outputs right
    batch_bases = {group: c.msm_prepare_array(group, progression(group, 2048)) for group in Group}
    batch_jobs = [(Group.G2, 2048), (Group.G1, 2048), (Group.G1, 1500), (Group.G2, 700), (Group.G1, 0)]
    batch_answers = []


    def msm_batch():
        jobs, outs = ffi.new("struct pz_msm_job[]", len(batch_jobs)), []
        for job, (group, n) in zip(jobs, batch_jobs):
            outs.append(np.zeros((1, 4 * group.coords), dtype=np.uint64))
            job.group = lib.PZ_G1 if group is Group.G1 else lib.PZ_G2
            job.out, job.bases, job.scalars, job.n = ptr(outs[-1]), ptr(batch_bases[group].array), ptr(mixed), n
        status = fns.msm_batch(jobs, len(jobs))
        answers = [ints(out) for out in outs]
        assert status == (lib.PZ_OUT_OF_MEMORY if any(job.status for job in jobs) else 0), status
        assert all(job.status in (0, lib.PZ_OUT_OF_MEMORY) for job in jobs)
        for i, job in enumerate(jobs):
            if batch_answers and job.status == 0:
                assert answers[i] == batch_answers[i], i
        check_alloc(status, "pz_msm_batch", sum(n for _, n in batch_jobs), "points")
        batch_answers[:] = batch_answers or answers
        return answers


    calls["pz_msm_batch"] = msm_batch
    calls["pz_g1_batch_to_affine"] = lambda: c.batch_to_affine(Group.G1, [(1, 2, 1), (4, 8, 2)])
    g1_bases = c.msm_prepare_array(Group.G1, progression(Group.G1, 2048))
    calls["pz_g1_scale"] = lambda: ints(c.scale_points(g1_bases, R // 3).array[::97])
    calls["pz_batch_inv"] = lambda: ints(c.inv_array(Field.FR, fr[1:100] | np.uint64(1)))
    calls["pz_pairing"] = lambda: c.multi_pairing([(g1, g2), (c.g_double(Group.G1, g1), g2)])
    calls["pz_pairing_check"] = lambda: c.pairing_check([(g1, g2), (c.g_neg(Group.G1, g1), g2)])
    calls["pz_fr_ntt"] = lambda: ints(c.ntt_array(fr[:1024], shift=7))
    calls["pz_qap_h"] = lambda: ints(c.qap_h(fr, fr[::-1], 7))
    expected = {name: call() for name, call in calls.items()}
    # the twiddle table now holds 2^11: these grow it. The NTT of e_1 is the powers of the root
    # of unity; with A = B = C = 1, A * B - C is 0 everywhere.
    e1 = np.zeros((1 << 12, 4), dtype=np.uint64)
    e1[1, 0] = 1
    calls["pz_fr_ntt growing"] = lambda: ints(c.ntt_array(e1))
    expected["pz_fr_ntt growing"] = [pow(pow(5, (R - 1) >> 12, R), k, R) for k in range(1 << 12)]
    one = np.tile(np.array([1, 0, 0, 0], dtype=np.uint64), (1 << 13, 1))
    calls["pz_qap_h growing"] = lambda: ints(c.qap_h(one, one, 7))
    expected["pz_qap_h growing"] = [0] * (1 << 13)

    for name, call in calls.items():
        for k in range(1, 10000):
            shim.fail_allocation(k, *core)
            try:
                answer, error = call(), None
            except NativeMemoryError as exc:
                answer, error = None, exc
            left = shim.allocations_left()
            shim.fail_allocation(0, 0, 0)
            if error is None:
                assert left > 0, f"{name}: allocation {k} failed unnoticed"
                assert answer == expected[name], (name, k)
                print("ok", name, k - 1, "allocations", flush=True)
                break
            assert str(error).startswith(f"out of memory in {name.split()[0]} ("), (name, k, str(error))
            for other, again in calls.items():   # nothing left corrupted
                if other.startswith("pz_g1_msm") or other == "pz_pairing_check":
                    assert again() == expected[other], (name, k, other)
    print("done", flush=True)
""")


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc" or not shutil.which("cc"),
                    reason="the failing malloc stands in front of glibc's, built by cc")
@pytest.mark.parametrize("path", runnable_paths())
def test_each_allocation_of_each_kernel_can_fail(path, tmp_path):
    shim = tmp_path / "failing_malloc.so"
    (tmp_path / "failing_malloc.c").write_text(FAILING_MALLOC)
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", str(shim), str(tmp_path / "failing_malloc.c")], check=True)
    env = {**os.environ, "LD_PRELOAD": str(shim)}
    run = subprocess.run([sys.executable, "-c", FAULTS, path], capture_output=True, text=True, timeout=900, env=env)
    assert run.returncode == 0 and run.stdout.endswith("done\n"), (
        f"exit {run.returncode}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}")


def test_every_call_site_turns_the_status_into_native_memory_error(monkeypatch):
    """Each CBackend method over an allocating kernel raises when that kernel reports it ran out."""
    from prozchain.native.core import lib, path_kernels
    from prozchain.native.kernels import PreparedBases

    c = CBackend()
    real = path_kernels(c.path)

    def out_of_memory(*args):
        return lib.PZ_OUT_OF_MEMORY

    failing = dict.fromkeys(("batch_inv", "qap_h", "pairing", "pairing_check", "fr_ntt", "g1_scale", "msm_batch"),
                            out_of_memory)
    g1 = real.g1._replace(batch_to_affine=out_of_memory, fixed_base=out_of_memory, msm=out_of_memory,
                          sparse_sums=out_of_memory)
    g2 = real.g2._replace(msm=out_of_memory)
    monkeypatch.setattr(c, "_kernels", real._replace(g1=g1, g2=g2, **failing))
    ones = np.ones((1024, 4), dtype=np.uint64)
    g1, g2 = c.g1_generator(), c.g2_generator()
    calls = {
        "pz_batch_inv (3 values)": lambda: c.batch_inv(Field.FR, [1, 2, 3]),
        "pz_batch_inv (2^10 values)": lambda: c.inv_array(Field.FR, ones),
        "pz_qap_h (2^10 values)": lambda: c.qap_h(ones, ones, 7),
        "pz_g1_batch_to_affine (1 points)": lambda: c.batch_to_affine(Group.G1, [(1, 2, 1)]),
        "pz_pairing (1 pairs)": lambda: c.multi_pairing([(g1, g2)]),
        "pz_pairing_check (1 pairs)": lambda: c.pairing_check([(g1, g2)]),
        "pz_g1_fixed_base (2^10 points)": lambda: c.generator_multiples(Group.G1, ones),
        "pz_g1_scale (1 points)": lambda: c.scale_points(PreparedBases(Group.G1, np.zeros((1, 8), np.uint64)), 3),
        "pz_g1_sparse_sums (2^10 terms)": lambda: c.sparse_sums(PreparedBases(Group.G1, np.zeros((1, 8), np.uint64)),
                                                                 [0, 1024], np.zeros(1024), np.zeros(1024), ones),
        "pz_g1_msm (2^10 points)": lambda: c.msm_prepared(PreparedBases(Group.G1, np.zeros((1024, 8), np.uint64)),
                                                          ones),
        "pz_g2_msm (2^10 points)": lambda: c.msm_prepared(PreparedBases(Group.G2, np.zeros((1024, 16), np.uint64)),
                                                          ones),
        "pz_fr_ntt (2^10 values)": lambda: c.ntt_array(ones),
        "pz_msm_batch (2^11 points)": lambda: c.msm_batch(
            [(PreparedBases(group, np.zeros((1024, 4 * group.coords), np.uint64)), ones) for group in Group]),
    }
    for message, call in calls.items():
        with pytest.raises(NativeMemoryError) as caught:
            call()
        assert str(caught.value) == f"out of memory in {message}"
