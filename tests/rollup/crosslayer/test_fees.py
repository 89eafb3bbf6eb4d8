"""The fee-accounting scenario and its days: fees, costs, rewards and burns balance to the wei
on every layer; without the pricer's feedback the operators bleed."""

from __future__ import annotations

import pytest

from prozchain.rollup.crosslayer.fees import TOLERANCE_BPS, fee_rows, run_day
from prozchain.rollup.economics.fees import BLOB
from prozchain.rollup.crosslayer.fees import optimistic_day
from prozchain.rollup.sim.registry import run


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_the_vm_layers_balance_to_the_wei_and_the_pricer_converges(seed):
    result = run("fee-accounting", seed, {"layers": "optimistic,sidechain"})
    assert result.ok, result.summary
    assert result.honest_loss == 0 and result.steps == 24 + 12


@pytest.mark.parametrize("seed", [21, 24])
def test_without_feedback_the_operators_bleed(seed):
    result = run("fee-accounting", seed, {"layers": "optimistic,sidechain", "defense": "off"})
    assert not result.ok and result.honest_loss > 0
    broken = {name for name, held in result.invariants.items() if not held}
    assert broken == {f"{layer}: surplus within {TOLERANCE_BPS // 100}% of L1 cost" for layer in ("optimistic", "sidechain")}


def test_the_same_seed_gives_the_same_result():
    first, second = (run("fee-accounting", 5, {"layers": "optimistic", "hours": 6}).to_json() for _ in range(2))
    first.pop("wall_time_s"), second.pop("wall_time_s")
    assert first == second


def test_blob_batches_are_priced_on_the_blob_lane():
    day = optimistic_day(3, 6, lane=BLOB)
    assert all(day.balanced) and all(day.pot_ok) and day.model.scalars.base_fee_scalar == 0


def test_the_zk_day_balances_and_its_operator_claims_its_fees():
    day = run_day("zk", 31)
    assert all(day.balanced) and all(day.pot_ok) and day.quote_bound_ok and day.refused_ok and day.l1_ok
    assert all(day.checks.values())
    assert abs(day.pricer.surplus) <= day.pricer.cost * TOLERANCE_BPS // 10_000
    assert len(day.pricer.batches) == 6 and day.ledger.burned > 0


def test_the_measured_split_adds_up():
    (row,) = fee_rows(2, hours=6, layers=("sidechain",))
    assert row.total == row.execution + row.l1_data + row.priority and row.transfers > 0
    assert row.l1_data > row.execution  # L1 data dominates a transfer's fee


def test_the_challenger_who_wins_a_dispute_is_paid_the_pool_within_the_day():
    """A rogue proposer's wrong output at hour 3 is disputed; the rogue lets its clock run out, the
    challenger wins on L1 (half the rogue's bond) and, at the next hour, the challengers' pool pays
    it everything the pool had accrued, through the fee vault, on L2; the ledger stays balanced."""
    day = optimistic_day(4, 6, dispute_at=3)
    (award,) = [p for p in day.ledger.payouts if p.reason.startswith("won game 1")]
    assert award.role == "challengers" and award.amount > 0 and award.step > 0
    pool_credits = sum(p.amount for p in day.ledger.payouts[:award.step] if p.role == "challengers")
    assert award.amount == pool_credits  # all the pool held then
    assert day.ledger.settled[award.recipient] == award.amount and all(day.checks.values())
    assert all(day.balanced) and all(day.pot_ok) and day.l1_ok and day.chain.conserved()
