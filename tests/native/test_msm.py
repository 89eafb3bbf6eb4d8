"""Multi-scalar multiplication: the C and numba kernels against the naive reference and against
the discrete-log oracle (tests/native/kernel_inputs.py), on G1 and G2, with the edge cases the
kernels special-case: zero scalars, scalars >= R, small scalars, repeated bases, bases at
infinity and P/-P pairs, and every bucket mode and window of the C Pippenger."""

from __future__ import annotations

import numpy as np
import pytest

from prozchain import native
from prozchain.native.c_backend import CBackend, MsmFlag
from prozchain.native.core import ffi, kernels, runnable_paths, to_limbs
from prozchain.native.curve import R, Group
from prozchain.native.errors import InvalidArgumentError
from prozchain.native.kernels import (FixedBases, PreparedBases, array_to_ints, bases_to_points, ints_to_array,
                                      prepare_bases, scalars_array)
from tests.native.kernel_inputs import bases_with_logs, edge_scalars, expected, neg, with_edge_cases


GROUPS = [Group.G1, Group.G2]
NO_SPLIT, JACOBIAN, AFFINE = MsmFlag.NO_SPLIT, MsmFlag.JACOBIAN, MsmFlag.AFFINE


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("n", [1, 2, 3, 17])
def test_small_against_naive_reference(group, n, c, numba_backend, ref, rng):
    points, logs = bases_with_logs(group, n, rng)
    if n >= 3:
        points[1] = None
        points[2] = points[0]
    scalars = edge_scalars(n, rng)
    want = ref.msm(group, points, scalars)
    bases = c.msm_prepare(group, points)
    k = ints_to_array(scalars)
    assert c.msm_prepared(bases, k) == want
    assert numba_backend.msm_prepared(bases, k) == want
    assert c.msm(group, points, scalars) == want


@pytest.mark.parametrize("group", GROUPS)
def test_negative_and_huge_python_scalars(group, c, ref, rng):
    points, _ = bases_with_logs(group, 4, rng)
    scalars = [-1, -rng.randrange(R), 2**300 + 5, 3 * R + 1]
    assert c.msm(group, points, scalars) == ref.msm(group, points, scalars)


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("n", [1000, 4096 + 5])
def test_large_with_edge_cases_against_log_oracle(group, n, c, rng):
    points, logs = bases_with_logs(group, n, rng)
    points, logs = with_edge_cases(group, points, logs, rng)
    scalars = edge_scalars(n, rng)
    bases = c.msm_prepare(group, points)
    assert c.msm_prepared(bases, ints_to_array(scalars)) == expected(group, logs, scalars)


@pytest.mark.parametrize("group", GROUPS)
def test_numba_at_1000(group, c, numba_backend, rng):
    n = 1000 if group is Group.G1 else 200
    points, logs = bases_with_logs(group, n, rng)
    points, logs = with_edge_cases(group, points, logs, rng)
    scalars = edge_scalars(n, rng)
    bases = prepare_bases(group, points)
    assert numba_backend.msm_prepared(bases, ints_to_array(scalars)) == expected(group, logs, scalars)


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("flags", [MsmFlag(0), NO_SPLIT, JACOBIAN, AFFINE, NO_SPLIT | AFFINE, NO_SPLIT | JACOBIAN])
@pytest.mark.parametrize("window", [0, 1, 2, 5, 8, 12])
def test_every_window_and_bucket_mode(group, flags, window, c, rng):
    """flags: no small-scalar split, Jacobian buckets, affine batches even for small c."""
    n = 300
    points, logs = bases_with_logs(group, n, rng)
    points, logs = with_edge_cases(group, points, logs, rng)
    scalars = edge_scalars(n, rng)
    got = c.msm_prepared(c.msm_prepare(group, points), ints_to_array(scalars), window, flags)
    assert got == expected(group, logs, scalars)


