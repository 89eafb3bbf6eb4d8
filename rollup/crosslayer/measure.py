"""``prozchain compare layers [--layers zk,optimistic,...] [--seed N] [--json]``: the same
transfer and withdrawal measured on every layer, one row per layer.

On one world (:func:`~prozchain.rollup.crosslayer.system.build`; the sidechain's threshold and
optimistic models each on a world of its own, beside the staking model), for each layer a user
deposits through the asset registry, pays a peer, and withdraws the rest to L1, all through the
one bridge protocol; the L1 row is the same payment as a plain token transfer. Each row holds:

- ``deposit_gas`` and ``withdraw_gas``: the L1 gas of the user's own transactions (approve and
  deposit; the withdrawal's proof and finalization where the user sends them);
- ``l2_fee``: what the layer charged for the payment and the withdrawal, in token units;
- ``finality_s``: L1 seconds from the withdrawal's start to its finality (the scenario
  world's short windows: 120 s optimistic window, 30 s sidechain windows), on top of which L1's
  own finality comes (the L1 row: Ethereum's two epochs, stated, not simulated);
- ``throughput_tps``: the ceiling the measured costs give (L1: 30M gas per 12 s block over the
  transfer's gas; ZK: a batch's slots over its measured proving time; optimistic: 30M gas per
  12 s over the L1 gas per transaction of the batch that carried the payment; sidechain: its
  block size over its measured block interval; channel: one over the measured update time);
- ``forced_s``: L1 seconds from a transaction forced through L1 (after the withdrawal, a
  zero-value payment to the peer) to the L1 block whose batch included it
  (:func:`~prozchain.rollup.economics.inclusion.forced_delay`); measured on the optimistic
  rollup only, whose honest sequencer includes forced transactions at its next tick (the
  ``censoring-sequencer`` scenario shows the window bound when it does not). ``None`` elsewhere:
  the ZK rollup forces only a whole withdrawal (``censoring-operator`` measures it), and the
  sidechain and channels have no forced inclusion;
- ``fee_execution``, ``fee_l1_data``, ``fee_priority`` (wei) and ``margin_bps``: a transfer's
  mean fee split into the burned execution fee, the L1 data fee and the priority fee, and the
  operator's margin on its L1 cost (basis points), over ``fee_hours`` of mixed traffic on the
  layer (:func:`~prozchain.rollup.crosslayer.fees.fee_rows`, what ``prozchain measure fees``
  prints; the sidechain's rows share its day). ``None`` on the L1 and channel rows, which have
  no such fee;
- ``security``: what a user must trust.

>>> rows = compare(1, ("channel",))
>>> [row.layer for row in rows], rows[1].withdraw_gas > 0, rows[1].l2_fee, rows[1].fee_l1_data
(['L1', 'channel'], True, 0, None)
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass, replace
from typing import Optional, Sequence

from prozchain.cli import UsageError
from prozchain.rollup.common.units import GWEI
from prozchain.rollup.crosslayer.agents import OptimisticBridge
from prozchain.rollup.crosslayer.errors import CrossLayerError
from prozchain.rollup.crosslayer.fees import LAYERS as FEE_LAYERS
from prozchain.rollup.crosslayer.fees import FeeRow, fee_rows
from prozchain.rollup.crosslayer.protocol import BridgeProtocol
from prozchain.rollup.crosslayer.system import LAYER_IDS, WAIT_MS, World, build, run_until, settle
from prozchain.rollup.economics.inclusion import forced_delay
from prozchain.rollup.l1 import Key
from prozchain.rollup.sidechain.contracts.modes import OPTIMISTIC, THRESHOLD

L1_BLOCK_GAS, L1_BLOCK_S = 30_000_000, 12
L1_FINALITY_S = 2 * 32 * L1_BLOCK_S  # two epochs of 32 slots
AMOUNT, PAYMENT = 50_000, 1_000


@dataclass(frozen=True)
class Row:
    """One layer's figures (see the module doc)."""

    layer: str
    deposit_gas: int
    withdraw_gas: int
    transfer_gas: int
    l2_fee: int
    finality_s: int
    throughput_tps: float
    security: str
    rule: str
    forced_s: Optional[int] = None
    fee_execution: Optional[int] = None
    fee_l1_data: Optional[int] = None
    fee_priority: Optional[int] = None
    margin_bps: Optional[int] = None

    def with_fees(self, fees: FeeRow) -> "Row":
        """This row with the fee split and margin of its layer's day of traffic."""
        return replace(self, fee_execution=fees.execution, fee_l1_data=fees.l1_data, fee_priority=fees.priority,
                       margin_bps=fees.margin_bps)


