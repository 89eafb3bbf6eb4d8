"""Games that end at an inbox item's start proven with ``TxStart`` (a transaction) or
``DepositStart`` (a deposit or L1 message): L1 opens the raw item in the batch's inbox, decodes
it, for a transaction recovers its signer with ``ecrecover``, and checks the proof against the
public inputs it computed itself, so a proof made for another sender, other fields, another
index or another item is refused; and the L1 gas beside re-executing the same start."""

from __future__ import annotations

import dataclasses

import pytest

from prozchain.rollup.l1.crypto import Key, rlp_encode
from prozchain.rollup.optimistic.contracts.outputs import CHALLENGER_WON, DEFENDER_WON, split_points
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.optimistic.zk_agents import start_circuit, start_step
from prozchain.rollup.vm import Deposit, L2Tx
from prozchain.rollup.vm.circuit import start_inputs, txstart_inputs
from prozchain.rollup.vm.merkle import POSEIDON
from prozchain.rollup.vm.state import IDLE, MESSENGER, RUN, state_root
from prozchain.native.kernels import ints_to_array
from prozchain.rollup.optimistic.node import prove_words

from .helpers import CONFIG, TOKEN_AT, rig
from .test_zk_game import K, ZK, segment  # noqa: F401 - the fixture


@pytest.fixture(scope="module")
def txstart():
    return start_circuit("txstart")


@pytest.fixture(scope="module")
def depstart():
    return start_circuit("depstart")


def starts(trace, deposits: bool = False) -> list[int]:
    """The steps of ``trace`` that begin a transaction (a deposit)."""
    return [i for i, c in enumerate(trace.contexts[:-1]) if c.phase == IDLE and (c.next_item < c.n_dep) == deposits]


