"""Routing: a channel graph, the cheapest reliable route under fee and timelock budgets, and
learning from failed attempts.

The graph is a :class:`networkx.DiGraph`; edge ``u -> v`` is u's side of a channel with its
``capacity`` (the channel's total: how much of it sits on u's side is unknown to a sender),
``policy`` (fees and CLTV delta) and ``channel`` id. The search runs backward from the payee,
so each edge knows the exact amount and lock it would carry. An edge's cost is

    fee it adds  +  attempt_cost * -ln P(edge can carry the amount)  +  amount * lock * TIME_RISK

with P from a uniform prior on the unknown liquidity, ``(bound + 1 - x) / (capacity + 1)``, where
``bound`` is the capacity, lowered by :class:`Mission` after a failure and relaxing back to the
capacity with a half-life. Summed over a route, ``-ln P`` is minus the log of the route's success
probability, so the route minimises fees plus a price on the chance of failing. Routes over
budget (total fee, total lock) or over capacity are never returned.

>>> g = ChannelGraph()
>>> for u, v, base in [("a", "b", 1), ("b", "d", 1), ("a", "c", 1), ("c", "d", 50)]:
...     _ = g.add_channel(u, v, capacity=10_000, policy=Policy(base, 0, 40))
>>> route = g.find_route("a", "d", 100, now=0, max_fee=10, max_lock=500, final_delta=50)
>>> route.nodes, route.fee, route.terms
(['a', 'b', 'd'], 1, [(101, 90), (100, 50)])
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from typing import Hashable, Optional

import networkx as nx

from prozchain.rollup.channels.errors import RouteError
from prozchain.rollup.channels.agents.htlc import Policy, plan

TIME_RISK = 1e-9
Edge = tuple[Hashable, Hashable]


@dataclass
class Route:
    """Nodes from payer to payee, their channels, and ``(amount, expiry)`` per channel."""

    nodes: list
    channels: list[int]
    terms: list[tuple[int, int]]
    amount: int

    @property
    def edges(self) -> list[Edge]:
        return list(zip(self.nodes, self.nodes[1:]))

    @property
    def fee(self) -> int:
        return self.terms[0][0] - self.amount


@dataclass
class Mission:
    """What past attempts taught: per edge, the amount that failed and when (seconds)."""

    half_life: int = 3_600
    failures: dict[Edge, tuple[int, int]] = field(default_factory=dict)

    def failed(self, edge: Edge, amount: int, now: int) -> None:
        known = self.failures.get(edge)
        self.failures[edge] = (min(amount, known[0]) if known else amount, now)

    def succeeded(self, edge: Edge, amount: int) -> None:
        known = self.failures.get(edge)
        if known and amount >= known[0]:
            del self.failures[edge]

    def bound(self, edge: Edge, capacity: int, now: int) -> float:
        """The most the edge is believed to carry now."""
        if edge not in self.failures:
            return capacity
        amount, when = self.failures[edge]
        weight = 0.5 ** (max(0, now - when) / self.half_life)
        return capacity - weight * (capacity - (amount - 1))


class ChannelGraph:
    """The public channel graph a sender routes over, plus its :class:`Mission` memory."""

    def __init__(self, mission: Optional[Mission] = None) -> None:
        self.g = nx.DiGraph()
        self.mission = mission or Mission()
        self._next_channel = 0

    def add_channel(self, u: Hashable, v: Hashable, capacity: int, policy: Policy,
                    back_policy: Optional[Policy] = None, channel: Optional[int] = None) -> int:
        """Announce a channel ``u``-``v`` (both directions; ``back_policy`` is v's, default the same)."""
        if channel is None:
            self._next_channel += 1
            channel = self._next_channel
        self.g.add_edge(u, v, capacity=capacity, policy=policy, channel=channel)
        self.g.add_edge(v, u, capacity=capacity, policy=back_policy or policy, channel=channel)
        return channel

    def find_route(self, src: Hashable, dst: Hashable, amount: int, now: int, max_fee: int,
                   max_lock: int, final_delta: int, attempt_cost: Optional[int] = None) -> Route:
        """The cheapest reliable route; :class:`RouteError` if none fits the budgets.

        ``max_lock`` bounds the first hop's lock (seconds from ``now``), ``max_fee`` the total fee.
        """
        if src == dst or src not in self.g or dst not in self.g:
            raise RouteError(f"no route from {src!r} to {dst!r}: unknown or identical nodes")
        if final_delta > max_lock:
            raise RouteError(f"the final delta {final_delta} alone exceeds the lock budget {max_lock}")
        mu = attempt_cost if attempt_cost is not None else 10 + amount // 100
        # labels: node -> (cost, amount into node's outgoing hop, lock of that hop, next node)
        best: dict = {dst: (0.0, amount, final_delta, None)}
        heap = [(0.0, 0, dst)]
        settled, tie = set(), 1
        while heap:
            cost, _, v = heapq.heappop(heap)
            if v in settled:
                continue
            settled.add(v)
            if v == src:
                break
            _, x_out, lock_out, nxt = best[v]
            for u in self.g.predecessors(v):
                if u in settled:
                    continue
                edge = self.g.edges[u, v]
                if v == dst:
                    x, lock, fee = amount, final_delta, 0
                else:
                    forward = self.g.edges[v, nxt]["policy"]
                    fee = forward.fee(x_out)
                    x, lock = x_out + fee, lock_out + forward.cltv_delta
                bound = self.mission.bound((u, v), edge["capacity"], now)
                if x > edge["capacity"] or x > bound or x - amount > max_fee or lock > max_lock:
                    continue
                p = (bound + 1 - x) / (edge["capacity"] + 1)
                c = cost + fee + mu * -math.log(p) + x * lock * TIME_RISK
                if u not in best or c < best[u][0]:
                    best[u] = (c, x, lock, v)
                    heapq.heappush(heap, (c, tie, u))
                    tie += 1
        if src not in settled:
            raise RouteError(f"no route from {src!r} to {dst!r} for {amount} within fee {max_fee} "
                             f"and lock {max_lock} s")
        nodes = [src]
        while nodes[-1] != dst:
            nodes.append(best[nodes[-1]][3])
        edges = list(zip(nodes, nodes[1:]))
        terms = plan(amount, [self.g.edges[e]["policy"] for e in edges], now, final_delta)
        return Route(nodes, [self.g.edges[e]["channel"] for e in edges], terms, amount)

    def node_failed(self, node: Hashable, now: int) -> None:
        """Penalise every channel into ``node`` (it held a payment and never answered)."""
        for u in self.g.predecessors(node):
            self.mission.failed((u, node), 1, now)


def scale_free(n: int, m: int, seed: int) -> tuple[ChannelGraph, dict[Edge, int]]:
    """A Barabasi-Albert network of ``n`` nodes with random capacities, policies and the
    true liquidity of each side (hidden from senders): ``(graph, liquidity)``.

    >>> graph, liquidity = scale_free(50, 2, seed=1)
    >>> graph.g.number_of_nodes(), graph.g.number_of_edges() == len(liquidity) == 2 * 96
    (50, True)
    """
    rng = random.Random(seed)
    graph, liquidity = ChannelGraph(), {}
    for u, v in nx.barabasi_albert_graph(n, m, seed=seed).edges:
        capacity = int(10 ** rng.uniform(5, 7))
        policies = [Policy(rng.randint(0, 1_000), rng.randint(1, 1_000), rng.choice((600, 1_200, 2_400)))
                    for _ in range(2)]
        graph.add_channel(u, v, capacity, policies[0], policies[1])
        liquidity[(u, v)] = rng.randint(0, capacity)
        liquidity[(v, u)] = capacity - liquidity[(u, v)]
    return graph, liquidity


def send(graph: ChannelGraph, liquidity: dict[Edge, int], src: Hashable, dst: Hashable, amount: int,
         now: int, max_fee: int, max_lock: int, final_delta: int, attempts: int) -> tuple[Optional[Route], int]:
    """Try up to ``attempts`` routes, learning from each failure; on success move the liquidity.
    Returns ``(route or None, attempts used)``.

    >>> graph, liquidity = scale_free(50, 2, seed=1)
    >>> route, tries = send(graph, liquidity, 3, 7, 1_000, 0, 5_000, 10_000, 600, attempts=5)
    >>> route is not None and route.nodes[0] == 3 and route.nodes[-1] == 7
    True
    """
    for attempt in range(1, attempts + 1):
        try:
            route = graph.find_route(src, dst, amount, now, max_fee, max_lock, final_delta)
        except RouteError:
            return None, attempt
        short = next((i for i, e in enumerate(route.edges) if liquidity[e] < route.terms[i][0]), None)
        if short is None:
            move(liquidity, route)
            for edge, (x, _) in zip(route.edges, route.terms):
                graph.mission.succeeded(edge, x)
            return route, attempt
        graph.mission.failed(route.edges[short], route.terms[short][0], now)
    return None, attempts


def move(liquidity: dict[Edge, int], route: Route, sign: int = 1) -> None:
    """Shift each hop's amount across its channel (``sign`` -1 undoes it)."""
    for edge, (x, _) in zip(route.edges, route.terms):
        liquidity[edge] -= sign * x
        liquidity[edge[::-1]] += sign * x


def send_multipart(graph: ChannelGraph, liquidity: dict[Edge, int], src: Hashable, dst: Hashable, amount: int,
                   now: int, max_fee: int, max_lock: int, final_delta: int, attempts: int, max_parts: int = 16,
                   min_part: int = 1_000) -> tuple[Optional[list[Route]], int]:
    """A multi-part payment: try the whole amount, and split a part that finds no route in two
    (up to ``max_parts`` parts of at least ``min_part``), each part with the share of the
    remaining fee budget its amount is of the remaining amount. All parts share one preimage,
    so the payee takes them all or none: if any part fails, the ones already placed are undone.
    Returns ``(routes or None, route attempts used)``.

    >>> send(*scale_free(50, 2, seed=1), 3, 7, 500_000, 0, 40_000, 10_000, 600, attempts=10)[0] is None
    True
    >>> graph, liquidity = scale_free(50, 2, seed=1)
    >>> routes, _ = send_multipart(graph, liquidity, 3, 7, 500_000, 0, 40_000, 10_000, 600, attempts=30)
    >>> sum(r.amount for r in routes), len(routes)
    (500000, 6)
    """
    parts, routes, used, spent = [amount], [], 0, 0
    while parts and used < attempts:
        x = parts.pop()
        budget = (max_fee - spent) * x // (x + sum(parts))
        route, tries = send(graph, liquidity, src, dst, x, now, budget, max_lock, final_delta,
                            attempts=min(3, attempts - used))
        used += tries
        if route is not None:
            routes.append(route)
            spent += route.fee
        elif len(routes) + len(parts) + 2 <= max_parts and x // 2 >= min_part:
            parts += [x // 2, x - x // 2]
        else:
            parts.append(x)
            break
    if parts:
        for route in routes:
            move(liquidity, route, -1)
        return None, used
    return routes, used
