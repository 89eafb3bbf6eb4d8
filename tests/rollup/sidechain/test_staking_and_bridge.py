"""The L1 side: staking epochs, slashing for double signing, the light client's floor and
the bridge's lock/release, all as transactions on the reference L1."""

from __future__ import annotations

import pytest

from rollup.l1 import Chain, Key
from rollup.l1.errors import Revert
from rollup.sidechain.bridge.contracts import ALL_CHECKS, CHECK_THRESHOLD, THRESHOLD, LightClient
from rollup.sidechain.messages import PRECOMMIT, Vote
from rollup.sidechain.staking import BURN, Staking
from rollup.sidechain.system import ETHER

KEYS = [Key.from_seed(f"st-{i}".encode()) for i in range(5)]


def _staking(chain: Chain, **changes) -> str:
    args = dict(epoch_length=100, unbonding_delay=1_000, evidence_window=500, min_bond=ETHER,
                slash_bps=5_000, reward_bps=2_000)
    args.update(changes)
    address, _ = chain.deploy(KEYS[0], Staking, *args.values())
    return address


@pytest.fixture
def chain() -> Chain:
    return Chain({k.address: 1_000 * ETHER for k in KEYS})


def test_unbonding_must_outlast_the_evidence_window(chain):
    with pytest.raises(Revert, match="outlast the evidence window"):
        _staking(chain, unbonding_delay=550)


def test_sets_change_at_epoch_boundaries_and_double_signing_is_slashed(chain):
    staking = _staking(chain)
    for key, amount in ((KEYS[1], 10), (KEYS[2], 30)):
        assert chain.transact(key, staking, "bond", value=amount * ETHER, gas_limit=300_000).status
    assert chain.view(staking, "validators", 0) == ([], [])
    assert not chain.transact(KEYS[0], staking, "advance_epoch", gas_limit=2_000_000).status  # too early
    chain.advance_time(100)
    chain.transact(KEYS[0], staking, "advance_epoch", gas_limit=2_000_000)
    assert chain.view(staking, "validators", 1) == ([KEYS[1].address, KEYS[2].address], [10 * ETHER, 30 * ETHER])
    chain.transact(KEYS[2], staking, "unbond")
    chain.advance_time(100)
    chain.transact(KEYS[0], staking, "advance_epoch", gas_limit=2_000_000)
    assert chain.view(staking, "validators", 2) == ([KEYS[1].address], [10 * ETHER])
    # The unbonding validator equivocated in epoch 1: still slashable, its stake still there.
    a = Vote.make(KEYS[2], 1, 7, 0, PRECOMMIT, b"\x01" * 32).encode()
    b = Vote.make(KEYS[2], 1, 7, 0, PRECOMMIT, b"\x02" * 32).encode()
    assert not chain.transact(KEYS[2], staking, "withdraw_stake").status
    reporter = chain.state.balance(KEYS[3].address)
    receipt = chain.transact(KEYS[3], staking, "report", a, b, gas_limit=400_000)
    assert receipt.status and receipt.return_value == 15 * ETHER
    assert chain.state.balance(KEYS[3].address) - reporter + receipt.fee == 3 * ETHER
    assert chain.state.balance(BURN) == 12 * ETHER
    bond, _, jailed = chain.view(staking, "stake", KEYS[2].address)
    assert bond == 15 * ETHER and jailed == 1
    again = chain.transact(KEYS[3], staking, "report", a, b, gas_limit=400_000)
    assert not again.status and "already slashed" in again.error
    bogus = chain.transact(KEYS[3], staking, "report", a, a, gas_limit=400_000)
    assert "do not conflict" in bogus.error


def test_old_evidence_is_refused(chain):
    staking = _staking(chain)
    chain.transact(KEYS[1], staking, "bond", value=2 * ETHER, gas_limit=300_000)
    chain.advance_time(100)
    chain.transact(KEYS[0], staking, "advance_epoch", gas_limit=2_000_000)
    chain.advance_time(501)
    a = Vote.make(KEYS[1], 1, 1, 0, PRECOMMIT, None).encode()
    b = Vote.make(KEYS[1], 1, 1, 0, PRECOMMIT, b"\x02" * 32).encode()
    assert "older than the evidence window" in chain.transact(KEYS[3], staking, "report", a, b, gas_limit=400_000).error


def test_the_light_client_refuses_too_few_keys_unless_the_floor_is_off(chain):
    signers = [k.address for k in KEYS[:4]]
    with pytest.raises(Revert, match="too few"):
        chain.deploy(KEYS[0], LightClient, THRESHOLD, KEYS[0].address, signers, 2, 4, ALL_CHECKS, gas_limit=3_000_000)
    with pytest.raises(Revert, match="too few"):
        chain.deploy(KEYS[0], LightClient, THRESHOLD, KEYS[0].address, signers[:3], 3, 4, ALL_CHECKS,
                     gas_limit=3_000_000)
    client, _ = chain.deploy(KEYS[0], LightClient, THRESHOLD, KEYS[0].address, signers, 2, 4,
                             ALL_CHECKS & ~CHECK_THRESHOLD, gas_limit=3_000_000)
    assert chain.view(client, "quorum", 0) == 2


def test_light_client_counts_members_once_and_rotates_with_a_quorum(chain):
    signers = [k.address for k in KEYS[:4]]
    client, _ = chain.deploy(KEYS[0], LightClient, THRESHOLD, KEYS[0].address, signers, 3, 4, ALL_CHECKS,
                             gas_limit=3_000_000)
    digest = b"\x07" * 32
    from rollup.sidechain.messages import signature_bytes
    sig = [signature_bytes(k.sign(digest)) for k in KEYS]
    assert chain.view(client, "verify", digest, 0, [sig[0], sig[0], sig[4]]) == 1
    new = [k.address for k in KEYS[1:5]]
    from rollup.vm.merkle import keccak
    rotate = keccak(b"prozchain-bridge-signers" + b"".join(bytes.fromhex(s[2:]) for s in new)
                    + (3).to_bytes(32, "big") + (1).to_bytes(32, "big"))
    few = [signature_bytes(k.sign(rotate)) for k in KEYS[:2]]
    assert not chain.transact(KEYS[0], client, "set_signers", new, 3, few, gas_limit=2_000_000).status
    enough = [signature_bytes(k.sign(rotate)) for k in KEYS[:3]]
    assert chain.transact(KEYS[0], client, "set_signers", new, 3, enough, gas_limit=2_000_000).status
    assert chain.view(client, "verify", digest, 0, sig) == 4 and chain.view(client, "verify", digest, 0, [sig[0]]) == 0
