"""The priority auction end to end on the optimistic rollup's sequencer set: members post each
batch highest bid first, the receipts hold nothing against them, and the bids (the fees the
VM put in the fee vault) go back to the batch's users on L2 through the vault's payouts, the
indivisible rest burnt, the fee ledger balanced to the wei."""

from __future__ import annotations

import random

from prozchain.rollup.common.units import ETHER, GWEI
from prozchain.rollup.economics import AUCTION, AUCTION_SPLIT, BATCHER, BURNED, Charge, FeeLedger
from prozchain.rollup.economics.bonds import BURN
from prozchain.rollup.economics.ordering import Arrival, ArrivalReceipt, PriorityAuction, audit
from prozchain.rollup.optimistic.node import L2Node
from prozchain.rollup.optimistic.scenarios import BACKUP_S, build_set, send_l2
from prozchain.rollup.optimistic.sequencers import posted_batches
from prozchain.rollup.sim import registry
from prozchain.rollup.vm import INTRINSIC_GAS, L2Tx
from prozchain.rollup.vm.examples import FEE_VAULT_ADDRESS
from prozchain.rollup.vm.merkle import keccak

POOL = "auction-pool"


def synced(run) -> L2Node:
    node = L2Node(run.chain, run.system.portal, run.system.genesis)
    node.sync()
    return node


def balance(node: L2Node, who: str) -> int:
    return node.ex.balance(node.world(len(node.batches) - 1), who)


def test_members_order_by_bid_and_the_proceeds_go_back_to_the_users_on_l2():
    params = {**registry.all_scenarios()["mev-reorder"].defaults, "loss": 0.0}
    run = build_set(7, params, {"seq-0": (2 * ETHER, {}), "seq-1": (ETHER, {})}, BACKUP_S, policy="priority-auction")
    rng = random.Random(7)
    for i, user in enumerate(run.users):  # a third payment each, bidding, all within one batch's time
        peer = run.users[(i + 1) % len(run.users)]
        send_l2(run, 200_000 + 500 * i, user, L2Tx(2, peer.address, 1, gas_limit=INTRINSIC_GAS,
                                                   gas_price=rng.randint(1, 100) * GWEI))
    run.sim.run(until=400_000)
    node = synced(run)
    posted = posted_batches(run.chain, run.gate, node)
    held = [(ArrivalReceipt.from_json(r["receipt"]), r["signer"]) for r in run.agents["wallet"].receipts()]
    assert len(held) >= 3 * len(run.users) and audit(PriorityAuction(), held, posted) == []
    ledger = FeeLedger(AUCTION_SPLIT, {AUCTION: POOL, BATCHER: run.keys["seq-0"].address})
    bidders = 0
    for p in posted:
        batch = node.batches[p.batch]
        prices = [L2Tx.decode(raw).gas_price for raw in batch.txs]
        assert prices == sorted(prices, reverse=True)
        # every member posts its whole stream: a transaction another posted first is void here, and pays nothing
        txs = [L2Tx.decode(batch.txs[i]) for i in sorted(batch.applied)]
        bidders += sum(tx.gas_price > 0 for tx in txs)
        for tx in txs:
            ledger.collect(Charge(0, tx.gas_price * INTRINSIC_GAS, 0), reason=f"batch {p.batch}")
        arrivals = [Arrival(i, keccak(tx.encode()), tx.gas_price) for i, tx in enumerate(txs)]
        settlement = PriorityAuction().settle(arrivals, {a.tx_hash: INTRINSIC_GAS for a in arrivals})
        ledger.redistribute(POOL, settlement, {i: tx.sender for i, tx in enumerate(txs)}, f"batch {p.batch}")
    assert bidders == len(run.users) and ledger.balanced() and ledger.owed[POOL] == 0
    assert balance(node, FEE_VAULT_ADDRESS) == ledger.paid  # every bid is in the vault, to the wei
    owed = {who: amount for who, amount in ledger.owed.items() if amount} | {BURN: ledger.burned}
    before = {who: balance(node, who) for who in owed}
    distributor = run.keys["distributor"]
    for nonce, (who, amount) in enumerate(sorted(owed.items())):
        send_l2(run, 410_000 + 1_000 * nonce, distributor,
                L2Tx(nonce, FEE_VAULT_ADDRESS, 0, args=(1, int(who, 16), amount), gas_limit=100_000))
    run.sim.run(until=1_500_000)  # one call per batch: a sender has one transaction in an auction batch
    node = synced(run)
    for who, amount in owed.items():
        assert balance(node, who) - before[who] == amount, who
        if who != BURN:
            ledger.settle(who, amount)
    assert balance(node, FEE_VAULT_ADDRESS) == 0 and ledger.balanced() and sum(ledger.settled.values()) + \
        ledger.burned == ledger.paid
    assert not run.chain.logs(run.gate, "Slashed")  # honest members kept every receipt, deadlines too
    assert {p.role for p in ledger.payouts} >= {AUCTION, "rebate"} and any(p.role == BURNED for p in ledger.payouts) \
        == (ledger.burned > 0)


def test_a_member_that_ignores_the_bids_is_slashed_with_a_pair_of_receipts():
    params = {**registry.all_scenarios()["mev-reorder"].defaults, "loss": 0.0}
    run = build_set(8, params, {"seq-0": (2 * ETHER, {"mode": "ignore-bids"})}, 0, policy="priority-auction")
    for i, user in enumerate(run.users):  # rising bids: arrival order is against the bid order
        peer = run.users[(i + 1) % len(run.users)]
        send_l2(run, 200_000 + 500 * i, user, L2Tx(2, peer.address, 1, gas_limit=INTRINSIC_GAS,
                                                   gas_price=(i + 1) * GWEI))
    run.sim.run(until=400_000)
    slashed = [log.args for _, log in run.chain.logs(run.gate, "Slashed")]
    assert [(who, reason[:24]) for who, _, _, reason in slashed] == [(run.keys["seq-0"].address,
                                                                      "posted against the bid o")]
