"""The adjudicator on the reference L1: funding, closes, disputes, penalties, HTLC outputs."""

from __future__ import annotations

import pytest

from prozchain.rollup.channels.contracts.adjudicator import CLOSED, CLOSING, OPEN, PENDING
from prozchain.rollup.channels.agents.client import update
from prozchain.rollup.channels.contracts.onchain import close, escrow, force_close, settle, submit
from prozchain.rollup.channels.state import Htlc
from prozchain.rollup.l1 import keccak256

from tests.rollup.channels.helpers import PERIOD, rig


def status(r, cid=1):
    return r.chain.view(r.adjudicator, "channel", cid).status


def test_single_and_dual_funding_and_abort():
    r = rig(deposit_b=0)
    assert status(r) == OPEN and escrow(r.chain, r.adjudicator) == 600
    dual = r.chain.transact(r.a, r.adjudicator, "open", r.b.address, PERIOD, 50, value=10, gas_limit=300_000)
    cid = dual.return_value
    assert status(r, cid) == PENDING
    wrong = r.chain.transact(r.b, r.adjudicator, "fund", cid, value=49, gas_limit=300_000)
    assert not wrong.status and "exactly 50" in wrong.error
    assert not r.chain.transact(r.a, r.adjudicator, "fund", cid, value=50, gas_limit=300_000).status
    assert r.chain.transact(r.b, r.adjudicator, "fund", cid, value=50, gas_limit=300_000).status
    info = r.chain.view(r.adjudicator, "channel", cid)
    assert status(r, cid) == OPEN and (info.deposit_a, info.deposit_b) == (10, 50)
    third = r.chain.transact(r.a, r.adjudicator, "open", r.b.address, PERIOD, 7, value=5, gas_limit=300_000)
    before = r.chain.state.balance(r.a.address)
    aborted = r.chain.transact(r.a, r.adjudicator, "abort", third.return_value, gas_limit=300_000)
    assert aborted.status and r.chain.state.balance(r.a.address) - before == 5 - aborted.fee
    assert r.chain.conserved()


def test_cooperative_close_needs_a_final_state():
    r = rig()
    r.pays(5, amount=10)
    assert not close(r.chain, r.alice, r.adjudicator).status  # not final
    update(r.alice, r.bob, r.alice.latest.finalize())
    before = r.balances()
    receipt = close(r.chain, r.alice, r.adjudicator)
    assert receipt.status and status(r) == CLOSED
    got_b = r.chain.state.balance(r.b.address) - before[1]
    assert got_b == r.bob.latest.balance_b == 400 + 10  # B paid twice, A three times
    assert escrow(r.chain, r.adjudicator) == 0 and r.chain.conserved()


def test_unilateral_close_waits_for_the_period():
    r = rig()
    r.pays(3, amount=7)
    assert force_close(r.chain, r.bob, r.adjudicator).status and status(r) == CLOSING
    early = settle(r.chain, r.a, r.adjudicator, r.alice.latest)
    assert not early.status and "runs until" in early.error
    r.chain.advance_time(PERIOD)
    before = r.balances()
    assert settle(r.chain, r.a, r.adjudicator, r.alice.latest).status
    assert r.balances()[1] - before[1] == r.bob.latest.balance_b
    assert escrow(r.chain, r.adjudicator) == 0


def test_opening_state_closes_without_signatures():
    r = rig()
    assert force_close(r.chain, r.alice, r.adjudicator).status
    r.chain.advance_time(PERIOD)
    assert settle(r.chain, r.b, r.adjudicator, r.alice.latest).status


def test_one_version_newer_replaces_without_penalty():
    r = rig()
    older, older_sigs = r.dispute(4, 1, amount=10)
    assert status(r) == CLOSING and r.chain.view(r.adjudicator, "channel", 1).version == r.bob.latest.version
    stale = submit(r.chain, r.b, r.adjudicator, "challenge", 1, older.encode(), older_sigs)
    assert not stale.status and "not newer" in stale.error
    r.chain.advance_time(PERIOD)
    assert not settle(r.chain, r.a, r.adjudicator, older).status  # replaced
    assert settle(r.chain, r.a, r.adjudicator, r.bob.latest).status


