"""The ecrecover precompile (0x01): Ethereum's input rules, empty output on failure, 3,000 gas."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.rollup.l1 import Chain, Contract, Key, external, keccak256
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.l1.crypto import SECP256K1_N
from prozchain.rollup.l1.precompiles import PRECOMPILES, ecrecover

ALICE = Key.from_seed(b"alice")


def word(n: int) -> bytes:
    return n.to_bytes(32, "big")


def call_data(key: Key, digest: bytes) -> bytes:
    v, r, s = key.sign(digest)
    return digest + word(27 + v) + word(r) + word(s)


class Recoverer(Contract):
    @external
    def recover(self, data: bytes, really: bool) -> bytes:
        return self.precompile(1, data) if really else b""


@settings(max_examples=10, deadline=None, database=None)
@given(seed=st.binary(min_size=1, max_size=16), message=st.binary(max_size=64))
def test_recovers_the_signer(seed, message):
    key, digest = Key.from_seed(seed), keccak256(message)
    out = ecrecover(call_data(key, digest), None)
    assert len(out) == 32 and out[:12] == bytes(12) and "0x" + out[12:].hex() == key.address


def test_high_s_is_accepted_with_the_other_parity():
    digest = keccak256(b"malleable")
    v, r, s = ALICE.sign(digest)
    high = digest + word(27 + (1 - v)) + word(r) + word(SECP256K1_N - s)
    assert ecrecover(high, None) == ecrecover(call_data(ALICE, digest), None)
    assert ecrecover(call_data(ALICE, digest) + b"\xff" * 9, None)[12:].hex() == ALICE.address[2:]  # extra ignored


@pytest.mark.parametrize("tamper", ["v=0", "v=29", "r=0", "s=0", "r=n", "s=n", "short", "empty"])
def test_bad_input_gives_empty_output_not_a_failure(tamper):
    data = bytearray(call_data(ALICE, keccak256(b"x")))
    field, _, value = tamper.partition("=")
    offsets = {"v": 32, "r": 64, "s": 96}
    if field in offsets:
        data[offsets[field]:offsets[field] + 32] = word(SECP256K1_N if value == "n" else int(value))
    elif field == "short":
        data = data[:96]  # s is missing and reads as zero
    else:
        data = bytearray()
    assert ecrecover(bytes(data), None) == b""


def test_a_contract_call_is_metered_at_the_precompile_price():
    chain = Chain({ALICE.address: 10**20})
    contract, _ = chain.deploy(ALICE, Recoverer)
    data = call_data(ALICE, keccak256(b"metered"))
    called = chain.transact(ALICE, contract, "recover", data, True, gas_limit=100_000)
    skipped = chain.transact(ALICE, contract, "recover", data, False, gas_limit=100_000)
    assert called.status and called.return_value[12:].hex() == ALICE.address[2:]
    calldata_delta = G.CALLDATA_NONZERO - G.CALLDATA_ZERO  # the flag byte 1 versus 0
    assert called.gas_used - skipped.gas_used == G.ECRECOVER + G.WARM_ACCESS + calldata_delta
    assert PRECOMPILES[1].gas(b"") == G.ECRECOVER == 3_000
    bad = chain.transact(ALICE, contract, "recover", bytes(128), True, gas_limit=100_000)
    bad_skipped = chain.transact(ALICE, contract, "recover", bytes(128), False, gas_limit=100_000)
    assert bad.status and bad.return_value == b""  # nothing recovered, gas spent, no revert
    assert bad.gas_used - bad_skipped.gas_used == called.gas_used - skipped.gas_used
