"""The circuit author's guide, followed: an atomic swap of two balances added as a new
transaction type from this test alone (nothing in rollup/ changes), proven and verified on L1."""

from __future__ import annotations

import pytest

from prozchain.circuits.txtypes import BALANCE_BITS, Tx, TxType, register, sign_tx
from prozchain.testing.rig import Rig, make_rig


def pay(checks, account, out, incoming):
    """Step 3 of the guide: one update, written once for ints and for circuit variables."""
    checks.range(account.balance - out + incoming, BALANCE_BITS, "the balance does not cover the swap")
    return account.replace(balance=account.balance - out + incoming)  # the framework bumps the nonce


SWAP = register(TxType(
    "atomic-swap", 100, (("a", 4), ("b", 4), ("give", 8), ("take", 8)), a="a", b="b", signers=2,
    update_a=lambda checks, f, account: pay(checks, account, f["give"], f["take"]),
    update_b=lambda checks, f, account: pay(checks, account, f["take"], f["give"])))


@pytest.fixture(scope="module")
def swap_rig():
    return make_rig(("noop", "deposit", "atomic-swap"), slots=1, depth=4, n_users=2)


def swap(rig: Rig, give: int, take: int, signers: tuple[bytes, bytes], nonces=(0, 0)) -> Tx:
    return sign_tx(Tx("atomic-swap", {"a": 1, "b": 2, "give": give, "take": take}), list(signers), list(nonces))


def test_an_atomic_swap_is_proven_and_verified_on_l1(swap_rig):
    rig = swap_rig
    rig.deposit(0, 500)
    rig.deposit(1, 80)
    for _ in range(2):
        assert rig.pipeline.run_batch()[1].status
    a, b = rig.l2
    assert "bad signature by account 2" in rig.pipeline.accept(swap(rig, 100, 30, (a, a)))     # b did not agree
    assert "does not cover the swap" in rig.pipeline.accept(swap(rig, 10, 300, (a, b)))        # b cannot pay 300
    assert rig.pipeline.accept(swap(rig, 100, 30, (a, b))) is None
    batch, receipt, _ = rig.pipeline.run_batch()
    assert receipt.status and batch.txs[0].type == "atomic-swap"
    node = rig.node()                               # the node replays the new type from L1 data too
    assert [(node.tree.get(i).balance, node.tree.get(i).nonce) for i in (1, 2)] == [(430, 1), (150, 1)]
    assert node.tree.root == rig.state().root
