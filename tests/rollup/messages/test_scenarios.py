"""The message scenarios over seeds the tests choose at random, with the defence on
(every message once, the forged one never, nobody honest loses) and off (the attack succeeds)."""

from __future__ import annotations

import json

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from prozchain.cli import main
from prozchain.rollup.sim import registry
from prozchain.rollup.sim.registry import WALL_CLOCK_FIELDS

ATTACKS = {
    "message-replay": ("each_message_once", "escrow_backs_l2_supply"),
    "message-before-finality": ("only_l2_messages_execute", "escrow_backs_l2_supply"),
}
SEEDS = st.integers(0, 2**63)
NO_SHRINK = (Phase.explicit, Phase.generate)


def explain(result: registry.ScenarioResult) -> str:
    return "\n".join([f"seed {result.seed} params {result.params}", *result.summary, *result.trace[-60:]])


@pytest.mark.parametrize("name", sorted(ATTACKS))
@settings(max_examples=4, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS, loss=st.sampled_from(["0", "0.05", "0.25"]))
def test_defence_holds_for_any_seed(name, seed, loss):
    result = registry.run(name, seed, {"loss": loss})
    assert result.ok and result.honest_loss == 0 and result.attack_attempted, explain(result)
    assert result.invariants["every_message_delivered"], explain(result)


@pytest.mark.parametrize("name", sorted(ATTACKS))
@settings(max_examples=4, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS)
def test_attack_succeeds_without_its_defence(name, seed):
    result = registry.run(name, seed, {"defense": "off"})
    assert not result.ok and result.honest_loss > 0 and result.attack_attempted, explain(result)
    assert not any(result.invariants[i] for i in ATTACKS[name]), explain(result)


def test_the_forged_output_is_proven_invalid_either_way():
    for defense in ("on", "off"):
        result = registry.run("message-before-finality", 7, {"defense": defense})
        assert result.invariants["false_output_deleted"], explain(result)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_same_seed_same_json_through_the_cli(name, tmp_path, capsys):
    docs = []
    for i in range(2):
        path = tmp_path / f"{i}.json"
        assert main(["scenario", "run", name, "--seed", "11", "--json", str(path)]) == 0
        doc = json.loads(path.read_text())
        for key in WALL_CLOCK_FIELDS:
            doc.pop(key)
        docs.append(doc)
    assert docs[0] == docs[1] and docs[0]["scenario"] == name
    assert main(["scenario", "run", name, "--seed", "11", "--param", "defense=off"]) == 1
    capsys.readouterr()