@pytest.mark.parametrize("group", GROUPS)
def test_cancelling_and_doubling_buckets(group, c, rng):
    """Affine batches meeting P + P (doubling) and P + (-P) (an emptied bucket) in one bucket."""
    points, logs = bases_with_logs(group, 8, rng)
    from tests.native.kernel_inputs import neg

    pts = points[:4] * 50 + [neg(group, p) for p in points[:4]] * 49
    lg = logs[:4] * 50 + [(-l) % R for l in logs[:4]] * 49
    scalars = [7] * len(pts)
    for flags in (AFFINE, NO_SPLIT | AFFINE, JACOBIAN):
        got = c.msm_prepared(c.msm_prepare(group, pts), ints_to_array(scalars), 4, flags)
        assert got == expected(group, lg, scalars)


@pytest.mark.parametrize("group", GROUPS)
def test_affine_batches_over_few_buckets(group, c, rng):
    """Thousands of points over a handful of buckets: conflicting points wait in the queue for
    later batches, and overflow it into Jacobian side buckets; the sum must not notice."""
    n = 3000 if group is Group.G1 else 1500
    points, logs = bases_with_logs(group, n, rng)
    scalars = [rng.choice([5, 2**40 + 3, R - 9, 255]) for _ in range(n)]
    for window in (8, 12):
        got = c.msm_prepared(c.msm_prepare(group, points), ints_to_array(scalars), window, 5)
        assert got == expected(group, logs, scalars)


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("window, digit", [(9, 201), (10, 401), (12, 1000)])
def test_bucket_sums_that_cancel_and_double(group, window, digit, c, rng):
    """The affine reduction of 2^8, 2^9 and 2^11 buckets (32, 64 and 128 segments) meets a
    running sum that empties (buckets S, -S) and a total that doubles (S again): adjacent digits
    on P and -P, inside one segment."""
    from tests.native.kernel_inputs import neg

    points, logs = bases_with_logs(group, 3, rng)
    pts = [p for p in points] + [neg(group, p) for p in points] + list(points)
    lg = list(logs) + [(-l) % R for l in logs] + list(logs)
    scalars = [digit] * 3 + [digit + 1] * 3 + [digit + 2] * 3
    for flags in (AFFINE, NO_SPLIT | AFFINE, AFFINE | MsmFlag.NO_GLV):
        got = c.msm_prepared(c.msm_prepare(group, pts), ints_to_array(scalars), window, flags)
        assert got == expected(group, lg, scalars)


@pytest.mark.parametrize("group", GROUPS)
def test_degenerate_sums(group, c, numba_backend, rng):
    points, logs = bases_with_logs(group, 5, rng)
    assert c.msm(group, points, [0] * 5) is None
    assert c.msm(group, [None] * 5, [1, 2, 3, 4, 5]) is None
    assert c.msm(group, [], []) is None
    assert c.msm(group, points, [R] * 5) is None
    assert c.msm(group, points, [1] * 5) == expected(group, logs, [1] * 5)
    assert numba_backend.msm(group, points, [0] * 5) is None


def test_prepared_bases_are_reused_and_prefix_msm(c, numba_backend, rng):
    points, logs = bases_with_logs(Group.G1, 64, rng)
    bases = c.msm_prepare(Group.G1, points)
    assert isinstance(bases, PreparedBases) and bases.array.shape == (64, 8)
    assert np.array_equal(bases.array, prepare_bases(Group.G1, points).array)  # C and Python agree
    for m in (1, 10, 64):
        scalars = [rng.randrange(R) for _ in range(m)]
        want = expected(Group.G1, logs[:m], scalars)
        assert c.msm_prepared(bases, scalars_array(scalars)) == want
        assert numba_backend.msm_prepared(bases, scalars_array(scalars)) == want
    with pytest.raises(ValueError):
        c.msm_prepared(bases, scalars_array([1] * 65))
    with pytest.raises(ValueError):
        c.msm_prepared(bases, np.zeros((3, 3), dtype=np.uint64))


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("n", [1024, 4096 + 3])
def test_small_msms_in_affine_batches(group, n, c, rng):
    """The windows a proof of 2^10-2^12 constraints uses (6-12 bits), in affine batches of a
    quarter of their buckets (the batch size of a small window): zero scalars, scalars >= R,
    bases at infinity, repeated bases and P/-P pairs, against the log oracle; and the naive
    reference on a few hundred points of that mix."""
    points, logs = bases_with_logs(group, n, rng)
    points, logs = with_edge_cases(group, points, logs, rng)
    scalars = edge_scalars(n, rng)
    bases, k = c.msm_prepare(group, points), ints_to_array(scalars)
    want = expected(group, logs, scalars)
    for window in range(6, 13):
        for flags in (AFFINE, NO_SPLIT | AFFINE):
            assert c.msm_prepared(bases, k, window, flags) == want, (window, flags)
    assert c.msm_prepared(bases, k) == want
    few = slice(0, 200 if group is Group.G1 else 60)
    for window in (6, 8):
        got = c.msm_prepared(c.msm_prepare(group, points[few]), ints_to_array(scalars[few]), window, AFFINE)
        assert got == native.get_backend("reference").msm(group, points[few], scalars[few])


