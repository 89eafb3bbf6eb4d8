"""App channels with proven transitions: the Nim circuit refuses illegal moves (naming the
constraint), the app adjudicator refuses them on L1 (and tampered proofs and public inputs),
follows proven moves and pays the winner."""

from __future__ import annotations

import pytest

from prozchain.circuits.testing import assert_rejects, check_circuit
from prozchain.rollup.channels.agents.game import GamePlayer
from prozchain.rollup.channels.agents.nim import NimProver, NimState, circuit, move_inputs, public_of
from prozchain.rollup.channels.contracts.app import CLOSED, DISPUTE, AppAdjudicator
from prozchain.rollup.channels.contracts.onchain import GAS
from prozchain.rollup.channels.errors import InvalidState
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1.groth16 import verifier_contract

START = NimState((3, 4, 5), 0, 1234567)
STAKE = 1_000
PERIOD = 60


def test_legal_moves_check():
    check_circuit(circuit(), valid=[move_inputs(START, START.play(heap, take)) for heap, take in START.moves()])
    last = NimState((0, 0, 2), 1, 99)
    assert circuit().outputs(circuit().solve(move_inputs(last, last.play(2, 2)))) == {}
    check_circuit(circuit(), valid=[move_inputs(last, last.play(2, 2))])


def forged(old: NimState, heaps: tuple[int, ...], **changes) -> dict:
    """Inputs of a move from ``old`` to ``heaps`` (committed honestly), with ``changes`` on top."""
    new = NimState(heaps, 1 - old.turn, old.play(*old.moves()[0]).salt)
    return {**move_inputs(old, new), **changes}


@pytest.mark.parametrize("heaps,changes,constraint", [
    ((1, 3, 5), {}, "other heaps unchanged"),  # two heaps at once
    ((0, 0, 0), {"pick": [1, 0, 0]}, "other heaps unchanged"),  # everything at once, claiming the win
    ((3, 4, 5), {}, "takes at least one"),  # a pass
    ((3, 6, 5), {"pick": [0, 1, 0]}, "takes at least one"),  # adds tokens
    ((1, 4, 5), {"pick": [1, 1, 0]}, "one heap"),
    ((1, 4, 5), {"mover": 1}, "old commitment"),  # B moves in A's turn
    ((1, 4, 5), {"finished": 1}, "finished"),  # claims a win the move does not give
    ((1, 4, 5), {"new_salt_is_free": None}, "new commitment"),
])
def test_illegal_moves_are_rejected_naming_the_constraint(heaps, changes, constraint):
    inputs = forged(START, heaps, **{k: v for k, v in changes.items() if k != "new_salt_is_free"})
    if "new_salt_is_free" in changes:  # a salt the opponent could not derive
        inputs["new"] = NimState(heaps, 1, 42).commitment
    assert_rejects(circuit(), inputs, constraint=constraint)


def test_heaps_are_range_checked():
    big = NimState((9, 4, 5), 0, 5)  # 9 does not fit in 3 bits
    inputs = {**move_inputs(big, NimState((8, 4, 5), 1, big.play(0, 1).salt)), "pick": [1, 0, 0]}
    assert_rejects(circuit(), inputs, constraint="heap range")
    with pytest.raises(InvalidState, match="not a legal move"):
        START.play(0, 4)


@pytest.fixture(scope="module")
def prover():
    return NimProver(seed=7)


def rig(prover, check_proofs=True):
    a, b = Key.from_seed(b"app-a"), Key.from_seed(b"app-b")
    chain = Chain({a.address: 10**18, b.address: 10**18})
    verifier, _ = chain.deploy(a, verifier_contract(prover.zkey.verification_key()))
    adj, _ = chain.deploy(a, AppAdjudicator, chain.chain_id, verifier, check_proofs)
    cid = chain.transact(a, adj, "open", b.address, PERIOD, START.commitment, value=STAKE, gas_limit=GAS).return_value
    assert chain.transact(b, adj, "join", cid, value=STAKE, gas_limit=GAS).status
    players = [GamePlayer(k, side, (a.address, b.address), adj, chain.chain_id, cid, START, prover)
               for side, k in enumerate((a, b))]
    return chain, adj, cid, (a, b), players


def call(chain, key, adj, method, *args):
    return chain.transact(key, adj, method, *args, gas_limit=GAS)


