"""Gas of nested calls as the EVM meters it (EIP-150): 63/64 forwarding, halts end the callee only."""

from __future__ import annotations

import pytest

from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1 import gas as G
from tests.rollup.l1.sample_contracts import Burner, Guarded

ALICE = Key.from_seed(b"alice")


@pytest.fixture
def world():
    chain = Chain({ALICE.address: 10**20})
    burner, _ = chain.deploy(ALICE, Burner)
    guarded, _ = chain.deploy(ALICE, Guarded)
    return chain, burner, guarded


def test_out_of_gas_in_a_callee_leaves_the_caller_a_64th(world):
    chain, burner, guarded = world
    receipt = chain.transact(ALICE, guarded, "call_burner", burner, 0, gas_limit=500_000)
    assert receipt.status and receipt.return_value is False
    assert [log.name for log in receipt.logs] == ["Survived"]  # the caller went on after the failure
    assert burner not in chain.state.storage or not chain.state.storage[burner]  # callee undone
    assert receipt.gas_used < 500_000


def test_explicit_gas_caps_what_the_callee_may_spend(world):
    chain, burner, guarded = world
    capped = chain.transact(ALICE, guarded, "call_burner", burner, 50_000, gas_limit=500_000)
    full = chain.transact(ALICE, guarded, "call_burner", burner, 0, gas_limit=500_000)
    assert capped.status and full.status
    assert full.gas_used - capped.gas_used > 300_000  # the cap kept most of the gas


def test_max_call_gas_holds_back_one_64th():
    assert G.max_call_gas(6_400) == 6_300
    assert G.max_call_gas(63) == 63
