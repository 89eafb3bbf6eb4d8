"""The fee ledger: paid = distributed + burned to the wei, payouts with reasons, epoch rewards."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.rollup.economics import (BATCHER, CHALLENGERS, PROPOSER, ROLLUP_SPLIT, SEQUENCER, SIDECHAIN_SPLIT,
                                        VALIDATORS, Charge, FeeLedger, Split, Unbalanced, epoch_rewards)
from prozchain.rollup.economics.distribution import BURNED, shares_of

charges = st.builds(Charge, st.integers(0, 10**15), st.integers(0, 10**15), st.integers(0, 10**15))


@settings(max_examples=50, deadline=None)
@given(st.lists(charges, max_size=20), st.integers(0, 10**6))
def test_the_ledger_balances_after_every_step(fees, award):
    ledger = FeeLedger(ROLLUP_SPLIT, {SEQUENCER: "seq", BATCHER: "batcher", CHALLENGERS: "pool"})
    for i, charge in enumerate(fees):
        ledger.collect(charge, f"tx {i}")
        assert ledger.balanced() and ledger.paid == sum(f.total for f in fees[:i + 1])
    won = min(award, ledger.owed.get("pool", 0))
    ledger.pay("pool", "challenger", CHALLENGERS, won, "won dispute 1")
    ledger.settle("seq", ledger.owed.get("seq", 0))
    assert ledger.balanced() and ledger.burned == sum(f.burned for f in fees)
    assert sum(p.amount for p in ledger.payouts) == ledger.distributed + won


@given(st.integers(0, 10**20), st.lists(st.integers(1, 9_999), min_size=1, max_size=5))
def test_shares_are_exact_to_the_wei(amount, cuts):
    bps = [c for c in cuts] + [10_000 - sum(cuts) % 10_000]
    shares = [(f"r{i}", b) for i, b in enumerate(bps)]
    assert sum(part for _, part in shares_of(amount, shares)) == amount


def test_a_sidechain_fee_goes_to_the_blocks_proposer_and_the_validators_pool():
    ledger = FeeLedger(SIDECHAIN_SPLIT, {PROPOSER: "nobody", VALIDATORS: "pool", BATCHER: "relayer"})
    payouts = ledger.collect(Charge(burned=10, priority=101, l1_data=7), "block 1", {PROPOSER: "v2"})
    assert [(p.recipient, p.amount) for p in payouts] == [("v2", 51), ("pool", 50), ("relayer", 7)]
    burnt = ledger.burn("pool", 20, "missed blocks")
    assert burnt.recipient == BURNED and ledger.burned == 30 and ledger.balanced()


def test_the_ledger_refuses_what_it_cannot_pay():
    ledger = FeeLedger(ROLLUP_SPLIT, {SEQUENCER: "s", BATCHER: "s", CHALLENGERS: "pool"})
    ledger.collect(Charge(0, 100, 0), "tx")
    with pytest.raises(Unbalanced, match="owed 20"):
        ledger.pay("pool", "x", CHALLENGERS, 21, "too much")
    with pytest.raises(Unbalanced):
        ledger.settle("s", -1)
    with pytest.raises(Unbalanced, match="no recipient"):
        FeeLedger(ROLLUP_SPLIT, {SEQUENCER: "s"})
    with pytest.raises(ValueError, match="10000"):
        Split(priority=((SEQUENCER, 5_000),), l1_data=((BATCHER, 10_000),))


@given(st.integers(0, 10**18), st.lists(st.tuples(st.integers(1, 10**6), st.integers(0, 9), st.integers(0, 9)),
                                       min_size=1, max_size=8))
def test_epoch_rewards_never_exceed_the_pot(pot, validators):
    powers, produced, expected = (list(v) for v in zip(*validators))
    rewards, burned = epoch_rewards(pot, powers, produced, expected)
    assert sum(rewards) + burned == pot and burned >= 0 and min(rewards) >= 0


def test_epoch_rewards_follow_stake_and_missed_blocks():
    assert epoch_rewards(900, [1, 2], [3, 3], [3, 3]) == ([300, 600], 0)
    assert epoch_rewards(900, [1, 2], [3, 1], [3, 3]) == ([300, 200], 400)
    assert epoch_rewards(900, [1, 2], [0, 0], [0, 0]) == ([300, 600], 0)  # nothing was due: no reduction
