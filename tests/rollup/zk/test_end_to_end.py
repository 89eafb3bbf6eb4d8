"""End to end with real Groth16 proofs: deposits, transfers, withdrawals on the L1 contracts,
every rejection the contracts and the sequencer owe, exodus, and rebuilding the state from L1."""

from __future__ import annotations

import pytest

from prozchain.circuits.txtypes import Tx, apply_tx, encode_batch
from prozchain.native.curve import P
from prozchain.rollup.l1 import Key
from prozchain.rollup.zk.agents import INCLUDED, PENDING, REJECTED, Pipeline, TxStatus
from prozchain.rollup.zk.node import ZkNode
from prozchain.rollup.zk.system import UNIT
from prozchain.testing.rig import make_rig


def test_deposit_transfer_withdraw_claim(rig):
    for user, amount in enumerate((1_000, 500, 300)):
        assert rig.deposit(user, amount).status
    batch, receipt, _ = rig.pipeline.run_batch()
    assert receipt.status and batch.n_txs == 2          # two slots: the queue is served in order
    batch, receipt, _ = rig.pipeline.run_batch()
    assert receipt.status and batch.n_txs == 1 and rig.state().served == 3
    overdraft = rig.pipeline.accept(rig.withdraw(1, 600, fee=5))   # checked against the state at arrival
    assert overdraft == "withdraw: the sender's balance does not cover amount + fee"
    assert rig.pipeline.accept(rig.transfer(0, 1, 200, fee=3)) is None
    assert rig.pipeline.accept(rig.withdraw(1, 400, fee=5)) is None
    low_fee = rig.withdraw(2, 100, fee=1)
    assert rig.pipeline.accept(low_fee) is None
    batch, receipt, _ = rig.pipeline.run_batch()           # by fee: the withdrawal (5), then the transfer (3)
    assert receipt.status and [(tx.type, tx.fields["fee"]) for tx in batch.txs] == [("withdraw", 5), ("transfer", 3)]
    batch, receipt, _ = rig.pipeline.run_batch()
    assert receipt.status and batch.txs[0].key() == low_fee.key()
    node = ZkNode(rig.chain, rig.system.rollup, rig.system.depth)
    node.sync()
    assert node.tree.root == rig.state().root == rig.pipeline.head.root
    balances = [node.tree.get(i).balance for i in (1, 2, 3)]
    assert balances == [1_000 - 203, 500 + 200 - 405, 300 - 101]
    entries = [log.args for _, log in rig.chain.logs(rig.system.rollup, "Credited")]
    assert [(to, amount) for _, to, amount in entries] == [(rig.users[1].address, 400), (rig.system.operator.address, 8),
                                                           (rig.users[2].address, 100), (rig.system.operator.address, 1)]
    before = rig.chain.state.balance(rig.users[2].address)
    receipt = rig.call(rig.users[2], "claim", 2)
    assert receipt.status
    fee = receipt.gas_used * receipt.effective_gas_price
    assert rig.chain.state.balance(rig.users[2].address) == before + 100 * UNIT - fee
    again = rig.call(rig.users[2], "claim", 2)
    assert not again.status and "already claimed" in again.error          # double withdrawal
    assert rig.escrow_units() == sum(balances) + 400 + 8 + 1              # unclaimed entries stay escrowed
    stats = rig.pipeline.stats[-1]
    assert stats.verify_gas > 181_000 and stats.constraints == rig.pipeline.compiled.r1cs.n_constraints


@pytest.fixture(scope="module")
def proven():
    """A rig with two deposits proven, and a sealed, proven next batch not submitted yet."""
    rig = make_rig(n_users=2)
    rig.deposit(0, 1_000)
    rig.deposit(1, 1_000)
    assert rig.pipeline.run_batch()[1].status
    assert rig.pipeline.accept(rig.transfer(0, 1, 10)) is None
    batch = rig.pipeline.seal()
    proof, _ = rig.pipeline.prove(batch)
    return rig, batch, proof


