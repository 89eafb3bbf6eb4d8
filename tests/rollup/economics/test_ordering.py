"""Ordering policies and arrival receipts: the order follows the stated policy, and a batch
that breaks a receipt's promise (reordered, front-run, censored, or against the bids) is found
from the batch's transactions and the receipts alone."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.rollup.economics.ordering import (GENESIS_PREFIX, POLICIES, Arrival, ArrivalReceipt,
                                                 FirstComeFirstServed, Posted, PriorityAuction, audit, chain_over,
                                                 violation)
from prozchain.rollup.l1 import Key, keccak256

GATE = "0x" + "5e" * 20
SEQUENCER = Key.from_seed(b"ordering-sequencer")
FCFS, AUCTION = FirstComeFirstServed(), PriorityAuction()


def txs(n: int) -> list[bytes]:
    return [keccak256(bytes([i])) for i in range(n)]


def receipts(hashes: list[bytes], bids: list[int] | None = None, deadline: int = 1_000) -> list[ArrivalReceipt]:
    """What an honest sequencer signs for ``hashes`` arriving in this order."""
    prefixes = chain_over(GENESIS_PREFIX, hashes)
    bids = bids or [0] * len(hashes)
    return [ArrivalReceipt(GATE, i, h, p, b, deadline) for i, (h, p, b) in enumerate(zip(hashes, prefixes, bids))]


def posted(leaves: list[bytes], first: int = 0, start: bytes = GENESIS_PREFIX, time: int = 100) -> Posted:
    return Posted(0, SEQUENCER.address, first, start, b"", time, tuple(leaves))


@settings(max_examples=25, deadline=None)
@given(bids=st.lists(st.integers(0, 5), min_size=1, max_size=12))
def test_orders_follow_their_policies(bids):
    arrivals = [Arrival(i, keccak256(bytes([i])), b) for i, b in enumerate(bids)]
    shuffled = random.Random(len(bids)).sample(arrivals, len(arrivals))
    assert FCFS.order(shuffled) == arrivals
    ordered = AUCTION.order(shuffled)
    assert sorted(ordered) == sorted(arrivals)
    for a, b in zip(ordered, ordered[1:]):  # highest bid first, ties first come first served
        assert a.bid > b.bid or (a.bid == b.bid and a.seq < b.seq)


@settings(max_examples=25, deadline=None)
@given(bids=st.lists(st.integers(0, 10**9), max_size=10), gas=st.integers(21_000, 100_000))
def test_auction_proceeds_are_redistributed_to_the_wei(bids, gas):
    arrivals = [Arrival(i, keccak256(bytes([i])), b) for i, b in enumerate(bids)]
    s = AUCTION.settle(arrivals, {a.tx_hash: gas for a in arrivals})
    assert s.proceeds == sum(bids) * gas
    assert sum(s.rebates.values()) + s.burnt == s.proceeds and 0 <= s.burnt < max(len(bids), 1)
    assert len(set(s.rebates.values())) <= 1  # every transaction of the batch gets the same share


def test_receipts_are_signed_and_bound_to_their_gate():
    r = receipts(txs(1))[0]
    signature = r.sign(SEQUENCER)
    assert r.signer(signature) == SEQUENCER.address
    assert ArrivalReceipt.from_json(r.to_json()) == r
    assert r._replace(gate="0x" + "77" * 20).signer(signature) != SEQUENCER.address
    assert r._replace(seq=1).signer(signature) != SEQUENCER.address


def test_an_honest_batch_keeps_every_receipt():
    hashes = txs(6)
    held = [(r, SEQUENCER.address) for r in receipts(hashes)]
    first, second = posted(hashes[:4]), posted(hashes[4:], first=4, start=chain_over(GENESIS_PREFIX, hashes)[3])
    assert audit(FCFS, held, [first, second]) == []
    bids = [3, 1, 4, 1, 5, 9]
    auction = [(r, SEQUENCER.address) for r in receipts(hashes, bids)]
    order = [a.tx_hash for a in AUCTION.order([Arrival(i, h, b) for i, (h, b) in enumerate(zip(hashes, bids))])]
    assert audit(AUCTION, auction, [posted(order)]) == []


def test_a_swap_is_caught_by_every_receipt_from_it_on():
    """The two swapped hold the wrong transaction; the ones after, the wrong arrival chain."""
    hashes = txs(4)
    swapped = [hashes[0], hashes[2], hashes[1], hashes[3]]
    found = audit(FCFS, [(r, SEQUENCER.address) for r in receipts(hashes)], [posted(swapped)])
    assert [(r.seq, problem) for r, _, problem in found] == [(1, "reordered"), (2, "reordered"), (3, "reordered")]


def test_a_front_run_is_caught_by_the_victims_receipt_alone():
    """The sequencer slips its own transaction in before one it receipted: every later
    position shifts, and even keeping the victim's position would change the arrival chain."""
    hashes = txs(3)
    victim = receipts(hashes)[1]
    own = keccak256(b"the sequencer's copy")
    assert violation(FCFS, victim, posted([hashes[0], own, hashes[1], hashes[2]])) == "reordered"
    # the victim keeps its place but the transaction ahead of it is replaced
    assert violation(FCFS, victim, posted([own, hashes[1], hashes[2]])) == "reordered"


def test_censorship_past_the_deadline():
    hashes = txs(3)
    last = receipts(hashes, deadline=500)[2]
    assert violation(FCFS, last, posted(hashes[:2], time=400)) == ""  # before the deadline: not yet due
    assert violation(FCFS, last, posted(hashes[:2], time=501)) == "censored"
    assert violation(FCFS, last, posted([], first=2, start=chain_over(GENESIS_PREFIX, hashes)[1], time=600)) \
        == "censored"


def test_auction_catches_an_inversion_and_an_omission():
    hashes = txs(3)
    held = [(r, SEQUENCER.address) for r in receipts(hashes, [1, 5, 3])]
    found = audit(AUCTION, held, [posted([hashes[1], hashes[0], hashes[2]])])
    assert [(r.seq, problem) for r, _, problem in found] == [(2, "inverted")]
    omitted = audit(AUCTION, held, [posted([hashes[1], hashes[0], keccak256(b"other")])])
    assert [(r.seq, problem) for r, _, problem in omitted] == [(2, "reordered")]


def test_other_signers_batches_are_not_held_against_a_receipt():
    hashes = txs(2)
    held = [(r, SEQUENCER.address) for r in receipts(hashes)]
    assert audit(FCFS, held, [posted(hashes[::-1])._replace(poster="0x" + "99" * 20)]) == []


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_every_policy_is_named(name):
    assert POLICIES[name].name == name
