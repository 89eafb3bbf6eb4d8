"""The numbers of issue 24: a dispute ending at a proven segment of K steps against one ending at
one re-executed step, for traces of 10^2..10^5 steps (``-s`` prints the table of
docs/optimistic-rollup.md). The prove time of ``Segment(k)`` is bench/test_bench_segment.py's."""

from __future__ import annotations

import dataclasses

from prozchain.rollup.optimistic.contracts.outputs import split_points

from .test_zk_game import ZK, lying_game, segment  # noqa: F401 - the fixture

SEGMENT_BASE, SEGMENT_STEP = 20_565, 73_513  # Segment(k) = 20,565 + 73,513 k constraints (rollup/vm/circuit.py)


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

