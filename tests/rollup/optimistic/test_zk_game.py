"""Games that end at a segment proven with Groth16 and verified on L1 by pairing."""

from __future__ import annotations

import dataclasses

import pytest

from prozchain.rollup.optimistic.contracts.outputs import (CHALLENGER, CHALLENGER_WON, DEFENDER, DEFENDER_WON,
                                                          split_points)
from prozchain.rollup.optimistic.zk_agents import segment_circuit
from prozchain.rollup.vm import isa
from prozchain.rollup.vm.circuit import covered
from prozchain.rollup.vm.merkle import POSEIDON
from prozchain.rollup.vm.state import RUN, state_root

from .helpers import CONFIG, rig

K = 2
ZK = dataclasses.replace(CONFIG, commitment="poseidon", segment=K)


@pytest.fixture(scope="module")
def segment():
    return segment_circuit(K)  # the development key every test and scenario on this machine shares


def lying_game(segment, lie_at: int, config=ZK, contract: str | None = None, steps: int | None = None):
    """A Poseidon rollup whose proposer claims a run in which step ``lie_at`` (of a token
    transfer's contract call, or of a call of ``contract``'s assembly, funded with 100 wei) went
    wrong, challenged by an honest challenger, bisected until the range is at most ``steps``
    steps (by default a segment's, one step when ``config.segment`` is 1)."""
    circuit, zkey = segment
    at = "0x" + "c5" * 20
    r = rig(config, zkey.verification_key() if config.segment > 1 else None,
            code=contract and {at: isa.assemble(contract)}, balances=contract and {at: 100})
    r.post([r.l2("alice", at)] if contract else r.transfers(1))
    trace = r.node.batches[0].trace
    run = [i for i in range(len(trace)) if trace.contexts[i].phase == RUN]
    step = run[lie_at]

    def claimed(p: int) -> bytes:  # the proposer's roots: true up to the lie, wrong after it
        ctx = trace.context(p)
        return trace.root(p) if p <= step else state_root(ctx.with_(batch=ctx.batch + 1), POSEIDON)
    final = trace.final
    assert r.outputs("proposer", "propose", 0, final.with_(world=bytes(31) + b"\x01").encode(), len(trace),
                     value=config.proposer_bond).status
    gid = r.outputs("challenger", "challenge", 1, value=config.challenger_bond).return_value
    r.round_gas = []
    while True:
        game = r.view("game", gid)
        if game.hi - game.lo <= (steps or config.segment):
            return r, gid, trace, step
        points = split_points(game.lo, game.hi, config.arity)
        bisect = r.outputs("proposer", "bisect", gid, [claimed(p) for p in points[1:-1]])
        choose = r.outputs("challenger", "choose", gid, next(i for i in range(len(points) - 1) if points[i + 1] > step))
        assert bisect.status and choose.status
        r.round_gas.append(bisect.gas_used + choose.gas_used)


def test_the_honest_challenger_wins_with_a_proven_segment(segment):
    r, gid, trace, step = lying_game(segment, lie_at=6)
    game = r.view("game", gid)
    assert game.lo <= step < game.hi and all(covered(r.node.ex, trace.contexts[i]) for i in range(game.lo, game.hi))
    post, proof = r.node.segment_proof(0, game.lo, game.hi - game.lo, *segment)
    assert post == trace.root(game.hi)
    # a proof of another root, or a forged proof, is refused
    assert not r.outputs("proposer", "prove_segment", gid, trace.root(game.lo), proof).status
    forged = list(proof)
    forged[0] ^= 1
    assert not r.outputs("proposer", "prove_segment", gid, post, forged).status
    receipt = r.outputs("challenger", "prove_segment", gid, post, proof)
    assert receipt.status and receipt.return_value, receipt.error
    assert r.view("game", gid).status == CHALLENGER_WON
    print(f"segment of {game.hi - game.lo} steps: {receipt.gas_used} L1 gas")


def test_a_true_claim_is_defended_with_a_proof(segment):
    circuit, zkey = segment
    r = rig(ZK, zkey.verification_key())
    r.post(r.transfers(1))
    trace = r.node.batches[0].trace
    assert r.outputs("proposer", "propose", 0, trace.final.encode(), len(trace), value=ZK.proposer_bond).status
    gid = r.outputs("challenger", "challenge", 1, value=ZK.challenger_bond).return_value
    run = [i for i in range(len(trace)) if trace.contexts[i].phase == RUN]
    target = run[6]
    while r.view("game", gid).hi - r.view("game", gid).lo > K:  # a challenger steering into the contract's run
        game = r.view("game", gid)
        points = split_points(game.lo, game.hi, ZK.arity)
        assert r.outputs("proposer", "bisect", gid, [trace.root(p) for p in points[1:-1]]).status
        assert r.outputs("challenger", "choose", gid, next(i for i in range(len(points) - 1)
                                                            if points[i + 1] > target)).status
    game = r.view("game", gid)
    post, proof = r.node.segment_proof(0, game.lo, game.hi - game.lo, *segment)
    receipt = r.outputs("proposer", "prove_segment", gid, post, proof)
    assert receipt.status and not receipt.return_value
    assert r.view("game", gid).status == DEFENDER_WON


