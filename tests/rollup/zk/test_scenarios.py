"""The ZK rollup's scenarios on seeds the tests draw at random (defence on: every invariant
holds, nobody honest loses) and with the defence off (the attack succeeds). Each run proves
several batches for real, so the examples are few and the worlds small (two users)."""

from __future__ import annotations

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from rollup.sim import registry

ATTACKS = {
    "zk-censorship-exodus": "every_user_exited",
    "zk-invalid-batch": "invalid_batches_rejected",
    "zk-prover-crash": "no_acked_tx_lost",
}
SMALL = {"users": "2"}
SEEDS = st.integers(0, 2**63)
NO_SHRINK = (Phase.explicit, Phase.generate)


def explain(result: registry.ScenarioResult) -> str:
    return "\n".join([f"seed {result.seed} params {result.params}", *result.summary, str(result.invariants),
                      *result.trace[-40:]])


@settings(max_examples=1, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS)
def test_happy_path_holds_for_any_seed(seed):
    result = registry.run("zk-happy-path", seed, SMALL)
    assert result.ok and result.honest_loss == 0 and result.l1_gas > 0, explain(result)
    assert result.invariants["every_withdrawal_claimed"], explain(result)


@pytest.mark.parametrize("name", sorted(ATTACKS))
@settings(max_examples=1, deadline=None, database=None, phases=NO_SHRINK)
@given(seed=SEEDS)
def test_defence_holds_for_any_seed(name, seed):
    result = registry.run(name, seed, SMALL)
    assert result.ok and result.honest_loss == 0 and all(result.invariants.values()), explain(result)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_succeeds_without_the_defence(name):
    result = registry.run(name, 11, {**SMALL, "defense": "off"})
    assert not result.ok and result.honest_loss > 0, explain(result)
    assert not result.invariants[ATTACKS[name]], explain(result)


def test_same_seed_same_result():
    first, second = (registry.run("zk-censorship-exodus", 5, SMALL).to_json() for _ in range(2))
    for doc in (first, second):
        doc.pop("wall_time_s")
    assert first == second
