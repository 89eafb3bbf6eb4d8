"""The ZK operator under its stated ordering policy (first come first served): receipts on
arrival, batches in arrival order whatever the fees, and a reordered batch found from L1 data
alone (:func:`~prozchain.rollup.zk.node.ordered_batches`) and slashed from the operator's bond
with the reason recorded."""

from __future__ import annotations

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.economics.bonds import BURN, conserved, history
from prozchain.rollup.economics.ordering import FirstComeFirstServed, audit
from prozchain.rollup.sim import registry
from prozchain.rollup.zk.errors import ZkRollupError
from prozchain.rollup.zk.node import ordered_batches
from prozchain.testing.rig import Rig, make_rig


def ordered_rig() -> Rig:
    """A rig whose operator posted a 1 ether bond and stated first come first served, with
    three funded L2 accounts."""
    rig = make_rig(n_users=3)
    op = rig.system.operator
    assert rig.chain.transact(op, rig.system.rollup, "post_bond", value=ETHER, gas_limit=300_000).status
    assert rig.chain.transact(op, rig.system.rollup, "state_policy", "fcfs", gas_limit=100_000).status
    for user in range(3):
        rig.deposit(user, 1_000)
    while rig.pipeline.queued_deposits():
        assert rig.pipeline.run_batch()[1].status
    return rig


def dispute(rig: Rig, claimant, receipt, signature, batch: int):
    data = next(log.args[3] for _, log in rig.chain.logs(rig.system.rollup, "BatchVerified") if log.args[0] == batch)
    return rig.chain.transact(claimant, rig.system.rollup, "dispute_order", batch, receipt.seq, receipt.tx_hash,
                              receipt.prefix, receipt.bid, receipt.deadline, list(signature), data,
                              gas_limit=3_000_000)


def test_batches_follow_arrival_order_not_fees_and_keep_every_receipt():
    rig = ordered_rig()
    op = rig.system.operator.address
    sent = [rig.transfer(0, 1, 10, fee=1), rig.transfer(1, 2, 10, fee=5), rig.transfer(2, 0, 10, fee=9)]
    for tx in sent:
        assert rig.pipeline.accept(tx) is None
    receipts = [rig.pipeline.receipt_of(tx) for tx in sent]
    assert [r.seq for r, _ in receipts] == [0, 1, 2] and all(r.signer(s) == op for r, s in receipts)
    first, receipt, _ = rig.pipeline.run_batch()
    second, receipt2, _ = rig.pipeline.run_batch()
    assert receipt.status and receipt2.status
    posted = [tx.fields for b in (first, second) for tx in b.txs if tx.type == "transfer"]
    assert posted == [tx.fields for tx in sent]  # the highest fee came last and stayed last
    assert rig.chain.view(rig.system.rollup, "stream", op) == (3, receipts[-1][0].prefix)
    held = [(r, op) for r, _ in receipts]
    assert audit(FirstComeFirstServed(), held, ordered_batches(rig.chain, rig.system.rollup)) == []
    refused = dispute(rig, rig.users[1], *receipts[0], first.number)
    assert not refused.status and "keeps the receipt's promise" in refused.error


