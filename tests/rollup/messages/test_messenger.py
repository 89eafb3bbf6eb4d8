"""L2-to-L1 messages on the optimistic route, driven by hand: proven against a final output,
executed once, in order per sender, failed ones replayed with more gas, and call forwarding
L2 → L1 → L2 with the sender seen (aliased on L2)."""

from __future__ import annotations

from dataclasses import replace

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.messages.contracts.messenger import ALL_CHECKS, CHECK_FINALITY, DELIVERED, FAILED
from prozchain.rollup.messages.index import index_batch
from prozchain.rollup.messages.l2 import BRIDGE_CODE, ECHO_CODE, L2_BRIDGE, L2_ECHO
from prozchain.rollup.messages.measure import ByHand
from prozchain.rollup.vm import Deposit, Executor, L2Tx, step
from prozchain.rollup.vm.merkle import POSEIDON
from prozchain.rollup.vm.state import MESSENGER, addr_int, message_commitment, retry_id, retry_key
from prozchain.rollup.vm.tx import alias

MESSENGER_AT = f"0x{MESSENGER:040x}"


def test_a_message_executes_once_after_finality_in_order_and_a_failed_one_is_replayed():
    w = ByHand()
    pid = w.batch([w.lock(0, ETHER // 10, 80_000), w.lock(1, ETHER // 5, 3_000),  # too little gas asked
                   w.lock(2, ETHER // 4, 80_000)])
    first, second, third = w.sent(0)
    assert [m.nonce for m in (first, second, third)] == [0, 1, 2] and first.sender == L2_BRIDGE.lower()
    before = w.relay(2, pid, first, 80_000)
    assert not before.status and "not final" in before.error
    w.finalize(pid)
    early = w.relay(2, pid, second, 80_000)
    assert not early.status and "in order" in early.error
    ok = w.relay(2, pid, first, 80_000)
    assert ok.status and ok.return_value is True
    again = w.relay(1, pid, first, 80_000)
    assert not again.status and "was delivered" in again.error
    low = w.relay(2, pid, second, 1_000)
    assert not low.status and "asks for 3000 gas" in low.error
    failed = w.relay(2, pid, second, 3_000)
    assert failed.status and failed.return_value is False
    message = w.route.message(second)
    assert w.chain.view(w.route.messenger, "status", message.hash) == FAILED
    retry = w.relay(2, pid, second, 100_000)
    assert not retry.status and "replay it" in retry.error
    replay = w.replay(0, second, 100_000)
    assert replay.status and replay.return_value is True
    assert w.chain.view(w.route.messenger, "status", message.hash) == DELIVERED
    assert not w.replay(0, second, 100_000).status
    assert w.relay(2, pid, third, 80_000).status
    assert w.chain.view(w.route.vault, "released") == ETHER // 10 + ETHER // 5 + ETHER // 4
    assert w.chain.state.balance(w.route.vault) == 3 * ETHER - w.chain.view(w.route.vault, "released")


def test_a_forged_or_altered_message_is_refused():
    w = ByHand()
    pid = w.batch([w.lock(0, ETHER // 10, 80_000)])
    w.finalize(pid)
    (sent,) = w.sent(0)
    forged = replace(sent, data=(sent.data[0], ETHER) + sent.data[2:])
    receipt = w.relay(0, pid, forged, 80_000)
    assert not receipt.status and "is not in the world" in receipt.error


def test_without_finality_check_a_pending_output_is_enough():
    w = ByHand(checks=ALL_CHECKS & ~CHECK_FINALITY)
    pid = w.batch([w.lock(0, ETHER // 10, 80_000)])
    assert w.relay(0, pid, w.sent(0)[0], 80_000).status


def test_call_forwarding_l2_to_l1_and_back_sees_the_original_sender():
    w = ByHand()
    pid = w.batch([w.l2(0, L2_ECHO, 0, (1, addr_int(w.route.forwarder), 41, 200_000))])
    w.finalize(pid)
    (ping,) = w.sent(0)
    assert ping.sender == L2_ECHO.lower() and ping.data[0] == 41
    receipt = w.relay(0, pid, ping, 200_000)
    assert receipt.status and receipt.return_value is True, receipt
    assert [log.name for log in receipt.logs].count("Deposited") == 1  # the answer, queued on the portal
    w.batch([])  # the next batch carries the L1-to-L2 message
    block = index_batch(w.node.ex, w.node.batches[1].trace)
    (pong,) = block.receipts
    assert (pong.kind, pong.status) == ("message", "ok")
    world = w.node.world(1)
    assert w.node.ex.storage(world, L2_ECHO, 0) == alias(w.route.forwarder)
    assert w.node.ex.storage(world, L2_ECHO, 1) == 42
    assert block.events[0].topic == alias(w.route.forwarder) and block.events[0].data == 42


def test_an_l1_message_whose_l2_call_fails_is_retried_once_by_anyone_with_more_gas():
    w = ByHand()
    sender = w.users[0]
    assert w.chain.transact(sender, w.rollup.portal, "send_message", L2_ECHO, [2, 9], 40, value=7,
                            gas_limit=500_000).status  # 40 gas: the pong runs out
    w.batch([])
    (failed,) = index_batch(w.node.ex, w.node.batches[0].trace).receipts
    assert (failed.kind, failed.status) == ("message", "reverted")
    assert w.node.ex.balance(w.node.world(0), L2_ECHO) == 7  # the value stays credited
    retry = (retry_id(0, failed.item), addr_int(L2_ECHO), alias(sender.address), 2, 9)
    w.batch([w.l2(1, MESSENGER_AT, 0, retry), w.l2(2, MESSENGER_AT, 0, retry)])
    first, second = index_batch(w.node.ex, w.node.batches[1].trace).receipts
    assert first.events and first.events[0].topic == alias(sender.address) and first.events[0].data == 9
    assert second.status == "ok" and not second.events  # consumed: the second retry calls nothing
    world = w.node.world(1)
    assert w.node.ex.storage(world, L2_ECHO, 0) == alias(sender.address)
    assert w.node.ex.db.get(world, retry_key(retry[0])) == 0


def test_every_step_of_messenger_calls_and_l1_messages_is_provable_on_l1():
    """The step function stays what L1 runs in a dispute: each new step (a CALL to the
    messenger, a deposit that calls a contract, its revert) is proven from its witness alone."""
    w = ByHand()
    ex = Executor()
    user = w.users[0]
    world = ex.genesis({user.address: ETHER}, {L2_BRIDGE: BRIDGE_CODE, L2_ECHO: ECHO_CODE})
    deposits = [Deposit(0, L2_ECHO, 5, sender=w.deployer.address, args=(2, 9), gas=50_000),
                Deposit(1, L2_ECHO, 5, sender=w.deployer.address, args=(7,), gas=50_000),  # reverts
                Deposit(2, user.address, 3)]
    txs = [L2Tx(0, L2_BRIDGE, 10, (1, 0xAA, 0xBB, 30_000), gas_limit=100_000).sign(user).encode(),
           L2Tx(1, L2_ECHO, 0, (1, 0xAA, 5, 30_000), gas_limit=100_000).sign(user).encode(),
           L2Tx(2, MESSENGER_AT, 0, (retry_id(0, 1), addr_int(L2_ECHO), alias(w.deployer.address), 7),
                gas_limit=100_000).sign(user).encode()]  # the retry reverts again: still pending
    trace = ex.run(ex.start(world, 0, deposits, txs))
    assert all(step(ex.witness(trace.contexts[i])) == trace.root(i + 1) for i in range(len(trace)))
    block = index_batch(ex, trace)
    assert [r.status for r in block.receipts] == ["ok", "reverted", "ok", "ok", "ok", "reverted"]
    assert ex.db.get(trace.final.world, retry_key(retry_id(0, 1))) != 0
    assert ex.db.get(trace.final.world, retry_key(retry_id(0, 0))) == 0
    assert [(m.sender, m.nonce) for m in block.messages] == [(L2_BRIDGE.lower(), 0), (L2_ECHO.lower(), 0)]


def test_a_message_from_a_poseidon_rollup_is_proven_after_finality():
    """Under the Poseidon commitment the L2 records the message with Poseidon (so the step circuit
    proves the step), and the Poseidon messenger opens it against the finalized output, paying
    L1's Poseidon prices."""
    keccak_world, w = ByHand(), ByHand(commitment="poseidon")
    assert type(w.route.messenger) is str and w.route.scheme.name == "poseidon"
    pid = w.batch([w.lock(0, ETHER // 10, 80_000)])
    (sent,) = w.sent(0)
    message = w.route.message(sent)
    assert message.commitment == message_commitment(addr_int(sent.target), sent.data, sent.gas, POSEIDON)
    assert w.node.ex.db.get(w.node.batches[0].trace.final.world, message.key) == message.commitment
    pending = w.relay(0, pid, sent, 80_000)
    assert not pending.status and "not final" in pending.error
    w.finalize(pid)
    forged = w.relay(0, pid, replace(sent, data=(sent.data[0], ETHER) + sent.data[2:]), 80_000)
    assert not forged.status and "is not in the world" in forged.error
    ok = w.relay(0, pid, sent, 80_000)
    assert ok.status and ok.return_value is True
    assert w.chain.view(w.route.vault, "released") == ETHER // 10
    keccak_pid = keccak_world.batch([keccak_world.lock(0, ETHER // 10, 80_000)])
    keccak_world.finalize(keccak_pid)
    keccak_relay = keccak_world.relay(0, keccak_pid, keccak_world.sent(0)[0], 80_000)
    assert keccak_relay.status and ok.gas_used > keccak_relay.gas_used + 100_000  # Poseidon on L1 costs more