def steered_game(segment, starters, lying: bool, which: int = 1, config=ZK, deposits: bool = False):
    """Two token transfers in a batch (after a deposit and an L1 message calling the token, with
    ``deposits``); the proposer claims the true run, or (``lying``) a run whose roots go wrong
    from the start of transaction (deposit) ``which`` on; a challenger steers the bisection to
    that start, the defender bisecting until the range is that one step. ``starters``: the
    compiled start circuits and keys (TxStart's, DepositStart's)."""
    r = rig(config, segment[1].verification_key() if config.segment > 1 else None,
            start_vks=tuple(zkey.verification_key() for _, zkey in starters) if config.segment > 1 else None)
    if deposits:
        assert r.tx("alice", r.system.portal, "deposit", r.keys["alice"].address, value=ETHER).status
        assert r.tx("alice", r.system.portal, "send_message", TOKEN_AT, [1, 2, 3], 50_000, value=ETHER // 2).status
    r.post(r.transfers(2))
    trace = r.node.batches[0].trace
    target = starts(trace, deposits)[which]

    def claimed(p: int) -> bytes:
        ctx = trace.context(p)
        return trace.root(p) if not lying or p <= target else state_root(ctx.with_(batch=ctx.batch + 1), r.node.ex.scheme)
    final = trace.final.with_(world=bytes(31) + b"\x01") if lying else trace.final
    assert r.outputs("proposer", "propose", 0, final.encode(), len(trace), value=config.proposer_bond).status
    gid = r.outputs("challenger", "challenge", 1, value=config.challenger_bond).return_value
    gas = 0
    while r.view("game", gid).hi - r.view("game", gid).lo > 1:
        game = r.view("game", gid)
        points = split_points(game.lo, game.hi, config.arity)
        bisect = r.outputs("proposer", "bisect", gid, [claimed(p) for p in points[1:-1]])
        choose = r.outputs("challenger", "choose", gid, next(i for i in range(len(points) - 1) if points[i + 1] > target))
        assert bisect.status and choose.status
        gas += bisect.gas_used + choose.gas_used
    assert r.view("game", gid).lo == target
    return r, gid, trace, target, gas


def forged_proof(r, starter, ctx, raw: bytes) -> tuple[bytes, list[int]]:
    """A genuine proof (of ``starter``, the compiled start circuit and key) of the step after
    ``ctx`` had the inbox item been ``raw``: what a liar who hands L1 another sender, caller or
    other fields has."""
    deposit = ctx.next_item < ctx.n_dep
    inbox = r.node.ex.inboxes[ctx.dep_root if deposit else ctx.txs_root]
    index, saved = ctx.next_item - (0 if deposit else ctx.n_dep), list(inbox)
    inbox[index] = raw
    try:
        _, inputs = start_inputs(r.node.ex, ctx)
    finally:
        inbox[:] = saved
    circuit, zkey = starter
    return inputs["post_root"].to_bytes(32, "big"), prove_words(zkey, ints_to_array(circuit.solve(inputs)))


def test_the_honest_challenger_wins_with_a_proven_start_and_every_lie_is_refused(segment, txstart, depstart):
    r, gid, trace, target, _ = steered_game(segment, (txstart, depstart), lying=True)
    ctx = trace.context(target)
    raw, index, path = r.node.inbox_item(0, target)
    assert index == 1 and txstart_inputs(r.node.ex, ctx)["valid"] == 1
    tx = L2Tx.decode(raw)
    alice = r.keys["alice"]
    lies = {
        "wrong sender": dataclasses.replace(tx, signature=None).sign(r.keys["bob"]).encode(),
        "tampered fields": dataclasses.replace(tx, args=(1, 1, 2), signature=None).sign(alice).encode(),
        "valid=0": rlp_encode([b"junk"]),
    }
    for lie, forged in lies.items():
        post, proof = forged_proof(r, txstart, ctx, forged)
        assert post != trace.root(target + 1), lie
        receipt = r.outputs("proposer", "prove_txstart", gid, post, raw, index, path, proof)
        assert not receipt.status and "proof is invalid" in receipt.error, lie
    post, proof = r.node.start_proof(0, target, *txstart)
    assert post == trace.root(target + 1)
    other = starts(trace)[0]
    raw0, index0, path0 = r.node.inbox_item(0, other)
    post0, proof0 = r.node.start_proof(0, other, *txstart)
    refused = {
        "wrong index": (post, raw0, index0, path0, proof),
        "a proof of another item": (post0, raw0, index0, path0, proof0),
        "a path of another item": (post, raw, index, path0, proof),
        "a wrong post-state root": (trace.root(target), raw, index, path, proof),
        "a tampered proof": (post, raw, index, path, [proof[0] ^ 1] + proof[1:]),
    }
    for what, args in refused.items():
        assert not r.outputs("proposer", "prove_txstart", gid, *args).status, what
    receipt = r.outputs("challenger", "prove_txstart", gid, post, raw, index, path, proof)
    assert receipt.status and receipt.return_value, receipt.error
    assert r.view("game", gid).status == CHALLENGER_WON


def test_a_true_start_is_defended_with_a_proof_and_costs_less_than_re_executing_it(segment, txstart, depstart):
    r, gid, trace, target, rounds_gas = steered_game(segment, (txstart, depstart), lying=False)
    post, proof = r.node.start_proof(0, target, *txstart)
    receipt = r.outputs("proposer", "prove_txstart", gid, post, *r.node.inbox_item(0, target), proof)
    assert receipt.status and not receipt.return_value, receipt.error
    assert r.view("game", gid).status == DEFENDER_WON
    compare_with_re_execution(segment, (txstart, depstart), "TxStart", len(trace), receipt, rounds_gas)


def compare_with_re_execution(segment, starters, circuit: str, steps: int, receipt, rounds_gas: int,
                              deposits: bool = False) -> None:
    """Print the L1 gas of the proven start (``receipt``, after ``rounds_gas`` of bisection) beside
    the same start re-executed on this Poseidon deployment and on a keccak one (K = 1)."""
    rows = [(f"{circuit} proof (Poseidon, K={K})", receipt, rounds_gas)]
    for name, config, who in (("re-executed, Poseidon", ZK, "proposer"),
                              ("re-executed, keccak (K=1)", dataclasses.replace(CONFIG, segment=1), "challenger")):
        r, gid, _, _, gas = steered_game(segment, starters, lying=False, config=config, deposits=deposits)
        re_executed = r.prove(gid, 0, who=who)
        assert re_executed.status and not re_executed.return_value
        rows.append((name, re_executed, gas))
    print(f"\ngame ending at {'an L1 message' if deposits else 'a transaction'}'s start ({steps} steps, arity {ZK.arity}):")
    for name, last, gas in rows:
        print(f"  {name}: final move {last.gas_used:,}, game {gas + last.gas_used:,}")
    assert receipt.gas_used < rows[1][1].gas_used


def test_a_start_the_circuit_does_not_cover_is_still_re_executed(segment, txstart, depstart):
    """A transaction to the messenger without value (an L1 message's retry, a keccak record) is
    not covered: no start of it is a target, and re-execution still ends its game."""
    r = rig(ZK, segment[1].verification_key(),
            start_vks=(txstart[1].verification_key(), depstart[1].verification_key()))
    messenger = "0x" + MESSENGER.to_bytes(20, "big").hex()
    r.post([r.l2("alice", messenger, 1, 2, 3), r.l2("alice", TOKEN_AT, 1, 2, 1)])
    trace = r.node.batches[0].trace
    assert start_step(r.node.ex, trace) == starts(trace)[1]
    with pytest.raises(ValueError, match="retry is not covered"):
        txstart_inputs(r.node.ex, trace.context(starts(trace)[0]))


def test_a_deposit_start_is_proven_and_every_lie_is_refused(segment, txstart, depstart):
    """The L1 message (deposit 1, calling the token as the sender's alias, its retry record
    Poseidon) is the disputed start."""
    r, gid, trace, target, _ = steered_game(segment, (txstart, depstart), lying=True, deposits=True)
    ctx = trace.context(target)
    raw, index, path = r.node.inbox_item(0, target)
    message = Deposit.decode(raw)
    assert index == 1 and message.sender is not None and trace.contexts[target + 1].phase == RUN
    for lie, forged in {"another caller": dataclasses.replace(message, sender=r.keys["bob"].address),
                        "another amount": dataclasses.replace(message, amount=message.amount * 2)}.items():
        post, proof = forged_proof(r, depstart, ctx, forged.encode())
        assert post != trace.root(target + 1), lie
        receipt = r.outputs("proposer", "prove_deposit_start", gid, post, raw, index, path, proof)
        assert not receipt.status and "proof is invalid" in receipt.error, lie
    post, proof = r.node.start_proof(0, target, *depstart)
    assert post == trace.root(target + 1)
    other = starts(trace, deposits=True)[0]
    raw0, index0, path0 = r.node.inbox_item(0, other)
    post0, proof0 = r.node.start_proof(0, other, *depstart)
    for what, (method, args) in {
        "wrong index": ("prove_deposit_start", (post, raw0, index0, path0, proof)),
        "a proof of another deposit": ("prove_deposit_start", (post0, raw0, index0, path0, proof0)),
        "a wrong post-state root": ("prove_deposit_start", (trace.root(target), raw, index, path, proof)),
        "the transactions' inbox": ("prove_txstart", (post, raw, index, path, proof)),
    }.items():
        assert not r.outputs("proposer", method, gid, *args).status, what
    receipt = r.outputs("challenger", "prove_deposit_start", gid, post, raw, index, path, proof)
    assert receipt.status and receipt.return_value, receipt.error
    assert r.view("game", gid).status == CHALLENGER_WON


def test_a_true_deposit_start_is_defended_with_a_proof(segment, txstart, depstart):
    r, gid, trace, target, rounds_gas = steered_game(segment, (txstart, depstart), lying=False, deposits=True)
    post, proof = r.node.start_proof(0, target, *depstart)
    receipt = r.outputs("proposer", "prove_deposit_start", gid, post, *r.node.inbox_item(0, target), proof)
    assert receipt.status and not receipt.return_value, receipt.error
    assert r.view("game", gid).status == DEFENDER_WON
    compare_with_re_execution(segment, (txstart, depstart), "DepositStart", len(trace), receipt, rounds_gas,
                              deposits=True)
