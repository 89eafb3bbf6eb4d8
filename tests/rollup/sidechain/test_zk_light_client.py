"""The ZK light-client bridge: the quorum circuit refuses every wrong witness, the L1 light client
refuses tampered proofs and public inputs and follows the set's hand-over, signatures made by
circomlibjs prove, and the scenarios hold with real proofs (and fail with the defence off)."""

from __future__ import annotations

import random

import pytest

from prozchain.circuits.gadgets.eddsa import Signature, public_key, sign
from prozchain.native.curve import R
from prozchain.relations.errors import WitnessError
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1.groth16 import verifier_contract
from prozchain.rollup.sidechain.contracts.light_client import ZkLightClient
from prozchain.rollup.sidechain.contracts.modes import ALL_CHECKS
from prozchain.rollup.sidechain.node.quorum import (QuorumProver, Statement, compiled_quorum, message_of,
                                                    quorum_inputs, set_commitment)
from prozchain.rollup.sim import registry
from tests import js_oracles

CAPACITY = 4
KEYS = [bytes([i + 1]) * 32 for i in range(4)]
STAKES = [40, 30, 20, 10]  # > 2/3 of 100: any signers holding 67 or more
MEMBERS = [(public_key(k), p) for k, p in zip(KEYS, STAKES)]
SET = set_commitment(MEMBERS, CAPACITY)
NEXT = set_commitment(MEMBERS[:3], CAPACITY)
DIGEST = bytes(range(32))


def statement(next_epoch: int = 1, next_set: int = SET, set_: int = SET) -> Statement:
    return Statement(set_, message_of(DIGEST), next_epoch, next_set)


def signatures(st: Statement, slots) -> dict[int, Signature]:
    return {i: sign(KEYS[i], st.signed) for i in slots}


def solve(members, st: Statement, sigs) -> None:
    compiled = compiled_quorum(CAPACITY)
    compiled.check(compiled.solve(quorum_inputs(members, CAPACITY, st, sigs)))


def test_a_quorum_by_stake_proves_and_the_circuit_costs_what_its_docstring_says():
    st = statement()
    solve(MEMBERS, st, signatures(st, [0, 1]))  # 70 of 100
    solve(MEMBERS, st, signatures(st, [0, 2, 3]))  # 70 of 100, three signers
    assert compiled_quorum(CAPACITY).r1cs.n_constraints == 25_585


@pytest.mark.parametrize("slots", [[0, 3], [1, 2, 3], [0, 2]], ids=["50", "60-of-3-signers", "60"])
def test_too_little_stake_is_refused(slots):
    st = statement()
    with pytest.raises(WitnessError):
        solve(MEMBERS, st, signatures(st, slots))


def test_a_bad_signature_is_refused():
    st = statement()
    sigs = signatures(st, [0, 1])
    sigs[1] = Signature(sigs[1].R8, (sigs[1].S + 1) % R)
    with pytest.raises(WitnessError):
        solve(MEMBERS, st, sigs)
    other = signatures(statement(next_set=NEXT, next_epoch=2), [0, 1])  # signed another statement
    with pytest.raises(WitnessError):
        solve(MEMBERS, st, other)


def test_a_wrong_set_commitment_is_refused():
    st = statement(set_=NEXT)  # the signers are MEMBERS, the statement names another set
    with pytest.raises(WitnessError):
        solve(MEMBERS, st, signatures(st, [0, 1]))
    richer = [(MEMBERS[0][0], 90)] + MEMBERS[1:]  # the same keys with other stakes
    st = statement()
    with pytest.raises(WitnessError):
        solve(richer, st, signatures(st, [0]))


def test_a_forged_set_change_is_refused():
    """The quorum signed "no change"; a proof claiming a hand-over to NEXT cannot be made."""
    signed = signatures(statement(), [0, 1])
    with pytest.raises(WitnessError):
        solve(MEMBERS, statement(next_epoch=2, next_set=NEXT), signed)
    forged = statement(next_epoch=2, next_set=NEXT)
    solve(MEMBERS, forged, signatures(forged, [0, 1]))  # what the quorum really hands over proves


@pytest.fixture(scope="module")
def light_client():
    """A light client at epoch 1 with SET, its verifier, and a proof of a hand-over to NEXT at epoch 2."""
    prover = QuorumProver(CAPACITY, random.Random(25))
    me = Key.from_seed(b"zk-light-client")
    chain = Chain({me.address: 100 * ETHER})
    verifier, _ = chain.deploy(me, verifier_contract(prover.zkey.verification_key()))
    client, _ = chain.deploy(me, ZkLightClient, verifier, SET, 1, ALL_CHECKS)
    stranger = Key.from_seed(b"zk-stranger")
    chain.transact(me, client, "link_bridge", me.address)  # the test calls as the bridge would
    assert not chain.transact(me, client, "link_bridge", stranger.address).status  # once
    st = statement(next_epoch=2, next_set=NEXT)
    return chain, me, client, st, prover.prove(MEMBERS, st, signatures(st, [0, 1]))


