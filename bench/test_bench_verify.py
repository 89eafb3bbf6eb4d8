"""Groth16 verification throughput (issue 19): 1,000 proofs verified from 1, 2 and 8 Python
threads, on a quiet machine and with every core busy.

    pytest bench/test_bench_verify.py --benchmark-only

The proofs are 1,000 distinct valid proofs of one key with two public inputs (simulated with the
key's trapdoor, which the verifier cannot tell from proved ones). Every timed round checks that
all of them verify; a tampered proof is refused outside the timing. Native calls release the GIL,
so threads verify side by side; each group's rows are the thread counts, and the benchmark's extra
info gives proofs per second.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from prozchain.bench.kernel_ratios import record
from prozchain.bench.load import MACHINE_STATES, machine_state
from prozchain.prover import G1Point
from prozchain.prover.groth16 import Proof, Trapdoor, verify

PROOFS = 1000
THREADS = [1, 2, 8]
_CASE: dict = {}


def _proofs():
    if not _CASE:
        trapdoor = Trapdoor.random(n_public=2, seed=19)
        items = [([i, 7 * i + 1], trapdoor.prove([i, 7 * i + 1], seed=i)) for i in range(PROOFS)]
        _CASE.update(vk=trapdoor.verification_key(), items=items)
    return _CASE["vk"], _CASE["items"]


def verify_all(vk, items, threads: int) -> list[bool]:
    """Every item's verdict, verified on ``threads`` Python threads."""
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda item: verify(vk, *item), items))


@pytest.mark.parametrize("state", MACHINE_STATES)
@pytest.mark.parametrize("threads", THREADS)
def test_verify_many(benchmark, request, threads, state):
    vk, items = _proofs()
    public, proof = items[0]
    assert not verify(vk, public, Proof(proof.a + G1Point.generator(), proof.b, proof.c))
    benchmark.group = f"verify {PROOFS} {state}"
    with machine_state(state):
        verdicts = benchmark.pedantic(verify_all, args=(vk, items, threads), rounds=3, iterations=1)
    assert all(verdicts) and len(verdicts) == PROOFS
    benchmark.extra_info["proofs_per_s"] = PROOFS / benchmark.stats.stats.median
    record(request, benchmark, "native" if threads == 1 else f"{threads} threads")
