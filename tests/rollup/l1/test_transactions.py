"""Signatures, nonces, fees and the conservation of value."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.rollup.l1 import Chain, Contract, InvalidTransaction, Key, external
from prozchain.rollup.l1.blobs import GAS_PER_BLOB, blob_base_fee
from prozchain.rollup.l1.chain import COINBASE
from tests.rollup.l1.sample_contracts import Buggy, Inner

ALICE, BOB = Key.from_seed(b"alice"), Key.from_seed(b"bob")


def test_known_secp256k1_address():
    # The address of private key 1 is a well-known Ethereum constant.
    assert Key((1).to_bytes(32, "big")).address == "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"


def test_tampered_transaction_recovers_someone_else_or_fails():
    chain = Chain({ALICE.address: 10**18})
    tx = chain.build(ALICE, BOB.address, value=10)
    forged = replace(tx, value=10**17)  # same signature over different contents
    assert forged.sender != ALICE.address
    chain.submit(forged)
    chain.mine()
    assert forged.hash in chain.dropped and chain.state.balance(BOB.address) == 0
    with pytest.raises(InvalidTransaction):
        chain.submit(replace(tx, signature=(0, 1, 2**255)))  # high s (EIP-2)


def test_nonce_replay_is_dropped():
    chain = Chain({ALICE.address: 10**18})
    tx = chain.build(ALICE, BOB.address, value=10)
    chain.submit(tx)
    chain.mine()
    chain.submit(tx)
    chain.mine()
    assert chain.state.balance(BOB.address) == 10 and "already used" in chain.dropped[tx.hash]


def test_fees_split_into_burn_and_tip():
    chain = Chain({ALICE.address: 10**18})
    receipt = chain.transact(ALICE, BOB.address, value=1, max_priority_fee_per_gas=2, max_fee_per_gas=10**10)
    base_fee = chain.head.base_fee_per_gas
    assert receipt.effective_gas_price == base_fee + 2
    assert chain.state.balance(COINBASE) == 21_000 * 2
    assert chain.burnt == 21_000 * base_fee
    assert chain.state.balance(ALICE.address) == 10**18 - 1 - 21_000 * (base_fee + 2)


def test_blob_fee_market_rises_with_full_blob_blocks_and_is_burnt():
    chain = Chain({ALICE.address: 10**20})
    blob = b"\x01" * 1000
    fees = []
    for _ in range(10):  # the minimum fee of 1 wei doubles after about six full blocks
        fees.append(chain.blob_base_fee())
        for _ in range(6):  # six blobs per block: twice the target
            chain.submit(chain.build(ALICE, BOB.address, blobs=(blob,), max_fee_per_blob_gas=10**6))
        block = chain.mine()
        assert block.blob_gas_used == 6 * GAS_PER_BLOB
    assert fees[0] == 1 and fees == sorted(fees) and fees[-1] > fees[0]
    assert fees[-1] == blob_base_fee(9 * 3 * GAS_PER_BLOB) == 2
    receipt = chain.receipts[block.transactions[0].hash]
    assert receipt.blob_gas_used == GAS_PER_BLOB and receipt.blob_gas_price == fees[-1]
    assert chain.blobs[block.transactions[0].blob_versioned_hashes[0]] == blob
    assert chain.conserved()


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["pay", "write", "starve", "revert"]),
                          st.integers(0, 10**6)), max_size=12))
def test_value_is_conserved(ops):
    """Balances plus burnt fees equal the genesis mint after any mix of transactions."""
    chain = Chain({ALICE.address: 10**19, BOB.address: 10**19})
    inner, _ = chain.deploy(ALICE, Inner)
    for kind, amount in ops:
        if kind == "pay":
            chain.submit(chain.build(BOB, ALICE.address, value=amount))
        elif kind == "write":
            chain.submit(chain.build(ALICE, inner, "write", amount, value=amount))
        elif kind == "starve":
            chain.submit(chain.build(ALICE, inner, "write", amount, gas_limit=25_000))
        else:
            chain.submit(chain.build(BOB, inner, "write_then_revert", amount, value=amount))
        if amount % 3 == 0:
            chain.mine()
        assert chain.conserved()
    chain.mine()
    assert chain.conserved() and not chain.mempool


def test_out_of_order_nonces_wait_for_their_turn():
    chain = Chain({ALICE.address: 10**18})
    first = chain.build(ALICE, BOB.address, value=1)
    second = replace(first, nonce=1).sign(ALICE)
    chain.submit(second)
    chain.submit(first)
    block = chain.mine()
    assert [tx.nonce for tx in block.transactions] == [0, 1] and not chain.mempool


def test_a_python_error_in_a_contract_is_a_panic_revert():
    chain = Chain({ALICE.address: 10**18})
    buggy, _ = chain.deploy(ALICE, Buggy)
    receipt = chain.transact(ALICE, buggy, "divide", 0)
    assert not receipt.status and "panic: ZeroDivisionError" in receipt.error
    assert buggy not in chain.state.storage or not any(chain.state.storage[buggy].values())
    assert chain.transact(ALICE, buggy, "divide", 1).status


class BlockHashReader(Contract):
    @external
    def hash_of(self, number: int) -> bytes:
        return self.blockhash(number)


def test_blockhash_answers_for_the_last_256_blocks_only():
    key = Key.from_seed(b"blockhash")
    chain = Chain({key.address: 10**20})
    reader, _ = chain.deploy(key, BlockHashReader)
    for _ in range(300):
        chain.mine()
    head = chain.head.number
    assert chain.view(reader, "hash_of", head) == chain.blocks[head].hash != bytes(32)
    assert chain.view(reader, "hash_of", head + 1 - 256) == chain.blocks[head + 1 - 256].hash
    assert chain.view(reader, "hash_of", head - 256) == bytes(32)  # out of reach, as on Ethereum
    assert chain.view(reader, "hash_of", head + 1) == bytes(32)  # the block being built has none yet