@pytest.mark.parametrize("attack, reason", [
    (lambda b, p: (b.old_root + 1, b.new_root, b.data, p), "old root is not the current root"),
    (lambda b, p: (b.old_root, b.new_root ^ 1, b.data, p), "invalid proof"),
    (lambda b, p: (b.old_root, b.new_root, b.data, p[:1] + [(P - p[1]) % P] + p[2:]), "invalid proof"),
    (lambda b, p: (b.old_root, b.new_root, b.data, p[6:8] + p[2:6] + p[0:2]), "invalid proof"),
    (lambda b, p: (b.old_root, b.new_root, encode_batch([Tx("transfer", {"from": 1, "to": 2, "amount": 11, "fee": 1}),
                                                         Tx("noop", {})]), p), "invalid proof"),
    (lambda b, p: (b.old_root, b.new_root, b.data + b"\x00", p), "holds 3 transactions"),
    (lambda b, p: (b.old_root, b.new_root, b.data[:5], p), "does not decode"),
    (lambda b, p: (b.old_root, b.new_root, b.data, p[:7]), "a proof is 8 words"),
])
def test_invalid_batches_are_rejected_and_change_nothing(proven, attack, reason):
    rig, batch, proof = proven
    before = (rig.state(), rig.escrow_units())
    receipt = rig.call(rig.system.operator, "submit_batch", 1, *attack(batch, proof))
    assert not receipt.status and reason in receipt.error
    assert (rig.state(), rig.escrow_units()) == before


def test_only_the_operator_submits_and_a_batch_lands_once(proven):
    rig, batch, proof = proven
    stranger = Key.from_seed(b"stranger")
    rig.chain.state.add_balance(stranger.address, 10**18)
    receipt = rig.call(stranger, "submit_batch", 1, batch.old_root, batch.new_root, batch.data, proof)
    assert not receipt.status and "only the operator" in receipt.error
    assert rig.pipeline.submit(batch, proof).status
    replayed = rig.call(rig.system.operator, "submit_batch", 1, batch.old_root, batch.new_root, batch.data, proof)
    assert not replayed.status and "old root is not the current root" in replayed.error
    assert rig.pipeline.accept(rig.transfer(0, 1, 10)) .startswith("transfer: signed for nonce 0 (already used")


def test_a_resent_transaction_is_told_which_batch_holds_it():
    """Issue 27: a resend after the acknowledgement was lost must learn where the transaction
    went (sealed or verified batch), not that its nonce is used; even from an operator that
    lost its memory, since L1 data shows it."""
    rig = make_rig(n_users=2)
    rig.deposit(0, 1_000)
    rig.deposit(1, 1_000)
    assert rig.pipeline.run_batch()[1].status
    tx = rig.transfer(0, 1, 10)
    assert rig.pipeline.receive(tx) == rig.pipeline.receive(tx) == TxStatus(PENDING)
    assert len(rig.pipeline.mempool) == 1
    batch = rig.pipeline.seal()
    assert rig.pipeline.receive(tx) == TxStatus(INCLUDED, batch.number) == TxStatus(INCLUDED, 1)
    proof, _ = rig.pipeline.prove(batch)
    assert rig.pipeline.submit(batch, proof).status
    assert rig.pipeline.receive(tx) == TxStatus(INCLUDED, 1)
    forgetful = Pipeline(rig.system, rig.pipeline.compiled, rig.pipeline.zkey)
    assert forgetful.receive(tx) == TxStatus(INCLUDED, 1) and not forgetful.mempool
    other = forgetful.receive(rig.transfer(0, 1, 11))  # another transaction signed for the used nonce
    assert other.state == REJECTED and "already used" in other.reason


def test_a_deposit_must_be_served_in_queue_order():
    rig = make_rig(n_users=2)
    rig.deposit(0, 100)
    rig.deposit(1, 200)
    second_first = rig.pipeline.queued_deposits()[::-1]
    from prozchain.circuits.txtypes import apply_tx
    from prozchain.rollup.zk.agents import Batch
    old = rig.pipeline.head.root
    slots = [apply_tx(rig.pipeline.head, tx, check_signatures=False) for tx in second_first]
    batch = Batch(0, second_first, old, rig.pipeline.head.root, slots)
    proof, _ = rig.pipeline.prove(batch)             # a valid proof: only the queue order is wrong
    receipt = rig.call(rig.system.operator, "submit_batch", 1, batch.old_root, batch.new_root, batch.data, proof)
    assert not receipt.status and "does not match queued request 0" in receipt.error


