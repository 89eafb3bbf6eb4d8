"""Cross-layer atomic swaps: the HTLC on the sidechain's machine, the L1 hash lock, the order
of their timeouts, and the ``atomic-swap-timeout`` scenario both ways."""

from __future__ import annotations

import pytest

from prozchain.rollup.common.words import b32
from prozchain.rollup.crosslayer.contracts import HashLock
from prozchain.rollup.crosslayer.errors import CrossLayerError
from prozchain.rollup.crosslayer.swaps import SwapTerms, hashlock
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1.token import Token
from prozchain.rollup.sim import registry

A, B = Key.from_seed(b"lock-a"), Key.from_seed(b"lock-b")


def test_the_l1_lock_pays_once_to_the_secret_before_the_deadline_else_back():
    chain = Chain({A.address: 10**20, B.address: 10**20})
    token, _ = chain.deploy(A, Token, 1_000)
    locks, _ = chain.deploy(A, HashLock)
    chain.transact(A, token, "approve", locks, 300)
    first = chain.transact(A, locks, "lock", token, B.address, b32(hashlock(7)), chain.time + 100, 100,
                           gas_limit=400_000).return_value
    second = chain.transact(A, locks, "lock", token, B.address, b32(hashlock(8)), chain.time + 100, 200,
                            gas_limit=400_000).return_value
    assert "wrong preimage" in chain.transact(B, locks, "claim", first, b32(8), gas_limit=400_000).error
    assert "runs until" in chain.transact(B, locks, "refund", first, gas_limit=400_000).error
    assert chain.transact(B, locks, "claim", first, b32(7), gas_limit=400_000).status
    assert chain.view(locks, "preimage", first) == b32(7)
    assert "paid out" in chain.transact(B, locks, "claim", first, b32(7), gas_limit=400_000).error
    chain.advance_time(100)
    assert "expired" in chain.transact(B, locks, "claim", second, b32(8), gas_limit=400_000).error
    assert chain.transact(B, locks, "refund", second, gas_limit=400_000).status  # anyone; pays the locker
    assert chain.view(token, "balance_of", A.address) == 900 and chain.view(token, "balance_of", B.address) == 100


def test_the_counterparty_refuses_a_lock_that_may_outlive_the_initiators():
    ordered = SwapTerms(l1_now=100, l1_deadline=700, height_now=5, timeout=300, block_s_max=1.5, margin_s=120)
    ordered.check()
    with pytest.raises(CrossLayerError, match="may outlive the L1 lock"):
        SwapTerms(100, 700, 5, 400, 1.5, 120).check()


@pytest.mark.parametrize("seed", [2, 41])
def test_a_vanished_initiator_leaves_both_refunded(seed):
    result = registry.run("atomic-swap-timeout", seed)
    assert result.ok and result.honest_loss == 0, result.summary


def test_with_the_timeouts_in_the_wrong_order_the_late_revealer_loses():
    result = registry.run("atomic-swap-timeout", 3, {"defense": "off"})
    assert not result.ok and result.honest_loss == 3 * 10**17, result.summary
    assert not result.invariants["both_legs_complete_or_both_refund"]
