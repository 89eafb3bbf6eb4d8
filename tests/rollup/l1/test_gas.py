"""Gas of known transactions equals the figure worked out by hand from the Ethereum rules.

Selectors used below have no zero byte (set 60fe47b1, set_twice 3d5d3991, log f82c50f1,
hash aa1e84de), so a selector costs 4 * 16 = 64 calldata gas; a uint256 word holding a small
non-zero number costs 31 * 4 + 16 = 140, an all-zero word 32 * 4 = 128.
"""

from __future__ import annotations

import pytest

from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1.gas import sstore_cost
from tests.rollup.l1.sample_contracts import Slot

ALICE, BOB = Key.from_seed(b"alice"), Key.from_seed(b"bob")


@pytest.fixture()
def chain_and_slot():
    chain = Chain({ALICE.address: 10**20})
    slot, receipt = chain.deploy(ALICE, Slot)
    # 21,000 + 32,000 (create) + 64 (4-byte code id, no zero) + 2 (one initcode word, EIP-3860)
    assert receipt.gas_used == 53_066
    return chain, slot


def test_plain_transfer_and_calldata():
    chain = Chain({ALICE.address: 10**18})
    assert chain.transact(ALICE, BOB.address, value=1).gas_used == 21_000
    # one zero byte (4) and two non-zero bytes (16 each), EIP-2028
    assert chain.transact(ALICE, BOB.address, data=b"\x00\x01\x02").gas_used == 21_036


def test_sstore_set_reset_clear(chain_and_slot):
    chain, slot = chain_and_slot
    # 21,000 + 204 calldata + 22,100 (cold slot 2,100 + zero -> non-zero 20,000)
    assert chain.transact(ALICE, slot, "set", 1).gas_used == 43_304
    # 21,000 + 204 + 5,000 (cold 2,100 + reset 2,900)
    assert chain.transact(ALICE, slot, "set", 2).gas_used == 26_204
    # 21,000 + 192 (value 0 is an all-zero word) + 5,000, minus the 4,800 clear refund
    assert chain.transact(ALICE, slot, "set", 0).gas_used == 21_392
    # 0 -> 5 -> 0 in one tx: 22,100 + 100, refund 19,900 capped at used // 5 (EIP-3529):
    # used = 21,000 + 64 + 140 (word 5) + 128 (word 0) + 22,200 = 43,532; cap 8,706
    assert chain.transact(ALICE, slot, "set_twice", 5, 0).gas_used == 43_532 - 8_706


def test_log_and_keccak(chain_and_slot):
    chain, slot = chain_and_slot
    # LOG2: 375 + 2 * 375 + 8 * 32 = 1,381 on top of 21,204
    receipt = chain.transact(ALICE, slot, "log", 7)
    assert receipt.gas_used == 22_585
    assert len(receipt.logs[0].topics) == 2 and receipt.logs[0].topics[1] == (7).to_bytes(32, "big")
    # calldata: 64 + offset word 140 + length word 140 + 64 * 16 = 1,368; keccak 30 + 6 * 2
    assert chain.transact(ALICE, slot, "hash", b"\xff" * 64).gas_used == 21_000 + 1_368 + 42


@pytest.mark.parametrize("original,current,new,cold,expected", [
    (0, 0, 0, False, (100, 0)),          # no-op write costs a warm read
    (1, 1, 2, False, (2_900, 0)),        # reset of a warm slot
    (1, 1, 0, True, (5_000, 4_800)),     # cold clear
    (1, 0, 1, False, (100, -4_800 + 2_800)),  # restore after clearing: refund taken back, reset refund
    (0, 3, 0, False, (100, 19_900)),     # set then cleared in one transaction
])
def test_sstore_table(original, current, new, cold, expected):
    assert sstore_cost(original, current, new, cold) == expected


def test_precompile_prices_through_transactions(backend):
    """EIP-1108: ecAdd 150, ecMul 6,000, ecPairing 45,000 + 34,000 per pair."""
    chain = Chain({ALICE.address: 10**20}, backend=backend)
    add = chain.transact(ALICE, 6, data=bytes(128))  # infinity + infinity
    assert add.status and add.return_value == bytes(64) and add.gas_used == 21_000 + 128 * 4 + 150
    mul = chain.transact(ALICE, 7, data=bytes(96))
    assert mul.status and mul.gas_used == 21_000 + 96 * 4 + 6_000
    empty = chain.transact(ALICE, 8, gas_limit=100_000)
    assert empty.return_value == (1).to_bytes(32, "big") and empty.gas_used == 66_000
    two = chain.transact(ALICE, 8, data=bytes(384), gas_limit=200_000)  # two pairs of infinities
    assert two.return_value[-1] == 1 and two.gas_used == 21_000 + 384 * 4 + 45_000 + 2 * 34_000
    bad = chain.transact(ALICE, 8, data=bytes(191), gas_limit=200_000)
    assert not bad.status and bad.gas_used == 200_000  # a failing precompile eats all the gas
