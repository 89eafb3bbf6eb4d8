"""Channel reserves in the bond ledger: one entry per channel, locked at open, topped up by the
second deposit, ended only by the adjudicator (the final split released to both parties, or the
whole channel slashed to the victim of a revoked state), each change with its reason and the
ledger's totals conserved after every step."""

from __future__ import annotations

import pytest

from prozchain.rollup.channels.agents.client import update
from prozchain.rollup.channels.contracts.adjudicator import Adjudicator
from prozchain.rollup.channels.contracts.onchain import close, escrow, force_close, settle, submit
from prozchain.rollup.economics.bonds import BondLedger, bonds, conserved, history
from prozchain.rollup.l1 import Key, to_address
from prozchain.rollup.l1.errors import Revert
from prozchain.rollup.l1.token import NO_BANK

from tests.rollup.channels.helpers import PERIOD, rig


def ledger_of(r):
    return r.chain.view(r.adjudicator, "bond_ledger")


def changes(r):
    return [(e.action, to_address(e.party), e.amount, e.reason) for e in history(r.chain, ledger_of(r))]


def test_one_entry_per_channel_with_its_reasons():
    r = rig()  # dual-funded: A 600, then B 400
    (entry,) = bonds(r.chain, ledger_of(r))
    assert (entry.kind, entry.amount, entry.held) == ("channel", 1000, 1000)
    assert to_address(entry.owner) == to_address(r.a.address)
    assert to_address(entry.controller) == to_address(r.adjudicator)
    assert changes(r) == [("lock", to_address(r.a.address), 600, "channel 1 opened by A"),
                          ("add", to_address(r.a.address), 400, "channel 1 funded by B")]
    assert r.chain.state.balance(r.adjudicator) == 0 and escrow(r.chain, r.adjudicator) == 1000
    assert conserved(r.chain, ledger_of(r))


def test_a_channel_only_b_funds_is_locked_at_fund():
    r = rig(deposit_b=0)
    cid = r.chain.transact(r.a, r.adjudicator, "open", r.b.address, PERIOD, 50, gas_limit=400_000).return_value
    assert len(bonds(r.chain, ledger_of(r))) == 1  # nothing to lock yet
    assert r.chain.transact(r.b, r.adjudicator, "fund", cid, value=50, gas_limit=400_000).status
    assert changes(r)[-1] == ("lock", to_address(r.b.address), 50, f"channel {cid} funded by B")
    assert conserved(r.chain, ledger_of(r))


def test_abort_releases_the_entry_to_a():
    r = rig(deposit_b=0)
    cid = r.chain.transact(r.a, r.adjudicator, "open", r.b.address, PERIOD, 7, value=5, gas_limit=400_000).return_value
    assert r.chain.transact(r.a, r.adjudicator, "abort", cid, gas_limit=400_000).status
    assert changes(r)[-1] == ("release", to_address(r.a.address), 5, f"channel {cid} aborted: B never funded")
    assert conserved(r.chain, ledger_of(r))


def test_cooperative_close_releases_the_final_split():
    r = rig()
    r.pays(3, amount=10)  # A pays twice, B once
    update(r.alice, r.bob, r.alice.latest.finalize())
    assert close(r.chain, r.alice, r.adjudicator).status
    reason = f"channel 1 closed cooperatively at version {r.alice.latest.version}"
    assert changes(r)[-2:] == [("release", to_address(r.a.address), 590, reason),
                               ("release", to_address(r.b.address), 410, reason)]
    (entry,) = bonds(r.chain, ledger_of(r))
    assert (entry.held, entry.released, entry.slashed) == (0, 1000, 0)
    assert escrow(r.chain, r.adjudicator) == 0 and conserved(r.chain, ledger_of(r)) and r.chain.conserved()


def test_dispute_then_settle_conserves_at_every_step():
    r = rig()
    r.dispute(4, 1, amount=10)  # published, then replaced by a one-newer state
    assert len(changes(r)) == 2 and conserved(r.chain, ledger_of(r))  # neither touches the entry
    r.chain.advance_time(PERIOD)
    assert settle(r.chain, r.a, r.adjudicator, r.bob.latest).status
    reason = f"channel 1 settled at version {r.bob.latest.version} after the challenge period"
    assert changes(r)[-2:] == [("release", to_address(r.a.address), r.bob.latest.balance_a, reason),
                               ("release", to_address(r.b.address), r.bob.latest.balance_b, reason)]
    assert escrow(r.chain, r.adjudicator) == 0 and conserved(r.chain, ledger_of(r))


