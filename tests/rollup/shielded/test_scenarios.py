"""``shielded-double-spend`` with real proofs: refused with the defence, draining the pool without."""

from __future__ import annotations

from prozchain.rollup.sim import registry


def without_wall_clock(result: registry.ScenarioResult) -> dict:
    return {k: v for k, v in result.to_json().items() if k not in registry.WALL_CLOCK_FIELDS}


def test_the_nullifier_set_refuses_the_replayed_withdrawal():
    result = registry.run("shielded-double-spend", seed=11)
    assert result.ok, result.report()
    assert result.attack_attempted and result.honest_loss == 0
    assert result.accounts["alice"]["withdrawn"] == result.accounts["alice"]["owed"] > 0


def test_without_it_the_replays_drain_the_honest_users_notes_and_the_run_replays():
    first = registry.run("shielded-double-spend", seed=12, overrides={"defense": "off"})
    assert not first.ok and first.honest_loss > 0
    assert not first.invariants["no_nullifier_spent_twice"] and not first.invariants["pool_backs_its_notes"]
    assert first.invariants["l1_value_conserved"]
    assert without_wall_clock(registry.run("shielded-double-spend", seed=12, overrides={"defense": "off"})) == \
        without_wall_clock(first)
