"""Forced transactions through the portal (the sequencing window) and bonded fast exits, on a
bare L1 driven by hand; every bond is checked against the ledger's conservation."""

from __future__ import annotations

from dataclasses import replace

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.economics.bonds import conserved, history
from prozchain.rollup.optimistic.contracts.portal import COVERED, PROVIDED, REQUESTED, SETTLED
from prozchain.rollup.vm.codec import pack_batch
from prozchain.rollup.vm.state import WITHDRAWAL_COUNT_KEY, addr_int, withdrawal_commitment, withdrawal_key

from .helpers import BRIDGE_AT, CONFIG, rig
from .test_game import reverted

WINDOW = CONFIG.sequencing_window


def test_a_forced_transaction_waits_for_the_sequencer_only_within_the_window():
    r = rig()
    alice = r.keys["alice"].address
    r.tx("alice", r.system.portal, "deposit", alice, value=ETHER)
    r.post([])
    withdrawal = r.l2("alice", BRIDGE_AT, value=ETHER // 2)
    assert reverted(r.tx("other", r.system.portal, "force_transaction", b"not a transaction"), "not a signed")
    assert r.tx("other", r.system.portal, "force_transaction", withdrawal).return_value == 0
    assert r.chain.view(r.system.portal, "forced_status") == (1, 0)
    assert reverted(r.tx("other", r.system.portal, "post_forced_batch", pack_batch([withdrawal])), "sequencing window")
    r.wait(WINDOW + 1)
    other = r.l2("alice", BRIDGE_AT, value=1)
    assert reverted(r.tx("other", r.system.portal, "post_forced_batch", pack_batch([other])), "is not forced")
    assert r.tx("other", r.system.portal, "post_forced_batch", pack_batch([withdrawal])).status
    assert r.chain.view(r.system.portal, "forced_status") == (1, 1)
    r.node.sync()
    batch = r.node.batches[-1]
    assert batch.txs == [withdrawal] and batch.applied == [0]  # derived and run like any batch
    assert r.node.withdrawal_index(batch.number, alice, ETHER // 2, set()) == 0
    assert reverted(r.tx("other", r.system.portal, "post_forced_batch", pack_batch([withdrawal])), "no forced")


def test_the_sequencer_includes_forced_transactions_at_once():
    r = rig()
    tx = r.l2("alice", BRIDGE_AT, value=0)
    r.tx("other", r.system.portal, "force_transaction", tx)
    assert r.tx("sequencer", r.system.portal, "post_forced_batch", pack_batch([tx])).status
    r.node.sync()
    assert r.node.batches[-1].txs == [tx]


def false_withdrawal(r, batch: int, amount: int) -> tuple[bytes, int]:
    """The batch's world with one more withdrawal record paying the proposer: a false output."""
    db, world = r.node.ex.db, r.node.world(batch)
    count = db.get(world, WITHDRAWAL_COUNT_KEY)
    fake = db.write(world, withdrawal_key(count), withdrawal_commitment(addr_int(r.keys["proposer"].address), amount))
    return db.write(fake, WITHDRAWAL_COUNT_KEY, count + 1), count


def test_a_fast_exit_on_a_deleted_output_is_covered_by_its_bond():
    r = rig()
    r.tx("alice", r.system.portal, "deposit", r.keys["alice"].address, value=ETHER)
    r.post([r.l2("alice", BRIDGE_AT, value=1)])
    world, index = false_withdrawal(r, 0, ETHER)
    assert r.propose(0, world=world).status
    proof = list(r.node.ex.db.prove(world, withdrawal_key(index)).siblings)
    portal, thief, provider = r.system.portal, "proposer", "other"
    assert reverted(r.tx(thief, portal, "request_fast_exit", 1, index, ETHER, proof, value=ETHER - 1), "exit bond")
    assert reverted(r.tx(thief, portal, "request_fast_exit", 1, index, 10, proof, value=10), "or more")
    exit_id = r.tx(thief, portal, "request_fast_exit", 1, index, ETHER, proof, value=ETHER).return_value
    assert r.chain.view(portal, "fast_exit", exit_id).status == REQUESTED
    paid_before = r.chain.state.balance(r.keys[provider].address)
    assert r.tx(provider, portal, "provide_exit", exit_id, value=ETHER).status
    assert r.chain.view(portal, "fast_exit", exit_id).status == PROVIDED
    assert reverted(r.tx(provider, portal, "challenge_exit", exit_id), "not invalidated")
    gid = r.outputs("challenger", "challenge", 1, value=CONFIG.challenger_bond).return_value
    assert r.play_out(gid, 0)[2]  # the challenger wins: the output is deleted
    assert r.tx("bob", portal, "challenge_exit", exit_id).status  # anyone
    assert r.chain.view(portal, "fast_exit", exit_id).status == COVERED
    spent = paid_before - r.chain.state.balance(r.keys[provider].address)
    assert spent < ETHER // 100  # the provider's ether came back but for its L1 fees
    reasons = [e.reason for e in history(r.chain, r.system.ledger) if e.action == "slash"]
    assert "the output the exit rested on was invalidated" in reasons
    assert conserved(r.chain, r.system.ledger) and r.chain.conserved()


def test_an_honest_fast_exit_pays_the_provider_at_finality_and_returns_the_bond():
    r = rig()
    alice = r.keys["alice"].address
    r.tx("alice", r.system.portal, "deposit", alice, value=ETHER)
    r.post([r.l2("alice", BRIDGE_AT, value=ETHER // 2)])
    r.propose(0)
    index = r.node.withdrawal_index(0, alice, ETHER // 2, set())
    proof = list(r.node.withdrawal_proof(0, index).siblings)
    portal = r.system.portal
    exit_id = r.tx("alice", portal, "request_fast_exit", 1, index, ETHER // 2, proof, value=ETHER // 2).return_value
    before = r.chain.state.balance(alice)
    r.tx("other", portal, "provide_exit", exit_id, value=ETHER // 2)
    assert r.chain.state.balance(alice) == before + ETHER // 2  # paid now, a window before finality
    assert reverted(r.tx("other", portal, "settle_exit", exit_id), "not paid yet")
    r.wait(CONFIG.window)
    r.outputs("other", "finalize", 1)
    provider_before = r.chain.state.balance(r.keys["other"].address)
    assert r.tx("bob", portal, "withdraw", 1, index, alice, ETHER // 2, proof).status
    assert r.chain.state.balance(r.keys["other"].address) == provider_before + ETHER // 2  # the provider's now
    before = r.chain.state.balance(alice)
    assert r.tx("bob", portal, "settle_exit", exit_id).status
    assert r.chain.state.balance(alice) == before + ETHER // 2  # the bond back
    assert r.chain.view(portal, "fast_exit", exit_id).status == SETTLED
    assert conserved(r.chain, r.system.ledger)


def test_every_dispute_bond_is_a_ledger_entry_with_its_reason():
    r = rig()
    r.post(r.transfers(1))
    world, _ = false_withdrawal(r, 0, 1)
    r.propose(0, world=world)
    gid = r.outputs("challenger", "challenge", 1, value=CONFIG.challenger_bond).return_value
    r.play_out(gid, 0)
    events = [(e.action, e.kind or e.reason) for e in history(r.chain, r.system.ledger)]
    assert events == [("lock", "proposer"), ("lock", "challenger"), ("release", "won the dispute"),
                      ("slash", f"lost game {gid}: half to the winner"), ("slash", f"lost game {gid}: half burnt")]
    assert conserved(r.chain, r.system.ledger)


def test_a_rollup_without_exit_bonds_leaves_the_provider_exposed():
    r = rig(replace(CONFIG, exit_bond_bps=0))
    r.tx("alice", r.system.portal, "deposit", r.keys["alice"].address, value=ETHER)
    r.post([])
    world, index = false_withdrawal(r, 0, ETHER)
    r.propose(0, world=world)
    proof = list(r.node.ex.db.prove(world, withdrawal_key(index)).siblings)
    exit_id = r.tx("proposer", r.system.portal, "request_fast_exit", 1, index, ETHER, proof).return_value
    assert r.chain.view(r.system.portal, "fast_exit", exit_id).bond == 0