def test_cost_model_windows(c):
    from prozchain.native.core import ffi, kernels, lib

    affine = ffi.new("int *")
    windows = [kernels.msm_window(lib.PZ_G1, 1 << k, 254, affine) for k in (4, 10, 16, 20)]
    assert windows == sorted(windows) and 1 <= windows[0] and windows[-1] <= 20
    kernels.msm_window(lib.PZ_G1, 1 << 20, 254, affine)
    assert affine[0] == 1  # large windows accumulate in affine batches
    kernels.msm_window(lib.PZ_G1, 16, 254, affine)
    assert affine[0] == 0
    for k in (10, 12, 14):  # small proofs' MSMs: batches sized to their buckets beat Jacobian ones
        kernels.msm_window(lib.PZ_G1, 1 << k, 254, affine)
        assert affine[0] == 1, k


def test_array_helpers():
    a = ints_to_array([0, 1, 2**255, 2**256 - 1])
    assert array_to_ints(a) == [0, 1, 2**255, 2**256 - 1]
    with pytest.raises(native.errors.InvalidFieldElementError):
        ints_to_array([2**256])


@pytest.mark.parametrize("group", GROUPS)
def test_generator_multiples_fixed_base_kernel(group, c, ref, rng):
    """The C fixed-base table kernel (key generation) against py_ecc's multiply, per point:
    zero, one, R and its neighbours, 2^256 - 1, every byte digit at the window edges, and a
    chunk boundary (1024) crossed by random scalars."""
    gen = ref.g1_generator() if group is Group.G1 else ref.g2_generator()
    scalars = [0, 1, 2, R - 1, R, R + 1, 2**256 - 1, 255, 256, 2**255, 255 * 256**31]
    scalars += [rng.randrange(2**256) for _ in range(1030 - len(scalars))]
    got = bases_to_points(c.generator_multiples(group, ints_to_array(scalars)))
    sample = list(range(11)) + rng.sample(range(11, 1030), 6) + [1023, 1024, 1029]
    for i in sample:
        k = scalars[i] % R
        assert got[i] == (ref.g_mul(group, gen, k) if k else None), f"scalar #{i} = {scalars[i]}"
    assert ref.generator_multiples(group, ints_to_array(scalars[:12])).array.tolist() == \
        c.generator_multiples(group, ints_to_array(scalars[:12])).array.tolist()


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("n", [1, 3, 40, 3000])
def test_fixed_base_windows_of_every_width(group, n, c, ref, rng):
    """The kernel picks its window by the count (2 bits for one scalar up to its cap for
    thousands): scalars whose every digit is the largest (R - 1, 2^254 - 1 and 2^256 - 1, reduced
    first), single digits at each window edge, and random ones, against py_ecc."""
    gen = ref.g1_generator() if group is Group.G1 else ref.g2_generator()
    special = [R - 1, 2**254 - 1, 2**256 - 1, 0] + [2**b for b in (7, 8, 9, 11, 12, 13, 252, 253)]
    scalars = (special + [rng.randrange(R) for _ in range(n)])[:n]
    got = bases_to_points(c.generator_multiples(group, ints_to_array(scalars)))
    for i in sorted(set(range(min(n, len(special)))) | set(rng.sample(range(n), min(n, 4)))):
        k = scalars[i] % R
        assert got[i] == (ref.g_mul(group, gen, k) if k else None), f"scalar #{i} = {scalars[i]} of {n}"


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("n, max_points", [(1, 10**6), (9, 200), (300, 10**6), (1030, 30_000)])
def test_fixed_base_tables_against_log_oracle(group, n, max_points, c, ref, rng):
    """A fixed-base table (a resident prover's, kept per key) gives the MSM of the bases it was
    built from: py_ecc's answer by discrete logs, with bases at infinity, repeated bases, P/-P
    pairs and every edge scalar (zero, one, >= r, up to 2^256 - 1), all scalars or a prefix,
    at the window the memory bound allows."""
    points, logs = bases_with_logs(group, n, rng)
    if n >= 8:
        points, logs = with_edge_cases(group, points, logs, rng)
    bases = c.msm_prepare(group, points)
    fixed = c.msm_table(bases, max_points)
    assert isinstance(fixed, FixedBases) and len(fixed.table) == n * (254 // fixed.window + 1) <= max_points
    for scalars in (edge_scalars(n, rng), [0] * n, [R] * n, [rng.randrange(R) for _ in range(n)]):
        assert c.msm_prepared(fixed, ints_to_array(scalars)) == expected(group, logs, scalars)
        m = max(1, n // 2)
        assert c.msm_prepared(fixed, ints_to_array(scalars[:m])) == expected(group, logs[:m], scalars[:m])
    if n <= 9:
        assert c.msm_prepared(fixed, ints_to_array([1] * n)) == ref.msm(group, points, [1] * n)


@pytest.mark.parametrize("group", GROUPS)
def test_fixed_base_table_bucket_conflicts(group, c, rng):
    """Many table points in few buckets (equal digits): doublings, P + (-P) and the queue."""
    from tests.native.kernel_inputs import neg

    points, logs = bases_with_logs(group, 4, rng)
    pts = points * 40 + [neg(group, p) for p in points] * 39
    lg = logs * 40 + [(-l) % R for l in logs] * 39
    fixed = c.msm_table(c.msm_prepare(group, pts), 10**6)
    for scalars in ([7] * len(pts), [R - 7] * len(pts), [2**253 + 7] * len(pts)):
        assert c.msm_prepared(fixed, ints_to_array(scalars)) == expected(group, lg, scalars)


def test_fixed_base_table_when_none_fits(c, rng):
    """A bound below the smallest table leaves the bases as they are: the plain MSM runs."""
    points, logs = bases_with_logs(Group.G1, 50, rng)
    bases = c.msm_prepare(Group.G1, points)
    assert c.msm_table(bases, 50 * 13 - 1) is bases  # a table needs at least 254 / 20 + 1 = 13 rows
    assert c.msm_table(c.msm_prepare(Group.G1, []), 10**6).array.shape[0] == 0


@pytest.mark.parametrize("flags", [MsmFlag(0), NO_SPLIT])
def test_windows_in_groups_of_bounded_digits(flags, c, rng):
    """Past 32 MiB of digits (msm_impl.h, MSM_DIGIT_BYTES) the windows go in groups, each
    carrying its scalars' carries to the next, and each size class skips the others' points in
    place: 2^19 + 3 points over 26 windows make two groups."""
    n, group = (1 << 19) + 3, Group.G1
    a, d = rng.randrange(1, R), rng.randrange(1, R)
    coords = np.empty((n, 8), dtype=np.uint64)
    kernels.g1.progression(ffi.from_buffer("uint64_t[]", coords), to_limbs([1, 2]), to_limbs([a], R),
                           to_limbs([d], R), n)  # the points (a + i d) G
    scalars = [rng.randrange(2**256) for _ in range(n)]
    for i in rng.sample(range(n), 3000):
        scalars[i] = rng.choice([0, 1, 2, R, R + 1, rng.randrange(2**64)])
    got = c.msm_prepared(c.msm_prepare_array(group, coords), ints_to_array(scalars), window=10, flags=flags)
    total = sum(k * (a + i * d) for i, k in enumerate(scalars)) % R
    assert got == expected(group, [1], [total])


@pytest.mark.parametrize("group", GROUPS)
def test_sparse_sums_are_the_small_msms(group, c, ref, rng):
    """``sparse_sums`` (one C call for many small MSMs over shared bases) against the reference's
    one MSM per sum, with the cases its scalar rule meets: 0, 1, -1, small, small negative,
    one limb, long; the same base twice (a doubling), P and -P (infinity), a base at infinity,
    and empty sums. Every C path does the same."""
    points, _ = bases_with_logs(group, 6, rng)
    points += [points[0], neg(group, points[1]), None]
    bases = c.msm_prepare(group, points)
    table = ints_to_array([0, 1, R - 1, 2, R - 5, 2**64 - 1, 2**64, R - 2**70, rng.randrange(R), 3])
    counts = [2, 2, 2] + [rng.choice([0, 0, 1, 2, 3, 7]) for _ in range(700)]  # more than one chunk of sums
    indptr = np.concatenate([[0], np.cumsum(counts)])
    rows = [rng.randrange(len(points)) for _ in range(indptr[-1])]
    ids = [rng.randrange(len(table)) for _ in range(indptr[-1])]
    rows[:6], ids[:6] = [0, 6, 1, 7, 0, 0], [1, 1, 1, 1, 3, 2]  # P + P, P - P, 2P - P
    got = c.sparse_sums(bases, indptr, rows, ids, table)
    want = ref.sparse_sums(bases, indptr[:121], rows[:indptr[120]], ids[:indptr[120]], table)
    assert (got.array[:120] == want.array).all()
    assert bases_to_points(got)[:3] == [ref.g_mul(group, points[0], 2), None, points[0]]
    for path in map(CBackend, runnable_paths()):
        assert (path.sparse_sums(bases, indptr, rows, ids, table).array == got.array).all(), path.name


def test_sparse_sums_refuse_indices_out_of_range(c):
    bases = c.msm_prepare(Group.G1, [c.g1_generator()])
    with pytest.raises(InvalidArgumentError, match="a row is not below 1"):
        c.sparse_sums(bases, [0, 1], [1], [0], ints_to_array([1]))
    with pytest.raises(InvalidArgumentError, match="indptr must ascend"):
        c.sparse_sums(bases, [0, 2, 1], [0, 0], [0, 0], ints_to_array([1]))


@pytest.mark.parametrize("group", GROUPS)
def test_scale_points_is_a_multiplication_of_each(group, c, ref, rng):
    """``scale_points`` (G1: the GLV kernel; G2: ``sparse_sums``) against one multiplication a
    point, on every C path, for scalars whose halves k1, k2 take every sign and size (0, 1, -1,
    lambda itself, one limb, 2^128, random)."""
    points, _ = bases_with_logs(group, 600, rng)  # more than one chunk of points
    points[3] = None
    bases = c.msm_prepare(group, points)
    for k in [0, 1, R - 1, 2, GLV_LAMBDA, R - GLV_LAMBDA, 12345, R - 12345, 2**64, 2**128, rng.randrange(R)]:
        k1, k2 = glv_split(k)
        assert (k1 + k2 * GLV_LAMBDA - k) % R == 0 and max(abs(k1), abs(k2)) < 2**128
        want = [ref.g_mul(group, p, k) for p in points[:20]]
        for path in map(CBackend, runnable_paths()):
            got = path.scale_points(bases, k)
            assert bases_to_points(PreparedBases(group, got.array[:20])) == want, (k, path.name)
            assert (got.array == c.sparse_sums(bases, np.arange(601), np.arange(600), np.zeros(600),
                                               ints_to_array([k])).array).all(), (k, path.name)


X = 4965661367192848881
GLV_LAMBDA = 36 * X**3 + 18 * X**2 + 6 * X + 1  # the cube root of unity mod R that phi realises


def glv_split(k: int) -> tuple[int, int]:
    """The C core's GLV split of k, as signed Python ints."""
    from prozchain.native.core import ffi, kernels

    halves, negative = ffi.new("uint64_t[8]"), ffi.new("int[2]")
    kernels.msm_glv_split(halves, negative, ints_to_array([k]).ravel().tolist())
    k1, k2 = (sum(int(halves[4 * h + i]) << (64 * i) for i in range(4)) for h in (0, 1))
    return (-k1 if negative[0] else k1), (-k2 if negative[1] else k2)


def test_glv_split_against_big_ints(rng):
    """k = k1 + k2 lambda mod R with |k1|, |k2| < 2^128 (what the MSM's halves are sized for),
    for every value the Babai rounding could get wrong at its edges, and random ones; also for
    scalars >= R, which the rounding handles though the MSM reduces them first."""
    assert pow(GLV_LAMBDA, 3, R) == 1 != GLV_LAMBDA
    edges = [0, 1, 2, R - 1, R - 2, R, R + 1, 2 * R - 1, 2**254 - 1, 2**255, 2**256 - 1, GLV_LAMBDA,
             R - GLV_LAMBDA, GLV_LAMBDA + 1, 2**127, 2**128 - 1, 2**128, (R - 1) // 2, (R + 1) // 2]
    for k in edges + [rng.randrange(R) for _ in range(3000)] + [rng.randrange(2**256) for _ in range(300)]:
        k1, k2 = glv_split(k)
        assert (k1 + k2 * GLV_LAMBDA - k) % R == 0, k
        assert abs(k1) < 2**128 and abs(k2) < 2**128, (k, k1, k2)
    assert glv_split(GLV_LAMBDA) == (0, 1) and glv_split(1) == (1, 0) and glv_split(0) == (0, 0)


@pytest.mark.parametrize("group", GROUPS)
def test_glv_endomorphism_is_lambda(group, c, ref, rng):
    """phi (beta x, y), with each group's beta, is [lambda] on that group: the scalar lambda
    splits into (0, 1), so the forced-GLV MSM of one point returns phi(P) alone, and py_ecc's
    multiply by lambda must agree; so must lambda^2 = -1 - lambda, (0, -1) and (-1, 0)."""
    gen = ref.g1_generator() if group is Group.G1 else ref.g2_generator()
    point = ref.g_mul(group, gen, rng.randrange(1, R))
    bases = c.msm_prepare(group, [point])
    for k in (GLV_LAMBDA, GLV_LAMBDA * GLV_LAMBDA % R, R - GLV_LAMBDA, R - 1):
        assert c.msm_prepared(bases, ints_to_array([k]), 0, MsmFlag.GLV) == ref.g_mul(group, point, k), k


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("n", [1, 2, 3, 1023, 1024, 4097])
def test_glv_msm_with_edge_cases(group, n, c, ref, rng):
    """The MSM with scalars split by GLV (forced, off, and the cost model's choice) in every
    bucket mode: zero scalars, R - 1, R, scalars >= R, 2^256 - 1, bases at infinity, repeated
    bases and P/-P pairs, against the log oracle, and py_ecc's naive sum for the smallest."""
    points, logs = bases_with_logs(group, n, rng)
    if n >= 8:
        points, logs = with_edge_cases(group, points, logs, rng)
    scalars = edge_scalars(n, rng)
    scalars[:3] = [R - 1, R, 2**256 - 1][:n]
    if n >= 6:
        scalars[3:6] = [0, GLV_LAMBDA, rng.randrange(2**64)]
    bases, k = c.msm_prepare(group, points), ints_to_array(scalars)
    want = expected(group, logs, scalars)
    if n <= 3:
        assert want == ref.msm(group, points, scalars)
    modes = [MsmFlag(0), MsmFlag.GLV, MsmFlag.NO_GLV, MsmFlag.GLV | NO_SPLIT, MsmFlag.GLV | JACOBIAN,
             MsmFlag.GLV | AFFINE, MsmFlag.GLV | NO_SPLIT | AFFINE]
    for flags in modes:
        assert c.msm_prepared(bases, k, 0, flags) == want, flags
    if n >= 1023:
        for window in (6, 9, 12):
            assert c.msm_prepared(bases, k, window, MsmFlag.GLV | AFFINE) == want, window
