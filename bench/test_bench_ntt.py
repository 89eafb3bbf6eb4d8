"""NTT kernels (issue 5): 2^16, 2^20 and 2^22 (forward, inverse and coset) for the native kernel,
numba at 2^16, the naive reference at 2^8; and Groth16's quotient values (``qap_h``, issue 26)
at 2^16-2^22, quiet and with every core busy.

    pytest bench/test_bench_ntt.py --benchmark-only

Each result's extra_info carries a digest of the output and the load average, so that runs of
two builds (before and after a kernel change) can be checked for identical outputs.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from prozchain import native
from prozchain.bench.cli import backend_for, bench_fr_vector
from prozchain.bench.kernel_ratios import record
from prozchain.bench.load import MACHINE_STATES, machine_state
from prozchain.native.backend import Backend
from prozchain.native.curve import root_of_unity

CASES = [(16, "native"), (16, "numba"), (20, "native"), (22, "native"), (8, "native"), (8, "reference")]
QAP_LOGS = [16, 18, 20, 22]
_DATA: dict = {}


def _fr_vector(log_n: int, seed: int = 11) -> np.ndarray:
    if (log_n, seed) not in _DATA:
        x = bench_fr_vector(log_n, seed)
        x[:, 3] &= np.uint64(0x0FFFFFFFFFFFFFFF)
        _DATA[log_n, seed] = x
    return _DATA[log_n, seed]


def _note(benchmark, result: np.ndarray) -> None:
    benchmark.extra_info["digest"] = hashlib.sha256(np.ascontiguousarray(result).tobytes()).hexdigest()[:16]
    benchmark.extra_info["load"] = os.getloadavg()[0]


@pytest.mark.parametrize("variant", ["forward", "inverse", "coset"])
@pytest.mark.parametrize("log_n,impl", CASES, ids=[f"{k}-{i}" for k, i in CASES])
def test_ntt(benchmark, log_n, impl, variant, request):
    x = _fr_vector(log_n)
    kwargs = {"inverse": variant == "inverse", "shift": 7 if variant == "coset" else None}
    backend = backend_for(impl)
    benchmark.group = f"ntt_{variant} 2^{log_n}"
    if impl == "numba":
        backend.ntt_array(x[:4], **kwargs)  # compile outside the timing
    rounds = 1 if impl == "reference" else 3
    got = benchmark.pedantic(backend.ntt_array, args=(x,), kwargs=kwargs, rounds=rounds, iterations=1)
    assert np.array_equal(got, native.get_backend("c").ntt_array(x, **kwargs))
    _note(benchmark, got)
    record(request, benchmark, impl)


@pytest.mark.parametrize("state", MACHINE_STATES)
@pytest.mark.parametrize("log_n", QAP_LOGS)
def test_qap_h(benchmark, log_n, state, request):
    """The C kernel against the generic composition (C = A * B, an inverse and a coset NTT per
    polynomial, A * B - C) over the same backend's NTT."""
    a, b = _fr_vector(log_n, 11), _fr_vector(log_n, 12)
    shift = root_of_unity(log_n + 1)
    c = native.get_backend("c")
    benchmark.group = f"qap_h 2^{log_n} {state}"
    with machine_state(state):
        got = benchmark.pedantic(c.qap_h, args=(a, b, shift), rounds=3, iterations=1)
        _note(benchmark, got)
    if state == "quiet":
        assert np.array_equal(got, Backend.qap_h(c, a, b, shift))
    record(request, benchmark, "native")
