"""The token bridges to the sidechain under its optimistic security model too: through the
registry, paid back only once the checkpoint holding the burn is past its fraud-proof window
(a forged mint's exit is covered in tests/rollup/sidechain/test_assets.py)."""

from __future__ import annotations

import pytest

from prozchain.rollup.crosslayer.errors import NotFinal
from prozchain.rollup.crosslayer.protocol import PROVEN
from prozchain.rollup.crosslayer.system import build, run_until, settle
from prozchain.rollup.sidechain.contracts.modes import OPTIMISTIC


def test_the_optimistic_sidechain_pays_the_token_back_after_its_window_only():
    world = build(3, layers=("sidechain",), model=OPTIMISTIC)
    bridge, user, chain, token = world.bridges["sidechain"], world.users[0], world.chain, world.fabric.token
    assert bridge.name == "sidechain (optimistic)" and "fraud-proof window" in bridge.rule
    with world.sim:
        bridge.deposit(user, 1_000)
        assert run_until(world.sim, lambda: bridge.balance(user.address) == 1_000, 120_000)
        assert bridge.escrow() == 1_000 and bridge.conserved()
        w = bridge.withdraw(user, 400)

        def proven() -> bool:
            try:
                bridge.prove(w)
            except NotFinal:
                return False  # no checkpoint holds the burn yet
            return True
        assert run_until(world.sim, proven, 120_000)
        assert bridge.status(w).stage == PROVEN and bridge.status(w).final_at > chain.time
        with pytest.raises(NotFinal, match="fraud-proof window"):
            bridge.finalize(w)  # inside the window
        assert bridge.conserved()
        assert settle(world.sim, bridge, w)
        before = chain.view(token, "balance_of", user.address)
        bridge.finalize(w)
        assert chain.view(token, "balance_of", user.address) == before + 400
        assert bridge.escrow() == 600 and bridge.conserved()
