"""The start of a deposit or L1 message in a circuit (``DepositStart``): the machine and the
circuit agree on plain deposits, messages that open a call (writing the retry record, Poseidon
under this commitment) and messages that do not, and undecodable items, with the RLP and the
inbox path left to L1; a wrong post-state root, a tampered public field, a skipped valid deposit
and a wrong index are refused. A message whose call reverts is retried by a transaction, which
finds the Poseidon record the start wrote."""

from __future__ import annotations

import random

import pytest

from prozchain.circuits.testing import assert_rejects
from prozchain.rollup.common.merkle import list_root
from prozchain.rollup.l1.crypto import rlp_encode
from prozchain.rollup.vm.circuit import DepositStart, deposit_start_inputs, start_kind
from prozchain.rollup.vm.merkle import POSEIDON, keccak
from prozchain.rollup.vm.state import IDLE, MESSENGER, RUN, batch_start, retry_id, retry_key, state_root
from prozchain.rollup.vm.tx import Deposit, alias

from .helpers import ALICE, CONTRACT, assert_proves_only_its_root, call, machine

SENDER = "0x" + "55" * 20
EOA = "0x" + "66" * 20


@pytest.fixture(scope="module")
def circuit():
    return DepositStart().compile()


def deposit_starts(items: list[bytes], code: str = "ENV r1, 1\nRET r1", txs=()):
    """Each deposit-start step of a batch whose deposit inbox holds the raw ``items`` (not all of
    them need be deposits): (executor, [(context, next context)], trace)."""
    ex, world = machine({CONTRACT: code}, scheme=POSEIDON)
    dep_root = list_root([keccak(raw) for raw in items], keccak)
    ex.inboxes[dep_root] = list(items)
    txs_root = list_root([keccak(raw) for raw in txs], keccak)
    ex.inboxes[txs_root] = list(txs)
    trace = ex.run(batch_start(world, 3, dep_root, len(items), txs_root, len(txs)))
    steps = [(trace.contexts[i], trace.contexts[i + 1]) for i in range(len(trace))
             if trace.contexts[i].phase == IDLE and trace.contexts[i].next_item < trace.contexts[i].n_dep]
    return ex, steps, trace


CASES = {
    "plain deposit": Deposit(0, EOA, 7),
    "zero amount": Deposit(0, EOA, 0),
    "message opens a call": Deposit(0, CONTRACT, 4, sender=SENDER, args=(7, 8), gas=50_000),
    "message without value": Deposit(0, CONTRACT, 0, sender=SENDER, args=(), gas=50_000),
    "message to an account": Deposit(0, EOA, 3, sender=SENDER, args=(1,), gas=50_000),
    "message without gas": Deposit(0, CONTRACT, 3, sender=SENDER, args=(1,), gas=0),
    "too many arguments": Deposit(0, CONTRACT, 3, sender=SENDER, args=(1,) * 6, gas=50_000),
}


@pytest.mark.parametrize("case", sorted(CASES) + ["not a deposit"])
def test_the_circuit_agrees_with_the_machine(circuit, case):
    raw = rlp_encode([b"junk"]) if case == "not a deposit" else CASES[case].encode()
    ex, steps, _ = deposit_starts([raw])
    ctx, after = steps[0]
    assert start_kind(ex, ctx) == "depstart"
    inputs = deposit_start_inputs(ex, ctx)
    assert inputs["valid"] == int(case != "not a deposit")
    assert (after.phase == RUN) == (case in ("message opens a call", "message without value")), case
    assert inputs["post_root"] == int.from_bytes(state_root(after, POSEIDON), "big")
    assert_proves_only_its_root(circuit, inputs)


def test_a_tampered_field_a_skipped_deposit_or_a_wrong_index_is_refused(circuit):
    ex, steps, _ = deposit_starts([Deposit(0, EOA, 1).encode(), CASES["message opens a call"].encode()])
    inputs = deposit_start_inputs(ex, steps[1][0])
    circuit.solve(inputs)
    assert inputs["message"] == 1 and inputs["caller"] == alias(SENDER)
    for field in ("caller", "recipient", "gas", "n_args"):
        assert_rejects(circuit, dict(inputs, **{field: inputs[field] + 1}))
    for at in (0, 1):  # the amount, the first argument
        words = [list(pair) for pair in inputs["words"]]
        words[at][1] += 1
        limbs = [list(w) for w in inputs["words_limbs"]]
        limbs[at][0] += 1  # the private limbs agree with the tampered public word
        assert_rejects(circuit, dict(inputs, words=words, words_limbs=limbs))
    assert_rejects(circuit, dict(inputs, valid=0, message=0))  # L1 says it decodes: it cannot be skipped
    assert_rejects(circuit, dict(inputs, message=0))  # nor its call left unopened
    assert_rejects(circuit, dict(inputs, index=0))


def test_a_reverted_message_is_retried_against_its_poseidon_record():
    """The start writes the record as Poseidon; the retry (a transaction to the messenger naming
    the message) finds it and calls the recipient again as the message's caller (which reverts
    again, so the record stays pending)."""
    message = Deposit(0, CONTRACT, 2, sender=SENDER, args=(5,), gas=30_000)
    retry = call(ALICE, "0x" + MESSENGER.to_bytes(20, "big").hex(), retry_id(3, 0), int(CONTRACT, 16), alias(SENDER), 5)
    ex, steps, trace = deposit_starts([message.encode()], code="REVERT", txs=[retry.encode()])
    key = retry_key(retry_id(3, 0), POSEIDON)
    assert ex.db.get(trace.contexts[1].world, key) != 0  # written by the start
    retried = [c for c in trace.contexts if c.next_item == 1 and c.phase == RUN]
    assert retried and retried[0].frame.caller == alias(SENDER) and hex(retried[0].frame.address) == CONTRACT
    assert ex.db.get(trace.final.world, key) == ex.db.get(trace.contexts[1].world, key)


@pytest.mark.parametrize("seed", range(2))
def test_random_deposits_start_as_the_machine_starts_them(circuit, seed):
    rng = random.Random(seed)
    items = []
    for i in range(5):
        to = rng.choice([CONTRACT, EOA])
        sender = rng.choice([None, SENDER])
        args = tuple(rng.getrandbits(256) for _ in range(rng.randrange(7))) if sender else ()
        gas = rng.choice([0, 21_000, 2_000_000]) if sender else 0
        items.append(Deposit(i, to, rng.choice([0, 1, 10**18]), sender, args, gas).encode())
    ex, steps, _ = deposit_starts(items)
    assert len(steps) == 5
    for ctx, after in steps:
        inputs = deposit_start_inputs(ex, ctx)
        assert inputs["post_root"] == int.from_bytes(state_root(after, POSEIDON), "big")
        assert_proves_only_its_root(circuit, inputs)