def compare(seed: int = 1, layers: Sequence[str] = tuple(LAYER_IDS), fee_hours: int = 24) -> list[Row]:
    """Measure ``layers`` (names of :data:`~prozchain.rollup.crosslayer.system.LAYER_IDS`) on
    one world, and the fee split of each over ``fee_hours`` of traffic; the L1 row first."""
    unknown = sorted(set(layers) - set(LAYER_IDS))
    if unknown:
        raise CrossLayerError(f"no layer {', '.join(unknown)}; known: {', '.join(LAYER_IDS)}")
    world = build(seed, layers=tuple(layers))
    user, peer = world.users
    receipt = world.chain.transact(user, world.fabric.token, "transfer", peer.address, PAYMENT)
    rows = [Row("L1", 0, 0, receipt.gas_used, 0, L1_FINALITY_S, round(L1_BLOCK_GAS / receipt.gas_used / L1_BLOCK_S, 1),
                "Ethereum's validators (2/3 of the stake)", "final after two epochs (Ethereum's rule, not simulated)")]
    days = {fees.layer: fees for fees in fee_rows(seed, fee_hours, [name for name in FEE_LAYERS if name in layers])}
    with world.sim:
        for name in layers:
            measured = [_measure(world, name, world.bridges[name], user, peer)]
            if name == "sidechain":  # the other security models, each on a world of its own
                for model in (THRESHOLD, OPTIMISTIC):
                    other = build(seed, layers=("sidechain",), model=model)
                    with other.sim:
                        measured.append(_measure(other, "sidechain", other.bridges["sidechain"], *other.users))
            rows += [row.with_fees(days[name]) if name in days else row for row in measured]
    return rows


def _gas_of(world: World, key: Key, since: int) -> int:
    """Gas of ``key``'s transactions in blocks from ``since`` on."""
    return sum(r.gas_used for b in world.chain.blocks[since:] for t, r in zip(b.transactions, b.receipts)
               if t.sender == key.address)


def _measure(world: World, name: str, bridge: BridgeProtocol, user: Key, peer: Key) -> Row:
    chain = world.chain
    mark = len(chain.blocks)
    bridge.deposit(user, AMOUNT)
    deposit_gas = _gas_of(world, user, mark)
    if name == "zk":  # a ZK account exists only once its owner deposited
        bridge.deposit(peer, 1)
    _wait(world, lambda: bridge.balance(user.address) == AMOUNT, name)
    started = time.perf_counter()
    fee = bridge.transfer(user, peer.address if name != "channel" else world.hub.address, PAYMENT)
    update_s = time.perf_counter() - started
    _wait(world, lambda: bridge.balance(user.address) == AMOUNT - PAYMENT - fee, name)
    out = AMOUNT - PAYMENT - 2 * fee
    w = bridge.withdraw(user, out)
    mark = len(chain.blocks)
    if not settle(world.sim, bridge, w, WAIT_MS):
        raise CrossLayerError(f"{name}: the withdrawal did not become final within {WAIT_MS // 1000} simulated seconds")
    bridge.finalize(w)
    if not bridge.conserved():
        raise CrossLayerError(f"{name}: escrow != supply + withdrawals in flight after the measurement")
    return Row(bridge.name, deposit_gas, _gas_of(world, user, mark), 0, 2 * fee,
               bridge.status(w).final_at - w.started, round(_throughput(world, name, bridge, update_s), 1),
               bridge.security, bridge.rule,
               _forced_s(world, bridge, user, peer) if isinstance(bridge, OptimisticBridge) else None)