def test_exodus_after_a_censored_deposit():
    rig = make_rig(n_users=3, deadline=600)
    rig.deposit(0, 1_000)
    rig.deposit(1, 400)
    assert rig.pipeline.run_batch()[1].status
    rig.deposit(2, 70)                                  # the operator never serves this one
    early = rig.call(rig.users[0], "freeze")
    assert not early.status and "no queued request is overdue" in early.error
    rig.chain.advance_time(601)
    assert rig.call(rig.users[0], "freeze").status
    assert not rig.call(rig.system.operator, "submit_batch", 1, 0, 0, b"", [0] * 8).status
    node = ZkNode(rig.chain, rig.system.rollup, rig.system.depth)   # from L1 data alone
    node.sync()
    for user, index in ((0, 1), (1, 2)):
        account = node.tree.get(index)
        siblings, _ = node.tree.proof(index)
        lie = rig.call(rig.users[user], "exit", index, account.ax, account.ay, account.balance + 1, account.nonce, siblings)
        assert not lie.status and "not under the last verified root" in lie.error
        before = rig.chain.state.balance(rig.users[user].address)
        receipt = rig.call(rig.users[user], "exit", index, *account.values(), siblings)
        assert receipt.status
        paid = rig.chain.state.balance(rig.users[user].address) - before + receipt.gas_used * receipt.effective_gas_price
        assert paid == account.balance * UNIT
        twice = rig.call(rig.users[user], "exit", index, *account.values(), siblings)
        assert not twice.status and "already exited" in twice.error
    assert rig.call(rig.users[2], "refund", 2).status
    assert not rig.call(rig.users[2], "refund", 2).status
    assert rig.escrow_units() == 0


def _node_state(node: ZkNode) -> tuple:
    return node.tree.nodes, node.tree.accounts, node.included, node.txs, node.batches, node.from_block


def test_the_operator_takes_its_own_batches_without_replay_and_ends_as_a_replaying_node(rig, monkeypatch):
    """``submit`` hands the node the state sealing left (no hashing); a node replaying L1's data
    from scratch must hold the very same tree, inclusions and nonces."""
    import prozchain.rollup.zk.node as node_module

    replays = []
    monkeypatch.setattr(node_module, "apply_tx", lambda *a, **k: replays.append(a[1]) or apply_tx(*a, **k))
    for user, amount in enumerate((1_000, 500, 300)):
        assert rig.deposit(user, amount).status
    assert rig.pipeline.run_batch()[1].status
    first = rig.pipeline.seal()  # two batches sealed before either is submitted: the head runs ahead
    assert rig.pipeline.accept(rig.transfer(0, 1, 200, fee=3)) is None
    second = rig.pipeline.seal()
    for batch in (first, second):
        assert rig.pipeline.submit(batch, rig.pipeline.prove(batch)[0]).status
    assert replays == []  # every batch the operator submitted was taken as sealed
    node = ZkNode(rig.chain, rig.system.rollup, rig.system.depth)
    node.sync()
    assert replays and _node_state(node) == _node_state(rig.pipeline.node)
    assert node.tree.root == rig.state().root == rig.pipeline.head.root


def test_a_batch_whose_logged_data_differs_from_the_sealed_one_is_replayed(rig):
    from prozchain.rollup.zk.node import OwnBatch

    assert rig.deposit(0, 1_000).status
    batch = rig.pipeline.seal()
    words, _ = rig.pipeline.prove(batch)
    receipt = rig.chain.transact(rig.system.operator, rig.system.rollup, "submit_batch", batch.version, batch.old_root,
                                 batch.new_root, batch.data, words, gas_limit=3_000_000)
    assert receipt.status
    node = ZkNode(rig.chain, rig.system.rollup, rig.system.depth)
    wrong = {(a, b): 0 for a, b in batch.delta[1]}  # a delta that would corrupt the tree if taken
    assert node.sync(OwnBatch(batch.number, batch.data + b"\0", batch.slots, (batch.delta[0], wrong))) == 1
    assert node.tree.root == batch.new_root
