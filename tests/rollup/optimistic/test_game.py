"""The output oracle and dispute game on L1: every move, every timeout, bonds, finality."""

from __future__ import annotations

import dataclasses
import math

import pytest

from prozchain.rollup.economics.bonds import BURN
from prozchain.rollup.optimistic.contracts.outputs import (ACTIVE, CHALLENGER, CHALLENGER_WON, DEFENDER,
                                       DEFENDER_WON, DELETED, FINALIZED, PENDING, VOID)
from prozchain.rollup.common.units import ETHER

from .helpers import BRIDGE_AT, CONFIG, fake_world, rig

BOND, CBOND = CONFIG.proposer_bond, CONFIG.challenger_bond


def reverted(receipt, reason: str) -> bool:
    return not receipt.status and reason in receipt.error


@pytest.fixture
def disputed():
    """Batch 0 (30 token transfers) proposed with a wrong world, and challenged."""
    r = rig()
    r.post(r.transfers(30))
    assert r.propose(0, world=fake_world(r, 0)).status
    gid = r.outputs("challenger", "challenge", 1, value=CBOND).return_value
    return r, gid


def test_proposals_are_checked():
    r = rig()
    r.post(r.transfers(2))
    trace = r.node.batches[0].trace
    good = trace.final.encode()
    assert reverted(r.outputs("proposer", "propose", 0, good, len(trace), value=BOND - 1), "bond")
    assert reverted(r.outputs("proposer", "propose", 1, good, len(trace), value=BOND), "batch 0")
    assert reverted(r.outputs("proposer", "propose", 0, trace.contexts[3].encode(), 5, value=BOND), "halted")
    assert reverted(r.outputs("proposer", "propose", 0, good[:-1], 5, value=BOND), "bad output context")
    assert reverted(r.outputs("proposer", "propose", 0, good, 0, value=BOND), "trace length")
    assert r.propose(0).status and r.view("length") == 1


def test_only_the_sequencer_posts_and_deposits_are_forced_in():
    r = rig()
    assert reverted(r.tx("other", r.system.portal, "post_batch", b"\x01", bytes(32), 0), "only the sequencer")
    r.tx("alice", r.system.portal, "deposit", r.keys["alice"].address, value=5)
    r.post([])
    batch = r.node.batches[0]
    assert [d.amount for d in batch.deposits] == [5]
    assert r.node.ex.balance(batch.trace.final.world, r.keys["alice"].address) == 5


def test_blob_batches_derive_like_calldata_batches():
    from prozchain.rollup.vm.codec import pack_batch
    from prozchain.rollup.vm.executor import inbox_roots
    r = rig()
    txs = r.transfers(3)
    receipt = r.chain.transact(r.keys["sequencer"], r.system.portal, "post_blob_batch",
                               inbox_roots([], txs)[1], len(txs), blobs=(pack_batch(txs),), gas_limit=500_000)
    assert receipt.status and receipt.blob_gas_used > 0
    r.node.sync()
    assert r.node.batches[0].txs == txs and len(r.node.batches[0].applied) == 3


def test_finality_needs_the_window_and_the_parent():
    r = rig()
    r.post(r.transfers(1))
    r.post(r.transfers(1))
    r.propose(0)
    r.wait(10)
    r.propose(1)
    assert reverted(r.outputs("other", "finalize", 1), "window still open")
    r.wait(CONFIG.window)
    assert reverted(r.outputs("other", "finalize", 2), "parent output is not final")
    before = r.chain.state.balance(r.keys["proposer"].address)
    assert r.outputs("other", "finalize", 1).status and r.view("proposal", 1).status == FINALIZED
    assert r.chain.state.balance(r.keys["proposer"].address) == before + BOND  # bond returned
    assert reverted(r.outputs("other", "finalize", 1), "not pending")
    assert reverted(r.outputs("challenger", "challenge", 1, value=CBOND), "not pending")
    assert reverted(r.outputs("challenger", "challenge", 2, value=CBOND), "window closed")


def test_honest_challenger_wins_bisection_and_one_step_proof(disputed):
    r, gid = disputed
    r.post(r.transfers(1))
    assert r.propose(1).status  # built on the wrong output
    balances = {n: r.chain.state.balance(r.keys[n].address) for n in ("proposer", "challenger")}
    burnt = r.chain.state.balance(BURN)
    rounds, gas, won = r.play_out(gid, 0)
    trace_len = len(r.node.batches[0].trace)
    assert won and rounds <= math.ceil(math.log(trace_len, CONFIG.arity))
    assert r.view("game", gid).status == CHALLENGER_WON
    assert r.view("proposal", 1).status == DELETED and r.view("proposal", 2).status == DELETED
    assert r.view("length") == 0
    # Challenger: its bond back plus half the proposer's; the other half burnt; the
    # proposal built on the wrong one is refunded.
    assert r.chain.state.balance(BURN) - burnt == BOND // 2
    assert r.chain.state.balance(r.keys["proposer"].address) - balances["proposer"] > BOND - ETHER // 100
    assert r.chain.state.balance(r.keys["challenger"].address) - balances["challenger"] > CBOND + BOND // 2 - ETHER // 100
    assert r.propose(0).status  # the slot is free again for the right output


