"""Routing a transfer: given the user's limits (L1 gas, L2 fee, time to finality, security
level), pick the layer and the route, say why, and execute it.

The costs are the ones ``prozchain compare layers`` measures
(:func:`~prozchain.rollup.crosslayer.measure.compare`): per layer the L1 gas of the user's own
transactions, the L2 fee, the time to finality. A route's cost depends on where the user's funds
are: on L1 a transfer costs its measured L1 gas; on a layer where the user already holds the
amount (and its fee) it costs the layer's fee; elsewhere the deposit's measured L1 gas comes
first. A channel is a route only where the user has an open channel to the payee holding the
amount (a payment there is final for both parties at once, as its measured finality says).

Among the routes within the limits the router takes the one with the least L1 gas, then the
least fee, then the soonest finality, then the most security.

Security levels (what a user must trust, from the most to the least): 4 L1's own validators;
3 validity proofs (ZK rollup); 2 one honest party watching L1 (optimistic rollup: a
challenger within the window; channel: the user or a watchtower); 1 a quorum of the
sidechain's validators or signers.

>>> from prozchain.rollup.crosslayer.measure import Row
>>> rows = [Row("L1", 0, 0, 34_000, 0, 768, 73.5, "", ""), Row("optimistic rollup", 90_000, 80_000, 0, 0, 150, 900.0, "", "")]
>>> route = choose(rows, 100, Limits(max_finality_s=600), holdings={"optimistic": 0})
>>> route.layer, route.l1_gas
('optimistic', 90000)
>>> choose(rows, 100, Limits(max_finality_s=600, max_l1_gas=50_000), holdings={}).layer
Traceback (most recent call last):
...
prozchain.rollup.sdk.errors.NoRoute: no layer meets the limits (L1 gas <= 50000, finality <= 600 s, security >= 0): l1: finality 768 s > 600 s; optimistic: 90000 L1 gas > 50000
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

from prozchain.rollup.crosslayer.measure import Row
from prozchain.rollup.sdk.client import L1, Client
from prozchain.rollup.sdk.errors import NoRoute

SECURITY = {L1: 4, "zk": 3, "optimistic": 2, "channel": 2, "sidechain": 1}
# the rows of compare() name layers in words; the client by key
ROW_LAYER = {"L1": L1, "zk rollup": "zk", "optimistic rollup": "optimistic", "channel": "channel"}


def layer_of(row: Row) -> str:
    """The client's name of a measured row's layer (``"sidechain"`` for each sidechain model)."""
    return ROW_LAYER.get(row.layer, "sidechain" if row.layer.startswith("sidechain") else row.layer)


@dataclass(frozen=True)
class Limits:
    """The user's limits; None is no limit."""

    max_l1_gas: Optional[int] = None
    max_fee: Optional[int] = None
    max_finality_s: Optional[int] = None
    min_security: int = 0

    def describe(self) -> str:
        parts = [f"L1 gas <= {self.max_l1_gas}" if self.max_l1_gas is not None else "",
                 f"fee <= {self.max_fee}" if self.max_fee is not None else "",
                 f"finality <= {self.max_finality_s} s" if self.max_finality_s is not None else "",
                 f"security >= {self.min_security}"]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Route:
    """The chosen layer, what it costs by the measured row, and why it was chosen
    (``reason``; ``rejected``: why each other layer was not)."""

    layer: str
    row: Row
    l1_gas: int
    fee: int
    deposit_first: bool
    reason: str
    rejected: Mapping[str, str] = field(default_factory=dict)


def _cost(row: Row, amount: int, holdings: Mapping[str, int]) -> tuple[int, int, bool]:
    """(L1 gas, fee, whether a deposit comes first) of paying ``amount`` on ``row``'s layer."""
    layer = layer_of(row)
    if layer == L1:
        return row.transfer_gas, 0, False
    if layer == "channel":  # open and funded, or ruled out before
        return 0, row.l2_fee, False
    held = holdings.get(layer, 0) >= amount + row.l2_fee
    return (0 if held else row.deposit_gas), row.l2_fee, not held