def test_penalty_is_a_slash_of_the_whole_entry_to_the_victim():
    r = rig()
    revoked, _ = r.dispute(2, 2, amount=100)
    action, party, amount, reason = changes(r)[-1]
    assert (action, party, amount) == ("slash", to_address(r.b.address), 1000)
    assert reason == (f"channel 1 penalty: A published revoked version {revoked.version}, "
                      f"version {r.bob.latest.version} was co-signed")
    (entry,) = bonds(r.chain, ledger_of(r))
    assert (entry.held, entry.released, entry.slashed) == (0, 0, 1000)
    assert conserved(r.chain, ledger_of(r)) and r.chain.conserved()


@pytest.mark.parametrize("method,args", [("release", lambda to: ("mine",)),
                                         ("slash", lambda to: (1000, to, "mine")),
                                         ("release_to", lambda to: ([to], [1000], "mine"))])
def test_only_the_adjudicator_ends_a_channel_entry(method, args):
    r = rig()
    for key in (r.a, r.b):  # neither party, not even the entry's owner
        receipt = r.chain.transact(key, ledger_of(r), method, 1, *args(key.address), gas_limit=400_000)
        assert not receipt.status and "only the contract that locked bond 1" in receipt.error
    assert len(changes(r)) == 2 and escrow(r.chain, r.adjudicator) == 1000


def test_replayed_or_stale_closes_do_not_touch_the_ledger():
    r = rig()
    r.pays(4, amount=10)
    older, older_sigs = r.alice.latest, r.alice.latest_sigs
    r.pays(1, amount=10)
    assert force_close(r.chain, r.bob, r.adjudicator).status
    before = changes(r)
    stale = submit(r.chain, r.a, r.adjudicator, "challenge", 1, older.encode(), older_sigs)
    assert not stale.status and "not newer" in stale.error
    assert not force_close(r.chain, r.alice, r.adjudicator, older, older_sigs).status  # already closing
    r.chain.advance_time(PERIOD)
    assert not settle(r.chain, r.a, r.adjudicator, older).status  # not the published state
    assert changes(r) == before
    assert settle(r.chain, r.a, r.adjudicator, r.alice.latest).status
    after = changes(r)
    for replay in (settle(r.chain, r.b, r.adjudicator, r.alice.latest),
                   submit(r.chain, r.b, r.adjudicator, "challenge", 1, r.bob.latest.encode(), r.bob.latest_sigs),
                   submit(r.chain, r.b, r.adjudicator, "close", 1, r.bob.latest.encode(), r.bob.latest_sigs)):
        assert not replay.status
    assert changes(r) == after and conserved(r.chain, ledger_of(r))


def test_an_adjudicator_holds_either_a_bank_asset_or_ether_in_a_ledger():
    r = rig()
    bank = Key.from_seed(b"bank").address
    for bank_, ledger in ((NO_BANK, NO_BANK), (bank, ledger_of(r))):
        with pytest.raises(Revert, match="either a bank's asset or ether"):
            r.chain.deploy(r.a, Adjudicator, r.chain.chain_id, bank_, ledger)
    token_adj, _ = r.chain.deploy(r.a, Adjudicator, r.chain.chain_id, bank, NO_BANK)
    assert r.chain.view(token_adj, "bond_ledger") == NO_BANK


def test_two_adjudicators_share_one_ledger():
    r = rig()
    other, _ = r.chain.deploy(r.a, Adjudicator, r.chain.chain_id, NO_BANK, ledger_of(r))
    assert r.chain.transact(r.b, other, "open", r.a.address, PERIOD, 0, value=77, gas_limit=400_000).status
    assert escrow(r.chain, r.adjudicator) == 1000 and escrow(r.chain, other) == 77
    assert r.chain.view(ledger_of(r), "totals").held == 1077 and conserved(r.chain, ledger_of(r))


def test_the_ledger_refuses_a_split_that_does_not_pay_exactly_what_it_holds():
    r = rig()
    chain, ledger = r.chain, r.chain.deploy(r.a, BondLedger)[0]
    bid = chain.transact(r.a, ledger, "lock", r.a.address, 100, "channel", "demo", value=100,
                         gas_limit=400_000).return_value
    for amounts in ([60, 30], [60, 50], [100]):
        receipt = chain.transact(r.a, ledger, "release_to", bid, [r.a.address, r.b.address], amounts, "split",
                                 gas_limit=400_000)
        assert not receipt.status
    assert chain.transact(r.a, ledger, "release_to", bid, [r.a.address, r.b.address], [100, 0], "split",
                          gas_limit=400_000).status
    assert [(e.action, e.amount) for e in history(chain, ledger)] == [("lock", 100), ("release", 100)]
    assert conserved(chain, ledger)
