"""Messages from the ZK rollup: a signed ``message`` transaction in a verified batch, opened on
L1 from the batch's posted data (whose keccak the rollup keeps), executed once, in order."""

from __future__ import annotations

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.messages.contracts.messenger import ZK
from prozchain.rollup.messages.system import deploy_route
from prozchain.rollup.messages.zk import payload, zk_sender
from prozchain.rollup.vm.state import addr_int
from prozchain.rollup.zk.system import DEFAULT_TYPES
from prozchain.testing.rig import make_rig


def test_a_zk_message_executes_once_its_batch_is_verified():
    rig = make_rig(types=DEFAULT_TYPES + ("message",))
    assert rig.deposit(0, 1_000).status
    assert rig.pipeline.run_batch()[1].status
    route = deploy_route(rig.chain, rig.system.operator, ZK, rig.system.rollup, ETHER, l2_sender=zk_sender(1))
    recipient = addr_int(rig.users[0].address)
    messages = [(recipient, amount, 0, 0) for amount in (ETHER // 10, ETHER // 20)]
    for seq, words in enumerate(messages):
        tx = rig.sign("message", {"from": 1, "seq": seq, "target": addr_int(route.vault),
                                  "payload": payload(words, 80_000)}, [0], [seq])
        assert rig.pipeline.accept(tx) is None
    batch, receipt, _ = rig.pipeline.run_batch()
    assert receipt.status and [t.type for t in batch.txs] == ["message", "message"]
    number = receipt.return_value

    def relay(index: int, words: tuple, data: bytes = batch.data):
        return rig.chain.transact(rig.users[1], route.messenger, "relay_zk", number, data, index, route.vault,
                                  list(words), 80_000, 80_000, gas_limit=2_000_000)

    early = relay(1, messages[1])
    assert not early.status and "in order" in early.error
    altered = relay(0, (recipient, ETHER, 0, 0))
    assert not altered.status and "another target or payload" in altered.error
    assert not relay(0, messages[0], batch.data[:-1] + b"\x01").status
    first = relay(0, messages[0])
    assert first.status and first.return_value is True, first.error
    print(f"relay gas, ZK route: {first.gas_used}")
    again = relay(0, messages[0])
    assert not again.status and "was delivered" in again.error
    assert relay(1, messages[1]).status
    assert rig.chain.view(route.vault, "released") == ETHER // 10 + ETHER // 20
