"""The ZK operator under a fee model: a transaction's fee field must cover its quote; sealed
batches carry the exact split of every fee and move the L2 base fee. Circuits are unchanged."""

from __future__ import annotations

from prozchain.rollup.economics import BaseFeeRule, FeeModel, L1Prices
from prozchain.rollup.economics.fees import PPM
from prozchain.rollup.sim.store import SqliteStore
from prozchain.rollup.zk.agents import SLOT_GAS, WITHDRAW_L1_GAS, Pipeline, tx_gas, tx_l1_gas
from prozchain.rollup.zk.system import UNIT
from prozchain.testing.rig import make_rig


def fee_field(model: FeeModel, rig, tx) -> int:
    quote = model.quote(tx.encode(), tx_gas(tx), L1Prices.of(rig.chain), l1_gas=tx_l1_gas(tx))
    return -(-quote.total // UNIT)


def test_the_operator_requires_the_quote_and_splits_what_it_charges():
    rig = make_rig(n_users=2)
    model = FeeModel(BaseFeeRule(gas_target=SLOT_GAS), l2_base_fee=10**7)
    pipeline = Pipeline(rig.system, rig.pipeline.compiled, rig.pipeline.zkey, fees=model)
    rig.deposit(0, 10**6)
    rig.deposit(1, 10**6)
    assert pipeline.seal().charges == []  # deposits pay no fee
    base = model.l2_base_fee
    assert base == 10**7 * 9 // 8  # two slots used, one targeted: up an eighth
    need = fee_field(model, rig, rig.transfer(0, 1, 100, fee=0))
    short = rig.transfer(0, 1, 100, fee=need - 1)
    assert "below" in pipeline.accept(short)
    paying = rig.transfer(0, 1, 100, fee=need)
    assert pipeline.accept(paying) is None
    withdraw = rig.withdraw(1, 50, fee=0)
    assert fee_field(model, rig, withdraw) * UNIT > WITHDRAW_L1_GAS * L1Prices.of(rig.chain).base_fee
    assert "below" in pipeline.accept(withdraw)
    batch = pipeline.seal()
    (charge,) = batch.charges
    assert charge.total == need * UNIT and charge.burned == SLOT_GAS * base
    assert 0 <= charge.total - model.quote(paying.encode(), SLOT_GAS, L1Prices.of(rig.chain)).total < UNIT
    assert model.l2_base_fee == base  # one slot used: on target


def test_the_fee_models_state_survives_an_operator_crash(tmp_path):
    """The L2 base fee a sealed batch moved and the pricer's scalar are in the operator's store:
    the operator restarted on it (a fresh model) quotes as the crashed one did; without the store
    it would start over at the model's defaults."""
    rig = make_rig(n_users=2)
    store = SqliteStore(str(tmp_path / "operator.sqlite"))
    model = FeeModel(BaseFeeRule(gas_target=SLOT_GAS), l2_base_fee=10**7)
    pipeline = Pipeline(rig.system, rig.pipeline.compiled, rig.pipeline.zkey, store=store, fees=model)
    rig.deposit(0, 10**6)
    rig.deposit(1, 10**6)
    pipeline.seal()
    pipeline.reprice(3 * PPM)
    assert (model.l2_base_fee, model.scalar) == (10**7 * 9 // 8, 3 * PPM)
    store.close()  # the crash
    fresh = FeeModel(BaseFeeRule(gas_target=SLOT_GAS), l2_base_fee=10**7)
    restarted = Pipeline(rig.system, rig.pipeline.compiled, rig.pipeline.zkey,
                         store=SqliteStore(str(tmp_path / "operator.sqlite")), fees=fresh)
    assert (fresh.l2_base_fee, fresh.scalar) == (model.l2_base_fee, model.scalar)
    tx = rig.transfer(0, 1, 100, fee=0)
    assert restarted.fees.quote(tx.encode(), SLOT_GAS, L1Prices.of(rig.chain)) \
        == model.quote(tx.encode(), SLOT_GAS, L1Prices.of(rig.chain))
    assert len(restarted.sealed) == 1  # the batch the base fee moved with came back too
