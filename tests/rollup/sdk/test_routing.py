"""Routing over the costs ``prozchain compare layers`` measures: the route taken is the one
those numbers make cheapest within the user's limits, it is explained, and it is executed."""

from __future__ import annotations

import pytest

from prozchain.rollup.crosslayer.measure import compare
from prozchain.rollup.sdk.client import Platform
from prozchain.rollup.sdk.errors import NoRoute
from prozchain.rollup.sdk.routing import SECURITY, Limits, Router, layer_of


@pytest.fixture(scope="module")
def rows():
    return compare(1)  # the measured table, as the command prints it


@pytest.fixture(scope="module")
def platform():
    platform = Platform.build(1)
    alice, bob = platform.client(0), platform.client(1)
    with platform:  # one block: leaving it stops the layers' agents
        for layer, amount in (("optimistic", 10_000), ("sidechain", 10_000), ("channel", 10_000)):
            alice.wait(alice.deposit(amount, layer))
        bob.wait(bob.deposit(10, "zk"))
        yield platform


def measured(rows, layer: str):
    return next(r for r in rows if layer_of(r) == layer)


def expected(rows, alice, amount: int, limits: Limits, exclude=()) -> str:
    """The cheapest layer within ``limits``, worked out from the table alone (first row per layer)."""
    best = None
    for layer in dict.fromkeys(layer_of(r) for r in rows):
        row = measured(rows, layer)
        if layer in exclude:
            continue
        if layer == "l1":
            gas = row.transfer_gas
        else:
            gas = 0 if alice.balance(layer) >= amount + row.l2_fee else row.deposit_gas
        fits = (limits.max_l1_gas is None or gas <= limits.max_l1_gas) and \
            (limits.max_finality_s is None or row.finality_s <= limits.max_finality_s) and \
            SECURITY[layer] >= limits.min_security
        if fits and (best is None or (gas, row.l2_fee, row.finality_s) < best[0]):
            best = (gas, row.l2_fee, row.finality_s), layer
    return best[1]


def test_the_route_matches_the_measured_costs(rows, platform):
    alice, bob = platform.client(0), platform.client(1)
    router = Router(alice, rows)
    for limits in (Limits(), Limits(max_finality_s=60), Limits(max_finality_s=200, min_security=2),
                   Limits(min_security=3), Limits(min_security=3, max_finality_s=60), Limits(min_security=4)):
        route = router.plan(bob.address, 1_000, limits)
        assert route.layer == expected(rows, alice, 1_000, limits, exclude=("channel",)), (limits, route.reason)
        row = measured(rows, route.layer)
        assert route.row == row and f"final in {row.finality_s} s" in route.reason


def test_the_choices_the_numbers_make(rows, platform):
    alice, bob = platform.client(0), platform.client(1)
    router = Router(alice, rows)
    # funds already on the optimistic rollup and the sidechain: no L1 gas; the window decides
    assert router.plan(bob.address, 1_000, Limits(max_finality_s=60)).layer == "sidechain"
    assert router.plan(bob.address, 1_000, Limits(max_finality_s=200, min_security=2)).layer == "optimistic"
    # validity proofs or L1, soon: L1's finality is too slow, a ZK deposit pays for it
    zk = router.plan(bob.address, 1_000, Limits(min_security=3, max_finality_s=60))
    assert zk.layer == "zk" and zk.deposit_first and zk.l1_gas == measured(rows, "zk").deposit_gas
    assert "its deposit first" in zk.reason and "optimistic: finality 132 s > 60 s and security 2 < 3" in zk.reason
    assert "l1: finality 768 s > 60 s" in zk.reason
    # with time to wait, L1's transfer costs less gas than any deposit
    assert router.plan(bob.address, 1_000, Limits(min_security=3)).layer == "l1"


def test_through_a_channel_when_one_exists(rows, platform):
    alice, hub = platform.client(0), platform.world.hub.address
    route = Router(alice, rows).plan(hub, 1_000, Limits(max_finality_s=1))
    assert route.layer == "channel" and route.l1_gas == 0 and "final in 0 s" in route.reason
    with pytest.raises(NoRoute, match="channel: no open channel to the payee"):
        Router(alice, rows).plan(platform.client(1).address, 1_000, Limits(max_finality_s=1))


def test_executed_and_final(rows, platform):
    alice, bob = platform.client(0), platform.client(1)
    before = bob.balance("zk")
    route, tx = Router(alice, rows).send(bob.address, 1_000, Limits(min_security=3, max_finality_s=60))
    status = alice.wait(tx)
    assert route.layer == "zk" and status.final and bob.balance("zk") == before + 1_000


def test_no_route(rows, platform):
    alice, bob = platform.client(0), platform.client(1)
    with pytest.raises(NoRoute, match=r"no layer meets the limits .*l1: \d+ L1 gas > 0 and finality \d+ s > 1 s"):
        Router(alice, rows).plan(bob.address, 1_000, Limits(max_finality_s=1, max_l1_gas=0))
