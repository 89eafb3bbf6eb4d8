"""MSM kernels (issue 5): G1 at 2^10-2^20 and G2 at 2^10-2^16 for the native (C) kernel, numba
at 2^12 (much slower: it is the no-compiler fallback) and the reference at 2^8. At the small
sizes (2^10-2^14, issue 26) the native kernel also runs without the GLV split of the scalars
("native-no-glv"), which its cost model picks there.

    pytest bench/test_bench_msm.py --benchmark-only

Each group is one (group, size); the rows are implementations, and the end-of-run summary
gives every implementation's median over the native one. Every timed result is checked
against the native kernel's. The peer comparison (ffjavascript) is `prozchain bench msm`.
"""

from __future__ import annotations

from functools import partial

import pytest

from prozchain import native
from prozchain.bench.cli import backend_for, bench_bases, bench_scalars
from prozchain.bench.kernel_ratios import record
from prozchain.native.c_backend import MsmFlag
from prozchain.native.curve import Group

CASES = [(Group.G1, 12, "native"), (Group.G1, 12, "numba"), (Group.G1, 8, "native"), (Group.G1, 8, "reference"),
         (Group.G1, 16, "native"), (Group.G1, 18, "native"), (Group.G1, 20, "native"),
         (Group.G2, 12, "native"), (Group.G2, 12, "numba"), (Group.G2, 16, "native")]
CASES += [(group, log_n, impl) for group in (Group.G1, Group.G2) for log_n in (10, 12, 14)
          for impl in ("native", "native-no-glv") if (group, log_n, impl) not in CASES]
_DATA: dict = {}



def _inputs(group: Group, log_n: int):
    if (group, log_n) not in _DATA:
        bases, scalars = bench_bases(group, log_n), bench_scalars(log_n)
        _DATA[(group, log_n)] = (bases, scalars, native.get_backend("c").msm_prepared(bases, scalars))
    return _DATA[(group, log_n)]


@pytest.mark.parametrize("group,log_n,impl", CASES, ids=[f"{g}-{k}-{i}" for g, k, i in CASES])
def test_msm(benchmark, group, log_n, impl, request):
    bases, scalars, want = _inputs(group, log_n)
    benchmark.group = f"msm_{group} 2^{log_n}"
    rounds = 1 if impl == "reference" else 3 if log_n > 14 else 9
    if impl == "native-no-glv":
        msm = partial(backend_for("native").msm_prepared, window=0, flags=MsmFlag.NO_GLV)
    else:
        msm = backend_for(impl).msm_prepared
    if impl == "numba":
        msm(bases, scalars[:4])  # compile (or load the cache) outside the timing
    got = benchmark.pedantic(msm, args=(bases, scalars), rounds=rounds, iterations=1)
    assert got == want
    record(request, benchmark, impl)
