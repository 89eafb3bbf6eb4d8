"""Smart accounts on the live optimistic rollup of an SDK platform: the accounts and the fee
token are in the L2's genesis, a user operation goes through the bundler into the sequencer
and through the stages like any transaction; a failing call reverts its batch there too, and
a replay is refused by the bundler and, past a careless one, by the account."""

from __future__ import annotations

import json

import pytest

from prozchain.cli import main

from prozchain.rollup.sdk.accounts import TOKEN_AT, TRANSFER, Call, LiveState
from prozchain.rollup.sdk.client import ACCOUNT_TOKENS, Platform
from prozchain.rollup.sdk.errors import SdkError, UserOpRejected
from prozchain.rollup.sdk.stages import EXECUTED, FINAL, STAGES, SUBMITTED
from prozchain.rollup.vm.state import addr_int

SHOP, CAFE = "0x" + "5b" * 20, "0x" + "ca" * 20


def pay(to: str, amount: int) -> Call:
    return Call(TOKEN_AT, TRANSFER, addr_int(to), amount)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    platform = Platform.build(4, layers=("optimistic",), db=str(tmp_path_factory.mktemp("accounts") / "stages.db"))
    alice = platform.client(0)
    with platform:
        yield platform, alice, alice.account


def test_a_batch_paid_in_tokens_reaches_final(run):
    platform, alice, bundler = run
    state, paymaster, account = bundler.paymaster.ledger, bundler.paymaster, bundler.account
    assert isinstance(state, LiveState) and state.token_balance(account.address) == ACCOUNT_TOKENS
    native = platform.world.bridges["optimistic"].balance(paymaster.address)
    tx = alice.user_op([pay(SHOP, 100), pay(CAFE, 40)])
    status = alice.wait(tx)
    assert status.final and status.kind == "user op" and status.marks[0].stage == SUBMITTED
    assert [m.stage for m in status.marks] == list(STAGES[:len(status.marks)])
    assert [m.at for m in status.marks] == sorted(m.at for m in status.marks)
    price = paymaster.price()
    assert (state.token_balance(account.address), state.token_balance(SHOP), state.token_balance(CAFE),
            state.token_balance(paymaster.address)) == (ACCOUNT_TOKENS - 140 - price, 100, 40, price)
    assert platform.world.bridges["optimistic"].balance(paymaster.address) < native  # it paid the gas natively
    assert account.nonce == 1 and platform.stages.get(tx).current == FINAL
    bridge = platform.world.bridges["optimistic"]
    assert bridge.supply() == bridge.escrow()  # the paymaster's gas money came over the bridge


def test_a_failing_call_reverts_the_batch_on_the_live_rollup(run):
    platform, alice, bundler = run
    state, account = bundler.paymaster.ledger, bundler.account
    before = [state.token_balance(a) for a in (account.address, SHOP, bundler.paymaster.address)]
    nonce = account.nonce
    tx = alice.user_op([pay(SHOP, 1), pay(CAFE, 10 * ACCOUNT_TOKENS)])
    with pytest.raises(SdkError, match="reverted in batch \\d+"):
        alice.wait(tx)
    assert [state.token_balance(a) for a in (account.address, SHOP, bundler.paymaster.address)] == before
    assert state.token_balance(CAFE) == 40 and account.nonce == nonce
    assert platform.stages.get(tx).failed.startswith("reverted")


def test_a_replayed_operation_is_refused(run):
    platform, alice, bundler = run
    op = bundler.account.op([pay(SHOP, 5)], paymaster=bundler.paymaster).sign(alice.key)
    alice.wait(alice.submit_op(op))
    with pytest.raises(UserOpRejected, match="replayed"):
        alice.submit_op(op)
    shop = bundler.paymaster.ledger.token_balance(SHOP)
    with pytest.raises(SdkError, match="reverted"):  # past a careless bundler, the account refuses it
        alice.wait(alice.submit_op(op, checked=False))
    assert bundler.paymaster.ledger.token_balance(SHOP) == shop


def test_tx_status_reads_the_sequencer_store(run, capsys):
    """``prozchain tx status`` answers from the sequencer's own store (what it accepted) and,
    given the SDK's store as well, from the furthest of the two."""
    platform, alice, _ = run
    tx = alice.user_op([pay(SHOP, 1)])
    alice.wait(tx, EXECUTED)  # it reached the sequencer
    store = platform.world.sim.store_path(platform.world.bridges["optimistic"].sequencer)
    assert main(["tx", "status", tx, "--db", store]) == 0
    assert "accepted by the sequencer" in capsys.readouterr().out
    alice.wait(tx)
    assert main(["tx", "status", tx, "--db", store, "--db", platform.stages.path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stage"] == FINAL