def test_revoked_state_forfeits_everything_to_the_victim():
    r = rig()
    r.pays(2, amount=100)
    revoked, revoked_sigs = r.alice.latest, r.alice.latest_sigs
    r.pays(2, amount=100)  # two newer versions: the old one is revoked
    before_b = r.chain.state.balance(r.b.address)
    assert force_close(r.chain, r.alice, r.adjudicator, revoked, revoked_sigs).status
    # anyone (a watchtower) may present the newer state; the victim gets all 1,000
    watcher = r.a  # even the cheater's own key cannot redirect the penalty
    assert submit(r.chain, watcher, r.adjudicator, "challenge", 1, r.bob.latest.encode(), r.bob.latest_sigs).status
    assert status(r) == CLOSED and r.chain.state.balance(r.b.address) - before_b == 1000
    assert [log.name for _, log in r.chain.logs(r.adjudicator)][-2:] == ["Penalized", "Closed"]


def test_challenge_after_the_period_is_too_late():
    r = rig()
    r.pays(1)
    revoked, sigs = r.alice.latest, r.alice.latest_sigs
    r.pays(2)
    force_close(r.chain, r.alice, r.adjudicator, revoked, sigs)
    r.chain.advance_time(PERIOD)
    late = submit(r.chain, r.b, r.adjudicator, "challenge", 1, r.bob.latest.encode(), r.bob.latest_sigs)
    assert not late.status and "period ended" in late.error


@pytest.mark.parametrize("tamper", ["swapped", "foreign", "short", "other-channel", "wrong-total"])
def test_bad_states_and_signatures_revert(tamper):
    r = rig()
    r.pays(2)
    state, sigs = r.alice.latest, r.alice.latest_sigs
    if tamper == "swapped":
        sigs = sigs[65:] + sigs[:65]
    elif tamper == "foreign":
        sigs = sigs[:65] + state.sign(r.a)
    elif tamper == "short":
        sigs = sigs[:65]
    elif tamper == "other-channel":
        state = type(state)(state.adjudicator, state.chain_id, 2, state.version, state.balance_a, state.balance_b)
    else:
        state = type(state)(state.adjudicator, state.chain_id, 1, 9, 1, 1)
        sigs = state.sign(r.a) + state.sign(r.b)
    receipt = force_close(r.chain, r.alice, r.adjudicator, state, sigs)
    assert not receipt.status and status(r) == OPEN


@pytest.mark.parametrize("reveal_at,settle_at,paid", [
    (-1, None, True),    # preimage on L1 one second before expiry: the payee is paid
    (0, 0, False),       # revealed exactly at expiry: too late, refunded at expiry
    (1, 1, False),       # revealed after expiry: refunded
    (None, 0, False),    # never revealed: refunded from expiry on
    (None, 1, False),
])
def test_htlc_output_resolution_at_the_expiry_edges(reveal_at, settle_at, paid):
    r = rig()
    preimage = b"\x07" * 32
    expiry = r.chain.time + PERIOD + 50
    update(r.alice, r.bob, r.alice.latest.add_htlc(Htlc(1, 0, 250, keccak256(preimage), expiry)))
    assert force_close(r.chain, r.bob, r.adjudicator).status
    r.chain.advance_time(PERIOD)
    if settle_at is not None or reveal_at is not None:
        r.chain.advance_time(expiry - 1 - r.chain.time)
        blocked = settle(r.chain, r.a, r.adjudicator, r.bob.latest)
        assert not blocked.status and "unresolved" in blocked.error  # expiry - 1, nothing revealed
        r.chain.advance_time(1)  # now == expiry - 1 + 1: the next tx runs at the block's time
    if reveal_at is not None:
        r.chain.time = expiry + reveal_at
        assert submit(r.chain, r.b, r.adjudicator, "reveal", preimage).status
    if settle_at is not None:
        r.chain.time = expiry + settle_at
    assert settle(r.chain, r.a, r.adjudicator, r.bob.latest).status
    _, got_a, got_b = r.chain.logs(r.adjudicator, "Closed")[-1][1].args
    assert (got_a, got_b) == ((350, 650) if paid else (600, 400))
    assert r.chain.conserved()
