"""Multi-part HTLC payments on the harness: two routes neither of which carries the whole
amount; the payee takes the parts only when all have arrived, otherwise every part fails back."""

from __future__ import annotations

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from prozchain.rollup.channels.htlc import Policy
from prozchain.rollup.channels.routing import ChannelGraph
from prozchain.rollup.channels.world import World
from prozchain.rollup.l1 import keccak256

POLICY = Policy(10, 1_000, 600)
NAMES = ["payer", "x", "y", "payee"]


def diamond(seed: int, y_liquidity: int) -> tuple[World, ChannelGraph]:
    """payer -> x -> payee and payer -> y -> payee, 600k on each side except y's side towards
    the payee, which holds ``y_liquidity``."""
    world, graph = World(seed, NAMES), ChannelGraph()
    for u, v, mine in [("payer", "x", 600_000), ("x", "payee", 600_000), ("payer", "y", 600_000),
                       ("y", "payee", y_liquidity)]:
        graph.add_channel(u, v, mine + 600_000, POLICY, channel=world.open(u, v, mine, 600_000, POLICY))
    return world, graph


def split_and_pay(world: World, graph: ChannelGraph, amount: int, seed: int) -> tuple[list, bytes]:
    first = amount // 2 + seed % 1_000
    parts = []
    for via, part in (("x", first), ("y", amount - first)):
        sub = ChannelGraph()
        for u, v in (("payer", via), (via, "payee")):
            sub.g.add_edge(u, v, **graph.g.edges[u, v])
        parts.append(sub.find_route("payer", "payee", part, world.chain.time, 10_000, 10_000, 1_200))
    preimage = keccak256(f"multipart/{seed}".encode())
    world.sim.scheduler.at(1_000, "pay in two parts", lambda: world.pay_multipart(
        [(r.nodes, r.channels, r.terms) for r in parts], preimage, amount, hid=1))
    world.sim.run(until=120_000)
    return parts, preimage


@settings(max_examples=2, deadline=None, database=None, phases=(Phase.explicit, Phase.generate))
@given(seed=st.integers(0, 2**63), amount=st.integers(700_000, 1_100_000))
def test_all_parts_arrive_and_are_taken(seed, amount):
    world, graph = diamond(seed, 600_000)
    with world.sim:
        before = {n: world.worth(n) for n in NAMES}
        parts, preimage = split_and_pay(world, graph, amount, seed)
        with_fees = sum(r.terms[0][0] for r in parts)
        assert max(r.amount for r in parts) < amount and world.nodes["payer"].preimage(keccak256(preimage))
        after = {n: world.worth(n) for n in NAMES}
        assert after["payer"] == before["payer"] - with_fees and after["payee"] == before["payee"] + amount
        assert after["x"] - before["x"] + after["y"] - before["y"] == with_fees - amount > 0
        assert all(not world.latest(c).htlcs for c in world.channels) and len(world.chain.receipts) == 9


@settings(max_examples=2, deadline=None, database=None, phases=(Phase.explicit, Phase.generate))
@given(seed=st.integers(0, 2**63), amount=st.integers(700_000, 1_100_000))
def test_a_missing_part_fails_every_part_back(seed, amount):
    world, graph = diamond(seed, 1_000)  # y cannot forward its part to the payee
    with world.sim:
        before = {n: world.worth(n, usable=True) for n in NAMES}
        _, preimage = split_and_pay(world, graph, amount, seed)
        assert world.nodes["payee"].preimage(keccak256(preimage)) is None  # never revealed
        assert {n: world.worth(n, usable=True) for n in NAMES} == before  # nothing moved, nothing locked
        assert all(not world.latest(c).htlcs for c in world.channels) and len(world.chain.receipts) == 9
        assert any("multi-part timeout" in line for line in world.sim.scheduler.trace)
