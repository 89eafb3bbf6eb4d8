"""The presets run the same code with different parameters, and the differences take effect:
block size and timeouts (high-throughput, DeFi/gaming), checkpoint spacing, and the enterprise
chain whose transaction contents never reach L1 (only header and world roots do), and whose
blocks carry them sealed."""

from __future__ import annotations

import random

import pytest

from prozchain.rollup.l1 import Key
from prozchain.rollup.sidechain.node.chain import MAX_TXS
from prozchain.rollup.sidechain.system import PRESETS, build, preset
from prozchain.rollup.vm import L2Tx

SENDERS = [Key.from_seed(f"preset-sender-{i}".encode()) for i in range(100)]
SECRET_SHOP = Key.from_seed(b"preset-secret-shop").address  # paid on the sidechain only


def _run(name: str) -> dict:
    """The preset's chain for 15 simulated seconds under a burst of 100 transfers at 3 s."""
    system = build(3, preset(name), users=SENDERS)  # the enterprise chain admits them as members
    raws = [L2Tx(0, SECRET_SHOP, 0, (7, 7)).sign(k).encode() for k in SENDERS]
    sent = [system.seal(raw, random.Random(i)) for i, raw in enumerate(raws)]
    with system.sim:
        system.sim.scheduler.at(3_000, "burst", lambda: [system.sim.network.send("user", v.name, raw)
                                                         for raw in sent for v in system.validators])
        system.sim.run(until=15_000)
    node = system.validators[0].chain
    cps = [log.args for _, log in system.chain.logs(system.bridge, "CheckpointSubmitted")]
    calldata = b"".join(tx.data for block in system.chain.blocks for tx in block.transactions)
    return {"height": node.height, "biggest": max(len(b.txs) for b in node.blocks[1:]),
            "included": sum(len(b.txs) for b in node.blocks[1:]), "spans": {last - first + 1 for _, first, last, *_ in cps},
            "posted_headers": any(args[7] for args in cps), "calldata": calldata, "raws": raws}


@pytest.fixture(scope="module")
def runs() -> dict:
    return {name: _run(name) for name in ("default", "high-throughput", "enterprise", "defi-gaming")}


def test_every_preset_runs_and_checkpoints_at_its_own_spacing(runs):
    for name, run in runs.items():
        assert run["height"] >= 5 and run["included"] == len(SENDERS), name
        assert run["spans"] == {PRESETS[name].checkpoint_every}, name


def test_high_throughput_blocks_hold_more_than_the_default_cap(runs):
    assert PRESETS["high-throughput"].consensus.max_txs > MAX_TXS == PRESETS["default"].consensus.max_txs
    assert runs["high-throughput"]["biggest"] > MAX_TXS >= runs["default"]["biggest"]


def test_short_timeouts_make_blocks_come_faster(runs):
    default = runs["default"]["height"]
    assert runs["high-throughput"]["height"] > 2 * default and runs["defi-gaming"]["height"] > 2 * default


def test_enterprise_l1_sees_roots_not_transaction_contents(runs):
    run = runs["enterprise"]
    assert not run["posted_headers"] and run["calldata"]
    assert bytes.fromhex(SECRET_SHOP[2:]) not in run["calldata"]
    assert not any(raw in run["calldata"] or raw[-65:-33] in run["calldata"] for raw in run["raws"])
