"""Bridged L1 tokens: each L1 token is one canonical sidechain asset; mints happen only for
L1 deposits (checked by every validator, and on an optimistic bridge by a fraud proof against
a checkpoint); a burn of asset X releases X on L1 and never Y."""

from __future__ import annotations

import pytest

from prozchain.rollup.l1 import Key
from prozchain.rollup.sidechain.contracts.modes import DELETED, OPTIMISTIC
from prozchain.rollup.l1.token import Token
from prozchain.rollup.sidechain.errors import InvalidMessage
from prozchain.rollup.sidechain.node.assets import ASSETS_AT, BURN, MINTER, TRANSFER, asset_id, balance, burn_key, mint_tx
from prozchain.rollup.sidechain.node.chain import Block, ChainState
from prozchain.rollup.sidechain.node.checkpoint import Checkpoint, mint_fraud_args
from prozchain.rollup.sidechain.system import Config, build
from prozchain.rollup.vm import L2Tx
from prozchain.rollup.vm.state import addr_int

ALICE, BOB = Key.from_seed(b"asset-alice"), Key.from_seed(b"asset-bob")


@pytest.fixture(scope="module")
def bridged():
    """Alice bridges 100 X and 50 Y, pays Bob 10 X on the sidechain and burns 40 X."""
    system = build(11, Config(window=10), users=[ALICE, BOB])
    chain, bridge, sim = system.chain, system.bridge, system.sim
    x, _ = chain.deploy(ALICE, Token, 1_000)
    y, _ = chain.deploy(ALICE, Token, 1_000)
    for token, amount in ((x, 100), (y, 50)):
        chain.transact(ALICE, token, "approve", bridge, amount)
        assert chain.transact(ALICE, bridge, "deposit_token", token, ALICE.address, amount, gas_limit=300_000).status
    send = [L2Tx(0, ASSETS_AT, 0, (TRANSFER, asset_id(x), addr_int(BOB.address), 10)).sign(ALICE).encode(),
            L2Tx(1, ASSETS_AT, 0, (BURN, asset_id(x), 40)).sign(ALICE).encode()]
    with sim:
        for at, raw in zip((8_000, 12_000), send):
            sim.scheduler.at(at, "alice", lambda raw=raw: [sim.network.send("user", v.name, raw)
                                                         for v in system.validators])
        sim.run(until=30_000)
        yield system, x, y


def test_each_token_is_minted_as_its_own_asset(bridged):
    system, x, y = bridged
    node = system.validators[0].chain
    assert asset_id(x) != asset_id(y)
    assert (balance(node, x, ALICE.address), balance(node, x, BOB.address), balance(node, y, ALICE.address)) \
        == (50, 10, 50)
    assert node.nonce(MINTER) == 2 and system.chain.view(system.bridge, "token_locked", x) == 100


def test_a_burn_of_x_releases_x_once_and_never_y(bridged):
    system, x, y = bridged
    chain, bridge, node = system.chain, system.bridge, system.relayers[0].node
    number = chain.view(bridge, "count")
    world = chain.view(bridge, "checkpoint", number).world
    siblings = list(node.ex.db.prove(world, burn_key(0)).siblings)
    as_y = chain.transact(BOB, bridge, "prove_token_withdrawal", number, 0, y, ALICE.address, 40, siblings,
                          gas_limit=1_000_000)
    assert "token burn 0 is not in checkpoint" in as_y.error
    more = chain.transact(BOB, bridge, "prove_token_withdrawal", number, 0, x, ALICE.address, 400, siblings,
                          gas_limit=1_000_000)
    assert "not in checkpoint" in more.error
    assert chain.transact(BOB, bridge, "prove_token_withdrawal", number, 0, x, ALICE.address, 40, siblings,
                          gas_limit=1_000_000).status  # anyone relays
    before = (chain.view(x, "balance_of", ALICE.address), chain.view(y, "balance_of", ALICE.address))
    chain.advance_time(10)
    wrong = chain.transact(BOB, bridge, "process_token_withdrawal", 0, y, ALICE.address, 40, gas_limit=500_000)
    assert "not proven" in wrong.error
    assert chain.transact(BOB, bridge, "process_token_withdrawal", 0, x, ALICE.address, 40, gas_limit=500_000).status
    after = (chain.view(x, "balance_of", ALICE.address), chain.view(y, "balance_of", ALICE.address))
    assert (after[0] - before[0], after[1] - before[1]) == (40, 0)
    again = chain.transact(BOB, bridge, "process_token_withdrawal", 0, x, ALICE.address, 40, gas_limit=500_000)
    assert "already paid" in again.error
    assert chain.view(bridge, "token_locked", x) == 60 and chain.view(bridge, "token_locked", y) == 50


def test_only_mints_of_l1_deposits_are_valid(bridged):
    system, x, _ = bridged
    v = system.validators[0]
    with pytest.raises(InvalidMessage, match="system account"):
        v.mempool.add(mint_tx(2, asset_id(x), ALICE.address, 10**6))
    time = v.chain.head.time + 1
    forged = v.chain.build(v.key.address, time, [mint_tx(2, asset_id(x), ALICE.address, 10**6)], epoch=v.epoch)
    assert v.h == forged.height and not v._check(forged)  # no third token deposit on L1
    inflated = v.chain.build(v.key.address, time, [mint_tx(1, asset_id(x), ALICE.address, 50)], epoch=v.epoch)
    assert not v._check(inflated)  # deposit 1 was 50 of Y, not of X (and it is minted already)
    assert v._check(v.chain.build(v.key.address, time, [], epoch=v.epoch))


