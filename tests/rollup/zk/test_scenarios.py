"""The ZK rollup's scenarios on seeds the tests draw at random (defence on: every invariant
holds, nobody honest loses) and with the defence off (the attack succeeds). Each run proves
several batches for real, so the examples are few and the worlds small (two users)."""

from __future__ import annotations

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from prozchain.rollup.sim import registry
from prozchain.rollup.zk.agents import INCLUDED, REJECTED, TxStatus
from prozchain.rollup.zk.node import ZkNode, tx_id
from prozchain.rollup.zk.scenarios import build, judge, plan

ATTACKS = {
    "zk-censorship-exodus": "every_user_exited",
    "zk-invalid-batch": "invalid_batches_rejected",
    "zk-malicious-upgrade": "forged_batches_refused",
    "zk-prover-crash": "no_acked_tx_lost",
    "censoring-operator": "victim_paid_by_exodus",
}
SMALL = {"users": "2"}
SEEDS = st.integers(0, 2**63)
NO_SHRINK = (Phase.explicit, Phase.generate)
# Issue 27: seeds on which an acknowledgement was lost and the wallet resent a transaction that
# was already in a batch; the operator said "nonce already used" and the judge saw a loss.
RESENT_AFTER_BATCHING = [("zk-invalid-batch", 861293590), ("zk-invalid-batch", 263875504),
                         ("zk-prover-crash", 535114042)]


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
    assert result.attack_attempted, explain(result)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_succeeds_without_the_defence(name):
    result = registry.run(name, 11, {**SMALL, "defense": "off"})
    assert not result.ok and result.honest_loss > 0 and result.attack_attempted, explain(result)
    assert not result.invariants[ATTACKS[name]], explain(result)


def test_same_seed_same_result():
    first, second = (registry.run("zk-censorship-exodus", 5, SMALL).to_json() for _ in range(2))
    for doc in (first, second):
        doc.pop("wall_time_s")
    assert first == second
    assert first["units"]["accounts"] == "gwei" and first["units"]["honest_loss"] == "wei"  # L2 balances, 1 gwei each


@pytest.mark.parametrize("name, seed", RESENT_AFTER_BATCHING)
def test_a_resend_of_a_batched_transaction_is_no_loss(name, seed):
    result = registry.run(name, seed)
    assert result.ok and result.honest_loss == 0 and result.attack_attempted, explain(result)


def test_the_wallet_and_the_judge_go_by_what_l1_applied():
    """The wallet learns from L1 data which batch applied each transaction, and the judge counts
    an applied transaction whatever answer the wallet heard."""
    params = {**registry.all_scenarios()["zk-happy-path"].defaults, "users": 2}
    run = build(3, params)
    with run.sim:
        end = plan(run, run.sim.scheduler.rng("users"))
        run.sim.run(until=end + 240_000)
        wallet, node = run.agents["wallet"], ZkNode(run.chain, run.system.rollup, run.system.depth)
        node.sync()
        assert len(run.sent) == 4
        assert all(wallet.status[tx.key()] == TxStatus(INCLUDED, node.included[tx_id(tx)]) for _, tx, _ in run.sent)
        heard = judge(run, "zk-happy-path", {})
        for key in wallet.status:
            wallet.status[key] = TxStatus(REJECTED, reason="signed for a nonce already used")
        misheard = judge(run, "zk-happy-path", {})
    assert heard.ok and misheard.ok and misheard.honest_loss == 0, explain(misheard)
    assert heard.accounts == misheard.accounts
