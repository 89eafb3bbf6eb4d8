"""``prozchain demo`` (``make demo``): the tour of the workbench and of every layer, each stop
checked, with progress shown.

1. the workbench (:mod:`prozchain.bench.demo`): the native arithmetic against py_ecc, Groth16
   on a DSL circuit, and ZK rollup batches proven and verified on L1 (proven transfers/s);
2. an optimistic dispute won by the honest party (scenario ``opt-invalid-root``);
3. a multi-hop channel payment, its middle hop going offline (``htlc-multihop-offline``);
4. a sidechain bridge round trip through the SDK (deposit, pay, withdraw to L1), each
   transaction's stages in the stage store (``prozchain tx status``);
5. cross-layer messages from L2 to L1, each executed once though a relayer replays, reorders
   and drops them (``message-replay``);
6. the measured comparison of the layers (``prozchain compare layers``) and a transfer routed
   by the SDK under a limit, with its reason;
7. where to look next: ``prozchain explorer`` and ``prozchain tx status``.

>>> [stop.title for stop in STOPS][1]
'an optimistic dispute, won by the honest party'
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from dataclasses import dataclass
from typing import Callable

from prozchain.bench import demo as workbench
from prozchain.rollup.crosslayer.measure import compare, table
from prozchain.rollup.sdk.client import Platform
from prozchain.rollup.sdk.routing import Limits, Router
from prozchain.rollup.sim.registry import run as run_scenario

SCENARIO_SEED = 1  # the layers' stops replay one seed: the same run every time


@dataclass(frozen=True)
class Stop:
    """A stop of the tour: ``run(args)`` prints what it shows and says whether it checked out."""

    title: str
    run: Callable[[argparse.Namespace], bool]


def scenario_stop(name: str) -> Callable[[argparse.Namespace], bool]:
    """A stop that runs scenario ``name`` and prints its report."""
    def run(args: argparse.Namespace) -> bool:
        result = run_scenario(name, SCENARIO_SEED)
        print("\n".join("  " + line for line in result.report()))
        return result.ok
    return run


def workbench_stop(args: argparse.Namespace) -> bool:
    return workbench.main(args) == 0


def sidechain_round_trip(args: argparse.Namespace) -> bool:
    """Through the SDK: deposit on the sidechain, pay a peer there, withdraw to L1."""
    platform = Platform.build(SCENARIO_SEED, layers=("sidechain",), db=args.db)
    alice, bob = platform.client(0), platform.client(1)
    before = alice.balance()
    with platform:
        txs = [alice.deposit(20_000, "sidechain")]
        alice.wait(txs[-1])
        txs.append(alice.transfer(bob.address, 5_000, "sidechain"))
        alice.wait(txs[-1])
        txs.append(alice.withdraw(15_000, "sidechain"))
        alice.wait(txs[-1])
    for tx in txs:
        print("\n".join("  " + line for line in alice.status(tx).lines()))
    print(f"  alice on L1: {before} -> {alice.balance()} tokens; bob on the sidechain: {bob.balance('sidechain')}")
    print(f"  from another process: prozchain tx status --db {args.db} {txs[1]}")
    args.example_tx = txs[1]
    return alice.balance() == before - 5_000 and bob.balance("sidechain") == 5_000


def layers_and_routing(args: argparse.Namespace) -> bool:
    """The measured table, then a payment routed under a 60 s finality limit."""
    rows = compare(SCENARIO_SEED)
    print("\n".join("  " + line for line in table(rows)))
    platform = Platform.build(SCENARIO_SEED, layers=("optimistic", "sidechain"), db=args.db)
    alice, bob = platform.client(0), platform.client(1)
    with platform:
        for layer in ("optimistic", "sidechain"):
            alice.wait(alice.deposit(10_000, layer))
        route, tx = Router(alice, rows).send(bob.address, 2_000, Limits(max_finality_s=60))
        status = alice.wait(tx)
    print(f"  routed 2000 tokens under a 60 s finality limit: {route.reason}")
    print(f"  the payment: {status.current} after {status.marks[-1].at - status.marks[0].at:.0f} simulated s")
    return status.final and route.layer == "sidechain"


def explorer_pointer(args: argparse.Namespace) -> bool:
    print(f"  the layers in the browser: prozchain explorer --scenario crosslayer-roundtrip --seed {SCENARIO_SEED}")
    print(f"  a transaction's stages:    prozchain tx status --db {args.db} {getattr(args, 'example_tx', '')}".rstrip())
    return True


STOPS = (
    Stop("the workbench: BN254 checked against py_ecc, Groth16, a ZK rollup proven and verified on L1", workbench_stop),
    Stop("an optimistic dispute, won by the honest party", scenario_stop("opt-invalid-root")),
    Stop("a multi-hop channel payment", scenario_stop("htlc-multihop-offline")),
    Stop("a sidechain bridge round trip through the SDK", sidechain_round_trip),
    Stop("cross-layer messages, L2 to L1", scenario_stop("message-replay")),
    Stop("the layers measured side by side, and a routed transfer", layers_and_routing),
    Stop("next: the explorer", explorer_pointer),
)


def main(args: argparse.Namespace) -> int:
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(2**32)
    if args.db is None:
        args.db = os.path.join(tempfile.mkdtemp(prefix="prozchain-demo-"), "stages.db")
    started, failed = time.perf_counter(), []
    for number, stop in enumerate(STOPS, 1):
        print(f"\n[{number}/{len(STOPS)}] {stop.title}  ({time.perf_counter() - started:.0f} s so far)", flush=True)
        if not stop.run(args):
            failed.append(stop.title)
            print(f"  FAILED: {stop.title}")
    print(f"\ntour done in {time.perf_counter() - started:.0f} s: "
          + ("every stop checks out" if not failed else f"FAILURE at {'; '.join(failed)}"))
    return 1 if failed else 0


def register(parser: argparse.ArgumentParser) -> None:
    """The ``demo`` command (listed in :data:`prozchain.cli.GROUPS`)."""
    parser.description = ("Checks the C core against py_ecc, runs Groth16 and a ZK rollup with real proofs on the "
                          "reference L1, then an optimistic dispute, a multi-hop channel payment, a sidechain round "
                          "trip through the SDK, cross-layer messages, the measured comparison of the layers and a "
                          "routed transfer. Exit 0 when every stop checks out.")
    parser.add_argument("--seed", type=int, help="seed of the workbench's random inputs (default: fresh)")
    parser.add_argument("--quick", action="store_true", help="fewer timing runs")
    parser.add_argument("--db", help="the SQLite stage store the SDK's transactions go to (default: a new temp file)")
    parser.set_defaults(func=main)
