"""The numbers of issue 24: a dispute ending at a proven segment of K steps against one ending at
one re-executed step, for traces of 10^2..10^5 steps (``-s`` prints the table of
docs/optimistic-rollup.md). ``PROZ_SEGMENT_PROVE_K=1,16,32`` also times the setup, witness and
proof of ``Segment(k)`` for each k listed (minutes each; run it niced)."""

from __future__ import annotations

import dataclasses
import os
import random
import resource
import time

import pytest

from prozchain.native.kernels import ints_to_array
from prozchain.rollup.common.keys import proving_key
from prozchain.rollup.optimistic.contracts.outputs import split_points
from prozchain.rollup.optimistic.node import prove_words
from prozchain.rollup.vm.circuit import Segment, covered, segment_inputs
from prozchain.rollup.vm.merkle import POSEIDON

from ..vm.helpers import ALICE, call, machine

from .test_zk_game import ZK, lying_game, segment  # noqa: F401 - the fixture

SEGMENT_BASE, SEGMENT_STEP = 20_592, 73_348  # Segment(k) = 20,592 + 73,348 k constraints (rollup/vm/circuit.py)


def rounds(steps: int, k: int, arity: int) -> int:
    """Bisection rounds until the disputed range is at most ``k`` steps (the largest part each time)."""
    lo, hi, n = 0, steps, 0
    while hi - lo > k:
        points = split_points(lo, hi, arity)
        lo, hi = max(zip(points, points[1:]), key=lambda p: p[1] - p[0])
        n += 1
    return n


def test_proven_segments_against_re_execution(segment, capsys):  # noqa: F811
    r, gid, trace, step = lying_game(segment, lie_at=6)
    game = r.view("game", gid)
    post, proof = r.node.segment_proof(0, game.lo, game.hi - game.lo, *segment)
    proven = r.outputs("challenger", "prove_segment", gid, post, proof)
    assert proven.status and proven.return_value
    one = dataclasses.replace(ZK, segment=1)
    r1, gid1, _, _ = lying_game(segment, lie_at=6, config=one)
    re_executed = r1.prove(gid1, 0)
    assert re_executed.status and re_executed.return_value
    per_round = max(r.round_gas + r1.round_gas)
    final = {1: re_executed.gas_used, 16: proven.gas_used, 256: proven.gas_used}
    with capsys.disabled():
        print(f"\nper round (bisect + choose) {per_round}; one step re-executed (Poseidon) {re_executed.gas_used};"
              f" segment proof verified {proven.gas_used}")
        print("trace steps | K | rounds | dispute L1 gas (rounds + end) | constraints per step")
        for steps in (10**2, 10**3, 10**4, 10**5):
            for k in (1, 16, 256):
                n = rounds(steps, k, ZK.arity)
                per_step = "re-execution" if k == 1 else f"{(SEGMENT_BASE + SEGMENT_STEP * k) / k:,.0f}"
                print(f"{steps:>7} | {k:>3} | {n:>2} | {n * per_round + final[k]:>10,} | {per_step}")
    assert proven.gas_used < 400_000 and rounds(10**5, 256, 4) < rounds(10**5, 1, 4)


LOOP = """
    SET r1, 0
    SET r2, 1
loop:
    ADD r1, r1, r2
    SSTORE r2, r1
    SLOAD r3, r2
    MUL r4, r3, r1
    LT r5, r1, r0
    JUMPI r5, loop
    REVERT
"""
PROVE_KS = [int(k) for k in os.environ.get("PROZ_SEGMENT_PROVE_K", "").split(",") if k]


@pytest.mark.skipif(not PROVE_KS, reason="set PROZ_SEGMENT_PROVE_K=1,16,... to time the segment prover")
@pytest.mark.parametrize("k", PROVE_KS)
def test_segment_prove_time(k, tmp_path, capsys):
    """Compile, set up (development key), solve and prove ``Segment(k)`` over k covered steps of a
    contract's loop (storage written and read every round), on this machine as it is loaded."""
    contract = "0x" + "c0" * 20
    ex, world = machine({contract: LOOP}, scheme=POSEIDON)
    trace = ex.run(ex.start(world, 0, [], [call(ALICE, contract, 10**6, gas=1_000_000).encode()]),
                   max_steps=400 + 8 * k)
    start = next(i for i in range(len(trace)) if all(covered(ex, trace.contexts[j]) for j in range(i, i + k)))
    load, times = os.getloadavg()[0], {}
    clock = time.time()
    circuit = Segment(k).compile()
    times["compile"], clock = time.time() - clock, time.time()
    zkey = proving_key(circuit, tmp_path)
    times["setup"], clock = time.time() - clock, time.time()
    witness = ints_to_array(circuit.solve(segment_inputs(ex, trace.contexts[start], k)))
    times["witness"], clock = time.time() - clock, time.time()
    proof = prove_words(zkey, witness, random.Random(k))
    times["prove"] = time.time() - clock
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    with capsys.disabled():
        print(f"\nSegment({k}): {circuit.r1cs.n_constraints:,} constraints; "
              + ", ".join(f"{name} {s:.1f} s" for name, s in times.items())
              + f"; load {load:.1f} -> {os.getloadavg()[0]:.1f}; peak RSS {rss:.1f} GiB")
    assert len(proof) == 8