def test_a_challenger_cannot_win_against_a_correct_root():
    r = rig()
    r.post(r.transfers(5))
    r.propose(0)
    gid = r.outputs("challenger", "challenge", 1, value=CBOND).return_value
    r.bisect(gid, 0)
    r.outputs("challenger", "choose", gid, 2)  # any part: every root in it is right
    while r.view("game", gid).hi - r.view("game", gid).lo > 1:
        r.bisect(gid, 0)
        r.outputs("challenger", "choose", gid, 0)
    before = r.chain.state.balance(r.keys["proposer"].address)
    receipt = r.prove(gid, 0)
    assert receipt.status and receipt.return_value is False
    assert r.view("game", gid).status == DEFENDER_WON
    assert r.chain.state.balance(r.keys["proposer"].address) == before + CBOND // 2
    r.wait(CONFIG.window)
    assert r.outputs("other", "finalize", 1).status


def test_moves_out_of_turn_or_malformed_revert(disputed):
    r, gid = disputed
    assert r.view("game", gid).turn == DEFENDER
    assert reverted(r.outputs("challenger", "choose", gid, 0), "turn")
    assert reverted(r.outputs("other", "bisect", gid, [bytes(32)] * 3), "only the player")
    assert reverted(r.outputs("proposer", "bisect", gid, [bytes(32)] * 2), "3 inner roots")
    assert reverted(r.prove(gid, 0), "not one step")
    r.bisect(gid, 0)
    assert r.view("game", gid).turn == CHALLENGER
    assert reverted(r.bisect(gid, 0), "turn")
    assert reverted(r.outputs("proposer", "choose", gid, 0), "only the player")
    assert reverted(r.outputs("challenger", "choose", gid, 4), "no part 4")
    r.choose_honestly(gid, 0)
    while r.view("game", gid).hi - r.view("game", gid).lo > 1:
        r.bisect(gid, 0)
        r.choose_honestly(gid, 0)
    lo = r.view("game", gid).lo
    wrong = r.node.ex.witness(r.node.batches[0].trace.context(lo + 1)).encode()
    assert reverted(r.outputs("challenger", "prove", gid, wrong), "agreed root")
    assert reverted(r.outputs("challenger", "prove", gid, b"\x01\x02"), "bad witness")
    assert r.prove(gid, 0).return_value is True
    assert reverted(r.prove(gid, 0), "over")


@pytest.mark.parametrize("silent", ["defender", "challenger"])
def test_the_silent_side_loses_on_its_clock(disputed, silent):
    r, gid = disputed
    if silent == "challenger":
        r.bisect(gid, 0)
    r.wait(CONFIG.clock - 1)
    assert reverted(r.outputs("other", "timeout", gid), "not run out")
    r.wait(2)
    assert r.outputs("other", "timeout", gid).status
    assert r.view("game", gid).status == (CHALLENGER_WON if silent == "defender" else DEFENDER_WON)


