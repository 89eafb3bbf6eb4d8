"""Circuit versions on a live rollup: a new verifier (and transaction type) added by governance
behind a time lock, old versions still verifying, users leaving within the delay."""

from __future__ import annotations

import pytest

from prozchain.circuits.txtypes import BALANCE_BITS, TxType, register
from prozchain.rollup.l1 import Key
from prozchain.rollup.zk.agents import Pipeline
from prozchain.rollup.zk.contracts.registry import Pending
from prozchain.rollup.zk.system import DEFAULT_TYPES, UPGRADE_DELAY, circuit_and_key, propose_version
from prozchain.testing.batches import verify_batch
from prozchain.testing.rig import make_rig


def _burn(checks, f, account):
    checks.range(account.balance - f["amount"], BALANCE_BITS, "burns more than the balance")
    return account.replace(balance=account.balance - f["amount"])


# the new transaction type of version 2 (registered again on a re-import: harmless)
register(TxType("burn-v2", 77, (("from", 4), ("amount", 8)), a="from", signers=1, update_a=_burn))
V2_TYPES = DEFAULT_TYPES + ("burn-v2",)


def stranger(rig) -> Key:
    key = Key.from_seed(b"not governance")
    rig.chain.state.add_balance(key.address, 10**18)
    return key


@pytest.fixture
def live():
    """A rollup with two accounts after one verified batch, and version 2's circuit and key."""
    rig = make_rig(n_users=2, deadline=600)
    rig.deposit(0, 1_000)
    rig.deposit(1, 500)
    assert rig.pipeline.run_batch()[1].status
    return rig, circuit_and_key(V2_TYPES, 2, 8)


def test_only_governance_proposes_cancels_and_retires(live):
    rig, (spec, _, zkey) = live
    outsider, verifier = stranger(rig), rig.system.verifier
    for method, args in (("propose_version", (2, verifier, 2, 4, 0b1111)), ("propose_retirement", (1,)),
                         ("cancel", (1,))):
        receipt = rig.call(outsider, method, *args)
        assert not receipt.status and "only governance changes verifier versions" in receipt.error
    assert rig.chain.view(rig.system.rollup, "pending") == []


def test_a_new_version_with_a_new_type_after_the_delay_while_version_1_still_verifies(live):
    rig, (spec, compiled, zkey) = live
    rollup, governance = rig.system.rollup, rig.system.operator
    version, eta = propose_version(rig.system, governance, spec, zkey.verification_key())
    assert (version, eta) == (2, rig.chain.time + UPGRADE_DELAY)
    assert rig.chain.view(rollup, "pending") == [Pending(2, "activation", eta)]
    assert [log.args[0] for _, log in rig.chain.logs(rollup, "VersionProposed")] == [2]
    again = rig.call(governance, "propose_version", 2, rig.system.verifier, 2, 4, 0b1111)
    assert not again.status and "version 2 was already proposed (proposals are not replayed)" in again.error

    rig.pipeline.add_version(2, spec, compiled, zkey)
    burn = rig.sign("burn-v2", {"from": 1, "amount": 100}, [0])
    assert rig.pipeline.accept(burn) is None          # a pending version takes it: it waits for it
    assert rig.pipeline.version == 1 and rig.pipeline.seal() is None
    root = rig.state().root
    early = rig.call(governance, "submit_batch", 2, root, root, b"", [0] * 8)
    assert not early.status and f"version 2 is not active until t={eta}" in early.error

    rig.chain.advance_time(UPGRADE_DELAY)
    assert rig.pipeline.version == 2 and rig.chain.view(rollup, "pending") == []
    batch = rig.pipeline.seal()
    assert batch.version == 2 and [tx.type for tx in batch.txs] == ["burn-v2", "noop"]
    proof, _ = rig.pipeline.prove(batch)
    as_v1 = rig.call(governance, "submit_batch", 1, batch.old_root, batch.new_root, batch.data, proof)
    assert not as_v1.status and "holds 'burn-v2' transactions, version 1 does not take them" in as_v1.error
    assert rig.pipeline.submit(batch, proof).status
    assert rig.verify_batch(batch, proof) == verify_batch(zkey.verification_key(), spec, batch, proof) == batch.public

    old = Pipeline(rig.system, *circuit_and_key(DEFAULT_TYPES, 2, 8)[1:])   # an operator of version 1 only
    assert old.accept(rig.transfer(0, 1, 10, nonce=1)) is None
    batch1, receipt, _ = old.run_batch()
    assert batch1.version == 1 and receipt.status
    node = rig.node()                                  # each batch decoded with its version's types
    assert node.tree.root == rig.state().root and sorted(node.versions) == [1, 2]
    assert [node.tree.get(i).balance for i in (1, 2)] == [1_000 - 100 - 10 - 1, 510]


