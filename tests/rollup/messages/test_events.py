"""Event subscriptions: VM events per batch with receipts, statuses rising with finality on
every layer, and the events of an optimistic output proven invalid retracted."""

from __future__ import annotations

from prozchain.rollup.common.units import BLOCK_MS
from prozchain.rollup.l1 import Key
from prozchain.rollup.messages import scenarios
from prozchain.rollup.messages.agents import ForgingProposer
from prozchain.rollup.messages.contracts.messenger import CHECK_FINALITY
from prozchain.rollup.messages.events import (BATCHED, FINAL, PROVEN, RETRACTED, SEEN, L1Events, OptimisticEvents,
                                              Subscription, ZkEvents)
from prozchain.rollup.messages.index import index_batch
from prozchain.rollup.messages.l2 import BRIDGE_CODE, L2_BRIDGE
from prozchain.rollup.optimistic.node import L2Node
from prozchain.rollup.sim.store import MemoryStore
from prozchain.rollup.vm import Executor, L2Tx
from prozchain.rollup.vm.state import state_root
from prozchain.rollup.zk.node import tx_id
from prozchain.testing.rig import make_rig


def test_receipts_keep_the_events_of_applied_transactions_only():
    alice = Key.from_seed(b"alice")
    ex = Executor()
    world = ex.genesis({alice.address: 100}, {L2_BRIDGE: BRIDGE_CODE})
    txs = [L2Tx(0, L2_BRIDGE, 10, (1, 0xAA, 0xBB, 1)).sign(alice).encode(),
           L2Tx(1, L2_BRIDGE, 10, (7,)).sign(alice).encode(),           # unknown method: reverts
           L2Tx(5, L2_BRIDGE, 10, (1, 0xAA, 0xBB, 1)).sign(alice).encode(),  # nonce gap: skipped
           L2Tx(2, L2_BRIDGE, 20, (1, 0xAA, 0xCC, 1)).sign(alice).encode()]
    block = index_batch(ex, ex.run(ex.start(world, 0, [], txs)))
    assert [r.status for r in block.receipts] == ["ok", "reverted", "skipped", "ok"]
    assert [(e.index, e.topic, e.data) for e in block.events] == [(0, 0xBB, 10), (1, 0xCC, 20)]
    assert [m.nonce for m in block.messages] == [0, 1] and all(r.gas_used > 0 for r in block.receipts[:2])


def _views(forger, node: L2Node):
    def trusting(batch: int) -> bytes:
        lie, final = forger.store.get("lie"), node.batches[batch].trace.final
        if lie is not None and lie["batch"] == batch:
            return state_root(final.with_(world=bytes.fromhex(lie["world"])))
        return state_root(final)
    return trusting


def test_optimistic_events_rise_to_final_and_those_of_a_false_output_are_retracted():
    params = dict(scenarios.COMMON, defense="on", lie_from=1)
    run = scenarios.build(5, params, CHECK_FINALITY)
    with run.sim:
        scenarios.add_rollup_agents(run, ForgingProposer, route=run.route, lie_from=1)
        node = L2Node(run.chain, run.rollup.portal, run.rollup.genesis)
        trusting = Subscription(OptimisticEvents(run.rollup, node, view=_views(run.agents["proposer"], node)))
        verifying = Subscription(OptimisticEvents(run.rollup), L1Events(run.chain, run.route.vault))
        seen = {"trusting": {}, "verifying": {}}
        t = 0
        while t < scenarios.final_time(run) + 20 * BLOCK_MS:
            t += BLOCK_MS
            run.sim.run(until=t)
            for name, sub in (("trusting", trusting), ("verifying", verifying)):
                for update in sub.poll():
                    seen[name].setdefault(update.event, []).append(update.status)
        lie_batch = run.agents["proposer"].store.get("lie")["batch"]
    verifying_l2 = {e: s for e, s in seen["verifying"].items() if e.layer == "optimistic"}
    assert verifying_l2 and all(s == [BATCHED, PROVEN, FINAL] or s == [BATCHED, FINAL] for s in verifying_l2.values())
    assert all(s[-1] == FINAL for e, s in seen["verifying"].items() if e.layer == "l1")
    retracted = [e for e, s in seen["trusting"].items() if s[-1] == RETRACTED]
    assert retracted and {e.block for e in retracted} == {lie_batch}
    assert all(s == [BATCHED, RETRACTED] for e, s in seen["trusting"].items() if e.block == lie_batch)


