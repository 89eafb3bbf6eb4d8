"""A game whose last range holds a message to L1, or value sent to the bridge, ends with a
proven segment on a Poseidon rollup (such a range used to be bisected on to one re-executed
step). Value sent to the bridge takes two of the segment's slots: a range of two steps holding
it does not fit ``Segment(2)`` and is bisected on to the step itself, which does."""

from __future__ import annotations

import pytest

from prozchain.rollup.optimistic.contracts.outputs import CHALLENGER_WON
from prozchain.rollup.optimistic.zk_agents import segment_end
from prozchain.rollup.vm.circuit import fits, slots
from prozchain.rollup.vm.state import BRIDGE, MESSENGER, RUN

from .test_zk_game import K, lying_game, segment  # noqa: F401 - the fixture

SENDER = f"""
    SET r7, {MESSENGER}
    SET r1, 99
    CALL r7, r0, r2      # a message to L1
    SET r7, {BRIDGE}
    SET r6, 5
    CALL r7, r6, r3      # 5 wei to the bridge
    RET r3
"""


@pytest.mark.parametrize("call, lie_at, steps", [("message", 2, None), ("bridge", 5, 1)])
def test_a_range_holding_a_message_or_a_withdrawal_is_proven(segment, call, lie_at, steps):  # noqa: F811
    r, gid, trace, step = lying_game(segment, lie_at=lie_at, contract=SENDER, steps=steps)
    ex, ctx = r.node.ex, trace.contexts[step]
    assert ctx.phase == RUN and ctx.frame.regs[7] == (MESSENGER if call == "message" else BRIDGE)
    assert slots(ex, ctx) == (1 if call == "message" else 2)
    game = r.view("game", gid)
    assert game.lo <= step < game.hi and segment_end(ex, trace, game, K)
    if call == "bridge":  # with the step before it, the withdrawal would not fit the segment's two slots
        assert game.hi - game.lo == 1 and not fits(ex, trace.contexts[step - 1:step + 1], K)
    post, proof = r.node.segment_proof(0, game.lo, game.hi - game.lo, *segment)
    assert post == trace.root(game.hi)
    receipt = r.outputs("challenger", "prove_segment", gid, post, proof)
    assert receipt.status and receipt.return_value, receipt.error
    assert r.view("game", gid).status == CHALLENGER_WON
