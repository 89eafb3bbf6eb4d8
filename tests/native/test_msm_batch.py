"""A batch of MSMs side by side (``pz_msm_batch``, ``CBackend.msm_batch``): each job's result is
the one ``pz_g1_msm`` / ``pz_g2_msm`` gives alone and the discrete-log oracle predicts, on random
job lists mixing the groups and sizes (0, 1, 2, 1023, 4097 points) with the MSM's edge cases
(zero scalars, scalars >= r, 2^256 - 1, points at infinity, repeated points, P and -P), on one
thread and on two."""

from __future__ import annotations

import pytest

from prozchain.native.core import ffi, from_limbs, lib
from prozchain.native.curve import Group, unflatten
from prozchain.native.kernels import FixedBases, ints_to_array
from tests.native.kernel_inputs import bases_with_logs, edge_scalars, expected, with_edge_cases

SIZES = [0, 1, 2, 1023, 4097]


def job(c, group: Group, n: int, rng):
    points, logs = bases_with_logs(group, n, rng)
    if n >= 8:
        points, logs = with_edge_cases(group, points, logs, rng)
    scalars = edge_scalars(n, rng)
    if n:
        scalars[0] = 2**256 - 1
    return c.msm_prepare(group, points), ints_to_array(scalars), expected(group, logs, scalars) if n else None


@pytest.mark.parametrize("draw", range(3))
def test_batch_equals_each_msm_alone(c, threads, draw, rng):
    jobs = [job(c, rng.choice(list(Group)), rng.choice(SIZES), rng) for _ in range(rng.randrange(1, 8))]
    got = c.msm_batch([(bases, k) for bases, k, _ in jobs])
    assert got == [want for _, _, want in jobs]
    assert got == [c.msm_prepared(bases, k) for bases, k, _ in jobs]


def test_every_size_in_both_groups_and_the_empty_batch(c, threads, rng):
    jobs = [job(c, group, n, rng) for group in Group for n in SIZES]
    rng.shuffle(jobs)
    assert c.msm_batch([(bases, k) for bases, k, _ in jobs]) == [want for _, _, want in jobs]
    assert c.msm_batch([]) == []


def test_fewer_scalars_than_bases_and_fixed_base_tables(c, rng):
    """A job sums over its scalars' count of bases, as msm_prepared does; bases with a table run
    from it, beside the batched ones."""
    bases, k, _ = job(c, Group.G1, 1023, rng)
    table = c.msm_table(bases, 64 * len(bases))
    assert isinstance(table, FixedBases) and table.table is not None
    g2, k2, want2 = job(c, Group.G2, 1023, rng)
    got = c.msm_batch([(bases, k[:500]), (table, k), (g2, k2)])
    assert got == [c.msm_prepared(bases, k[:500]), c.msm_prepared(bases, k), want2]


def test_each_job_reports_its_status(c, rng):
    """Every job's status is 0 after a batch that succeeds; the jobs' outputs are the MSMs."""
    bases, k, want = job(c, Group.G1, 1023, rng)
    jobs = ffi.new("struct pz_msm_job[]", 2)
    outs = [ffi.new("uint64_t[8]"), ffi.new("uint64_t[8]")]
    for i in range(2):
        jobs[i].group, jobs[i].out, jobs[i].n = lib.PZ_G1, outs[i], len(k) if i == 0 else 0
        jobs[i].bases, jobs[i].scalars = ffi.from_buffer("uint64_t[]", bases.array), ffi.from_buffer("uint64_t[]", k)
        jobs[i].status = 7
    assert c._kernels.msm_batch(jobs, 2) == 0
    assert [jobs[i].status for i in range(2)] == [0, 0]
    assert unflatten(Group.G1, from_limbs(outs[0], 2)) == want and from_limbs(outs[1], 2) == [0, 0]
