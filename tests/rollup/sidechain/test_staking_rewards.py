"""Staking rewards per epoch: by stake, less the blocks a validator missed, claimed on L1. The
block counts are proven by the epoch's checkpoints on the bridge, not reported by the payer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Key
from prozchain.rollup.sidechain.contracts.staking import BURN, block_counts
from prozchain.rollup.sidechain.node.chain import ChainState, ValidatorSet
from prozchain.rollup.sidechain.node.checkpoint import Checkpoint
from prozchain.rollup.sidechain.system import Config, build

PAYER = Key.from_seed(b"reward-payer")
GAS = dict(gas_limit=3_000_000)


class Epochs:
    """A two-validator sidechain whose first validator holds 3/4 of the stake from epoch 2 on,
    and the blocks and checkpoints built on it by hand."""

    def __init__(self) -> None:
        self.system = build(1, Config(validators=2), users=[PAYER])
        self.chain, self.staking, self.bridge = self.system.chain, self.system.staking, self.system.bridge
        heavy, light = self.system.validator_keys
        assert self.chain.transact(heavy, self.staking, "bond", value=2 * self.system.config.stake, **GAS).status
        self.next_epoch()
        addresses, powers = self.chain.view(self.staking, "validators", 2)
        assert sorted(powers) == [32 * ETHER, 96 * ETHER]
        self.heavy, self.light, self.set = heavy.address, light.address, ValidatorSet(list(zip(addresses, powers)))
        self.state, self.checkpoints = ChainState(self.system.genesis), 0

    def next_epoch(self) -> None:
        self.chain.advance_time(self.system.config.epoch_length)
        assert self.chain.transact(self.system.keys["keeper"], self.staking, "advance_epoch", gas_limit=20_000_000).status

    def blocks(self, n: int, taken: set[int] = frozenset()):
        """``n`` blocks of the current epoch, each by its round-0 proposer except at the heights
        in ``taken``, where the heavy validator takes the turn; checkpointed. Their headers."""
        epoch = self.chain.view(self.staking, "current_epoch")
        for _ in range(n):
            height = self.state.height + 1
            proposer = self.heavy if height in taken else self.set.proposer(height, 0)
            self.chain.advance_time(1)
            self.state.commit(self.state.build(proposer, time=self.chain.time, epoch=epoch))
        headers = self.state.headers[-n:]
        self.checkpoints += 1
        cp = Checkpoint.cover(self.checkpoints, headers, epoch)
        receipt = self.chain.transact(self.system.keys["relayer"], self.bridge, "submit_checkpoint", *cp.args(),
                                      [h.encode() for h in headers], [cp.sign(k) for k in self.system.validator_keys],
                                      self.system.client, **GAS)
        assert receipt.status, receipt.error
        return headers

    def reward(self, epoch: int, numbers: list[int], headers, value: int):
        return self.chain.transact(PAYER, self.staking, "reward_epoch", epoch, numbers, [h.encode() for h in headers],
                                   value=value, **GAS)


@pytest.fixture
def epochs() -> Epochs:
    return Epochs()


def test_rewards_follow_stake_and_the_blocks_the_checkpoints_prove(epochs):
    """Eight blocks of epoch 2 (the light validator due at two of them); the heavy one took one
    of its turns. The light validator made half its blocks: half its share is burnt."""
    light_turns = [h for h in range(1, 9) if epochs.set.proposer(h, 0) == epochs.light]
    assert len(light_turns) == 2
    headers = epochs.blocks(8, taken={light_turns[0]})
    epochs.next_epoch()
    epochs.blocks(1)  # epoch 3's first checkpoint: epoch 2's are all on L1
    addresses, powers = epochs.chain.view(epochs.staking, "validators", 2)
    produced, expected = block_counts(addresses, powers, headers)
    assert dict(zip(addresses, zip(produced, expected))) == {epochs.heavy: (7, 6), epochs.light: (1, 2)}
    receipt = epochs.reward(2, [1], headers, 8_000)
    assert receipt.status and receipt.return_value == 1_000  # the light validator missed half its blocks
    assert epochs.chain.state.balance(BURN) == 1_000
    heavy, light = epochs.system.validator_keys
    before = epochs.chain.state.balance(heavy.address)
    claim = epochs.chain.transact(heavy, epochs.staking, "claim_reward", gas_limit=100_000)
    assert claim.return_value == 6_000
    assert epochs.chain.state.balance(heavy.address) == before + 6_000 - claim.fee
    assert epochs.chain.transact(light, epochs.staking, "claim_reward", gas_limit=100_000).return_value == 1_000
    again = epochs.chain.transact(light, epochs.staking, "claim_reward", gas_limit=100_000)
    assert not again.status and "no reward" in again.error


def test_the_payer_cannot_choose_the_counts(epochs):
    """Headers other than the checkpoint's (a block credited to another proposer), a partial
    epoch (no later epoch's checkpoint yet), another epoch's checkpoint: all refused."""
    headers = epochs.blocks(4)
    early = epochs.reward(2, [1], headers, 100)
    assert not early.status and "no checkpoint of a later epoch" in early.error
    epochs.next_epoch()
    later = epochs.blocks(1)
    forged = [replace(h, proposer=epochs.heavy) for h in headers]
    assert forged != headers
    refused = epochs.reward(2, [1], forged, 100)
    assert not refused.status and "are not checkpoint 1's" in refused.error
    short = epochs.reward(2, [1], headers[:3], 100)
    assert not short.status and "are not checkpoint 1's" in short.error
    other = epochs.reward(2, [2], later, 100)
    assert not other.status and "is of epoch 2 too" in other.error
    assert epochs.reward(2, [1], headers, 100).status


def test_an_epoch_is_rewarded_once(epochs):
    headers = epochs.blocks(2)
    epochs.next_epoch()
    epochs.blocks(1)
    future = epochs.reward(4, [2], [], 10)
    assert not future.status and "no validator set" in future.error
    assert epochs.reward(2, [1], headers, 10).status
    twice = epochs.reward(2, [1], headers, 10)
    assert not twice.status and "rewarded already" in twice.error
    assert epochs.chain.conserved()
