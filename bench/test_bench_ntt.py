"""NTT kernels (issue 5): 2^16 and 2^20 (forward, inverse and coset) for the native kernel,
numba at 2^16, the naive reference at 2^8.

    pytest bench/test_bench_ntt.py --benchmark-only
"""

from __future__ import annotations

import numpy as np
import pytest

from prozchain import native
from prozchain.bench.cli import backend_for, bench_fr_vector
from prozchain.bench.kernel_ratios import record

CASES = [(16, "native"), (16, "numba"), (20, "native"), (8, "native"), (8, "reference")]
_DATA: dict = {}



@pytest.mark.parametrize("variant", ["forward", "inverse", "coset"])
@pytest.mark.parametrize("log_n,impl", CASES, ids=[f"{k}-{i}" for k, i in CASES])
def test_ntt(benchmark, log_n, impl, variant, request):
    if log_n not in _DATA:
        x = bench_fr_vector(log_n)
        x[:, 3] &= np.uint64(0x0FFFFFFFFFFFFFFF)
        _DATA[log_n] = x
    x = _DATA[log_n]
    kwargs = {"inverse": variant == "inverse", "shift": 7 if variant == "coset" else None}
    backend = backend_for(impl)
    benchmark.group = f"ntt_{variant} 2^{log_n}"
    if impl == "numba":
        backend.ntt_array(x[:4], **kwargs)  # compile outside the timing
    rounds = 1 if impl == "reference" else 3
    got = benchmark.pedantic(backend.ntt_array, args=(x,), kwargs=kwargs, rounds=rounds, iterations=1)
    assert np.array_equal(got, native.get_backend("c").ntt_array(x, **kwargs))
    record(request, benchmark, impl)
