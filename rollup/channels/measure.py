"""The numbers of the channels docs page: ``prozchain measure channels [--updates N] [--nodes N]
[--payments N] [--seed N]``, and ``prozchain measure channels --app [--proofs N]`` for the app
channel (:func:`app_numbers`).

- off-chain updates per second between two clients whose states go to SQLite (write before
  sign, a full propose/accept/complete exchange with signatures checked both ways);
- payment success rate (single-path and multi-part, failures split by cause), attempts and fees
  on a 1,000-node Barabasi-Albert network;
- L1 gas of open, cooperative close, unilateral close (force close + settle), challenge with a
  one-newer state, and the penalty; for a virtual channel (which needs no L1 transaction to open
  or to close cooperatively) the gas of recovering it on L1.

>>> gas = l1_gas()
>>> gas["penalty"] > 0 and gas["open (dual-funded, 2 txs)"] > gas["open (single-funded)"]
True
>>> gas["virtual: publish a non-final state"] > gas["virtual: conclude after the period"] > 0
True
>>> app = app_gas()
>>> app["app: force-move with a proof"] > app["app: challenge with a co-signed state"] > 0
True
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time

from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1.groth16 import verifier_contract
from prozchain.rollup.sim.store import MemoryStore, SqliteStore
from prozchain.rollup.channels.agents.client import ChannelClient, update
from prozchain.rollup.channels.agents.game import GamePlayer
from prozchain.rollup.channels.agents.nim import NimProver, NimState, circuit
from prozchain.rollup.channels.contracts.app import AppAdjudicator
from prozchain.rollup.channels.contracts.onchain import (GAS, close, conclude, deploy, force_close, genesis,
                                                         open_channel, publish, settle, submit)
from prozchain.rollup.channels.errors import ChannelError, RouteError
from prozchain.rollup.channels.agents.routing import scale_free, send, send_multipart
from prozchain.rollup.channels.state import VirtualParams
from prozchain.rollup.channels.agents.virtual import fund, onchain_sigs, start

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
        return {**gas, **virtual_gas()}


def virtual_gas() -> dict[str, int]:
    """Recovering a virtual channel A-B (through I) on L1 after I went silent: the ledgers
    force-close, V is published (non-final, then concluded after the period; or final, at once)
    and the ledger holding the guarantee settles."""
    a, i, b = (Key.from_seed(f"measure-{n}".encode()) for n in "aib")
    chain = Chain({k.address: 10**20 for k in (a, i, b)})
    adj = deploy(chain, a)
    ledgers = []
    for x, y in ((a, i), (i, b)):
        cid, _ = open_channel(chain, adj, x, y, 10**6, 10**6, PERIOD)
        ledgers.append(tuple(ChannelClient.create(k, MemoryStore(), genesis(chain, adj, cid), x.address, y.address)
                             for k in (x, y)))
    params = VirtualParams(a.address, b.address, i.address, PERIOD, 1)
    va, vb = start(params, a, b, adj, chain.chain_id, 10**5, 10**5)
    before = len(chain.receipts)
    funded = fund(params, va, vb, ledgers[0], ledgers[1], i, adj, chain.chain_id)
    gas = {"virtual: L1 transactions to open": len(chain.receipts) - before}
    update(va, vb, va.latest.pay(0, 7))
    gas["virtual: force close a ledger holding a guarantee"] = force_close(chain, ledgers[0][0], adj).gas_used
    gas["virtual: publish a non-final state"] = publish(chain, a, adj, params, va.latest,
                                                        onchain_sigs(va, funded)).gas_used
    update(va, vb, va.latest.finalize())
    gas["virtual: publish a final state (concludes at once)"] = publish(chain, a, adj, params, va.latest,
                                                                         onchain_sigs(va, funded)).gas_used
    chain.advance_time(PERIOD)
    gas["virtual: settle a ledger paying its guarantee"] = settle(chain, a, adj, ledgers[0][0].latest).gas_used
    params2 = VirtualParams(a.address, b.address, i.address, PERIOD, 2)  # a second one, concluded after the period
    va, vb = start(params2, a, b, adj, chain.chain_id, 10**5, 10**5)
    publish(chain, a, adj, params2, va.latest, va.latest_sigs)
    chain.advance_time(PERIOD)
    gas["virtual: conclude after the period"] = conclude(chain, a, adj, va.latest).gas_used
    return gas


def app_gas(prover: NimProver | None = None) -> dict[str, int]:
    """L1 gas of a Nim app channel: open and join, a dispute from a co-signed state (A moved
    off chain), B's proven force-move, A's proven finishing move (pays A), and, in a second
    channel, a timeout."""
    prover = prover or NimProver()
    a, b = Key.from_seed(b"measure-a"), Key.from_seed(b"measure-b")
    chain = Chain({a.address: 10**20, b.address: 10**20})
    verifier, _ = chain.deploy(a, verifier_contract(prover.zkey.verification_key()))
    adj, _ = chain.deploy(a, AppAdjudicator, chain.chain_id, verifier, True)
    gas: dict[str, int] = {}
    for finish in (True, False):
        opening = NimState((3, 4, 5), 0, 7)
        opened = chain.transact(a, adj, "open", b.address, PERIOD, opening.commitment, value=10**6, gas_limit=GAS)
        cid = opened.return_value
        joined = chain.transact(b, adj, "join", cid, value=10**6, gas_limit=GAS)
        gas["app: open and join (2 txs)"] = opened.gas_used + joined.gas_used
        players = [GamePlayer(k, side, (a.address, b.address), adj, chain.chain_id, cid, opening, prover)
                   for side, k in enumerate((a, b))]
        proposed = players[0].propose((0, 3))
        players[0].complete(proposed, players[1].accept(proposed))
        gas["app: challenge with a co-signed state"] = submit(chain, a, adj, "challenge", cid, 1,
                                                              players[0].state.commitment, players[0].sigs).gas_used
        if not finish:
            chain.advance_time(PERIOD)
            gas["app: timeout (the other party takes both stakes)"] = submit(chain, a, adj, "timeout", cid).gas_used
            continue
        old = players[1].state
        for key, (heap, take), label in ((b, (1, 4), "app: force-move with a proof"),
                                         (a, (2, 5), "app: finishing force-move with a proof (pays the mover)")):
            new = old.play(heap, take)
            gas[label] = submit(chain, key, adj, "force_move", cid, new.commitment, int(new.finished),
                                prover.prove(old, new)).gas_used
            old = new
    return gas


def app_numbers(proofs: int) -> dict[str, float]:
    """The Nim transition circuit's constraints and its median prove time over ``proofs`` moves."""
    prover, state, times = NimProver(), NimState((7, 7, 7), 0, 7), []
    for _ in range(proofs):
        new = state.play(*state.moves()[-1]) if sum(state.heaps) > 1 else state.play(*state.moves()[0])
        started = time.perf_counter()
        prover.prove(state, new)
        times.append(time.perf_counter() - started)
        state = new if not new.finished else NimState((7, 7, 7), 0, new.salt)
    return {"constraints": circuit().r1cs.n_constraints, "prove seconds (median)": sorted(times)[len(times) // 2]}


def network(nodes: int, payments: int, seed: int, multipart: bool = False) -> dict[str, float]:
    """Payments of 10^3-10^6 (log-uniform) between random nodes, fee budget 1 % + 1,000, lock
    budget 20,000 s; single-path with up to 10 attempts, or ``multipart`` with up to 16 parts
    and 30 attempts. Failures are split by cause: no route even with an unlimited fee budget
    (capacity, or liquidity learned from failures), or none within the fee budget."""
    graph, liquidity = scale_free(nodes, 2, seed)
    rng = random.Random(seed)
    ok, fees, amounts, tries, over_budget = 0, 0, 0, 0, 0
    for i in range(payments):
        src, dst = rng.sample(range(nodes), 2)
        amount, now = int(10 ** rng.uniform(3, 6)), 60 * i
        budgets = dict(now=now, max_fee=amount // 100 + 1_000, max_lock=20_000, final_delta=600)
        if multipart:
            routes, used = send_multipart(graph, liquidity, src, dst, amount, attempts=30, **budgets)
        else:
            route, used = send(graph, liquidity, src, dst, amount, attempts=10, **budgets)
            routes = None if route is None else [route]
        tries += used
        if routes is not None:
            ok, fees, amounts = ok + 1, fees + sum(r.fee for r in routes), amounts + amount
        else:
            try:
                graph.find_route(src, dst, amount, now, 10**18, 20_000, 600)
                over_budget += 1
            except RouteError:
                pass
    return {"success rate": ok / payments, "failed: fee budget": over_budget / payments,
            "failed: capacity or liquidity": (payments - ok - over_budget) / payments,
            "average attempts": tries / payments, "average fee": fees / max(ok, 1),
            "fee / amount": fees / max(amounts, 1)}


def register(subparsers: argparse._SubParsersAction) -> None:
    """``prozchain measure channels`` (listed in :data:`prozchain.cli.MEASUREMENTS`)."""
    parser = subparsers.add_parser("channels", help="off-chain updates/s, payment success on a network, L1 gas",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=5_000, help="off-chain updates to time (default 5000)")
    parser.add_argument("--nodes", type=int, default=1_000, help="nodes of the payment network (default 1000)")
    parser.add_argument("--payments", type=int, default=1_000, help="payments sent on it (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the network and payments (default 1)")
    parser.add_argument("--app", action="store_true",
                        help="the app channel (Nim) instead: constraints, prove time, L1 gas beside the payment channel's")
    parser.add_argument("--proofs", type=int, default=20, help="moves to prove with --app (default 20)")
    parser.set_defaults(func=measure_command)


def measure_command(args: argparse.Namespace) -> int:
    if args.app:
        if args.proofs < 1:
            raise ChannelError(f"--proofs must be at least 1, got {args.proofs}")
        numbers = app_numbers(args.proofs)
        print(f"app channel (Nim, 3 heaps of up to 7): {numbers['constraints']:,} constraints, "
              f"prove {numbers['prove seconds (median)'] * 1_000:.0f} ms (median of {args.proofs}, C backend)")
        for what, gas in {**app_gas(), **{k: v for k, v in l1_gas().items() if not k.startswith("virtual")}}.items():
            print(f"L1 gas, {what}: {gas:,}")
        return 0
    print(f"off-chain updates per second (2 clients, SQLite, {args.updates} updates): "
          f"{updates_per_second(args.updates):,.0f}")
    for multipart in (False, True):
        stats = network(args.nodes, args.payments, args.seed, multipart)
        print(f"{args.payments} {'multi-part' if multipart else 'single-path'} payments on a {args.nodes}-node "
              f"Barabasi-Albert graph (m=2, seed {args.seed}): " + ", ".join(f"{k} {v:.4g}" for k, v in stats.items()))
    for what, gas in l1_gas().items():
        print(f"L1 gas, {what}: {gas:,}")
    return 0
