"""The optimistic rollup sequenced by a staked, rotating set under first come first served:
``mev-reorder`` and ``sequencer-rotation`` over seeds the tests choose at random, with the
defence on (the front-runner or the censor is slashed, a silent leader skipped, nothing lost)
and off (the attack succeeds)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.economics.ordering import ArrivalReceipt, FirstComeFirstServed, audit
from prozchain.rollup.optimistic.node import L2Node
from prozchain.rollup.optimistic.scenarios import BOUNTY_AT, mev_world
from prozchain.rollup.optimistic.sequencers import posted_batches
from prozchain.rollup.sim import registry
from prozchain.rollup.vm.merkle import keccak
from prozchain.rollup.vm.tx import L2Tx
from tests.rollup.optimistic.test_scenarios import NO_SHRINK, SEEDS, explain

CASES = [("mev-reorder", {}), ("sequencer-rotation", {"fault": "silent"}),
         ("sequencer-rotation", {"fault": "censor"})]


@pytest.mark.parametrize("name, params", CASES, ids=lambda c: str(c))
@settings(max_examples=2, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS)
def test_defence_holds_for_any_seed(name, params, seed):
    result = registry.run(name, seed, params)
    assert result.ok and result.honest_loss == 0 and result.attack_attempted, explain(result)
    assert result.invariants["no_transaction_lost"] and result.invariants["bonds_conserved"], explain(result)


@pytest.mark.parametrize("name, params", CASES, ids=lambda c: str(c))
@settings(max_examples=2, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS)
def test_attack_succeeds_without_its_defence(name, params, seed):
    result = registry.run(name, seed, {**params, "defense": "off"})
    assert not result.ok and result.honest_loss > 0 and result.attack_attempted, explain(result)


def test_front_runner_is_slashed_and_pays_the_victim():
    held = registry.run("mev-reorder", 21)
    assert held.invariants["front_run_slashed"] and held.invariants["victim_made_whole"]
    assert held.accounts["sequencer"] == {"staked": 2 * ETHER, "slashed": 2 * ETHER}
    off = registry.run("mev-reorder", 21, {"defense": "off"})
    assert off.honest_loss == ETHER // 10  # the bounty the victim's earlier claim was owed
    assert off.accounts["sequencer"]["slashed"] == 0


def test_a_censor_is_slashed_and_the_next_leader_includes_its_victim():
    result = registry.run("sequencer-rotation", 22, {"fault": "censor"})
    assert result.invariants["censor_slashed"], explain(result)
    assert "slashed: seq-0" in result.summary[1]


def test_same_seed_same_result():
    a, b = (registry.run("sequencer-rotation", 23).to_json() for _ in range(2))
    a.pop("wall_time_s"), b.pop("wall_time_s")
    assert a == b


def test_rejects_an_unknown_fault():
    with pytest.raises(registry.ScenarioError, match="fault"):
        registry.run("sequencer-rotation", 1, {"fault": "lazy"})


def test_the_front_run_shows_in_l1_data_alone():
    """Undefended, nobody disputes; yet anyone holding the victim's receipts finds the front-run
    from the chain alone: a node derived from L1 and the set's records."""
    run = mev_world(24, {**registry.all_scenarios()["mev-reorder"].defaults, "defense": "off"})
    run.sim.run(until=600_000)
    node = L2Node(run.chain, run.system.portal, run.system.genesis)
    node.sync()
    held = [(ArrivalReceipt.from_json(r["receipt"]), r["signer"]) for r in run.agents["wallet"].receipts()]
    found = audit(FirstComeFirstServed(), held, posted_batches(run.chain, run.gate, node))
    victim_claim = next(raw for raw in run.sent if L2Tx.decode(raw).to == BOUNTY_AT)
    assert {(r.tx_hash, problem) for r, _, problem in found} >= {(keccak(victim_claim), "reordered")}
    assert not run.chain.logs(run.gate, "Slashed")


def test_blob_batches_through_the_set_on_a_lossy_network():
    for name, params in CASES:
        result = registry.run(name, 31, {**params, "blobs": "true", "loss": "0.25"})
        assert result.ok and result.honest_loss == 0, explain(result)
