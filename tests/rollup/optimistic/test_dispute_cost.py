"""The numbers the issue asks for: a whole dispute's L1 gas and rounds against trace length
(logarithmic), and the one-step proof's gas."""

from __future__ import annotations

import math

import pytest

from prozchain.rollup.optimistic.system import Config

from .helpers import CONFIG, fake_world, rig


def dispute(n_transfers: int, arity: int) -> tuple[int, int, int, int]:
    """(trace length, bisection rounds, whole-dispute L1 gas, one-step proof gas)."""
    r = rig(Config(window=CONFIG.window, clock=CONFIG.clock, arity=arity))
    r.post(r.transfers(n_transfers))
    r.propose(0, world=fake_world(r, 0))
    challenge = r.outputs("challenger", "challenge", 1, value=r.system.config.challenger_bond)
    rounds, gas, won = r.play_out(challenge.return_value, 0)
    assert won
    prove = next(rc for block in reversed(r.chain.blocks) for rc in block.receipts)
    return len(r.node.batches[0].trace), rounds, gas + challenge.gas_used, prove.gas_used


@pytest.mark.parametrize("arity", [2, 4])
def test_dispute_rounds_and_gas_grow_logarithmically(arity, capsys):
    rows = [dispute(n, arity) for n in (1, 8, 64)]
    with capsys.disabled():
        print(f"\narity {arity}: trace steps | rounds | dispute L1 gas | one-step proof gas")
        for steps, rounds, gas, one_step in rows:
            print(f"  {steps:>6} | {rounds:>2} | {gas:>9} | {one_step:>7}")
    for steps, rounds, _, _ in rows:
        assert abs(rounds - math.ceil(math.log(steps, arity))) <= 1
    (s0, r0, g0, _), _, (s2, r2, g2, _) = rows
    # 58 times the steps costs a few more rounds, not 58 times the gas.
    assert s2 > 50 * s0 and r2 > r0 and g2 < 4 * g0
    assert all(one_step < 300_000 for *_, one_step in rows)
