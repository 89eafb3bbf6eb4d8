"""The proven-segment scenarios (issue 24) on seeds the tests choose at random: with the
defence on, every invariant holds and nobody honest loses; off, the attack succeeds. Each run
with the defence on makes one real Groth16 proof of ``Segment(2)`` (the key is set up once
per machine and cached, see :mod:`prozchain.rollup.common.keys`)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.sim import registry
from prozchain.rollup.sim.registry import WALL_CLOCK_FIELDS, ScenarioError

from .test_scenarios import NO_SHRINK, SEEDS, explain

ATTACKS = {"opt-zk-dispute": "no_false_output_final", "opt-zk-prover-silent": "valid_output_kept"}


def stable(result: registry.ScenarioResult) -> dict:
    doc = result.to_json()
    for key in WALL_CLOCK_FIELDS:
        doc.pop(key)
    return doc


@pytest.mark.parametrize("name", sorted(ATTACKS))
@settings(max_examples=2, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS)
def test_defence_holds(name, seed):
    result = registry.run(name, seed)
    assert result.ok and result.honest_loss == 0 and result.attack_attempted, explain(result)
    assert all(result.invariants.values()), explain(result)


@pytest.mark.parametrize("name", sorted(ATTACKS))
@settings(max_examples=1, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS)
def test_attack_succeeds_without_its_defence(name, seed):
    result = registry.run(name, seed, {"defense": "off"})
    broken = {invariant for invariant, held in result.invariants.items() if not held}
    # an honest bond at least is lost: the challenger's to the liar, or the defending proposer's
    assert result.attack_attempted and ATTACKS[name] in broken and result.honest_loss >= ETHER, explain(result)


def test_the_dispute_ends_at_a_proven_segment_and_replays_the_same():
    result = registry.run("opt-zk-dispute", 7)
    assert result.invariants["dispute_ended_by_proven_segment"] and result.invariants["unproven_claim_refused"]
    assert "challenger won" in result.summary[1]
    # the proof's blinding is seeded: the same seed gives the same calldata, gas and JSON
    assert stable(result) == stable(registry.run("opt-zk-dispute", 7))


def test_a_segment_of_one_step_is_refused():
    with pytest.raises(ScenarioError):
        registry.run("opt-zk-dispute", 1, {"segment": "1"})


@pytest.mark.parametrize("target, method", [("start", "prove_txstart"), ("deposit", "prove_deposit_start")])
@settings(max_examples=1, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS)
def test_a_start_the_griefer_steers_to_is_proven_and_without_the_store_lost(target, method, seed):
    """``target=start`` (``deposit``): the game ends at a transaction's (deposit's) start, which
    the honest proposer proves with ``TxStart`` (``DepositStart``) after its crash; with an
    in-memory store its clock runs out."""
    result = registry.run("opt-zk-prover-silent", seed, {"target": target})
    assert result.ok and result.honest_loss == 0 and result.invariants["defended_by_proven_segment"], explain(result)
    assert f"{method} calls [(True, False)]" in " ".join(result.summary), explain(result)
    result = registry.run("opt-zk-prover-silent", seed, {"target": target, "defense": "off"})
    assert not result.invariants["valid_output_kept"] and result.honest_loss >= ETHER, explain(result)
