"""L2-to-L1 messages from the sidechain: proven against a checkpoint's world, executed only
once that world is acceptable under the bridge's security model."""

from __future__ import annotations

import pytest

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.messages.measure import sidechain_message


@pytest.mark.parametrize("mode", ["staking", "optimistic"])
def test_a_sidechain_message_executes_once_its_checkpoint_is_acceptable(mode):
    """Either model accepts a checkpoint's world only after its window: a relay before is refused."""
    side = sidechain_message(mode)
    chain, route, bridge = side.system.chain, side.route, side.system.bridge
    world = chain.view(bridge, "checkpoint", side.checkpoint).world
    assert not chain.view(bridge, "acceptable", world)
    relay = lambda: chain.transact(side.user, route.messenger, "relay", *side.relay_args, gas_limit=1_000_000)
    early = relay()
    assert not early.status and "not acceptable yet" in early.error
    chain.advance_time(side.system.config.window + 1)
    chain.mine()
    receipt = relay()
    assert receipt.status and receipt.return_value is True, receipt.error
    again = relay()
    assert not again.status and "was delivered" in again.error
    assert chain.view(route.vault, "released") == ETHER // 4
