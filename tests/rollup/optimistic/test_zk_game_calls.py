"""A game whose last range holds a contract's outermost RET, or the settling of its fees, ends
with a proven segment (such a range used to be bisected on to one re-executed step)."""

from __future__ import annotations

from prozchain.rollup.optimistic.contracts.outputs import CHALLENGER_WON
from prozchain.rollup.vm import isa
from prozchain.rollup.vm.circuit import covered
from prozchain.rollup.vm.merkle import POSEIDON
from prozchain.rollup.vm.state import END, code_key

from .test_zk_game import lying_game, segment  # noqa: F401 - the fixture


def test_a_range_holding_the_return_and_the_fees_is_proven(segment):  # noqa: F811
    r, gid, trace, step = lying_game(segment, lie_at=-1)  # the contract's last step
    ex, ctx = r.node.ex, trace.contexts[step]
    assert isa.decode(ex.db.get(ctx.world, code_key(ctx.frame.address, ctx.frame.pc, POSEIDON))).op == "RET"
    game = r.view("game", gid)
    assert game.lo <= step < game.hi and all(covered(ex, trace.contexts[i]) for i in range(game.lo, game.hi))
    post, proof = r.node.segment_proof(0, game.lo, game.hi - game.lo, *segment)
    assert trace.contexts[step + 1].phase == END
    receipt = r.outputs("challenger", "prove_segment", gid, post, proof)
    assert receipt.status and receipt.return_value, receipt.error
    assert r.view("game", gid).status == CHALLENGER_WON
