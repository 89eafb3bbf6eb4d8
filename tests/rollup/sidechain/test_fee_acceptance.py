"""The sidechain mempool under a fee model refuses an underpaid transaction itself, naming the
shortfall, and admits one whose gas price covers the quote at the current L1 prices."""

from __future__ import annotations

import pytest

from prozchain.rollup.economics import BaseFeeRule, FeeModel, L1Prices
from prozchain.rollup.l1 import Key
from prozchain.rollup.sidechain.errors import InvalidMessage
from prozchain.rollup.sidechain.node.chain import Mempool
from prozchain.rollup.vm import L2Tx


def test_the_mempool_refuses_an_underpaid_transaction_and_admits_a_paying_one():
    key, peer = Key.from_seed(b"payer"), Key.from_seed(b"peer")
    prices = [L1Prices(base_fee=10**9, blob_base_fee=1)]
    model = FeeModel(BaseFeeRule(gas_target=100_000), l2_base_fee=10**7)
    pool = Mempool(fees=model, prices=lambda: prices[0])
    unsigned = L2Tx(0, peer.address, 5, gas_limit=21_000)
    need = model.quote(unsigned.sign(key).encode(), 21_000, prices[0]).gas_price()
    short = L2Tx(0, peer.address, 5, gas_limit=21_000, gas_price=need // 2).sign(key).encode()
    with pytest.raises(InvalidMessage, match=r"mempool refuses the transaction: fee \d+ wei is below .* wei short"):
        pool.add(short)
    paying = L2Tx(0, peer.address, 5, gas_limit=21_000, gas_price=2 * need).sign(key).encode()
    assert pool.add(paying) and list(pool.txs) == [L2Tx.decode(paying).hash]
    prices[0] = L1Prices(base_fee=10**12, blob_base_fee=1)  # L1 data got dear: the same price no longer covers
    again = L2Tx(1, peer.address, 5, gas_limit=21_000, gas_price=2 * need).sign(key).encode()
    with pytest.raises(InvalidMessage, match="wei short"):
        pool.add(again)


def test_a_fee_model_needs_its_prices():
    with pytest.raises(ValueError, match="L1 prices"):
        Mempool(fees=FeeModel(BaseFeeRule(gas_target=1)))