def _checkpoint(system, state: ChainState, txs: list[bytes]) -> tuple[int, Block]:
    """A block of ``txs`` on ``state``, checkpointed on L1 with the bond (as a bonded relayer does)."""
    chain, bridge = system.chain, system.bridge
    block = state.build(ALICE.address, state.head.time + 1, txs, epoch=state.head.epoch)
    state.commit(block)
    number = chain.view(bridge, "count") + 1
    cp = Checkpoint.cover(number, [block.header], block.header.epoch)
    assert chain.transact(system.keys["relayer"], bridge, "submit_checkpoint", *cp.args(), [block.header.encode()],
                          [], bridge, value=system.config.bond, gas_limit=3_000_000).status
    return number, block


def test_an_optimistic_bridge_takes_tokens_after_its_window_and_a_forged_mint_pays_nothing():
    system = build(1, Config(mode=OPTIMISTIC, window=10), users=[ALICE, BOB])
    chain, bridge, carol = system.chain, system.bridge, system.keys["keeper"]
    x, _ = chain.deploy(ALICE, Token, 1_000)
    chain.transact(ALICE, x, "approve", bridge, 100)
    assert chain.transact(ALICE, bridge, "deposit_token", x, ALICE.address, 100, gas_limit=300_000).status
    state = ChainState(system.genesis)
    burn = L2Tx(0, ASSETS_AT, 0, (BURN, asset_id(x), 40)).sign(ALICE).encode()
    honest, block = _checkpoint(system, state, [mint_tx(0, asset_id(x), ALICE.address, 100), burn])
    siblings = list(state.ex.db.prove(state.world, burn_key(0)).siblings)
    assert chain.transact(BOB, bridge, "prove_token_withdrawal", honest, 0, x, ALICE.address, 40, siblings,
                          gas_limit=1_000_000).status
    early = chain.transact(BOB, bridge, "process_token_withdrawal", 0, x, ALICE.address, 40, gas_limit=500_000)
    assert "not proven against a confirmed root" in early.error  # inside the window
    no_fraud = chain.transact(carol, bridge, "challenge_mint",
                              *mint_fraud_args(honest, [block.header], 0, block, 0), gas_limit=1_000_000)
    assert "no fraud" in no_fraud.error
    chain.advance_time(10)
    before = chain.view(x, "balance_of", ALICE.address)
    assert chain.transact(BOB, bridge, "process_token_withdrawal", 0, x, ALICE.address, 40, gas_limit=500_000).status
    assert chain.view(x, "balance_of", ALICE.address) == before + 40 and chain.view(bridge, "token_locked", x) == 60

    # A quorum mints 500 X that L1 never locked, and Bob burns them to exit with the escrow.
    forged_burn = L2Tx(0, ASSETS_AT, 0, (BURN, asset_id(x), 500)).sign(BOB).encode()
    forged, block = _checkpoint(system, state, [mint_tx(1, asset_id(x), BOB.address, 500), forged_burn])
    siblings = list(state.ex.db.prove(state.world, burn_key(1)).siblings)
    assert chain.transact(BOB, bridge, "prove_token_withdrawal", forged, 1, x, BOB.address, 500, siblings,
                          gas_limit=1_000_000).status  # its world does hold the burn: re-execution agrees
    assert "no fraud" in chain.transact(carol, bridge, "challenge_mint",
                                        *mint_fraud_args(forged, [block.header], 0, block, 1),
                                        gas_limit=1_000_000).error  # the burn is not a mint
    assert chain.transact(carol, bridge, "challenge_mint", *mint_fraud_args(forged, [block.header], 0, block, 0),
                          gas_limit=1_000_000).status
    assert chain.view(bridge, "checkpoint", forged).status == DELETED
    assert chain.logs(bridge, "FraudProven")[-1][1].args == (forged, 0, carol.address)  # half the bond to Carol
    chain.advance_time(10)
    exit_ = chain.transact(BOB, bridge, "process_token_withdrawal", 1, x, BOB.address, 500, gas_limit=500_000)
    assert "not proven against a confirmed root" in exit_.error
    assert chain.view(bridge, "token_locked", x) == 60 and chain.view(x, "balance_of", BOB.address) == 0


def test_the_watcher_challenges_a_checkpoint_whose_block_mints_what_l1_never_locked():
    system = build(2, Config(mode=OPTIMISTIC, window=10), users=[ALICE, BOB])
    chain, bridge, sim = system.chain, system.bridge, system.sim
    x, _ = chain.deploy(ALICE, Token, 1_000)
    watcher = system.relayers[0]
    with sim:
        sim.run(until=sim.scheduler.now)  # boot the agents
        # The quorum finalizes a block minting 500 X with no deposit behind them; the watcher follows it.
        number, _ = _checkpoint(system, watcher.node, [mint_tx(0, asset_id(x), BOB.address, 500)])
        watcher._watch()
        chain.mine()
    assert chain.view(bridge, "checkpoint", number).status == DELETED
    assert chain.logs(bridge, "FraudProven")[-1][1].args == (number, 0, watcher.key.address)
