"""Staking rewards per epoch: by stake, less the blocks a validator missed, claimed on L1."""

from __future__ import annotations

import pytest

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.economics.bonds import BondLedger
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.sidechain.contracts.staking import BURN, Staking

KEYS = [Key.from_seed(f"reward-{i}".encode()) for i in range(4)]


@pytest.fixture
def staked() -> tuple[Chain, str]:
    chain = Chain({k.address: 1_000 * ETHER for k in KEYS})
    staking, _ = chain.deploy(KEYS[0], Staking, 100, 1_000, 500, ETHER, 5_000, 2_000)
    ledger, _ = chain.deploy(KEYS[0], BondLedger)
    chain.transact(KEYS[0], staking, "link_ledger", ledger)
    for key, bond in zip(KEYS[1:3], (3 * ETHER, ETHER)):
        assert chain.transact(key, staking, "bond", value=bond, gas_limit=300_000).status
    chain.advance_time(100)
    assert chain.transact(KEYS[0], staking, "advance_epoch", gas_limit=1_000_000).status
    return chain, staking


def test_rewards_follow_stake_and_missed_blocks(staked):
    chain, staking = staked
    members = chain.view(staking, "validators", 1).addresses
    produced = [4 if m == KEYS[1].address else 1 for m in members]
    expected = [4 if m == KEYS[1].address else 2 for m in members]
    receipt = chain.transact(KEYS[3], staking, "reward_epoch", 1, produced, expected, value=8_000, gas_limit=500_000)
    assert receipt.status and receipt.return_value == 1_000  # the light validator missed half its blocks
    assert chain.state.balance(BURN) == 1_000
    before = chain.state.balance(KEYS[1].address)
    claim = chain.transact(KEYS[1], staking, "claim_reward", gas_limit=100_000)
    assert claim.return_value == 6_000
    assert chain.state.balance(KEYS[1].address) == before + 6_000 - claim.fee
    assert chain.transact(KEYS[2], staking, "claim_reward", gas_limit=100_000).return_value == 1_000
    again = chain.transact(KEYS[2], staking, "claim_reward", gas_limit=100_000)
    assert not again.status and "no reward" in again.error


def test_an_epoch_is_rewarded_once_with_one_count_per_validator(staked):
    chain, staking = staked
    short = chain.transact(KEYS[3], staking, "reward_epoch", 1, [1], [1], value=10, gas_limit=500_000)
    assert not short.status and "one produced and expected count" in short.error
    future = chain.transact(KEYS[3], staking, "reward_epoch", 2, [1, 1], [1, 1], value=10, gas_limit=500_000)
    assert not future.status and "no validator set" in future.error
    assert chain.transact(KEYS[3], staking, "reward_epoch", 1, [1, 1], [1, 1], value=10, gas_limit=500_000).status
    twice = chain.transact(KEYS[3], staking, "reward_epoch", 1, [1, 1], [1, 1], value=10, gas_limit=500_000)
    assert not twice.status and "rewarded already" in twice.error
    assert chain.conserved()
