"""Routing and HTLC terms: budgets, capacities, fees and locks along the route, learning."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.rollup.channels.errors import PaymentError, RouteError
from prozchain.rollup.channels.agents.htlc import Policy, check_forward, plan
from prozchain.rollup.channels.agents.routing import ChannelGraph, scale_free, send, send_multipart

GRAPHS = {seed: scale_free(120, 2, seed) for seed in range(3)}


@settings(max_examples=40, deadline=None, database=None)
@given(seed=st.sampled_from(sorted(GRAPHS)), src=st.integers(0, 119), dst=st.integers(0, 119),
       amount=st.integers(1, 3_000_000), max_fee=st.integers(0, 20_000), max_lock=st.integers(0, 12_000))
def test_found_routes_respect_capacity_fee_and_lock_budgets(seed, src, dst, amount, max_fee, max_lock):
    graph, _ = GRAPHS[seed]
    try:
        route = graph.find_route(src, dst, amount, 1_000, max_fee, max_lock, final_delta=300)
    except RouteError:
        return
    assert route.nodes[0] == src and route.nodes[-1] == dst and len(set(route.nodes)) == len(route.nodes)
    assert route.fee <= max_fee and route.terms[0][1] - 1_000 <= max_lock and route.terms[-1] == (amount, 1_300)
    for i, edge in enumerate(route.edges):
        data = graph.g.edges[edge]
        assert route.terms[i][0] <= data["capacity"] and data["channel"] == route.channels[i]
        if i:  # the node at the start of edge i was paid its fee and got its delta
            check_forward(route.terms[i - 1], route.terms[i], data["policy"])
            assert route.terms[i - 1][1] - route.terms[i][1] == data["policy"].cltv_delta


def line_graph():
    g = ChannelGraph()
    g.add_channel("s", "x", 10_000, Policy(1, 0, 100))
    g.add_channel("x", "t", 10_000, Policy(1, 0, 100))
    g.add_channel("s", "y", 10_000, Policy(30, 0, 100))
    g.add_channel("y", "t", 10_000, Policy(30, 0, 100))
    return g


def test_cheaper_route_wins_and_failures_route_around_then_fade():
    g = line_graph()
    assert g.find_route("s", "t", 500, 0, 100, 1_000, 50).nodes == ["s", "x", "t"]
    g.node_failed("x", now=0)
    assert g.find_route("s", "t", 500, 10, 100, 1_000, 50).nodes == ["s", "y", "t"]
    later = 20 * g.mission.half_life
    assert g.find_route("s", "t", 500, later, 100, 1_000, 50).nodes == ["s", "x", "t"]


def test_budgets_and_capacities_exclude_routes():
    g = line_graph()
    with pytest.raises(RouteError, match="within fee 0"):
        g.find_route("s", "t", 500, 0, 0, 1_000, 50)
    with pytest.raises(RouteError):
        g.find_route("s", "t", 500, 0, 100, 149, 50)  # 50 + a 100 s delta does not fit 149
    assert g.find_route("s", "t", 500, 0, 100, 150, 50).terms[0] == (501, 150)
    with pytest.raises(RouteError):
        g.find_route("s", "t", 10_001, 0, 10**6, 1_000, 50)
    with pytest.raises(RouteError, match="unknown"):
        g.find_route("s", "nowhere", 1, 0, 1, 1, 1)


def test_plan_and_forwarding_checks():
    terms = plan(10_000, [Policy(0, 0, 0), Policy(10, 500, 60), Policy(2, 100, 30)], now=0, final_delta=40)
    assert terms == [(10_018, 130), (10_003, 70), (10_000, 40)]
    with pytest.raises(PaymentError, match="fee"):
        check_forward((10_017, 130), terms[1], Policy(10, 500, 60))
    with pytest.raises(PaymentError, match="expiry"):
        check_forward((10_018, 129), terms[1], Policy(10, 500, 60))
    with pytest.raises(PaymentError):
        plan(0, [Policy(0, 0, 0)], 0, 1)


def test_payments_learn_from_failures_on_a_scale_free_graph():
    graph, liquidity = scale_free(200, 2, seed=5)
    total = sum(liquidity.values())
    rng = random.Random(5)
    results = [send(graph, liquidity, *rng.sample(range(200), 2), rng.randint(10_000, 200_000), i,
                    20_000, 20_000, 600, attempts=8) for i in range(60)]
    succeeded = [r for r, _ in results if r is not None]
    assert len(succeeded) >= 45 and any(tries > 1 for r, tries in results if r is not None)
    assert sum(liquidity.values()) == total and min(liquidity.values()) >= 0


@settings(max_examples=25, deadline=None, database=None)
@given(seed=st.sampled_from(sorted(GRAPHS)), src=st.integers(0, 119), dst=st.integers(0, 119),
       amount=st.integers(1_000, 5_000_000), max_fee=st.integers(0, 60_000))
def test_multipart_payments_take_all_parts_or_none(seed, src, dst, amount, max_fee):
    graph, liquidity = scale_free(120, 2, seed)  # fresh: send moves liquidity
    before = dict(liquidity)
    routes, used = send_multipart(graph, liquidity, src, dst, amount, 1_000, max_fee, 12_000, 300, attempts=30)
    assert used <= 30 and min(liquidity.values()) >= 0
    if routes is None:
        assert liquidity == before  # parts already placed were undone
        return
    assert sum(r.amount for r in routes) == amount and len(routes) <= 16
    assert sum(r.fee for r in routes) <= max_fee and all(r.amount >= 1_000 or len(routes) == 1 for r in routes)
    for r in routes:
        assert r.nodes[0] == src and r.nodes[-1] == dst and r.terms[0][1] - 1_000 <= 12_000
    moved = {e: before[e] - liquidity[e] for e in before if before[e] != liquidity[e]}
    assert sum(moved.values()) == 0  # liquidity only changed sides
    paid_out = sum(before[(src, v)] - liquidity[(src, v)] for v in graph.g.successors(src))
    assert paid_out == amount + sum(r.fee for r in routes)