def choose(rows: Sequence[Row], amount: int, limits: Limits, holdings: Mapping[str, int],
           closed: Optional[Mapping[str, str]] = None) -> Route:
    """The route for paying ``amount`` under ``limits`` over the measured ``rows``
    (``holdings``: what the user holds per layer; ``closed``: layers that cannot reach the
    payee, with why; by default the channel, which needs an open channel to the payee);
    :class:`~prozchain.rollup.sdk.errors.NoRoute` if none fits."""
    fits, rejected = [], {}
    closed = {"channel": "no open channel to the payee holding the amount"} if closed is None else closed
    seen: set[str] = set()
    for row in rows:
        layer = layer_of(row)
        if layer in seen:  # one row per layer: the world's model (the first the table lists)
            continue
        seen.add(layer)
        if layer in closed:
            rejected[layer] = closed[layer]
            continue
        gas, fee, deposit = _cost(row, amount, holdings)
        why = [f"{gas} L1 gas > {limits.max_l1_gas}" if limits.max_l1_gas is not None and gas > limits.max_l1_gas else "",
               f"fee {fee} > {limits.max_fee}" if limits.max_fee is not None and fee > limits.max_fee else "",
               f"finality {row.finality_s} s > {limits.max_finality_s} s"
               if limits.max_finality_s is not None and row.finality_s > limits.max_finality_s else "",
               f"security {SECURITY[layer]} < {limits.min_security}" if SECURITY[layer] < limits.min_security else ""]
        why = [w for w in why if w]
        if why:
            rejected[layer] = " and ".join(why)
        else:
            fits.append((gas, fee, row.finality_s, -SECURITY[layer], layer, row, deposit))
    if not fits:
        raise NoRoute(f"no layer meets the limits ({limits.describe()}): "
                      + "; ".join(f"{k}: {v}" for k, v in rejected.items()))
    gas, fee, finality, security, layer, row, deposit = min(fits, key=lambda f: f[:4])
    others = ", ".join(f"{f[4]} ({f[0]} gas, fee {f[1]}, {f[2]} s)" for f in sorted(fits, key=lambda f: f[:4])[1:])
    reason = (f"{layer}: the cheapest route within {limits.describe()} by the measured costs: {gas} L1 gas"
              f"{' (its deposit first)' if deposit else ''}, fee {fee}, final in {finality} s, security {-security}"
              + (f"; also within the limits: {others}" if others else "")
              + ("" if not rejected else "; ruled out: " + "; ".join(f"{k}: {v}" for k, v in rejected.items())))
    return Route(layer, row, gas, fee, deposit, reason, rejected)


class Router:
    """Routes a client's transfers over the measured ``rows``."""

    def __init__(self, client: Client, rows: Sequence[Row]) -> None:
        self.client, self.rows = client, rows

    def plan(self, to: str, amount: int, limits: Limits) -> Route:
        """The route :func:`choose` takes for this client's holdings."""
        client = self.client
        holdings = {name: client.balance(name) for name in client.world.bridges}
        closed = {layer_of(row): "not on this platform" for row in self.rows
                  if layer_of(row) not in (L1, *client.world.bridges)}
        if client.channel_to(to) is None or holdings.get("channel", 0) < amount:
            closed["channel"] = "no open channel to the payee holding the amount"
        zk = client.world.bridges.get("zk")
        if zk is not None and zk.index(to) is None:
            closed["zk"] = "the payee has no account on the ZK rollup"
        return choose(self.rows, amount, limits, holdings, closed)

    def send(self, to: str, amount: int, limits: Limits) -> tuple[Route, str]:
        """Plan and execute: deposit first where the route needs it, then pay; returns the route
        and the payment's transaction id."""
        route = self.plan(to, amount, limits)
        if route.deposit_first:
            self.client.wait(self.client.deposit(amount + route.fee, route.layer))
        return route, self.client.transfer(to, amount, route.layer)
