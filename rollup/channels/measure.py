"""The numbers of the channels README section: ``python -m rollup.channels.measure``.

- off-chain updates per second between two clients whose states go to SQLite (write before
  sign, a full propose/accept/complete exchange with signatures checked both ways);
- payment success rate, attempts and fees on a 1,000-node Barabasi-Albert network;
- L1 gas of open, cooperative close, unilateral close (force close + settle), challenge with a
  one-newer state, and the penalty.

>>> gas = l1_gas()
>>> gas["penalty"] > 0 and gas["open (dual-funded, 2 txs)"] > gas["open (single-funded)"]
True
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time

from rollup.l1 import Chain, Key
from rollup.sim.store import SqliteStore
from rollup.channels.client import ChannelClient, update
from rollup.channels.onchain import close, deploy, force_close, genesis, open_channel, settle, submit
from rollup.channels.routing import scale_free, send

PERIOD = 100


def _pair(directory: str, deposit_b: int = 10**6) -> tuple[Chain, str, ChannelClient, ChannelClient, int]:
    a, b = Key.from_seed(b"measure-a"), Key.from_seed(b"measure-b")
    chain = Chain({a.address: 10**20, b.address: 10**20})
    adj = deploy(chain, a)
    cid, receipts = open_channel(chain, adj, a, b, 10**6, deposit_b, PERIOD)
    start = genesis(chain, adj, cid)
    own = tempfile.mkdtemp(dir=directory)
    stores = [SqliteStore(os.path.join(own, f"{n}.sqlite")) for n in "ab"]
    clients = [ChannelClient.create(k, s, start, a.address, b.address) for k, s in zip((a, b), stores)]
    return chain, adj, clients[0], clients[1], sum(r.gas_used for r in receipts)


def updates_per_second(count: int) -> float:
    with tempfile.TemporaryDirectory() as d:
        _, _, alice, bob, _ = _pair(d)
        started = time.perf_counter()
        for i in range(count):
            p, r = (alice, bob) if i % 2 else (bob, alice)
            update(p, r, p.latest.pay(p.party, 1))
        return count / (time.perf_counter() - started)


def l1_gas() -> dict[str, int]:
    with tempfile.TemporaryDirectory() as d:
        chain, adj, alice, bob, single = _pair(d, deposit_b=0)
        _, _, _, _, dual = _pair(d)
        gas = {"open (single-funded)": single, "open (dual-funded, 2 txs)": dual}
        chain, adj, alice, bob, _ = _pair(d)
        for i in range(3):
            update(alice, bob, alice.latest.pay(0, 1))
        update(alice, bob, alice.latest.finalize())
        gas["cooperative close"] = close(chain, alice, adj).gas_used
        chain, adj, alice, bob, _ = _pair(d)
        update(alice, bob, alice.latest.pay(0, 1))
        revoked, sigs = alice.latest, alice.latest_sigs
        update(alice, bob, alice.latest.pay(0, 1))
        gas["force close"] = force_close(chain, alice, adj).gas_used
        chain.advance_time(PERIOD)
        gas["settle after the period"] = settle(chain, bob.key, adj, alice.latest).gas_used
        chain, adj, alice, bob, _ = _pair(d)
        for i in range(3):
            update(alice, bob, alice.latest.pay(0, 1))
            if i == 0:
                revoked, sigs = alice.latest, alice.latest_sigs
            if i == 1:
                one_behind, one_sigs = alice.latest, alice.latest_sigs
        force_close(chain, alice, adj, one_behind, one_sigs)
        gas["challenge (one newer: replace)"] = submit(chain, bob.key, adj, "challenge", 1, bob.latest.encode(),
                                                       bob.latest_sigs).gas_used
        chain, adj, alice, bob, _ = _pair(d)
        for i in range(3):
            update(alice, bob, alice.latest.pay(0, 1))
            if i == 0:
                revoked, sigs = alice.latest, alice.latest_sigs
        force_close(chain, alice, adj, revoked, sigs)
        gas["penalty"] = submit(chain, bob.key, adj, "challenge", 1, bob.latest.encode(), bob.latest_sigs).gas_used
        return gas


def network(nodes: int, payments: int, seed: int) -> dict[str, float]:
    graph, liquidity = scale_free(nodes, 2, seed)
    rng = random.Random(seed)
    ok, fees, amounts, tries = 0, 0, 0, 0
    for i in range(payments):
        src, dst = rng.sample(range(nodes), 2)
        amount = int(10 ** rng.uniform(3, 6))
        route, used = send(graph, liquidity, src, dst, amount, now=60 * i, max_fee=amount // 100 + 1_000,
                           max_lock=20_000, final_delta=600, attempts=10)
        tries += used
        if route is not None:
            ok, fees, amounts = ok + 1, fees + route.fee, amounts + amount
    return {"success rate": ok / payments, "average attempts": tries / payments,
            "average fee": fees / max(ok, 1), "fee / amount": fees / max(amounts, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=5_000)
    parser.add_argument("--nodes", type=int, default=1_000)
    parser.add_argument("--payments", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"off-chain updates per second (2 clients, SQLite, {args.updates} updates): "
          f"{updates_per_second(args.updates):,.0f}")
    stats = network(args.nodes, args.payments, args.seed)
    print(f"{args.payments} payments on a {args.nodes}-node Barabasi-Albert graph (m=2, seed {args.seed}): "
          + ", ".join(f"{k} {v:.4g}" for k, v in stats.items()))
    for what, gas in l1_gas().items():
        print(f"L1 gas, {what}: {gas:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