def _forced_s(world: World, bridge: OptimisticBridge, user: Key, peer: Key) -> int:
    """L1 seconds until a batch includes a transaction ``user`` forced through L1."""
    chain, portal = world.chain, bridge.system.portal
    receipt = bridge.force(user, peer.address, 0)
    if not receipt.status:
        raise CrossLayerError(f"optimistic: forcing a transaction failed: {receipt.error}")
    _wait(world, lambda: chain.view(portal, "forced_status")[1] > receipt.return_value, "optimistic")
    (raw,) = [log.args[2] for log in receipt.logs if log.name == "TransactionForced"]
    bridge.node.sync()
    batch = next(b.number for b in bridge.node.batches if raw in b.txs)
    included = next(b for b, log in chain.logs(portal, "BatchPosted") if log.args[0] == batch)
    return forced_delay(chain, receipt.block_number, included).seconds


def _wait(world: World, done, name: str) -> None:
    if not run_until(world.sim, done, WAIT_MS):
        raise CrossLayerError(f"{name}: the layer did not get there within {WAIT_MS // 1000} simulated seconds")


def _throughput(world: World, name: str, bridge: BridgeProtocol, update_s: float) -> float:
    if name == "zk":
        stats = world.sim.agents["zk-operator"].pipeline.stats
        return bridge.system.spec.slots / (sum(s.prove_s for s in stats) / len(stats))
    if name == "optimistic":
        posted = [(log.args[4], r.gas_used) for b in world.chain.blocks for r in b.receipts for log in r.logs
                  if log.name == "BatchPosted" and log.address == bridge.system.portal and log.args[4]]
        per_tx = max(gas / n for n, gas in posted)
        return L1_BLOCK_GAS / per_tx / L1_BLOCK_S
    if name == "sidechain":
        headers = world.sidechain.validators[0].chain.headers  # block times are simulated ms
        interval_s = (headers[-1].time - headers[1].time) / max(len(headers) - 2, 1) / 1_000
        return world.sidechain.config.consensus.max_txs / interval_s
    return 1 / update_s


def table(rows: Sequence[Row]) -> list[str]:
    """The rows as a Markdown table (what docs/crosslayer.md shows)."""
    def gwei(wei: Optional[int]) -> str:
        return "—" if wei is None else f"{wei / GWEI:,.1f}"
    lines = ["| layer | deposit L1 gas | withdrawal L1 gas | transfer L1 gas | L2 fee (token units) "
             "| time to finality (s) | throughput (tx/s) | forced tx included (s) | transfer fee: execution "
             "(gwei) | L1 data (gwei) | priority (gwei) | operator margin | security assumption |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r.layer} | {r.deposit_gas:,} | {r.withdraw_gas:,} | {r.transfer_gas:,} | {r.l2_fee} "
              f"| {r.finality_s} | {r.throughput_tps:,} | {'—' if r.forced_s is None else r.forced_s} "
              f"| {gwei(r.fee_execution)} | {gwei(r.fee_l1_data)} | {gwei(r.fee_priority)} "
              f"| {'—' if r.margin_bps is None else f'{r.margin_bps / 100:+.2f}%'} | {r.security} |" for r in rows]
    return lines


def register(parser: argparse.ArgumentParser) -> None:
    """The ``compare`` command group."""
    what = parser.add_subparsers(dest="compare_what", required=True)
    layers = what.add_parser("layers", help="one row per layer: L1 gas, L2 fee and its split, time to finality, "
                             "throughput, security")
    layers.add_argument("--layers", default=",".join(LAYER_IDS),
                        help=f"comma-separated, of {', '.join(LAYER_IDS)} (default: all)")
    layers.add_argument("--seed", type=int, default=1)
    layers.add_argument("--fee-hours", type=int, default=24,
                        help="hours of traffic the fee split is measured over (at least 4: a ZK batch every 4)")
    layers.add_argument("--json", action="store_true", help="print the rows as JSON")
    layers.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.fee_hours < 4:
        raise UsageError("--fee-hours: at least 4 hours (the ZK rollup batches every 4)")
    rows = compare(args.seed, tuple(n for n in args.layers.split(",") if n), args.fee_hours)
    print(json.dumps([asdict(r) for r in rows], indent=2) if args.json else "\n".join(table(rows)))
    return 0
