"""The L1 side: staking epochs, slashing for double signing, the light client's floor and
the bridge's lock/release, all as transactions on the reference L1."""

from __future__ import annotations

from dataclasses import replace

import pytest

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.economics.bonds import BondLedger, bonds, conserved, history
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1.errors import Revert
from prozchain.rollup.sidechain.contracts.bridge import Bridge
from prozchain.rollup.sidechain.contracts.light_client import LightClient
from prozchain.rollup.sidechain.contracts.modes import ALL_CHECKS, CHECK_THRESHOLD, DELETED, OPTIMISTIC, STAKING, THRESHOLD, ZK
from prozchain.rollup.sidechain.contracts.staking import BURN, Staking
from prozchain.rollup.sidechain.contracts.verifiers import VERIFIERS
from prozchain.rollup.sidechain.node.chain import ChainState
from prozchain.rollup.sidechain.node.checkpoint import Checkpoint, fraud_proof, transfer_digest
from prozchain.rollup.sidechain.node.messages import PRECOMMIT, SignedProposal, Vote, signature_bytes
from prozchain.rollup.sidechain.system import Config, build

KEYS = [Key.from_seed(f"st-{i}".encode()) for i in range(5)]


def _staking(chain: Chain, **changes) -> str:
    args = dict(epoch_length=100, unbonding_delay=1_000, evidence_window=500, min_bond=ETHER,
                slash_bps=5_000, reward_bps=2_000)
    args.update(changes)
    address, _ = chain.deploy(KEYS[0], Staking, *args.values())
    ledger, _ = chain.deploy(KEYS[0], BondLedger)
    chain.transact(KEYS[0], address, "link_ledger", ledger)
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