def test_a_proven_move_is_accepted_and_tampering_is_refused(prover):
    chain, adj, cid, (a, b), players = rig(prover)
    update = players[0].propose((0, 2))
    players[0].complete(update, players[1].accept(update))
    assert call(chain, a, adj, "challenge", cid, 1, players[0].state.commitment, players[0].sigs).status
    assert chain.view(adj, "channel", cid).status == DISPUTE
    old, new = players[1].state, players[1].state.play(1, 1)
    proof = prover.prove(old, new)
    tampered = [list(proof[:2]) + [proof[3], proof[2]] + list(proof[4:]), [proof[0] ^ 1] + list(proof[1:])]
    for words in tampered:
        refused = call(chain, b, adj, "force_move", cid, new.commitment, 0, words)
        assert not refused.status, refused.error
    for commitment, finished in [(new.commitment + 1, 0), (new.commitment, 1)]:  # tampered public inputs
        refused = call(chain, b, adj, "force_move", cid, commitment, finished, proof)
        assert not refused.status and "legal move" in refused.error
    wrong = call(chain, a, adj, "force_move", cid, new.commitment, 0, proof)  # A moves in B's turn
    assert not wrong.status and "B's move" in wrong.error
    illegal = NimState((0, 0, 0), 0, new.salt)  # everything at once, with the proof of a legal move
    refused = call(chain, b, adj, "force_move", cid, illegal.commitment, 1, proof)
    assert not refused.status and "legal move" in refused.error
    moved = call(chain, b, adj, "force_move", cid, new.commitment, 0, proof)
    assert moved.status, moved.error
    players[0].moved_on_l1(2, chain.view(adj, "channel", cid).commitment)
    assert players[0].state == new and chain.view(adj, "channel", cid).version == 2


def test_the_wrong_party_cannot_move_and_a_timeout_pays_the_other(prover):
    chain, adj, cid, (a, b), players = rig(prover)
    assert call(chain, b, adj, "challenge", cid, 0, START.commitment, b"").status  # the opening state
    new = START.play(0, 2)
    wrong = call(chain, b, adj, "force_move", cid, new.commitment, 0, prover.prove(START, new))
    assert not wrong.status and "A's move" in wrong.error
    assert not call(chain, b, adj, "timeout", cid).status  # the clock still runs
    chain.advance_time(PERIOD)
    before = chain.state.balance(b.address)
    paid = call(chain, b, adj, "timeout", cid)
    assert paid.status and chain.state.balance(b.address) - before == 2 * STAKE - paid.fee
    assert chain.view(adj, "channel", cid).status == CLOSED and chain.conserved()


def test_the_winner_off_chain_claims_by_a_dispute_and_l1_sees_only_commitments(prover):
    chain, adj, cid, (a, b), players = rig(prover)
    state = START
    for move in [(0, 3), (1, 4), (2, 5)]:  # A, B, A: A takes the last token
        update = players[state.turn].propose(move)
        players[state.turn].complete(update, players[1 - state.turn].accept(update))
        state = update.state
    assert players[1].state.finished and players[1].version == 3
    winner = players[0]
    assert call(chain, a, adj, "challenge", cid, 3, winner.state.commitment, winner.sigs).status
    chain.advance_time(PERIOD)
    before = chain.state.balance(a.address)
    paid = call(chain, a, adj, "timeout", cid)  # B has no move to answer with
    assert paid.status and chain.state.balance(a.address) - before == 2 * STAKE - paid.fee
    calldata = b"".join(tx.data for block in chain.blocks for tx in block.transactions)
    for s in (START, state):
        assert s.salt.to_bytes(32, "big") not in calldata and s.commitment.to_bytes(32, "big") in calldata


def test_an_update_with_a_bad_proof_is_not_countersigned(prover):
    _, _, _, _, players = rig(prover)
    update = players[0].propose((0, 2))
    bad = type(update)(update.version, update.state.play(1, 1), update.proof, update.signature)
    with pytest.raises(InvalidState, match="does not show a legal move"):
        players[1].accept(bad)
    assert players[1].version == 0


def test_without_proof_checks_an_illegal_move_stands(prover):
    chain, adj, cid, (a, b), players = rig(prover, check_proofs=False)
    assert call(chain, b, adj, "challenge", cid, 0, START.commitment, b"").status
    moved = call(chain, a, adj, "force_move", cid, NimState((0, 0, 0), 1, 5).commitment, 1, [0] * 8)
    assert moved.status and chain.view(adj, "channel", cid).status == CLOSED


def test_public_inputs_match_the_circuit():
    new = START.play(2, 5)
    assert circuit().public_values(circuit().solve(move_inputs(START, new))) == public_of(START.commitment, new, 0)
