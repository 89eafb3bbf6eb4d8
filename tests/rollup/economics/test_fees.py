"""The fee model: Fjord's L1 data fee, EIP-1559 on L2 blocks, quotes and charges."""

from __future__ import annotations

import random

import pytest

from prozchain.rollup.common.units import GWEI
from prozchain.rollup.economics import (BLOB, CALLDATA, BaseFeeRule, FeeModel, FeeTooLow, L1Prices, Scalars,
                                        compressed_size, l1_data_fee)
from prozchain.rollup.economics.fees import INTERCEPT, MIN_TX_SIZE, SIZE_COEF, estimated_size_scaled
from prozchain.rollup.l1 import Chain, Key

PRICES = L1Prices(base_fee=3 * GWEI, blob_base_fee=7)


def test_the_data_fee_is_fjords_formula_on_the_zlib_size():
    data = random.Random(1).randbytes(400)  # incompressible: the size estimate is above the floor
    size = compressed_size(data)
    expected = (INTERCEPT + SIZE_COEF * size) * (2 * 10**6 * 3 * GWEI * 16 + 5 * 10**6 * 7) // 10**12
    assert l1_data_fee(data, PRICES, Scalars(2 * 10**6, 5 * 10**6)) == expected


def test_a_small_transaction_pays_for_the_minimum_size():
    assert estimated_size_scaled(b"\x00" * 50) == MIN_TX_SIZE * 10**6
    assert l1_data_fee(b"\x00" * 50, PRICES, Scalars.for_lane(CALLDATA, 10**6)) == MIN_TX_SIZE * 16 * 3 * GWEI


def test_each_lane_pays_its_own_price():
    data = bytes(range(256))
    assert l1_data_fee(data, PRICES, Scalars.for_lane(BLOB, 10**6)) == estimated_size_scaled(data) * 7 // 10**6
    assert l1_data_fee(data, L1Prices(3 * GWEI, 10**9), Scalars.for_lane(CALLDATA, 10**6)) == \
        l1_data_fee(data, PRICES, Scalars.for_lane(CALLDATA, 10**6))
    with pytest.raises(ValueError, match="lane"):
        Scalars.for_lane("carrier pigeon", 1)


@pytest.mark.parametrize("used, expected", [(10_000, GWEI), (20_000, GWEI * 9 // 8), (0, GWEI * 7 // 8),
                                            (15_000, GWEI + GWEI // 16)])
def test_the_l2_base_fee_moves_by_at_most_an_eighth_toward_the_target(used, expected):
    assert BaseFeeRule(gas_target=10_000).next(GWEI, used) == expected


def test_the_l2_base_fee_has_a_floor_and_always_rises_over_target():
    rule = BaseFeeRule(gas_target=10_000, min_base_fee=5)
    assert rule.next(5, 0) == 5 and rule.next(7, 10_001) == 8 and rule.gas_limit == 20_000


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_charge_is_its_quote_and_the_split_is_exact(seed):
    rng = random.Random(seed)
    model = FeeModel(BaseFeeRule(gas_target=8_000), l2_base_fee=rng.randint(1, 10**8), scalar=rng.randint(1, 10**8))
    l1 = L1Prices(rng.randint(1, 10**10), rng.randint(1, 10**4))
    data, gas, tip = rng.randbytes(rng.randint(50, 500)), rng.randint(2_000, 100_000), rng.randint(0, 10**7)
    quote = model.quote(data, gas, l1, tip)
    price = quote.gas_price()
    assert 0 <= price * gas - quote.total < gas  # the bound a VM layer states: one wei per gas
    charge = model.split(price * gas, gas, data, l1)
    assert (charge.burned, charge.l1_data) == (quote.execution, quote.l1_data)
    assert charge.total == price * gas and charge.priority >= quote.priority


def test_an_underpaid_transaction_is_refused_and_a_later_block_may_require_more():
    model = FeeModel(BaseFeeRule(gas_target=2_000), l2_base_fee=GWEI)
    quote = model.quote(b"tx" * 60, 2_000, PRICES)
    with pytest.raises(FeeTooLow, match="below"):
        model.split(quote.total - 1, 2_000, b"tx" * 60, PRICES)
    model.end_block(gas_used=4_000)  # a full block: the next one's base fee is 1/8 higher
    with pytest.raises(FeeTooLow):
        model.split(quote.total, 2_000, b"tx" * 60, PRICES)
    assert model.split(quote.total + 2_000 * GWEI // 8, 2_000, b"tx" * 60, PRICES).priority == 0


def test_l1_prices_are_the_next_blocks():
    key = Key.from_seed(b"prices")
    chain = Chain({key.address: 10**20})
    chain.transact(key, "0x" + "11" * 20, data=b"\x01" * 100_000, gas_limit=2_000_000)
    assert L1Prices.of(chain) == L1Prices(chain.next_base_fee(), chain.blob_base_fee())
