"""The off-chain client: validation errors, write-before-sign across crashes, value conservation."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.rollup.channels.agents.client import ChannelClient, update
from prozchain.rollup.channels.errors import (BadSignature, ConflictingState, InvalidState, ReplayedState,
                                    StaleState)
from prozchain.rollup.channels.state import Htlc, State
from prozchain.rollup.l1 import Key, keccak256
from prozchain.rollup.sim.store import SqliteStore

from tests.rollup.channels.helpers import rig


def snapshot(client):
    return {k: client.store.get(k) for k in client.store.keys()}


@pytest.mark.parametrize("case,error,match", [
    ("replayed", ReplayedState, "already co-signed"),
    ("stale", StaleState, "not newer"),
    ("skip", StaleState, "skips ahead"),
    ("forged", BadSignature, "not by A"),
    ("garbage-sig", BadSignature, "65 bytes"),
    ("inflated", InvalidState, "the deposit is 1000"),
    ("other-channel", InvalidState, "offered to channel 1"),
    ("negative", InvalidState, "negative"),
])
def test_bad_proposals_are_refused_and_change_nothing(case, error, match):
    r = rig()
    r.pays(3)
    old = r.bob.latest
    r.pays(1)
    latest, mallory = r.bob.latest, Key.from_seed(b"mallory")
    before = snapshot(r.bob)
    with pytest.raises(error, match=match):
        if case == "replayed":
            r.bob.accept(latest, latest.sign(r.a))
        elif case == "stale":
            r.bob.accept(old, old.sign(r.a))
        elif case == "skip":
            skip = replace(latest.pay(0, 1), version=latest.version + 2)
            r.bob.accept(skip, skip.sign(r.a))
        elif case == "forged":
            nxt = latest.pay(1, 5)
            r.bob.accept(nxt, nxt.sign(mallory))
        elif case == "garbage-sig":
            r.bob.accept(latest.pay(1, 5), b"\x01" * 10)
        elif case == "inflated":
            nxt = replace(latest.pay(0, 1), balance_b=latest.balance_b + 500)
            r.bob.accept(nxt, nxt.sign(r.a))
        elif case == "other-channel":
            nxt = replace(latest.pay(0, 1), channel=2)
            r.bob.accept(nxt, nxt.sign(r.a))
        else:
            latest.pay(0, 10_000)
    assert snapshot(r.bob) == before


def test_never_two_states_for_one_version_even_after_a_crash(tmp_path):
    r = rig()
    path = str(tmp_path / "alice.sqlite")
    store = SqliteStore(path)
    alice = ChannelClient.create(r.a, store, r.alice.latest, r.a.address, r.b.address)
    update(alice, r.bob, alice.latest.pay(0, 10))
    first = alice.latest.pay(0, 20)
    sig = alice.propose(first)  # released, then the process dies before the countersignature
    store.close()
    alice = ChannelClient(r.a, SqliteStore(path), 1)
    assert alice.pending == first and alice.latest.version == 1
    with pytest.raises(ConflictingState, match="different version 2"):
        alice.propose(alice.latest.pay(0, 1))
    other = alice.latest.pay(1, 3)
    with pytest.raises(ConflictingState):
        alice.accept(other, other.sign(r.b))
    assert alice.propose(first) == sig  # resending the same state is fine
    alice.complete(first, r.bob.accept(first, sig))
    assert alice.latest == r.bob.latest == first and alice.pending is None
    with pytest.raises(ReplayedState):
        alice.complete(first, first.sign(r.b))


def test_sign_first_variant_forgets_what_it_signed():
    r = rig()
    unsafe = ChannelClient(r.a, r.alice.store, 1, write_before_sign=False)
    first = unsafe.latest.pay(0, 20)
    sig = unsafe.propose(first)
    assert unsafe.pending == first  # only in memory
    restarted = ChannelClient(r.a, r.alice.store, 1, write_before_sign=False)  # crash: memory gone
    second = restarted.latest.pay(0, 1)
    assert second.version == first.version and restarted.propose(second) != sig  # a double sign


def test_htlc_states_conserve_value():
    r = rig()
    lock = keccak256(b"secret")
    s = update(r.alice, r.bob, r.alice.latest.add_htlc(Htlc(7, 0, 100, lock, 10_000)))
    assert (s.balance_a, s.balance_b, s.locked, s.total) == (500, 400, 100, 1000)
    with pytest.raises(InvalidState, match="already"):
        s.add_htlc(Htlc(7, 1, 1, lock, 1))
    with pytest.raises(InvalidState, match="in flight"):
        s.finalize()
    done = update(r.bob, r.alice, s.resolve_htlc(7, paid=True))
    assert (done.balance_a, done.balance_b, done.htlcs) == (500, 500, ())
    bad = replace(done.pay(0, 1), htlcs=(Htlc(1, 0, 1, lock, 5), Htlc(1, 0, 1, lock, 5)), balance_a=497)
    with pytest.raises(InvalidState, match="repeats"):
        r.alice.propose(bad)


@settings(max_examples=25, deadline=None, database=None)
@given(ops=st.lists(st.tuples(st.sampled_from(["pay", "lock", "settle", "fail"]), st.integers(0, 1),
                              st.integers(1, 400)), max_size=25))
def test_any_sequence_of_updates_keeps_both_views_equal_and_value_conserved(ops):
    r = rig()
    for op, party, amount in ops:
        s = r.alice.latest
        try:
            if op == "pay":
                nxt = s.pay(party, amount)
            elif op == "lock":
                nxt = s.add_htlc(Htlc(s.version + 1, party, amount, keccak256(bytes([party])), 1_000))
            elif s.htlcs:
                nxt = s.resolve_htlc(s.htlcs[0].hid, paid=op == "settle")
            else:
                continue
        except InvalidState:
            continue
        proposer, responder = (r.alice, r.bob) if party == 0 else (r.bob, r.alice)
        update(proposer, responder, nxt)
        assert r.alice.latest == r.bob.latest and r.bob.latest.total == 1000
        assert min(r.bob.latest.balance_a, r.bob.latest.balance_b) >= 0
    assert r.alice.latest_sigs == r.bob.latest_sigs
    assert isinstance(State.decode(r.bob.latest.encode()), State)


def test_nothing_is_signed_after_the_final_state():
    r = rig()
    r.pays(2)
    final = update(r.alice, r.bob, r.alice.latest.finalize())
    before = snapshot(r.bob)
    after = replace(final, version=final.version + 1, final=False)
    with pytest.raises(InvalidState, match="is final"):
        r.bob.accept(after, after.sign(r.a))
    with pytest.raises(InvalidState, match="is final"):
        r.alice.propose(after)
    with pytest.raises(ReplayedState):  # the final state offered again is a replay, answered as such
        r.bob.accept(final, final.sign(r.a))
    assert snapshot(r.bob) == before