def test_zk_batches_deliver_their_transactions_proven_then_final():
    rig = make_rig()
    for user, amount in enumerate((1_000, 500)):
        assert rig.deposit(user, amount).status
    sub = Subscription(ZkEvents(rig.chain, rig.system.rollup, confirmations=5), L1Events(rig.chain, rig.system.rollup))
    assert {u.event.layer for u in sub.poll()} == {"l1"}  # the deposits' L1 events
    _, receipt, _ = rig.pipeline.run_batch()
    assert receipt.status
    zk = [u for u in sub.poll() if u.event.layer == "zk"]
    assert [(u.event.name, u.status) for u in zk] == [("deposit", PROVEN), ("deposit", PROVEN)]
    for _ in range(5):
        rig.chain.mine()
    assert [(u.event.name, u.status) for u in sub.poll() if u.event.layer == "zk"] == [("deposit", FINAL)] * 2


def _zk_statuses(sub: Subscription, seen: dict) -> dict:
    for update in sub.poll():
        if update.event.layer == "zk":
            seen.setdefault(update.event.uid, []).append((update.event.block, update.status))
    return seen


def test_a_zk_transfer_rises_from_the_mempool_through_its_batch_to_final():
    rig = make_rig()
    for user, amount in enumerate((1_000, 500)):
        assert rig.deposit(user, amount).status
    assert rig.pipeline.run_batch()[1].status
    sub = Subscription(ZkEvents(rig.chain, rig.system.rollup, confirmations=2, operator=rig.pipeline))
    deposits = _zk_statuses(sub, {})
    assert [s for s in deposits.values()] == [[(0, PROVEN)]] * 2 and len(deposits) == 2
    seen = {}
    tx = rig.transfer(0, 1, 100)
    assert rig.pipeline.receive(tx).state == "pending"
    _zk_statuses(sub, seen)
    batch = rig.pipeline.seal()
    _zk_statuses(sub, seen)
    assert rig.pipeline.submit(batch, rig.pipeline.prove(batch)[0]).status
    _zk_statuses(sub, seen)
    for _ in range(2):
        rig.chain.mine()
    seen = _zk_statuses(sub, seen)
    assert seen.pop(tx_id(tx)) == [(-1, SEEN), (1, BATCHED), (1, PROVEN), (1, FINAL)]
    assert seen == {uid: [(0, FINAL)] for uid in deposits}  # the deposits of batch 0 went final too


def test_a_sealed_batch_the_operator_drops_is_retracted_and_never_proven():
    rig = make_rig()
    for user, amount in enumerate((1_000, 500)):
        assert rig.deposit(user, amount).status
    assert rig.pipeline.run_batch()[1].status
    sub = Subscription(ZkEvents(rig.chain, rig.system.rollup, operator=rig.pipeline))
    _zk_statuses(sub, {})
    seen = {}
    tx = rig.transfer(0, 1, 100)
    rig.pipeline.receive(tx)
    _zk_statuses(sub, seen)
    batch = rig.pipeline.seal()
    words, _ = rig.pipeline.prove(batch)
    refused = rig.pipeline.submit(batch, words[2:4] + words[:2] + words[4:])  # a proof L1 refuses
    assert not refused.status
    _zk_statuses(sub, seen)
    rig.pipeline.store = MemoryStore()  # the operator restarts, its store lost
    rig.pipeline.restore()
    _zk_statuses(sub, seen)
    assert seen[tx_id(tx)] == [(-1, SEEN), (1, BATCHED), (1, RETRACTED)]
    rig.pipeline.receive(tx)  # the wallet resends it
    _zk_statuses(sub, seen)
    assert rig.pipeline.run_batch()[1].status
    assert _zk_statuses(sub, seen)[tx_id(tx)][3:] == [(-1, SEEN), (1, PROVEN)]
