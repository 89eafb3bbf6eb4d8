"""The start of a transaction in a circuit (``TxStart``): the machine and the circuit agree on
transactions that start, run a contract or are skipped, with the signature and the RLP checked by
L1 (the public ``valid``, ``sender`` and ``tx``), and the circuit refuses a wrong sender, a
tampered field and a wrong post-state root."""

from __future__ import annotations

import random

import pytest

from prozchain.circuits.testing import assert_rejects
from prozchain.rollup.l1.crypto import Key, rlp_encode
from prozchain.rollup.vm.circuit import TX_WORDS, TxStart, txstart_inputs
from prozchain.rollup.vm.merkle import POSEIDON
from prozchain.rollup.vm.state import END, IDLE, RUN, state_root
from prozchain.rollup.vm.tx import L2Tx

from .helpers import ALICE, BOB, assert_proves_only_its_root, call, machine

CONTRACT = "0x" + "c0" * 20


@pytest.fixture(scope="module")
def circuit():
    return TxStart().compile()


def starts(raws: list[bytes], balances=None):
    """Each transaction-start step of a batch of raw transactions: (executor, context, next context)."""
    ex, world = machine({CONTRACT: "ENV r1, 1\nRET r1"}, balances=balances, scheme=POSEIDON)
    trace = ex.run(ex.start(world, 0, [], raws))
    return ex, [(trace.contexts[i], trace.contexts[i + 1]) for i in range(len(trace))
                if trace.contexts[i].phase == IDLE]


CASES = {
    "transfer": call(ALICE, BOB.address, value=7, gas_price=2),
    "contract call": call(ALICE, CONTRACT, 1, 2, 3, value=1, gas_price=1),
    "empty sender": call(ALICE, BOB.address, value=1).sign(Key.from_seed(b"nobody")),
    "bad nonce": call(ALICE, BOB.address, nonce=5),
    "too poor": call(ALICE, BOB.address, value=2 * 10**18),
    "wrong chain": L2Tx(nonce=0, to=BOB.address, chain_id=1).sign(ALICE),
    "gas too low": call(ALICE, BOB.address, gas=1_000),
}


@pytest.mark.parametrize("case", sorted(CASES) + ["not a transaction"])
def test_the_circuit_agrees_with_the_machine(circuit, case):
    raw = rlp_encode([b"junk"]) if case == "not a transaction" else CASES[case].encode()
    ex, steps = starts([raw])
    ctx, after = steps[0]
    inputs = txstart_inputs(ex, ctx)
    assert inputs["valid"] == int(case != "not a transaction")
    phase = {"transfer": END, "contract call": RUN}.get(case, IDLE)
    assert after.phase == phase, case
    assert_proves_only_its_root(circuit, inputs)


def test_a_wrong_sender_or_a_tampered_field_is_refused(circuit):
    ex, steps = starts([call(ALICE, CONTRACT, 9, value=3, gas_price=2).encode()])
    inputs = txstart_inputs(ex, steps[0][0])
    circuit.solve(inputs)
    assert_rejects(circuit, dict(inputs, sender=int(BOB.address, 16)))
    for field in ("value", "a0", "gas_price", "to", "nonce"):
        tx = [list(pair) for pair in inputs["tx"]]
        tx[TX_WORDS.index(field)][1] += 1
        limbs = [list(w) for w in inputs["tx_limbs"]]
        limbs[TX_WORDS.index(field)][0] += 1  # the private limbs agree with the tampered public field
        assert_rejects(circuit, dict(inputs, tx=tx, tx_limbs=limbs))
    assert_rejects(circuit, dict(inputs, valid=0))  # L1 says it decodes: the circuit cannot skip it
    assert_rejects(circuit, dict(inputs, index=1))


@pytest.mark.parametrize("seed", range(3))
def test_random_transactions_start_as_the_machine_starts_them(circuit, seed):
    """A batch of random transactions (nonces right and wrong, values and prices large and small,
    to accounts, to a contract, to the sender itself); every start is proven."""
    rng = random.Random(seed)
    keys = [ALICE, BOB]
    nonces = {k.address: 0 for k in keys}
    raws = []
    for _ in range(6):
        key = rng.choice(keys)
        nonce = nonces[key.address] if rng.random() < 0.8 else rng.randrange(5)
        tx = L2Tx(nonce=nonce, to=rng.choice([CONTRACT, BOB.address, key.address, "0x" + "77" * 20]),
                  value=rng.choice([0, 1, 10**17]) if rng.random() < 0.85 else 2 * 10**18,
                  args=tuple(rng.getrandbits(256) for _ in range(rng.randrange(9))),
                  gas_limit=rng.choice([21_000, 60_000]) if rng.random() < 0.85 else rng.choice([1_999, 1_000_001]),
                  gas_price=rng.choice([0, 1, 10**9, 10**13])).sign(key)
        nonces[key.address] += nonce == nonces[key.address] and 2_000 <= tx.gas_limit <= 10**6 and tx.value < 10**18
        raws.append(tx.encode())
    ex, steps = starts(raws)
    assert len(steps) == 6, seed
    for ctx, after in steps:
        inputs = txstart_inputs(ex, ctx)
        assert inputs["post_root"] == int.from_bytes(state_root(after, POSEIDON), "big")
        assert_proves_only_its_root(circuit, inputs)
