"""The scenario registry, the CLI, and ``l1-crash-restart`` over many seeds."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.rollup.sim import registry
from prozchain.cli import main
from prozchain.rollup.sim.registry import WALL_CLOCK_FIELDS, ScenarioError

NAME = "l1-crash-restart"


def stable_json(result: registry.ScenarioResult) -> dict:
    doc = result.to_json()
    for key in WALL_CLOCK_FIELDS:
        doc.pop(key)
    return doc


def explain(result: registry.ScenarioResult) -> str:
    """What a failing assertion prints: the seed, the summary and the end of the trace."""
    return "\n".join([f"seed {result.seed} params {result.params}", *result.summary,
                      *result.trace[-80:]])


def test_same_seed_same_run_event_for_event():
    first, second = registry.run(NAME, 11), registry.run(NAME, 11)
    assert first.trace == second.trace
    assert stable_json(first) == stable_json(second)


def test_different_seeds_differ():
    runs = [stable_json(registry.run(NAME, seed)) for seed in (1, 2)]
    assert runs[0]["trace_sha256"] != runs[1]["trace_sha256"]
    assert runs[0]["accounts"] != runs[1]["accounts"]


@settings(max_examples=30, deadline=None, database=None)
@given(seed=st.integers(0, 2**63), crashes=st.integers(0, 5), loss=st.sampled_from(["0", "0.1", "0.3"]))
def test_crash_restart_holds_for_any_seed(seed, crashes, loss):
    result = registry.run(NAME, seed, {"crashes": str(crashes), "loss": loss, "duplicate": "0.2"})
    assert result.ok and result.honest_loss == 0, explain(result)
    assert all(result.invariants.values()), explain(result)


@settings(max_examples=15, deadline=None, database=None)
@given(seed=st.integers(0, 2**63))
def test_crash_restart_without_durable_state_loses_deposits(seed):
    result = registry.run(NAME, seed, {"defense": "off"})
    assert not result.ok and result.honest_loss > 0, explain(result)
    assert not result.invariants["no_deposit_lost"]


def test_registry_rules():
    assert NAME in registry.all_scenarios()
    with pytest.raises(ScenarioError, match="defense"):
        registry.scenario("no-defense", "cannot fail")
    with pytest.raises(ScenarioError, match="no parameter"):
        registry.run(NAME, 0, {"nope": "1"})
    with pytest.raises(ScenarioError, match="not a int"):
        registry.run(NAME, 0, {"crashes": "many"})
    with pytest.raises(ScenarioError, match="do not fit"):
        registry.run(NAME, 0, {"crashes": "40"})


def test_an_attack_that_was_not_mounted_is_not_ok():
    checks = dict(scenario="demo", seed=1, params={}, invariants={"held": True}, honest_loss=0, l1_gas=0, steps=0)
    mounted = registry.ScenarioResult.from_checks(**checks, attack_attempted=True)
    missed = registry.ScenarioResult.from_checks(**checks, attack_attempted=False)
    no_attack = registry.ScenarioResult.from_checks(**checks)
    assert mounted.ok and no_attack.ok and not missed.ok
    assert [r.to_json()["attack_attempted"] for r in (mounted, missed, no_attack)] == [True, False, None]


def test_cli_list_and_run(tmp_path, capsys):
    assert main(["scenario", "list"]) == 0
    assert NAME in capsys.readouterr().out
    out_file = tmp_path / "ok.json"
    assert main(["scenario", "run", NAME, "--seed", "4", "--json", str(out_file)]) == 0
    doc = json.loads(out_file.read_text())
    assert {"scenario", "seed", "ok", "invariants", "honest_loss", "l1_gas", "steps"} <= set(doc)
    assert doc["ok"] is True and doc["seed"] == 4 and doc["l1_gas"] > 0 and doc["steps"] > 0
    capsys.readouterr()
    assert main(["scenario", "run", NAME, "--seed", "4", "--param", "defense=off", "--trace"]) == 1
    captured = capsys.readouterr()
    assert "FAILED" in captured.out and "seed 4" in captured.err and "forwarder: CRASH" in captured.out
    assert main(["scenario", "run", "no-such-scenario"]) == 2


def test_run_prints_the_trace_only_when_asked_and_says_a_control_lost(tmp_path, capsys):
    from prozchain.cli import main

    assert main(["scenario", "run", "channel-stale-state", "--param", "defense=off", "--param", "updates=20"]) == 1
    captured = capsys.readouterr()
    assert "the attack succeeded, as it should without its defence" in captured.out
    assert "event trace" not in captured.out and "--trace  (prints its" in captured.err
    assert main(["scenario", "run", "channel-stale-state", "--param", "updates=20", "--trace",
                 "--trace-file", str(tmp_path / "trace.txt")]) == 0
    out = capsys.readouterr().out
    assert "event trace (" in out and len((tmp_path / "trace.txt").read_text().splitlines()) > 10
    assert main(["scenario", "list"]) == 0
    listing = capsys.readouterr().out
    assert all(f"[{room}]" in listing for room in ("zk", "optimistic", "channels", "sidechain", "l1"))
