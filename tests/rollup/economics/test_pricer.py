"""The L1 pricer: per-batch costs against data fees, and the scalar's feedback."""

from __future__ import annotations

import random

import pytest

from prozchain.rollup.economics import CALLDATA, L1Prices, L1Pricer
from prozchain.rollup.economics.fees import PPM, lane_unit_price


def replay(pricer: L1Pricer, seed: int, batches: int = 48) -> L1Pricer:
    """Batches of varying size on a moving L1, each costing a fixed 300k gas plus 16 gas per
    posted byte: the fixed part is what the per-byte estimate misses."""
    rng = random.Random(seed)
    l1 = L1Prices(10**9, 1)
    for number in range(batches):
        units = rng.randint(200, 900)
        cost = (300_000 + 16 * units) * l1.base_fee
        collected = units * lane_unit_price(CALLDATA, l1) * pricer.scalar // PPM
        l1 = L1Prices(max(10**8, int(l1.base_fee * rng.uniform(0.85, 1.15))), 1)
        pricer.record(number, units // 100, units, units, collected, cost, l1)
    return pricer


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_feedback_brings_the_surplus_near_zero(seed):
    pricer = replay(L1Pricer(CALLDATA, equilibration_units=2_000), seed)
    assert abs(pricer.surplus) < pricer.cost * 5 // 100
    assert pricer.scalar > 5 * PPM  # it learnt the fixed cost the estimate misses


def test_without_feedback_the_operator_bleeds():
    pricer = replay(L1Pricer(CALLDATA, feedback=False), 1)
    assert pricer.scalar == PPM and -pricer.surplus > pricer.cost * 9 // 10
    assert "deficit" in pricer.report()[0]


def test_each_batch_is_recorded_with_the_running_surplus():
    pricer = L1Pricer(CALLDATA)
    first = pricer.record(0, 3, 300, 280, collected=100, cost=250, l1=L1Prices(10, 1))
    second = pricer.record(1, 3, 300, 280, collected=400, cost=100, l1=L1Prices(10, 1))
    assert (first.surplus, second.surplus, pricer.surplus) == (-150, 150, 150)
    assert (pricer.collected, pricer.cost) == (500, 350) and pricer.batches == [first, second]


def test_the_scalar_stays_within_its_bounds():
    pricer = L1Pricer(CALLDATA, max_scalar=5 * PPM, equilibration_units=10)
    pricer.record(0, 1, 10, 10, collected=0, cost=10**18, l1=L1Prices(10, 1))
    assert pricer.scalar == 5 * PPM
    pricer.record(1, 1, 10, 10, collected=10**19, cost=0, l1=L1Prices(10, 1))
    assert pricer.scalar == 0
