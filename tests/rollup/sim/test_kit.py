"""The scenario kit: one way for every room to count L1 gas and fill a result."""

from __future__ import annotations

from prozchain.rollup.common.units import ETHER, GWEI, Unit, readable
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.sim import registry
from prozchain.rollup.sim.kit import DEPLOYMENTS, TRANSFERS, Run, finish, l1_gas
from prozchain.rollup.sim.scenarios import DepositQueue
from prozchain.rollup.sim.world import Simulation


def test_l1_gas_counts_every_receipt_by_contract():
    key = Key.from_seed(b"kit-gas")
    chain = Chain({key.address: ETHER})
    first, deployed = chain.deploy(key, DepositQueue)
    chain.deploy(key, DepositQueue)  # a second queue: the first is then named with its address
    paid = chain.transact(key, first, "deposit", key.address, value=5, gas_limit=200_000)
    sent = chain.transact(key, "0x" + "22" * 20, value=1)
    total, by_contract = l1_gas(chain)
    assert by_contract == {DEPLOYMENTS: 2 * deployed.gas_used, f"DepositQueue@{first[:10]}": paid.gas_used,
                           TRANSFERS: sent.gas_used}
    assert total == sum(r.gas_used for r in chain.receipts.values())


def test_finish_fills_what_every_room_shares():
    key = Key.from_seed(b"kit-finish")
    chain = Chain({key.address: ETHER})
    with Simulation(seed=9) as sim:
        sim.produce_blocks(chain, 1_000, until=3_000)
        sim.run(until=3_000)
        run = Run(sim=sim, params={"defense": "on"}, chain=chain)
        result = run.finish("demo", {"held": True}, 0, summary=["fine"], attack_attempted=True)
        assert result == finish("demo", {"defense": "on"}, sim, chain, {"held": True}, 0, summary=["fine"],
                                attack_attempted=True)
    assert result.ok and result.seed == 9 and result.steps == sim.scheduler.steps > 0
    assert result.invariants == {"held": True, "l1_value_conserved": True}
    assert result.trace == list(sim.scheduler.trace) and result.summary == ["fine"]
    chain.burnt += 1  # value out of thin air breaks the conservation every room checks
    assert not finish("demo", {}, sim, chain, {"held": True}, 0).ok


def test_the_json_splits_l1_gas_by_contract():
    doc = registry.run("l1-crash-restart", seed=2).to_json()
    assert {"scenario", "seed", "ok", "invariants", "honest_loss", "l1_gas", "steps", "attack_attempted",
            "l1_gas_by_contract"} <= set(doc)
    assert doc["l1_gas"] == sum(doc["l1_gas_by_contract"].values()) > 0
    assert set(doc["l1_gas_by_contract"]) == {DEPLOYMENTS, "DepositQueue"}


def test_every_amount_has_its_unit_in_the_json_and_the_text():
    result = registry.run("l1-crash-restart", seed=2, overrides={"defense": "off"})
    assert result.to_json()["units"] == {"honest_loss": "wei", "l1_gas": "gas", "l1_gas_by_contract": "gas",
                                         "accounts": "wei"}
    text = "\n".join(result.report())
    assert f"honest loss: {readable(result.honest_loss)}" in text and f"({result.honest_loss} wei)" in text
    assert " ether (" in text and "defense=off: the attack succeeded" in text


def test_a_room_declares_the_unit_of_its_accounts():
    l2 = Unit("gwei", "L2 units", GWEI)
    with Simulation(seed=1) as sim:
        run = Run(sim=sim, params={"defense": "on"}, chain=Chain({}), account_unit=l2)
        result = run.finish("demo", {}, 0, accounts={"alice": {"owed": 250}})
    assert result.to_json()["units"]["accounts"] == "gwei" and result.accounts == {"alice": {"owed": 250}}
    assert "  alice: owed 250 L2 units (250 gwei)" in result.report()