def test_stakes_are_entries_of_the_bond_ledger(chain):
    """Bonding locks (then adds to) one "stake" entry; slashing and withdrawing end it with reasons."""
    staking = _staking(chain)
    ledger = chain.view(staking, "bond_ledger")
    for key, amount in ((KEYS[1], 2), (KEYS[1], 1), (KEYS[2], 4)):
        assert chain.transact(key, staking, "bond", value=amount * ETHER, gas_limit=300_000).status
    assert chain.state.balance(staking) == 0 and chain.state.balance(ledger) == 7 * ETHER
    assert [(b.owner, b.kind, b.amount) for b in bonds(chain, ledger)] == [
        (KEYS[1].address, "stake", 3 * ETHER), (KEYS[2].address, "stake", 4 * ETHER)]
    chain.advance_time(100)
    chain.transact(KEYS[0], staking, "advance_epoch", gas_limit=2_000_000)
    a = Vote.make(KEYS[2], 1, 3, 0, PRECOMMIT, b"\x01" * 32).encode()
    b = Vote.make(KEYS[2], 1, 3, 0, PRECOMMIT, b"\x02" * 32).encode()
    assert chain.transact(KEYS[3], staking, "report", a, b, gas_limit=400_000).return_value == 2 * ETHER
    for key in KEYS[1:3]:
        chain.transact(key, staking, "unbond")
    chain.advance_time(1_000)
    before = chain.state.balance(KEYS[1].address)
    receipt = chain.transact(KEYS[1], staking, "withdraw_stake", gas_limit=200_000)
    assert receipt.return_value == 3 * ETHER
    assert chain.state.balance(KEYS[1].address) == before + 3 * ETHER - receipt.fee
    assert chain.transact(KEYS[2], staking, "withdraw_stake", gas_limit=200_000).return_value == 2 * ETHER
    assert [(e.action, e.amount, e.reason) for e in history(chain, ledger) if e.action != "lock"] == [
        ("add", ETHER, "validator stake added"),
        ("slash", 2 * ETHER // 5, "double sign: the reporter's reward"),
        ("slash", 8 * ETHER // 5, "double sign: burnt"),
        ("release", 3 * ETHER, "unbonded: the delay has passed"),
        ("release", 2 * ETHER, "unbonded: the delay has passed")]
    assert conserved(chain, ledger) and chain.view(ledger, "totals").held == 0


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


def test_each_security_model_has_one_verifier_and_no_other_is_deployed(chain):
    assert sorted(VERIFIERS) == [THRESHOLD, STAKING, OPTIMISTIC, ZK]
    with pytest.raises(Revert, match="unknown security model 9"):
        chain.deploy(KEYS[0], Bridge, 9, KEYS[0].address, KEYS[0].address, b"\x01" * 32, 60, ETHER, ALL_CHECKS)


def test_light_client_counts_members_once_and_rotates_with_a_quorum(chain):
    signers = [k.address for k in KEYS[:4]]
    client, _ = chain.deploy(KEYS[0], LightClient, THRESHOLD, KEYS[0].address, signers, 3, 4, ALL_CHECKS,
                             gas_limit=3_000_000)
    digest = b"\x07" * 32
    sig = [signature_bytes(k.sign(digest)) for k in KEYS]
    assert chain.view(client, "verify", digest, 0, [sig[0], sig[0], sig[4]]) == 1
    new = [k.address for k in KEYS[1:5]]
    from prozchain.rollup.vm.merkle import keccak
    rotate = keccak(b"prozchain-bridge-signers" + b"".join(bytes.fromhex(s[2:]) for s in new)
                    + (3).to_bytes(32, "big") + (1).to_bytes(32, "big"))
    few = [signature_bytes(k.sign(rotate)) for k in KEYS[:2]]
    assert not chain.transact(KEYS[0], client, "set_signers", new, 3, few, gas_limit=2_000_000).status
    enough = [signature_bytes(k.sign(rotate)) for k in KEYS[:3]]
    assert chain.transact(KEYS[0], client, "set_signers", new, 3, enough, gas_limit=2_000_000).status
    assert chain.view(client, "verify", digest, 0, sig) == 4 and chain.view(client, "verify", digest, 0, [sig[0]]) == 0


def test_a_fraud_proof_against_a_staked_checkpoint_slashes_every_signer_once():
    system = build(1, Config(mode=STAKING, window=30))
    chain, bridge, keeper = system.chain, system.bridge, system.keys["keeper"]
    node = ChainState(system.genesis)
    for t in (1, 2):
        node.commit(node.build(system.validator_keys[0].address, t))
    forged = [node.headers[1], replace(node.headers[2], world=b"\x05" * 32)]  # block 2 claims a made-up world
    cp = Checkpoint.cover(1, forged, 1)
    bribed = system.validator_keys[1:]  # 3 of 4 equal stakes: above 2/3
    sigs = [cp.sign(k) for k in bribed]
    headers = [h.encode() for h in forged]
    no_headers = chain.transact(keeper, bridge, "submit_checkpoint", *cp.args(), [], sigs, system.client,
                                gas_limit=3_000_000)
    assert "posts its headers" in no_headers.error
    assert chain.transact(keeper, bridge, "submit_checkpoint", *cp.args(), headers, sigs, system.client,
                          gas_limit=3_000_000).status
    early = chain.transact(keeper, bridge, "slash_signers", cp.digest, sigs, gas_limit=1_000_000)
    assert "not proven fraudulent" in early.error
    honest = fraud_proof(1, node.headers[1:3], 1, node.blocks[2], node.headers[1].world, node)
    assert "header 1 is not in checkpoint" in chain.transact(keeper, bridge, "challenge", *honest.args(),
                                                             gas_limit=25_000_000).error
    proof = fraud_proof(1, forged, 1, node.blocks[2], forged[0].world, node)
    assert chain.transact(keeper, bridge, "challenge", *proof.args(), gas_limit=25_000_000).status
    assert chain.view(bridge, "checkpoint", 1).status == DELETED and chain.view(bridge, "slashable", cp.digest)
    partial = chain.transact(keeper, bridge, "slash_signers", cp.digest, sigs[:2], gas_limit=1_000_000)
    assert "not the checkpoint's signatures" in partial.error
    slash = chain.transact(keeper, bridge, "slash_signers", cp.digest, sigs, gas_limit=1_000_000)
    assert slash.status and slash.return_value == 3
    for key in bribed:
        assert chain.view(system.staking, "stake", key.address) == (0, 0, 1)  # bond gone, jailed
    assert chain.view(system.staking, "stake", system.validator_keys[0].address) == (32 * ETHER, 0, 0)
    assert "already slashed" in chain.transact(keeper, bridge, "slash_signers", cp.digest, sigs,
                                               gas_limit=1_000_000).error


def test_m_of_n_keys_release_one_transfer_once():
    system = build(2, Config(mode=THRESHOLD, threshold=3))
    chain, bridge, keys = system.chain, system.bridge, system.validator_keys
    alice, relayer = Key.from_seed(b"transfer-alice"), system.keys["relayer"]
    chain.transact(system.keys["deployer"], bridge, "deposit", alice.address, value=5 * ETHER, gas_limit=200_000)
    digest = transfer_digest(bridge, 0, alice.address, 2 * ETHER)
    sigs = [signature_bytes(k.sign(digest)) for k in keys[:3]]

    def release(index, amount, signatures, to=alice.address):
        return chain.transact(relayer, bridge, "release_transfer", index, to, amount, signatures, gas_limit=500_000)
    assert "below the quorum" in release(0, 2 * ETHER, sigs[:2]).error  # m - 1 keys
    assert "below the quorum" in release(0, 2 * ETHER, [sigs[0]] * 3).error  # one key thrice
    assert "below the quorum" in release(0, 3 * ETHER, sigs).error  # the signed amount, not another
    assert "below the quorum" in release(0, 2 * ETHER, sigs, to=relayer.address).error
    other = transfer_digest(system.staking, 0, alice.address, 2 * ETHER)  # signed for another bridge
    assert "below the quorum" in release(0, 2 * ETHER, [signature_bytes(k.sign(other)) for k in keys[:3]]).error
    assert release(0, 2 * ETHER, sigs).status and chain.state.balance(alice.address) == 2 * ETHER
    assert "withdrawal 0 was already paid" in release(0, 2 * ETHER, sigs).error  # replay
    staking = build(2, Config())
    assert "only a THRESHOLD bridge" in staking.chain.transact(
        staking.keys["relayer"], staking.bridge, "release_transfer", 0, alice.address, 1, sigs, gas_limit=500_000).error


def test_conflicting_proposals_are_slashed(chain):
    staking = _staking(chain)
    chain.transact(KEYS[1], staking, "bond", value=2 * ETHER, gas_limit=300_000)
    chain.advance_time(100)
    chain.transact(KEYS[0], staking, "advance_epoch", gas_limit=2_000_000)

    def signed(key, block_hash, round_=0):
        unsigned = SignedProposal(1, 9, round_, -1, block_hash)
        return replace(unsigned, signature=key.sign(unsigned.digest)).encode()
    a, b = signed(KEYS[1], b"\x01" * 32), signed(KEYS[1], b"\x02" * 32)
    assert "different heights" in chain.transact(KEYS[3], staking, "report_proposals", a,
                                                 signed(KEYS[1], b"\x02" * 32, 1), gas_limit=400_000).error
    assert "was not a validator" in chain.transact(KEYS[3], staking, "report_proposals", signed(KEYS[2], b"\x01" * 32),
                                                   signed(KEYS[2], b"\x02" * 32), gas_limit=400_000).error
    receipt = chain.transact(KEYS[3], staking, "report_proposals", a, b, gas_limit=400_000)
    assert receipt.status and receipt.return_value == ETHER
    assert chain.view(staking, "stake", KEYS[1].address) == (ETHER, 0, 1)
    (log,) = [log for _, log in chain.logs(staking, "Slashed")]
    assert log.args[3] == "conflicting proposals"