def test_a_reordered_batch_is_found_from_l1_data_and_slashed_with_its_reason():
    rig = ordered_rig()
    rollup, op = rig.system.rollup, rig.system.operator.address
    victim, rival = rig.transfer(0, 1, 10, fee=1), rig.transfer(1, 2, 10, fee=1)
    for tx in (victim, rival):
        assert rig.pipeline.accept(tx) is None
    (v_receipt, v_sig), (r_receipt, _) = rig.pipeline.receipt_of(victim), rig.pipeline.receipt_of(rival)
    # the operator puts the later arrival first (what a front-runner's own transaction does)
    rig.pipeline.mempool = [(1, victim), (0, rival)]
    batch, receipt, _ = rig.pipeline.run_batch()
    assert receipt.status and [tx.fields for tx in batch.txs] == [rival.fields, victim.fields]
    found = audit(FirstComeFirstServed(), [(v_receipt, op), (r_receipt, op)], ordered_batches(rig.chain, rollup))
    assert [(r.seq, p.batch, problem) for r, p, problem in found] == [(0, batch.number, "reordered"),
                                                                      (1, batch.number, "reordered")]
    claimant = rig.users[2]
    before = rig.chain.state.balance(claimant.address)
    slashed = dispute(rig, claimant, v_receipt, v_sig, batch.number)
    assert slashed.status, slashed.error
    cuts = [e for e in history(rig.chain, rig.system.ledger) if e.action == "slash"]
    assert [(e.party, e.amount) for e in cuts] == [(claimant.address, ETHER // 2), (BURN, ETHER // 2)]
    assert all(e.reason.startswith("reordered transaction") and f"batch {batch.number}" in e.reason for e in cuts)
    assert rig.chain.state.balance(claimant.address) - before == ETHER // 2 - slashed.fee
    assert conserved(rig.chain, rig.system.ledger)
    again = dispute(rig, claimant, r_receipt, rig.pipeline.receipt_of(rival)[1], batch.number)
    assert not again.status and "no bond left" in again.error


def test_under_the_policy_every_batch_is_ordered_and_a_nonce_gap_is_refused():
    rig = ordered_rig()
    refused = rig.pipeline.accept(rig.transfer(0, 1, 10, nonce=1))
    assert "send it after its sender's earlier transactions" in refused
    assert rig.pipeline.accept(rig.transfer(0, 1, 10)) is None
    batch = rig.pipeline.seal()
    words, _ = rig.pipeline.prove(batch)
    plain = rig.chain.transact(rig.system.operator, rig.system.rollup, "submit_batch", batch.version,
                               batch.old_root, batch.new_root, batch.data, words, gas_limit=3_000_000)
    assert not plain.status and "submit_ordered_batch" in plain.error
    again = rig.chain.transact(rig.system.operator, rig.system.rollup, "state_policy", "priority-auction",
                               gas_limit=100_000)
    assert not again.status and "stated already" in again.error


def test_only_the_operator_states_a_known_policy():
    rig = make_rig(n_users=1)
    stranger = rig.chain.transact(rig.users[0], rig.system.rollup, "state_policy", "fcfs", gas_limit=100_000)
    assert not stranger.status and "only the operator" in stranger.error
    unknown = rig.chain.transact(rig.system.operator, rig.system.rollup, "state_policy", "lottery",
                                 gas_limit=100_000)
    assert not unknown.status and "unknown ordering policy" in unknown.error
    assert rig.chain.view(rig.system.rollup, "policy") == ""


def test_the_pipeline_refuses_a_policy_it_does_not_follow():
    rig = make_rig(n_users=1)
    assert rig.chain.transact(rig.system.operator, rig.system.rollup, "state_policy", "priority-auction",
                              gas_limit=100_000).status
    with pytest.raises(ZkRollupError, match="first come first served"):
        rig.pipeline.accept(rig.transfer(0, 0, 1))


@settings(max_examples=2, deadline=None, database=None, phases=(Phase.explicit, Phase.generate))
@given(seed=st.integers(0, 2**63))
@example(seed=55)  # the payment receipted last, after a batch was cut: the front-run must survive it
def test_zk_mev_reorder_is_slashed_on_any_seed_and_profits_without_its_defence(seed):
    held = registry.run("zk-mev-reorder", seed)
    assert held.ok and held.honest_loss == 0 and held.attack_attempted, (seed, held.summary)
    assert held.accounts["operator"]["slashed"] == ETHER
    off = registry.run("zk-mev-reorder", seed, {"defense": "off"})
    assert not off.ok and off.honest_loss > 0 and off.invariants["front_run_detected"], (seed, off.summary)
