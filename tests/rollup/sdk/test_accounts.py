"""Smart accounts on the optimistic rollup's VM: a batch of calls paid in a token through a
paymaster; the paymaster's refusals, an atomic revert, replays and strangers refused."""

from __future__ import annotations

import pytest

from prozchain.rollup.l1 import Key
from prozchain.rollup.l1.crypto import to_address
from prozchain.rollup.sdk.accounts import MAX_CALLS, Bundler, Call, UserOp
from prozchain.rollup.sdk.errors import UserOpRejected
from prozchain.rollup.vm import L2Tx
from prozchain.rollup.vm.state import FEE_VAULT, addr_int

OWNER, STRANGER = Key.from_seed(b"sa-owner"), Key.from_seed(b"sa-stranger")
SHOP, CAFE = "0x" + "5b" * 20, "0x" + "ca" * 20


@pytest.fixture
def setup():
    bundler, ledger = Bundler.demo(OWNER, tokens=1_000)
    return bundler, ledger, bundler.account, bundler.paymaster


def pay(ledger, to: str, amount: int) -> Call:
    return Call(ledger.token, 1, addr_int(to), amount)


def test_a_batch_paid_in_tokens(setup):
    bundler, ledger, account, paymaster = setup
    native = ledger.ex.balance(ledger.world, paymaster.address)
    op = account.op([pay(ledger, SHOP, 100), pay(ledger, CAFE, 40)], paymaster=paymaster).sign(OWNER)
    assert bundler.submit(op) == "ok"
    price = paymaster.price()
    assert (ledger.token_balance(account.address), ledger.token_balance(SHOP), ledger.token_balance(CAFE),
            ledger.token_balance(paymaster.address)) == (1_000 - 140 - price, 100, 40, price)
    spent = native - ledger.ex.balance(ledger.world, paymaster.address)  # the paymaster paid the gas, natively
    assert spent > 0 and ledger.ex.balance(ledger.world, to_address(FEE_VAULT)) == spent
    assert account.nonce == 1


def test_the_paymaster_refuses(setup):
    bundler, ledger, account, paymaster = setup
    cheap = account.op([pay(ledger, SHOP, 1)], fee=paymaster.price() - 1, paymaster=paymaster).sign(OWNER)
    with pytest.raises(UserOpRejected, match="below its price"):
        bundler.submit(cheap)
    unpaid = account.op([pay(ledger, SHOP, 1)]).sign(OWNER)
    with pytest.raises(UserOpRejected, match="does not pay it"):
        bundler.submit(unpaid)
    broke, broke_ledger = Bundler.demo(OWNER, tokens=paymaster.price() - 1)
    with pytest.raises(UserOpRejected, match="below the fee"):
        broke.submit(broke.account.op([pay(broke_ledger, SHOP, 1)], fee=paymaster.price(),
                                      paymaster=broke.paymaster).sign(OWNER))
    assert ledger.batch == 0 and account.nonce == 0  # nothing reached the layer


def test_one_failing_call_reverts_the_whole_batch(setup):
    bundler, ledger, account, paymaster = setup
    too_much = account.op([pay(ledger, SHOP, 100), pay(ledger, CAFE, 5_000)], paymaster=paymaster).sign(OWNER)
    assert bundler.submit(too_much) == "reverted"
    assert (ledger.token_balance(account.address), ledger.token_balance(SHOP),
            ledger.token_balance(paymaster.address), account.nonce) == (1_000, 0, 0, 0)
    again = account.op([pay(ledger, SHOP, 100)], paymaster=paymaster).sign(OWNER)  # the nonce is still free
    assert bundler.submit(again) == "ok" and ledger.token_balance(SHOP) == 100


def test_a_replayed_operation_is_rejected(setup):
    bundler, ledger, account, paymaster = setup
    op = account.op([pay(ledger, SHOP, 100)], paymaster=paymaster).sign(OWNER)
    assert bundler.submit(op) == "ok"
    with pytest.raises(UserOpRejected, match="replayed"):
        bundler.submit(op)
    assert bundler.submit(op, checked=False) == "reverted"  # the account refuses it on its own
    assert ledger.token_balance(SHOP) == 100 and account.nonce == 1


def test_only_the_owner_signs_and_only_the_entry_point_calls(setup):
    bundler, ledger, account, paymaster = setup
    forged = account.op([pay(ledger, STRANGER.address, 500)], paymaster=paymaster).sign(STRANGER)
    with pytest.raises(UserOpRejected, match="not signed by the owner"):
        bundler.submit(forged)
    op = account.op([pay(ledger, STRANGER.address, 500)], paymaster=paymaster)
    direct = L2Tx(0, account.address, 0, op.args(), gas_limit=100_000).sign(STRANGER).encode()
    assert ledger.apply(direct) in ("reverted", "skipped")
    assert ledger.token_balance(STRANGER.address) == 0


def test_an_operation_holds_one_to_three_calls(setup):
    _, ledger, account, _ = setup
    with pytest.raises(UserOpRejected, match=f"1 to {MAX_CALLS} calls"):
        UserOp(account.address, 0, tuple(pay(ledger, SHOP, 1) for _ in range(MAX_CALLS + 1)))
    with pytest.raises(UserOpRejected, match="below 2\\*\\*88"):
        pay(ledger, SHOP, 2**88).words()
