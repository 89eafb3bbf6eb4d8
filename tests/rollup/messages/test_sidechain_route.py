"""L2-to-L1 messages from the sidechain: proven against a checkpoint's world, executed only
once that world is acceptable under the bridge's security model."""

from __future__ import annotations

import pytest

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Key
from prozchain.rollup.messages.contracts.messenger import SIDECHAIN
from prozchain.rollup.messages.index import index_batch
from prozchain.rollup.messages.l2 import BRIDGE_CODE, L2_BRIDGE
from prozchain.rollup.messages.system import deploy_route, relay_args
from prozchain.rollup.sidechain.node.chain import Genesis
from prozchain.rollup.sidechain.system import MODES, Config, build
from prozchain.rollup.vm.state import Context, addr_int
from prozchain.rollup.vm.tx import L2Tx


@pytest.mark.parametrize("mode", ["staking", "optimistic"])
def test_a_sidechain_message_executes_once_its_checkpoint_is_acceptable(mode):
    """Either model accepts a checkpoint's world only after its window: a relay before is refused."""
    user = Key.from_seed(b"sidechain-messenger-user")
    system = build(3, Config(mode=MODES[mode], window=120), genesis=Genesis(balances={user.address: ETHER}, code={L2_BRIDGE: BRIDGE_CODE}),
                   users=[user])
    chain = system.chain
    route = deploy_route(chain, system.keys["deployer"], SIDECHAIN, system.bridge, ETHER)
    raw = L2Tx(0, L2_BRIDGE, ETHER // 4, (1, addr_int(route.vault), addr_int(user.address), 80_000),
               gas_limit=200_000).sign(user).encode()
    with system.sim:
        system.sim.scheduler.at(3_000, "user: lock", lambda: [system.sim.network.send("user", v.name, raw)
                                                              for v in system.validators])
        sent, until = [], 3_000
        while not sent:
            until += system.config.l1_block_ms
            system.sim.run(until=until)
            state = system.validators[0].chain
            for height in range(1, state.height + 1):
                block = state.blocks[height]
                trace = state.ex.run(state.ex.start(state.headers[height - 1].world, height, block.deposits,
                                                    block.txs))
                sent += [(height, m) for m in index_batch(state.ex, trace).messages]
        ((height, message),) = sent
        number = height // system.config.checkpoint_every + 1
        while chain.view(system.bridge, "count") < number:
            until += system.config.l1_block_ms
            system.sim.run(until=until)
        record = chain.view(system.bridge, "checkpoint", number)
        args = relay_args(route, state.ex, number, Context(world=record.world), route.message(message), 80_000)
        assert not chain.view(system.bridge, "acceptable", record.world)
        early = chain.transact(user, route.messenger, "relay", *args, gas_limit=1_000_000)
        assert not early.status and "not acceptable yet" in early.error
        chain.advance_time(system.config.window + 1)
        chain.mine()
        receipt = chain.transact(user, route.messenger, "relay", *args, gas_limit=1_000_000)
        assert receipt.status and receipt.return_value is True, receipt.error
        print(f"relay gas, sidechain route ({mode}): {receipt.gas_used}")
        again = chain.transact(user, route.messenger, "relay", *args, gas_limit=1_000_000)
        assert not again.status and "was delivered" in again.error
        assert chain.view(route.vault, "released") == ETHER // 4
