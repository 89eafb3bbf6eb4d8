"""The optimistic sequencer under a fee model refuses an underpaid transaction itself: the
wallet is told the shortfall and stops resending; a transaction whose gas price covers the
quote is acknowledged and posted."""

from __future__ import annotations

from prozchain.rollup.common.units import GWEI
from prozchain.rollup.economics import BaseFeeRule, FeeModel, FeeTooLow, L1Prices
from prozchain.rollup.optimistic.node import L2Node
from prozchain.rollup.optimistic.scenarios import COMMON, add_agents, build
from prozchain.rollup.vm.tx import L2Tx

import pytest


def covering(model: FeeModel, prices: L1Prices, make) -> bytes:
    """A transaction (``make(gas_price)``) whose gas price covers its own quote."""
    price = 0
    for _ in range(4):
        tx = make(price)
        quote = model.quote(tx.encode(), tx.gas_limit, prices)
        if price * tx.gas_limit >= quote.total:
            return tx.encode()
        price = quote.gas_price()
    raise AssertionError("no price settles")


def test_the_sequencer_refuses_an_underpaid_transaction_naming_the_shortfall():
    run = build(5, {**COMMON, "defense": "on", "loss": 0.0})
    model = FeeModel(BaseFeeRule(gas_target=1_000_000), l2_base_fee=GWEI // 100)
    add_agents(run, sequencer={"fees": model}, challenger=None)
    user, peer = run.users[0], run.users[1]
    # the L1 base fee moves a little with traffic: a price covering twice today's stays enough
    prices = L1Prices.of(run.chain)
    prices = L1Prices(2 * prices.base_fee, prices.blob_base_fee)
    paying = covering(model, prices, lambda p: L2Tx(0, peer.address, 1, gas_limit=21_000, gas_price=p).sign(user))
    short = L2Tx(1, peer.address, 1, gas_limit=21_000, gas_price=1).sign(user).encode()
    with pytest.raises(FeeTooLow, match="wei short"):
        model.admit(short, 21_000, 1, L1Prices.of(run.chain))
    wallet = run.agents["wallet"]
    run.sim.scheduler.at(1_000, "send both", lambda: (wallet.send_l2(paying), wallet.send_l2(short)))
    with run.sim:
        run.sim.run(until=60_000)
        refused = wallet.store.get(f"sent/{short.hex()}")
        assert not refused["acked"] and "wei short" in refused["rejected"] and "below" in refused["rejected"]
        assert wallet.store.get(f"sent/{paying.hex()}")["acked"]
        held = [run.agents["sequencer"].store.get(k)[1] for k in run.agents["sequencer"].store.keys("tx/")]
        assert paying.hex() in held and short.hex() not in held
        node = L2Node(run.chain, run.system.portal, run.system.genesis)
        node.sync()
        assert paying in node.included() and short not in node.included()
