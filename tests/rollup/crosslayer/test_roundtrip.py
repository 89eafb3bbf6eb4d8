"""The bridge protocol on a live world (real Groth16 proofs on the ZK leg), and the
``crosslayer-roundtrip`` scenario on several seeds, with its defence and without."""

from __future__ import annotations

import pytest

from prozchain.rollup.crosslayer.errors import AboveEscrow, AlreadyFinalized, NotFinal, UnknownAsset, WrongRoute
from prozchain.rollup.crosslayer.fees import fee_rows
from prozchain.rollup.crosslayer.measure import compare, table
from prozchain.rollup.crosslayer.system import build, run_until
from prozchain.rollup.l1.token import Token
from prozchain.rollup.sim import registry


def explain(result: registry.ScenarioResult) -> str:
    return "\n".join([f"seed {result.seed} params {result.params}", *result.summary, str(result.invariants)])


@pytest.mark.parametrize("seed", [3, 17, 2024])
def test_the_token_comes_home_with_every_invariant(seed):
    result = registry.run("crosslayer-roundtrip", seed)
    assert result.ok and result.honest_loss == 0, explain(result)
    assert all(result.invariants.values()) and result.attack_attempted, explain(result)


@pytest.mark.parametrize("seed", [5, 99])
def test_without_escrow_per_route_the_rogue_layer_drains_the_user(seed):
    result = registry.run("crosslayer-roundtrip", seed, {"defense": "off"})
    assert not result.ok and result.honest_loss > 0, explain(result)
    assert not result.invariants["rogue_layer_cannot_drain_other_routes"]
    assert not result.invariants["registry_holds_every_escrowed_token"]


def test_the_same_seed_gives_the_same_result():
    a, b = (registry.run("crosslayer-roundtrip", 8).to_json() for _ in range(2))
    assert {k: v for k, v in a.items() if k != "wall_time_s"} == {k: v for k, v in b.items() if k != "wall_time_s"}


def test_bad_input_gets_a_clear_error_and_moves_nothing():
    world = build(4, layers=("optimistic",))
    bridge, user = world.bridges["optimistic"], world.users[0]
    chain, token = world.chain, world.fabric.token
    with world.sim:
        other, _ = chain.deploy(user, Token, 100)
        with pytest.raises(UnknownAsset, match="not an asset of the registry"):
            bridge.deposit(user, 10, token=other)
        bridge.deposit(user, 1_000)
        assert run_until(world.sim, lambda: bridge.balance(user.address) == 1_000, 120_000)
        with pytest.raises(AboveEscrow, match="cannot withdraw 1001"):
            bridge.withdraw(user, 1_001)
        w = bridge.withdraw(user, 400)
        with pytest.raises(NotFinal, match="challenge window"):
            bridge.finalize(w)
        assert bridge.escrow() == 1_000 and bridge.conserved()
        assert run_until(world.sim, lambda: bridge.status(w).final, 900_000)
        status = bridge.status(w)
        assert status.final_at <= chain.time and "window" in status.rule
        before = chain.view(token, "balance_of", user.address)
        bridge.finalize(w)
        assert chain.view(token, "balance_of", user.address) == before + 400 and bridge.escrow() == 600
        with pytest.raises(AlreadyFinalized):
            bridge.finalize(w)
        world.bridges["optimistic"].layer = 3  # a layer this world never listed
        with pytest.raises(WrongRoute, match="no canonical representation on layer 3"):
            bridge.deposit(user, 10)
        assert chain.view(token, "balance_of", user.address) == before + 400


def test_compare_measures_the_forced_inclusion_where_a_layer_forces_single_transactions():
    """The optimistic rollup's honest sequencer includes a transaction forced through L1 at its
    next tick: a few L1 seconds, far inside the sequencing window; the other rows have no figure."""
    rows = compare(1, ("optimistic", "channel"))
    assert [r.forced_s for r in rows[:1] + rows[2:]] == [None, None]
    assert 0 < rows[1].forced_s <= 60


def test_compare_splits_each_layers_transfer_fee_as_measure_fees_does():
    """The fee columns of ``compare layers`` are the day of traffic ``measure fees`` runs; the L1
    and channel rows have no such fee."""
    rows = compare(1, ("optimistic", "channel"), fee_hours=4)
    (day,) = fee_rows(1, 4, ("optimistic",))
    split = (rows[1].fee_execution, rows[1].fee_l1_data, rows[1].fee_priority, rows[1].margin_bps)
    assert split == (day.execution, day.l1_data, day.priority, day.margin_bps) and day.l1_data > 0
    assert [(r.fee_l1_data, r.margin_bps) for r in (rows[0], rows[2])] == [(None, None)] * 2
    assert "| transfer fee: execution (gwei) | L1 data (gwei) | priority (gwei) | operator margin |" in table(rows)[0]
