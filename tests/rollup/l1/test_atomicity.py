"""Transactions and nested calls commit all their changes or none (state, balances, events)."""

from __future__ import annotations

import pytest

from prozchain.rollup.l1 import Chain, Key
from tests.rollup.l1.sample_contracts import Inner, Outer

ALICE = Key.from_seed(b"alice")


@pytest.fixture()
def world():
    chain = Chain({ALICE.address: 10**20})
    inner, _ = chain.deploy(ALICE, Inner)
    outer, _ = chain.deploy(ALICE, Outer, inner)
    return chain, inner, outer


def storage_and_balances(chain: Chain) -> tuple:
    return ({a: dict(s) for a, s in chain.state.storage.items()},
            {a: b for a, b in chain.state.balances.items() if a != ALICE.address})


def test_revert_in_outer_undoes_inner_writes_events_and_value(world):
    chain, inner, outer = world
    before = storage_and_balances(chain)
    alice_before = chain.state.balance(ALICE.address)
    receipt = chain.transact(ALICE, outer, "both_then_revert", 7, value=1000, gas_limit=300_000)
    assert not receipt.status and "outer says no" in receipt.error
    assert receipt.logs == []
    after = storage_and_balances(chain)
    # The coinbase earned the tip; nothing else moved.
    after[1].pop("0xc000000000000000000000000000000000000000")
    before[1].pop("0xc000000000000000000000000000000000000000", None)
    assert after == before
    assert chain.state.balance(ALICE.address) == alice_before - receipt.fee
    assert chain.conserved()


def test_caught_inner_revert_keeps_outer_changes_only(world):
    chain, inner, outer = world
    receipt = chain.transact(ALICE, outer, "keep_mine_try_inner", 9, value=500, gas_limit=300_000)
    assert receipt.status and receipt.return_value is False
    assert [log.name for log in receipt.logs] == ["OuterWrote"]
    assert chain.view(outer, "keep_mine_try_inner", 0) is False  # views run but commit nothing
    outer_words = list(chain.state.storage[outer].values())
    assert 9 in outer_words
    assert inner not in chain.state.storage or 9 not in chain.state.storage[inner].values()
    # The value sent to the reverted inner call came back to the outer contract.
    assert chain.state.balance(outer) == 500 and chain.state.balance(inner) == 0


def test_successful_nested_call_commits_both(world):
    chain, inner, outer = world
    receipt = chain.transact(ALICE, inner, "write", 3)
    assert receipt.status and receipt.return_value == 3
    assert [(log.name, log.args) for log in receipt.logs] == [("InnerWrote", (3,))]
    assert 3 in chain.state.storage[inner].values()


def test_out_of_gas_reverts_and_charges_the_whole_limit(world):
    chain, inner, _ = world
    alice_before = chain.state.balance(ALICE.address)
    receipt = chain.transact(ALICE, inner, "write", 5, gas_limit=30_000)
    assert not receipt.status and receipt.error.startswith("OutOfGas")
    assert receipt.gas_used == 30_000
    assert chain.state.balance(ALICE.address) == alice_before - 30_000 * receipt.effective_gas_price
    assert inner not in chain.state.storage or 5 not in chain.state.storage[inner].values()
    assert chain.state.nonce(ALICE.address) == 3  # two deployments and this call
