"""Bridged L1 tokens: each L1 token is one canonical sidechain asset; mints happen only for
L1 deposits (checked by every validator); a burn of asset X releases X on L1 and never Y."""

from __future__ import annotations

import pytest

from prozchain.rollup.l1 import Key
from prozchain.rollup.sidechain.contracts.modes import OPTIMISTIC
from prozchain.rollup.l1.token import Token
from prozchain.rollup.sidechain.errors import InvalidMessage
from prozchain.rollup.sidechain.node.assets import ASSETS_AT, BURN, MINTER, TRANSFER, asset_id, balance, burn_key, mint_tx
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


def test_an_optimistic_bridge_refuses_tokens():
    system = build(1, Config(mode=OPTIMISTIC))
    chain = system.chain
    token, _ = chain.deploy(system.keys["deployer"], Token, 10)
    chain.transact(system.keys["deployer"], token, "approve", system.bridge, 10)
    receipt = chain.transact(system.keys["deployer"], system.bridge, "deposit_token", token,
                             ALICE.address, 10, gas_limit=300_000)
    assert "takes only ether" in receipt.error
