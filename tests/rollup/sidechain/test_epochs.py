"""The validator set changing mid-chain: bonds and unbonds on L1 take effect at the next epoch
boundary, consensus stays safe and live across the switch, and the light client follows the
new set (the old set's signatures do not make a checkpoint of the new epoch)."""

from __future__ import annotations

import pytest

from prozchain.rollup.l1.errors import Revert
from prozchain.rollup.sidechain.bridge.checkpoint import Checkpoint
from prozchain.rollup.sidechain.messages import PRECOMMIT, Vote
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.sidechain.system import Config, build


@pytest.fixture(scope="module")
def rotated():
    """Five validator nodes, four bonded; at 3 s v4 bonds twice the stake and v0 unbonds;
    epochs last 20 L1 seconds (epoch 2 begins about 20 s into the run, epoch 3 about 20 s later)."""
    config = Config(validators=5, epoch_length=20, evidence_window=40, unbonding_delay=100, window=10)
    system = build(4, config, bonded=4)
    chain, staking = system.chain, system.staking
    newcomer, leaver = system.validator_keys[4], system.validator_keys[0]
    with system.sim:
        system.keep_epochs()
        system.sim.scheduler.at(3_000, "v4 bonds", lambda: chain.submit(
            chain.build(newcomer, staking, "bond", value=64 * ETHER, gas_limit=300_000)))
        system.sim.scheduler.at(3_000, "v0 unbonds", lambda: chain.submit(
            chain.build(leaver, staking, "unbond", gas_limit=300_000)))
        system.sim.run(until=48_000)
        yield system


def test_the_set_and_its_weights_switch_at_the_epoch_boundary(rotated):
    chain, staking, keys = rotated.chain, rotated.staking, rotated.validator_keys
    assert chain.view(staking, "current_epoch") == 3
    assert chain.view(staking, "validators", 1) == ([k.address for k in keys[:4]], [32 * ETHER] * 4)
    assert chain.view(staking, "validators", 2) == ([k.address for k in keys[1:]], [32 * ETHER] * 3 + [64 * ETHER])
    headers = rotated.validators[1].chain.headers
    switch = next(h.height for h in headers if h.epoch == 2)
    assert 5 < switch < len(headers) - 5, "the switch happened mid-chain with blocks after it"
    before = {h.proposer for h in headers[1:switch + 1]}
    after = [h.proposer for h in headers[switch + 1:]]
    assert keys[4].address not in before and keys[0].address in before
    assert keys[0].address not in after and keys[4].address in after
    # Each block is decided by more than 2/3 of the power of the epoch its parent names, in that epoch's votes.
    for height in range(1, len(headers)):
        epoch = headers[height - 1].epoch
        vset = rotated.l1.validator_set(epoch)
        votes = [Vote.decode(bytes.fromhex(v)) for v in rotated.validators[1].chain.certificate(height)]
        assert all(v.epoch == epoch and v.step == PRECOMMIT for v in votes)
        assert vset.weight(v.signer for v in votes) >= vset.quorum
        assert (keys[4].address in {v.signer for v in votes}) <= (epoch >= 2)


def test_consensus_stays_safe_and_live_across_the_switch(rotated):
    nodes = rotated.validators
    shortest = min(v.chain.height for v in nodes)
    assert all(len({v.chain.headers[h].hash for v in nodes}) == 1 for h in range(shortest + 1))
    switch = next(h.height for h in nodes[0].chain.headers if h.epoch == 2)
    assert shortest >= switch + 10
    assert not list(rotated.chain.logs(rotated.staking, "Slashed"))


def test_the_light_client_follows_the_new_set(rotated):
    chain, bridge, client, keys = rotated.chain, rotated.bridge, rotated.client, rotated.validator_keys
    epochs = [log.args[6] for _, log in chain.logs(bridge, "CheckpointSubmitted")]
    assert epochs == sorted(epochs) and {1, 2} <= set(epochs)
    node, sim = rotated.relayers[0].node, rotated.sim
    with sim:
        while True:  # the next checkpoint slot, with at least one header the relayer knows
            number = chain.view(bridge, "count") + 1
            first = chain.view(bridge, "checkpoint", number - 1)[1] + 1
            if node.height >= first:
                break
            sim.run(until=sim.scheduler.now + 200)
    headers = node.headers[first:node.height + 1]
    posted = [h.encode() for h in headers]
    cp = Checkpoint.cover(number, headers, headers[-1].epoch)
    assert cp.epoch == 3
    old_set = [cp.sign(k) for k in keys[:3]]  # v0 left: v1 + v2 hold 64 of 160
    assert not rotated.quorum_reached(cp, old_set)
    refused = chain.transact(rotated.keys["keeper"], bridge, "submit_checkpoint", *cp.args(), posted, old_set,
                             client, gas_limit=3_000_000)
    assert "below the quorum" in refused.error
    # The old set signing the same heights as if still in epoch 1: not the headers' epoch, and stale.
    stale = Checkpoint.cover(number, headers, 1)
    receipt = chain.transact(rotated.keys["keeper"], bridge, "submit_checkpoint", *stale.args(), posted,
                             [stale.sign(k) for k in keys[:4]], client, gas_limit=3_000_000)
    assert any(m in receipt.error for m in ("signer epoch goes backwards", "signed for epoch 1, but the last header"))
    with pytest.raises(Revert, match="epoch 1's set is stale"):
        chain.view(client, "quorum", 1)
    new_set = [cp.sign(k) for k in keys[2:]]  # v2, v3, v4: 128 of 160
    assert rotated.quorum_reached(cp, new_set)
    assert chain.transact(rotated.keys["keeper"], bridge, "submit_checkpoint", *cp.args(), posted, new_set,
                          client, gas_limit=3_000_000).status