def challenger_gas(r) -> int:
    """The L1 gas of every transaction the challenger sent."""
    sender = r.keys["challenger"].address
    return sum(receipt.gas_used for block in r.chain.blocks
               for tx, receipt in zip(block.transactions, block.receipts) if tx.sender == sender)


def test_a_lying_defender_cannot_make_the_challenger_re_execute(segment):
    """The griefing attempt: at a provable range, the liar bisects down to one step, which used to
    hand the challenger a re-execution of about 3M gas (Poseidon). The move stays with the liar:
    the challenger may not prove its turn away, and wins by the clock having paid only its choices."""
    r, gid, trace, step = next(g for g in (lying_game(segment, lie_at) for lie_at in range(4, 12))
                               if g[0].view("game", g[1]).hi - g[0].view("game", g[1]).lo == K)
    game = r.view("game", gid)
    assert game.turn == DEFENDER
    points = split_points(game.lo, game.hi, ZK.arity)
    claimed = [state_root(trace.context(p).with_(batch=1), POSEIDON) for p in points[1:-1]]
    assert r.outputs("proposer", "bisect", gid, claimed).status  # a range the circuit covers, bisected on
    assert r.outputs("challenger", "choose", gid, 0).status
    game = r.view("game", gid)
    assert game.hi - game.lo == 1 and game.turn == DEFENDER  # the one step is the liar's to re-execute
    assert not r.outputs("challenger", "choose", gid, 0).status
    r.wait(ZK.clock + 1)
    timeout = r.outputs("challenger", "timeout", gid)
    assert timeout.status and r.view("game", gid).status == CHALLENGER_WON
    one = dataclasses.replace(ZK, segment=1)
    r1, gid1, _, _ = lying_game(segment, lie_at=6, config=one)
    re_executed = r1.prove(gid1, 0)
    spent = challenger_gas(r)
    print(f"\nthe challenger's L1 gas against the griefing liar: {spent:,} (a Poseidon re-execution alone: "
          f"{re_executed.gas_used:,})")
    assert spent < re_executed.gas_used // 2


def test_one_step_re_execution_keeps_the_challenger_proving():
    """K = 1: a one-step range is still the challenger's to re-execute."""
    r = rig(dataclasses.replace(ZK, segment=1))
    r.post(r.transfers(1))
    trace = r.node.batches[0].trace
    assert r.outputs("proposer", "propose", 0, trace.final.with_(world=bytes(31) + b"\x01").encode(), len(trace),
                     value=ZK.proposer_bond).status
    gid = r.outputs("challenger", "challenge", 1, value=ZK.challenger_bond).return_value
    while r.view("game", gid).hi - r.view("game", gid).lo > 1:
        assert r.bisect(gid, 0).status and r.choose_honestly(gid, 0).status
    assert r.view("game", gid).turn == CHALLENGER


def test_an_honest_defender_re_executes_a_step_the_circuit_does_not_cover(segment):
    """A griefer steers the game to the transaction's start (RLP and a signature: not in the
    circuit); the true defender bisects on and re-executes the one step itself, and wins."""
    circuit, zkey = segment
    r = rig(ZK, zkey.verification_key())
    r.post(r.transfers(1))
    trace = r.node.batches[0].trace
    target = next(i for i in range(len(trace)) if not covered(r.node.ex, trace.contexts[i]))
    assert r.propose(0).status
    gid = r.outputs("challenger", "challenge", 1, value=ZK.challenger_bond).return_value
    while r.view("game", gid).hi - r.view("game", gid).lo > 1:
        game = r.view("game", gid)
        points = split_points(game.lo, game.hi, ZK.arity)
        assert r.bisect(gid, 0).status
        assert r.outputs("challenger", "choose", gid, next(i for i in range(len(points) - 1)
                                                            if points[i + 1] > target)).status
    game = r.view("game", gid)
    assert (game.lo, game.turn) == (target, DEFENDER)
    receipt = r.prove(gid, 0, who="proposer")
    assert receipt.status and not receipt.return_value
    assert r.view("game", gid).status == DEFENDER_WON