def test_cancelled_and_retired_versions(live):
    rig, (spec, _, zkey) = live
    rollup, governance = rig.system.rollup, rig.system.operator
    version, eta = propose_version(rig.system, governance, spec, zkey.verification_key())
    assert rig.call(governance, "cancel", 2).status
    nothing = rig.call(governance, "cancel", 2)
    assert not nothing.status and "version 2 has no pending change to cancel" in nothing.error
    rig.chain.advance_time(UPGRADE_DELAY)
    root = rig.state().root
    cancelled = rig.call(governance, "submit_batch", 2, root, root, b"", [0] * 8)
    assert not cancelled.status and "version 2 was cancelled" in cancelled.error
    replayed = rig.call(governance, "propose_version", 2, rig.system.verifier, 2, 4, 0b1111)
    assert not replayed.status and "already proposed" in replayed.error
    unknown = rig.call(governance, "submit_batch", 3, root, root, b"", [0] * 8)
    assert not unknown.status and "unknown verifier version 3" in unknown.error

    retire = rig.call(governance, "propose_retirement", 1)
    assert retire.status and rig.chain.view(rollup, "pending") == [Pending(1, "retirement", retire.return_value)]
    rig.deposit(1, 5)
    assert rig.pipeline.run_batch()[1].status           # version 1 serves until its retirement
    rig.chain.advance_time(UPGRADE_DELAY)
    assert not rig.chain.view(rollup, "usable", 1)
    retired = rig.call(governance, "submit_batch", 1, rig.state().root, 0, b"", [0] * 8)
    assert not retired.status and "version 1 was retired" in retired.error
    assert rig.node().tree.root == rig.state().root     # batches verified under it stay


def test_a_user_exits_during_the_delay(live):
    """A user who distrusts a pending version queues a request; the operator (in league with
    governance) ignores it; past the deadline, well within the delay, the user freezes the
    rollup and exits with everything; the version never gets to verify a batch."""
    rig, (spec, _, zkey) = live
    rollup, governance, user = rig.system.rollup, rig.system.operator, rig.users[0]
    _, eta = propose_version(rig.system, governance, spec, zkey.verification_key())
    assert rig.chain.view(rollup, "pending")[0].at == eta > rig.chain.time + 600
    rig.deposit(0, 1)                                  # the request the operator will not serve
    rig.chain.advance_time(601)
    assert rig.call(user, "freeze").status
    node, escrow = rig.node(), rig.escrow_units()
    account = node.tree.get(1)
    assert rig.call(user, "exit", 1, *account.values(), node.tree.proof(1)[0]).status
    assert rig.call(user, "refund", 2).status and rig.chain.time < eta
    assert account.balance == 1_000 and rig.escrow_units() == escrow - 1_000 - 1
    rig.chain.advance_time(eta - rig.chain.time)
    late = rig.call(governance, "submit_batch", 2, rig.state().root, 0, b"", [0] * 8)
    assert not late.status and "frozen" in late.error
