"""Multi-part HTLC payments on the harness: two routes neither of which carries the whole
amount; the payee takes the parts only when all have arrived, otherwise every part fails back."""

from __future__ import annotations

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from prozchain.rollup.channels.agents.htlc import Policy
from prozchain.rollup.channels.agents.payments import pay_multipart
from prozchain.rollup.channels.agents.routing import ChannelGraph
from prozchain.rollup.channels.system import System
from prozchain.rollup.l1 import keccak256

POLICY = Policy(10, 1_000, 600)
NAMES = ["payer", "x", "y", "payee"]


def diamond(seed: int, y_liquidity: int) -> tuple[System, ChannelGraph]:
    """payer -> x -> payee and payer -> y -> payee, 600k on each side except y's side towards
    the payee, which holds ``y_liquidity``."""
    system, graph = System(seed, NAMES), ChannelGraph()
    for u, v, mine in [("payer", "x", 600_000), ("x", "payee", 600_000), ("payer", "y", 600_000),
                       ("y", "payee", y_liquidity)]:
        graph.add_channel(u, v, mine + 600_000, POLICY, channel=system.open(u, v, mine, 600_000, POLICY))
    return system, graph


def split_and_pay(system: System, graph: ChannelGraph, amount: int, seed: int) -> tuple[list, bytes]:
    first = amount // 2 + seed % 1_000
    parts = []
    for via, part in (("x", first), ("y", amount - first)):
        sub = ChannelGraph()
        for u, v in (("payer", via), (via, "payee")):
            sub.g.add_edge(u, v, **graph.g.edges[u, v])
        parts.append(sub.find_route("payer", "payee", part, system.chain.time, 10_000, 10_000, 1_200))
    preimage = keccak256(f"multipart/{seed}".encode())
    system.sim.scheduler.at(1_000, "pay in two parts", lambda: pay_multipart(
        system.nodes, [(r.nodes, r.channels, r.terms) for r in parts], preimage, amount, hid=1))
    system.sim.run(until=120_000)
    return parts, preimage


@settings(max_examples=2, deadline=None, database=None, phases=(Phase.explicit, Phase.generate))
@given(seed=st.integers(0, 2**63), amount=st.integers(700_000, 1_100_000))
def test_all_parts_arrive_and_are_taken(seed, amount):
    system, graph = diamond(seed, 600_000)
    with system.sim:
        before = {n: system.worth(n) for n in NAMES}
        parts, preimage = split_and_pay(system, graph, amount, seed)
        with_fees = sum(r.terms[0][0] for r in parts)
        assert max(r.amount for r in parts) < amount and system.nodes["payer"].preimage(keccak256(preimage))
        after = {n: system.worth(n) for n in NAMES}
        assert after["payer"] == before["payer"] - with_fees and after["payee"] == before["payee"] + amount
        assert after["x"] - before["x"] + after["y"] - before["y"] == with_fees - amount > 0
        assert all(not system.latest(c).htlcs for c in system.channels) and len(system.chain.receipts) == 10


@settings(max_examples=2, deadline=None, database=None, phases=(Phase.explicit, Phase.generate))
@given(seed=st.integers(0, 2**63), amount=st.integers(700_000, 1_100_000))
def test_a_missing_part_fails_every_part_back(seed, amount):
    system, graph = diamond(seed, 1_000)  # y cannot forward its part to the payee
    with system.sim:
        before = {n: system.worth(n, usable=True) for n in NAMES}
        _, preimage = split_and_pay(system, graph, amount, seed)
        assert system.nodes["payee"].preimage(keccak256(preimage)) is None  # never revealed
        assert {n: system.worth(n, usable=True) for n in NAMES} == before  # nothing moved, nothing locked
        assert all(not system.latest(c).htlcs for c in system.channels) and len(system.chain.receipts) == 10
        assert any("multi-part timeout" in line for line in system.sim.scheduler.trace)