def test_clock_time_is_cumulative(disputed):
    r, gid = disputed
    r.wait(CONFIG.clock // 2)
    r.bisect(gid, 0)            # the defender used half its clock
    r.choose_honestly(gid, 0)
    r.wait(CONFIG.clock // 2 + 1)
    assert reverted(r.bisect(gid, 0), "clock has run out")
    assert r.outputs("other", "timeout", gid).status
    assert r.view("game", gid).status == CHALLENGER_WON


def test_several_challengers_one_winner_others_refunded(disputed):
    r, first = disputed
    second = r.outputs("other", "challenge", 1, value=CBOND).return_value
    assert r.view("proposal", 1).open_games == 2  # two open games
    r.play_out(first, 0)
    before = r.chain.state.balance(r.keys["other"].address)
    assert r.outputs("other", "timeout", second).status  # any call ends a moot game
    assert r.view("game", second).status == VOID
    assert r.chain.state.balance(r.keys["other"].address) > before + CBOND - ETHER // 100


def test_disputes_on_two_proposals_at_once():
    r = rig()
    r.post(r.transfers(3))
    r.post(r.transfers(3))
    r.propose(0)
    r.propose(1, world=fake_world(r, 1))
    good = r.outputs("other", "challenge", 1, value=CBOND).return_value
    bad = r.outputs("challenger", "challenge", 2, value=CBOND).return_value
    r.bisect(good, 0)
    assert r.play_out(bad, 1)[2] is True
    r.wait(CONFIG.clock + 1)
    r.outputs("other", "timeout", good)  # griefer never chose: its clock ran out
    assert [r.view("game", g).status for g in (good, bad)] == [DEFENDER_WON, CHALLENGER_WON]
    assert r.view("proposal", 1).status == PENDING and r.view("proposal", 2).status == DELETED
    assert r.view("game", good).status != ACTIVE


def test_finality_waits_for_disputes_within_the_bound(disputed):
    r, gid = disputed
    r.wait(CONFIG.window)
    assert reverted(r.outputs("other", "finalize", 1), "dispute is still open")
    assert r.view("finality_bound", 1) == r.view("proposal", 1).time + CONFIG.window + 2 * CONFIG.clock


@pytest.mark.parametrize("commitment", ["keccak", "poseidon"])
def test_withdrawals_are_paid_once_against_a_final_output(commitment):
    """One code path for both state commitments: the portal opens the record with the deployment's."""
    r = rig(dataclasses.replace(CONFIG, commitment=commitment))
    r.tx("alice", r.system.portal, "deposit", r.keys["alice"].address, value=10**6)
    r.post([])
    r.post([r.l2("alice", BRIDGE_AT, value=400)])
    r.propose(0)
    r.propose(1)
    alice = r.keys["alice"].address
    index = r.node.withdrawal_index(1, alice, 400, set())
    proof = list(r.node.withdrawal_proof(1, index).siblings)
    assert index == 0 and proof
    assert reverted(r.tx("other", r.system.portal, "withdraw", 2, index, alice, 400, proof), "not final")
    r.wait(CONFIG.window)
    r.outputs("other", "finalize", 1)
    r.outputs("other", "finalize", 2)
    assert reverted(r.tx("other", r.system.portal, "withdraw", 2, index, alice, 401, proof), "is not in the world")
    forged = [bytes([proof[0][0] ^ 1]) + proof[0][1:]] + proof[1:]
    assert reverted(r.tx("other", r.system.portal, "withdraw", 2, index, alice, 400, forged), "is not in the world")
    # the world of batch 0 (final too) holds no withdrawal: another output's root refuses the path
    assert reverted(r.tx("other", r.system.portal, "withdraw", 1, index, alice, 400, proof), "is not in the world")
    before = r.chain.state.balance(alice)
    paid = r.tx("other", r.system.portal, "withdraw", 2, index, alice, 400, proof)
    assert paid.status
    assert r.chain.state.balance(alice) == before + 400
    assert reverted(r.tx("other", r.system.portal, "withdraw", 2, index, alice, 400, proof), "already paid")
    assert r.chain.conserved()
    print(f"{commitment}: a withdrawal over {len(proof)} siblings costs {paid.gas_used:,} L1 gas")


@pytest.mark.parametrize("data, root_of", [(b"not zlib", None), (None, [b"other"])])
def test_a_batch_that_does_not_derive_is_a_loud_error(data, root_of):
    from prozchain.rollup.optimistic.errors import DerivationError
    from prozchain.rollup.vm.codec import pack_batch
    from prozchain.rollup.vm.executor import inbox_roots
    r = rig()
    txs = r.transfers(1)
    root = inbox_roots([], root_of or txs)[1]
    r.tx("sequencer", r.system.portal, "post_batch", data or pack_batch(txs), root, 1)
    with pytest.raises(DerivationError, match="batch 0"):
        r.node.sync()


def test_a_defender_lying_about_inner_roots_still_loses(disputed):
    r, gid = disputed
    from prozchain.rollup.optimistic.contracts.outputs import split_points
    from prozchain.rollup.vm.merkle import keccak
    rounds = 0
    while r.view("game", gid).hi - r.view("game", gid).lo > 1:
        game = r.view("game", gid)
        inner = split_points(game.lo, game.hi, CONFIG.arity)[1:-1]
        # Every other inner root is made up: the challenger's first wrong part ends at one.
        roots = [r.node.batches[0].trace.root(p) if i % 2 else keccak(b"lie %d" % p) for i, p in enumerate(inner)]
        assert r.outputs("proposer", "bisect", gid, roots).status
        assert r.choose_honestly(gid, 0).status
        rounds += 1
    assert rounds >= 2 and r.prove(gid, 0).return_value is True
