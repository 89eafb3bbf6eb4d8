"""L2-to-L1 messages on the optimistic route, driven by hand: proven against a final output,
executed once, in order per sender, failed ones replayed with more gas, and call forwarding
L2 → L1 → L2 with the sender seen (aliased on L2)."""

from __future__ import annotations

from dataclasses import replace

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.messages.contracts.messenger import ALL_CHECKS, CHECK_FINALITY, DELIVERED, FAILED, OPTIMISTIC
from prozchain.rollup.messages.index import index_batch
from prozchain.rollup.messages.l2 import L2_BRIDGE, L2_ECHO
from prozchain.rollup.messages.system import deploy_route, l2_genesis, relay_args
from prozchain.rollup.optimistic import system as optimistic
from prozchain.rollup.optimistic.node import L2Node
from prozchain.rollup.vm.codec import pack_batch
from prozchain.rollup.vm.executor import inbox_roots
from prozchain.rollup.vm.state import addr_int, state_root
from prozchain.rollup.vm.tx import L2Tx, alias

WINDOW = 600


class World:
    def __init__(self, checks: int = ALL_CHECKS) -> None:
        self.deployer = Key.from_seed(b"deployer")
        self.users = [Key.from_seed(f"user-{i}".encode()) for i in range(3)]
        self.chain = Chain({k.address: 100 * ETHER for k in [self.deployer, *self.users]})
        config = optimistic.Config(window=WINDOW, clock=120)
        self.rollup = optimistic.deploy(self.chain, self.deployer, self.deployer.address,
                                        l2_genesis({u.address: ETHER for u in self.users}), config)
        self.route = deploy_route(self.chain, self.deployer, OPTIMISTIC, self.rollup.outputs, 3 * ETHER,
                                  portal=self.rollup.portal, checks=checks)
        self.node = L2Node(self.chain, self.rollup.portal, self.rollup.genesis)
        self.nonces = {u.address: 0 for u in self.users}

    def l2(self, user: Key, to: str, value: int, args: tuple) -> bytes:
        tx = L2Tx(self.nonces[user.address], to, value, args, gas_limit=200_000).sign(user)
        self.nonces[user.address] += 1
        return tx.encode()

    def batch(self, txs: list[bytes]) -> int:
        """Post, derive, propose (honestly); returns the proposal id."""
        _, txs_root = inbox_roots([], txs)
        self.chain.transact(self.deployer, self.rollup.portal, "post_batch", pack_batch(txs), txs_root, len(txs),
                            gas_limit=3_000_000)
        self.node.sync()
        b = len(self.node.batches) - 1
        trace = self.node.batches[b].trace
        receipt = self.chain.transact(self.deployer, self.rollup.outputs, "propose", b, trace.final.encode(),
                                      len(trace), value=ETHER, gas_limit=3_000_000)
        assert receipt.status, receipt.error
        return receipt.return_value

    def finalize(self, pid: int) -> None:
        self.chain.advance_time(WINDOW + 1)
        assert self.chain.transact(self.deployer, self.rollup.outputs, "finalize", pid).status

    def sent(self, batch: int):
        return index_batch(self.node.ex, self.node.batches[batch].trace).messages

    def relay(self, who: Key, pid: int, sent, call_gas: int):
        batch = self.chain.view(self.rollup.outputs, "proposal", pid).batch
        args = relay_args(self.route, self.node.ex, pid, self.node.batches[batch].trace.final,
                          self.route.message(sent), call_gas)
        return self.chain.transact(who, self.route.messenger, "relay", *args, gas_limit=2_000_000)


def test_a_message_executes_once_after_finality_in_order_and_a_failed_one_is_replayed():
    w = World()
    u0, u1, u2 = w.users
    vault = addr_int(w.route.vault)
    txs = [w.l2(u0, L2_BRIDGE, ETHER // 10, (1, vault, addr_int(u0.address), 80_000)),
           w.l2(u1, L2_BRIDGE, ETHER // 5, (1, vault, addr_int(u1.address), 3_000)),  # too little gas
           w.l2(u2, L2_BRIDGE, ETHER // 4, (1, vault, addr_int(u2.address), 80_000))]
    pid = w.batch(txs)
    first, second, third = w.sent(0)
    assert [m.nonce for m in (first, second, third)] == [0, 1, 2] and first.sender == L2_BRIDGE.lower()
    before = w.relay(u2, pid, first, 80_000)
    assert not before.status and "not final" in before.error
    w.finalize(pid)
    early = w.relay(u2, pid, second, 80_000)
    assert not early.status and "in order" in early.error
    ok = w.relay(u2, pid, first, 80_000)
    assert ok.status and ok.return_value is True
    print(f"relay gas, optimistic route, first attempt: {ok.gas_used}")
    again = w.relay(u1, pid, first, 80_000)
    assert not again.status and "was delivered" in again.error
    low = w.relay(u2, pid, second, 1_000)
    assert not low.status and "asks for 3000 gas" in low.error
    failed = w.relay(u2, pid, second, 3_000)
    assert failed.status and failed.return_value is False
    message = w.route.message(second)
    assert w.chain.view(w.route.messenger, "status", message.hash) == FAILED
    retry = w.relay(u2, pid, second, 100_000)
    assert not retry.status and "replay it" in retry.error
    replay = w.chain.transact(u0, w.route.messenger, "replay", message.sender, message.nonce, message.target,
                              list(message.data), message.gas, 100_000, gas_limit=500_000)
    assert replay.status and replay.return_value is True
    print(f"replay gas: {replay.gas_used}")
    assert w.chain.view(w.route.messenger, "status", message.hash) == DELIVERED
    assert not w.chain.transact(u0, w.route.messenger, "replay", message.sender, message.nonce, message.target,
                                list(message.data), message.gas, 100_000, gas_limit=500_000).status
    assert w.relay(u2, pid, third, 80_000).status
    assert w.chain.view(w.route.vault, "released") == ETHER // 10 + ETHER // 5 + ETHER // 4
    assert w.chain.state.balance(w.route.vault) == 3 * ETHER - w.chain.view(w.route.vault, "released")


def test_a_forged_or_altered_message_is_refused():
    w = World()
    u0 = w.users[0]
    pid = w.batch([w.l2(u0, L2_BRIDGE, ETHER // 10, (1, addr_int(w.route.vault), addr_int(u0.address), 80_000))])
    w.finalize(pid)
    (sent,) = w.sent(0)
    forged = replace(sent, data=(sent.data[0], ETHER) + sent.data[2:])
    receipt = w.relay(u0, pid, forged, 80_000)
    assert not receipt.status and "is not in the world" in receipt.error


def test_without_finality_check_a_pending_output_is_enough():
    w = World(checks=ALL_CHECKS & ~CHECK_FINALITY)
    u0 = w.users[0]
    pid = w.batch([w.l2(u0, L2_BRIDGE, ETHER // 10, (1, addr_int(w.route.vault), addr_int(u0.address), 80_000))])
    assert w.relay(u0, pid, w.sent(0)[0], 80_000).status


def test_call_forwarding_l2_to_l1_and_back_sees_the_original_sender():
    w = World()
    u0 = w.users[0]
    pid = w.batch([w.l2(u0, L2_ECHO, 0, (1, addr_int(w.route.forwarder), 41, 200_000))])
    w.finalize(pid)
    (ping,) = w.sent(0)
    assert ping.sender == L2_ECHO.lower() and ping.data[0] == 41
    receipt = w.relay(u0, pid, ping, 200_000)
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
