"""The optimistic rollup's scenarios over seeds the tests choose at random, with the defence
on (everything holds, nobody honest loses) and off (the attack succeeds)."""

from __future__ import annotations

import json

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from prozchain.rollup.sim import registry
from prozchain.cli import main
from prozchain.rollup.sim.registry import WALL_CLOCK_FIELDS

ATTACKS = {
    "opt-invalid-root": "no_theft",
    "opt-dishonest-challenger": "every_batch_final",
    "opt-silent-party": "silent_side_lost_on_clock",
    "opt-sequencer-crash": "no_acked_tx_lost",
    "censoring-sequencer": "victim_withdrawal_paid",
    "fast-exit-fraud": "exit_bond_covered_provider",
}
SEEDS = st.integers(0, 2**63)
NO_SHRINK = (Phase.explicit, Phase.generate)  # a seed does not get simpler by shrinking


def explain(result: registry.ScenarioResult) -> str:
    return "\n".join([f"seed {result.seed} params {result.params}", *result.summary, *result.trace[-60:]])


def check_holds(name: str, seed: int, overrides: dict | None = None) -> registry.ScenarioResult:
    result = registry.run(name, seed, overrides or {})
    assert result.ok and result.honest_loss == 0, explain(result)
    assert result.attack_attempted is (True if name in ATTACKS else None), explain(result)
    assert all(result.invariants.values()) and result.l1_gas > 0 and result.steps > 0, explain(result)
    return result


def check_attack_succeeds(name: str, seed: int, overrides: dict | None = None) -> registry.ScenarioResult:
    result = registry.run(name, seed, {"defense": "off", **(overrides or {})})
    assert not result.ok and result.honest_loss > 0 and result.attack_attempted, explain(result)
    assert not result.invariants[ATTACKS[name]], explain(result)
    return result


@settings(max_examples=3, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS)
def test_happy_path_holds_for_any_seed(seed):
    result = check_holds("opt-happy-path", seed)
    assert "games: 0" in result.summary[1]


@pytest.mark.parametrize("name", sorted(ATTACKS))
@settings(max_examples=2, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS, loss=st.sampled_from(["0", "0.05", "0.25"]))
def test_defence_holds_for_any_seed(name, seed, loss):
    check_holds(name, seed, {"loss": loss})


@pytest.mark.parametrize("name", sorted(ATTACKS))
@settings(max_examples=2, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS)
def test_attack_succeeds_without_its_defence(name, seed):
    check_attack_succeeds(name, seed)


def test_invalid_root_is_removed_and_slashed():
    result = check_holds("opt-invalid-root", 11)
    assert result.invariants["fraud_challenged_and_removed"] and result.invariants["proposer_bond_slashed"]
    assert "challenger won" in result.summary[1]
    stolen = check_attack_succeeds("opt-invalid-root", 11)
    assert "thief withdrew 0 wei" not in " ".join(stolen.summary)


def test_silent_challenger_loses_on_its_clock():
    check_holds("opt-silent-party", 12, {"silent": "challenger"})
    check_attack_succeeds("opt-silent-party", 12, {"silent": "challenger"})


def test_blob_batches_and_binary_bisection():
    check_holds("opt-invalid-root", 13, {"blobs": "true", "arity": "2"})


def test_same_seed_same_json():
    def stable(result):
        doc = result.to_json()
        for key in WALL_CLOCK_FIELDS:
            doc.pop(key)
        return doc
    assert stable(registry.run("opt-sequencer-crash", 5)) == stable(registry.run("opt-sequencer-crash", 5))


def test_cli_runs_the_scenarios(tmp_path, capsys):
    assert main(["scenario", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in [*ATTACKS, "opt-happy-path"])
    out = tmp_path / "r.json"
    assert main(["scenario", "run", "opt-invalid-root", "--seed", "3", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["ok"] and doc["honest_loss"] == 0 and doc["l1_gas"] > 0 and doc["invariants"]["no_theft"]
    assert main(["scenario", "run", "opt-invalid-root", "--seed", "3", "--param", "defense=off"]) == 1