def test_tampered_proofs_and_public_inputs_are_refused_on_l1(light_client):
    chain, me, client, st, proof = light_client
    good = (DIGEST, 1, proof, SET, 2, NEXT)
    tampered = {
        "proof word": (DIGEST, 1, [proof[0]] + [(proof[1] + 1)] + proof[2:], SET, 2, NEXT),
        "swapped points": (DIGEST, 1, proof[6:8] + proof[2:6] + proof[0:2], SET, 2, NEXT),
        "digest": (bytes(32), 1, proof, SET, 2, NEXT),
        "next set": (DIGEST, 1, proof, SET, 2, SET + 1),
        "next epoch": (DIGEST, 1, proof, SET, 3, NEXT),
        "set": (DIGEST, 1, proof, NEXT, 2, NEXT),
        "stale epoch": (DIGEST, 0, proof, SET, 2, NEXT),
        "short proof": (DIGEST, 1, proof[:7], SET, 2, NEXT),
    }
    for what, args in tampered.items():
        receipt = chain.transact(me, client, "verify_checkpoint", *args, gas_limit=2_000_000)
        assert not receipt.status, what
    assert chain.view(client, "current_set") == (SET, 1)
    receipt = chain.transact(me, client, "verify_checkpoint", *good, gas_limit=2_000_000)
    assert receipt.status, receipt.error
    assert chain.view(client, "current_set") == (NEXT, 2)
    again = chain.transact(me, client, "verify_checkpoint", *good, gas_limit=2_000_000)
    assert not again.status and "stale" in again.error  # the old set's word is stale now


def test_only_the_bridge_submits_to_the_light_client(light_client):
    """Else anyone could replay a relayer's hand-over proof straight to the client, moving it
    past the checkpoint the bridge has yet to take (the bridge would then stall)."""
    chain, me, client, st, proof = light_client
    outsider = Key.from_seed(b"zk-front-runner")
    chain.transact(me, outsider.address, value=ETHER)
    receipt = chain.transact(outsider, client, "verify_checkpoint", DIGEST, 1, proof, SET, 2, NEXT, gas_limit=2_000_000)
    assert not receipt.status and "only the bridge" in receipt.error


def test_signatures_made_by_circomlibjs_prove():
    """The validators' EdDSA-Poseidon signatures are circomlibjs's ``signPoseidon``, and the set
    commitment is its Poseidon chained over the slots."""
    from tests.circuits.conftest import JsTools
    js = JsTools(js_oracles.installed().parent)
    st = statement()
    theirs = js.oracle({"op": "eddsa_sign", "keys": [k.hex() for k in KEYS[:2]], "msgs": [str(st.signed)] * 2})
    sigs = {i: Signature(tuple(int(c) for c in t["R8"]), int(t["S"])) for i, t in enumerate(theirs)}
    assert all(tuple(int(c) for c in t["A"]) == MEMBERS[i][0] for i, t in enumerate(theirs))
    solve(MEMBERS, st, sigs)
    chained = 0
    for (x, y), power in MEMBERS:
        (chained,) = map(int, js.oracle({"op": "poseidon", "inputs": [[str(chained), str(x), str(y), str(power)]]}))
    assert chained == SET


def explain(result: registry.ScenarioResult) -> str:
    return "\n".join([f"seed {result.seed} params {result.params}", *result.summary, *result.trace[-40:]])


def test_too_little_stake_and_a_stale_set_are_refused_and_mint_without_the_set_check():
    held = registry.run("bridge-zk-light-client", 11)
    assert held.ok and held.honest_loss == 0 and held.attack_attempted, explain(held)
    assert held.invariants["set_handed_over"] and held.invariants["too_little_stake_unprovable"], explain(held)
    broken = registry.run("bridge-zk-light-client", 5, {"defense": "off"})
    assert not broken.ok and broken.honest_loss > 0, explain(broken)
    assert not broken.invariants["no_theft_too_little_stake"] and not broken.invariants["no_theft_stale_set"]


def test_the_bridge_takes_a_proven_checkpoint_and_refuses_it_tampered_or_malformed():
    from prozchain.rollup.sidechain.node.chain import ChainState
    from prozchain.rollup.sidechain.node.checkpoint import Checkpoint
    from prozchain.rollup.sidechain.node.quorum import eddsa_secret, proof_sigs
    from prozchain.rollup.sidechain.system import Config, build
    from prozchain.rollup.sidechain.contracts.modes import ZK

    system = build(3, Config(mode=ZK))
    state = ChainState(system.genesis)
    for t in range(1, 5):
        state.commit(state.build(system.validator_keys[0].address, time=t))
    cp = Checkpoint.cover(1, state.headers[1:], 1)
    st = system.statement(cp, 1)
    slots = {i: sign(eddsa_secret(k), st.signed) for i, k in enumerate(system.validator_keys[:3])}
    proof = system.prover.prove(system.members(1), st, slots)
    relayer = system.keys["relayer"]

    def submit(sigs):
        return system.chain.transact(relayer, system.bridge, "submit_checkpoint", *cp.args(), [], sigs, system.client,
                                     gas_limit=3_000_000)
    bent = proof_sigs(proof[:4] + [proof[5], proof[4]] + proof[6:], st)  # B's x coordinates swapped
    assert not submit(bent).status
    malformed = submit(proof_sigs(proof, st)[:3])
    assert not malformed.status and "carries a proof of 8 words" in malformed.error
    other = Statement(st.set, st.message, 2, st.next_set)  # claims a hand-over nobody signed
    assert not submit(proof_sigs(proof, other)).status
    receipt = submit(proof_sigs(proof, st))
    assert receipt.status, receipt.error
    assert system.chain.view(system.bridge, "count") == 1
