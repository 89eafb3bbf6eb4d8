"""The channel scenarios on seeds hypothesis draws: defence on holds, defence off loses."""

from __future__ import annotations

import json

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from prozchain.rollup.sim import registry
from prozchain.cli import main
from prozchain.rollup.sim.registry import WALL_CLOCK_FIELDS

ATTACKS = {
    "channel-stale-state": ("victim_made_whole", {"updates": "60"}),
    "htlc-multihop-offline": ("nobody_ends_with_less", {}),
    "htlc-griefing": ("griefed_liquidity_recovered", {"payments": "2"}),
    "channel-crash-restart": ("never_two_states_per_version", {"updates": "40"}),
    "virtual-channel-intermediary-offline": ("virtual_concluded_on_l1", {"updates": "40"}),
    "app-channel-illegal-move": ("illegal_move_refused", {}),
}
SEEDS = st.integers(0, 2**63)
NO_SHRINK = (Phase.explicit, Phase.generate)


def explain(result: registry.ScenarioResult) -> str:
    return "\n".join([f"seed {result.seed} params {result.params}", *result.summary, *result.trace[-40:]])


@settings(max_examples=2, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS)
def test_happy_path_holds_for_any_seed(seed):
    result = registry.run("channel-happy-path", seed, {"updates": "300"})
    assert result.ok and result.honest_loss == 0 and result.l1_gas > 0, explain(result)
    off = registry.run("channel-happy-path", seed, {"updates": "50", "defense": "off"})
    assert off.ok, explain(off)  # no attack in it: the unsafe client loses nothing without a crash


@pytest.mark.parametrize("name", sorted(ATTACKS))
@settings(max_examples=2, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS)
def test_defence_holds_and_attack_succeeds_without_it(name, seed):
    invariant, params = ATTACKS[name]
    held = registry.run(name, seed, params)
    assert held.ok and held.honest_loss == 0 and all(held.invariants.values()), explain(held)
    lost = registry.run(name, seed, {**params, "defense": "off"})
    assert not lost.ok and lost.honest_loss > 0 and not lost.invariants[invariant], explain(lost)
    assert held.attack_attempted is True and lost.attack_attempted is True, explain(held)


@settings(max_examples=4, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS, silent=st.sampled_from(["alice", "bob", "ingrid", "none"]),
       when=st.sampled_from(["payments", "closing"]))
def test_virtual_channel_survives_any_silent_party(seed, silent, when):
    """An end silent instead of the intermediary, or nobody (cooperative off-chain close); the
    silent one drops during the payments or between the final state and the rebalancing."""
    params = {"updates": "40", "silent": silent, "when": when}
    held = registry.run("virtual-channel-intermediary-offline", seed, params)
    assert held.ok and held.invariants["no_l1_transaction_for_the_virtual_channel"], explain(held)
    assert held.attack_attempted is (None if silent == "none" else True), explain(held)
    if silent == "none":
        assert held.invariants["closed_off_chain"], explain(held)
        return
    lost = registry.run("virtual-channel-intermediary-offline", seed, {**params, "defense": "off"})
    assert not lost.ok and lost.honest_loss > 0 and not lost.invariants["virtual_concluded_on_l1"], explain(lost)


def test_virtual_scenario_names_a_bad_silent_party():
    with pytest.raises(registry.ScenarioError, match="silent must be one of"):
        registry.run("virtual-channel-intermediary-offline", 1, {"silent": "mallory"})


@pytest.mark.parametrize("name,params", [("htlc-griefing", {"payments": "2"}),
                                         ("channel-happy-path", {"updates": "40", "loss": "0.3"}),
                                         ("virtual-channel-intermediary-offline", {"updates": "20", "when": "closing"}),
                                         ("app-channel-illegal-move", {})])
def test_same_seed_same_json(name, params):
    docs = [registry.run(name, 5, params).to_json() for _ in range(2)]
    assert [{k: v for k, v in d.items() if k not in WALL_CLOCK_FIELDS} for d in docs][0] == \
        {k: v for k, v in docs[1].items() if k not in WALL_CLOCK_FIELDS} and docs[0]["trace_events"] > 0


def test_cli_lists_and_runs_them(tmp_path, capsys):
    assert main(["scenario", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in [*ATTACKS, "channel-happy-path"])
    out = tmp_path / "r.json"
    assert main(["scenario", "run", "htlc-multihop-offline", "--seed", "3", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["ok"] and doc["honest_loss"] == 0 and doc["invariants"]["all_or_nothing"]
    assert main(["scenario", "run", "htlc-multihop-offline", "--seed", "3", "--param", "defense=off"]) == 1
