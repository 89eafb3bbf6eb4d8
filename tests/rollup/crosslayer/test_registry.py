"""The asset registry on L1: a route registered once, a representation serving one route,
escrow per (token, layer), and the broken registry of the ``defense=off`` control."""

from __future__ import annotations

import pytest

from prozchain.rollup.crosslayer.contracts import CHANNEL, OPTIMISTIC, ZK, AssetRegistry, RogueLayer
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1.token import Token

OWNER, ALICE, MALLORY = (Key.from_seed(s) for s in (b"reg-owner", b"reg-alice", b"reg-mallory"))


def world(checks_routes: bool = True):
    chain = Chain({k.address: 10**20 for k in (OWNER, ALICE, MALLORY)})
    token, _ = chain.deploy(OWNER, Token, 10**9)
    chain.transact(OWNER, token, "transfer", ALICE.address, 10**6)
    registry, _ = chain.deploy(OWNER, AssetRegistry, checks_routes)
    honest, _ = chain.deploy(MALLORY, RogueLayer, registry)  # stands for a layer contract
    rogue, _ = chain.deploy(MALLORY, RogueLayer, registry)
    for layer, kind, rep in ((1, OPTIMISTIC, honest), (2, OPTIMISTIC, rogue)):
        assert chain.transact(OWNER, registry, "add_layer", layer, kind).status
        assert chain.transact(OWNER, registry, "register", token, layer, rep, gas_limit=300_000).status
    return chain, token, registry, honest, rogue


def test_a_route_is_registered_once_and_a_representation_serves_one_route():
    chain, token, registry, honest, rogue = world()
    again = chain.transact(OWNER, registry, "register", token, 1, rogue)
    assert "registered on layer 1 already" in again.error
    chain.transact(OWNER, registry, "add_layer", 3, CHANNEL)
    assert "already represents another route" in chain.transact(OWNER, registry, "register", token, 3, honest).error
    assert "only the registry's owner" in chain.transact(MALLORY, registry, "add_layer", 4, ZK).error
    assert chain.view(registry, "canonical", token, 1) == honest
    assert chain.view(registry, "route_of", rogue) == (token, 2)


@pytest.mark.parametrize("layer, to, says", [(7, [1], "has no representation on layer 7"),
                                             (1, [1, 2], "names 1 recipient words")])
def test_a_deposit_on_a_wrong_route_moves_nothing(layer, to, says):
    chain, token, registry, _, _ = world()
    chain.transact(ALICE, token, "approve", registry, 100)
    receipt = chain.transact(ALICE, registry, "deposit", token, layer, 100, to, gas_limit=1_000_000)
    assert says in receipt.error
    assert chain.view(token, "balance_of", registry) == 0 and chain.view(token, "balance_of", ALICE.address) == 10**6


def test_one_route_cannot_drain_another():
    chain, token, registry, honest, rogue = world()
    chain.transact(OWNER, token, "transfer", registry, 500)  # what route 1 escrowed, by hand
    assert "above the escrow 0" in chain.transact(MALLORY, rogue, "drain", 500, gas_limit=500_000).error
    stranger, _ = chain.deploy(MALLORY, RogueLayer, registry)
    assert "not the canonical representation" in chain.transact(MALLORY, stranger, "drain", 1, gas_limit=500_000).error
    assert chain.view(token, "balance_of", registry) == 500


def test_without_per_route_escrow_a_rogue_route_drains_the_pool():
    chain, token, registry, _, rogue = world(checks_routes=False)
    chain.transact(OWNER, token, "transfer", registry, 500)
    assert chain.transact(MALLORY, rogue, "drain", 500, gas_limit=500_000).status
    assert chain.view(token, "balance_of", MALLORY.address) == 500
