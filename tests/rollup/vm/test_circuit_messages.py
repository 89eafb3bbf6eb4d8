"""Messages to L1 and value sent to the bridge in the step circuit: under the Poseidon commitment
their records are Poseidon, the machine and the circuit agree on programs that send them (and on
the ways those steps revert), and the circuit rejects a wrong post-state root and a forged record
for each. Value sent to the bridge takes two of a segment's slots (its withdrawal record is
written in the second)."""

from __future__ import annotations

import random

import pytest

from prozchain.circuits.testing import assert_rejects
from prozchain.rollup.vm import isa
from prozchain.rollup.vm.circuit import Segment, covered, fits, segment_inputs, slots
from prozchain.rollup.vm.merkle import POSEIDON
from prozchain.rollup.vm.state import (BRIDGE, END, MESSAGE_WORDS, MESSENGER, RUN, addr_int, code_key,
                                       message_commitment, message_key, state_root, withdrawal_commitment,
                                       withdrawal_count_key, withdrawal_key)

from .helpers import ALICE, call
from .test_circuit import proven_and_wrong_root_rejected
from .test_circuit_calls import A, ADDRESSES, batch

SENDS = f"""
    SET r1, 99
    SET r2, 7
    SET r6, 5000
    SET r7, {MESSENGER}
    CALL r7, r0, r4      # message 0: to 99, data (7, 0, r4, r5), gas 5000
    CALL r7, r0, r5      # message 1, the same
    SET r1, {BRIDGE}
    SET r2, 2
    CALL r1, r2, r3      # 2 wei to the bridge: withdrawal 0
    SSTORE r4, r5
    RET r3
"""


@pytest.fixture(scope="module")
def one_step():
    return Segment(1).compile()


@pytest.fixture(scope="module")
def two_slots():
    return Segment(2).compile()


def op_at(ex, ctx) -> str:
    f = ctx.frame
    return isa.decode(ex.db.get(ctx.world, code_key(f.address, f.pc, POSEIDON))).op if f.pc < f.code_size else "-"


def prove_step(one_step, two_slots, ex, trace, i: int) -> dict:
    """Prove step ``i`` in as many slots as it takes, and reject it with a wrong post-state root."""
    ctx = trace.contexts[i]
    n = slots(ex, ctx)
    assert n, f"step {i} is not covered"
    inputs = segment_inputs(ex, ctx, n, steps=1)
    assert inputs["post_root"] == int.from_bytes(trace.root(i + 1), "big"), f"step {i}"
    proven_and_wrong_root_rejected(one_step if n == 1 else two_slots, inputs)
    return inputs


def forged_root(ex, trace, i: int, key: bytes, value: int) -> int:
    """The root after step ``i`` with the record at ``key`` holding ``value`` instead."""
    after = trace.contexts[i + 1]
    return int.from_bytes(state_root(after.with_(world=ex.db.write(after.world, key, value)), POSEIDON), "big")


def test_the_records_are_poseidon_and_every_step_is_proven(one_step, two_slots):
    ex, trace = batch({A: SENDS}, call(ALICE, A, gas=100_000, gas_price=1), balances={A: 10})
    world, a = trace.final.world, int(A, 16)
    sent = message_commitment(99, (7, 0, 0, 0), 5000, POSEIDON)
    assert sent != message_commitment(99, (7, 0, 0, 0), 5000)  # not the keccak record
    assert [ex.db.get(world, message_key(a, n, POSEIDON)) for n in (0, 1)] == [sent, sent]
    assert ex.db.get(world, withdrawal_count_key(POSEIDON)) == 1
    assert ex.db.get(world, withdrawal_key(0, POSEIDON)) == withdrawal_commitment(a, 2, POSEIDON)
    assert ex.storage(world, A, 0) == 1  # r4, r5: the two messages' nonces
    kinds = {}
    for i in range(len(trace)):
        ctx = trace.contexts[i]
        if ctx.phase in (RUN, END):
            kinds.setdefault(op_at(ex, ctx) if ctx.phase == RUN else "settle", []).append(
                (i, prove_step(one_step, two_slots, ex, trace, i)))
    (first, _), (second, inputs) = kinds["CALL"][:2]
    assert [slots(ex, trace.contexts[i]) for i, _ in kinds["CALL"]] == [1, 1, 2]
    # a forged message record, or the message recorded under another nonce, is refused
    assert_rejects(one_step, dict(inputs, post_root=forged_root(ex, trace, second, message_key(a, 1, POSEIDON),
                                                                 sent + 1)))
    assert_rejects(one_step, dict(inputs, post_root=forged_root(ex, trace, second, message_key(a, 0, POSEIDON),
                                                                 sent + 1)))
    nonce = list(inputs["loaded"][0])
    nonce[4] += 1  # the nonce the record's key is made of
    assert_rejects(one_step, dict(inputs, loaded=[nonce]))
    bridge, inputs = kinds["CALL"][2]
    thief = withdrawal_commitment(addr_int(ALICE.address), 2, POSEIDON)
    assert_rejects(two_slots, dict(inputs, post_root=forged_root(ex, trace, bridge, withdrawal_key(0, POSEIDON),
                                                                  thief)))
    for field, at in (("loaded", 0), ("extra", 32), ("data", 32)):  # the count, the record's path, the count's
        lie = [list(row) for row in inputs[field]]
        lie[1][at] ^= 1
        assert_rejects(two_slots, dict(inputs, **{field: lie}))
    # the second slot cannot be dropped: Segment(1) has no room for the record
    assert not fits(ex, [trace.contexts[bridge]], 1) and fits(ex, [trace.contexts[bridge]], 2)
    with pytest.raises(ValueError, match="slots"):
        segment_inputs(ex, trace.contexts[bridge], 1)


def test_a_segment_through_value_sent_to_the_bridge():
    ex, trace = batch({A: SENDS}, call(ALICE, A, gas=100_000, gas_price=1), balances={A: 10})
    bridge = next(i for i in range(len(trace)) if slots(ex, trace.contexts[i]) == 2)
    segment = Segment(4).compile()
    inputs = segment_inputs(ex, trace.contexts[bridge - 1], 4, steps=3)  # SET, the bridge (two slots), SSTORE
    assert inputs["post_root"] == int.from_bytes(trace.root(bridge + 2), "big")
    proven_and_wrong_root_rejected(segment, inputs)
    assert_rejects(segment, dict(inputs, steps=2, post_root=int.from_bytes(trace.root(bridge + 1), "big")))
    assert not fits(ex, trace.contexts[bridge - 1:bridge + 3], 4)


@pytest.mark.parametrize("case, code, balance, gas", [
    ("a message to L1 with value", f"SET r1, {MESSENGER}\nSET r2, 1\nCALL r1, r2, r3\nRET r3", 3, 100_000),
    ("the bridge, more than the balance", f"SET r1, {BRIDGE}\nSET r2, 5\nCALL r1, r2, r3\nRET r3", 3, 100_000),
    ("a message, then REVERT", f"SET r1, {MESSENGER}\nCALL r1, r0, r3\nREVERT", 3, 100_000),
    ("the bridge, then REVERT", f"SET r1, {BRIDGE}\nSET r2, 2\nCALL r1, r2, r3\nREVERT", 3, 100_000),
    ("out of gas at the message", f"SET r1, {MESSENGER}\nCALL r1, r0, r3\nRET r3", 3, 2_000 + 2 * 3 + 1),
])
def test_the_ways_they_revert_are_proven(one_step, two_slots, case, code, balance, gas):
    ex, trace = batch({A: code}, call(ALICE, A, gas=gas, gas_price=1), balances={A: balance})
    assert trace.final.world != trace.contexts[0].world  # the fees moved
    assert ex.db.get(trace.final.world, withdrawal_count_key(POSEIDON)) == 0
    assert ex.db.get(trace.final.world, message_key(int(A, 16), 0, POSEIDON)) == 0
    for i in range(len(trace)):
        if trace.contexts[i].phase in (RUN, END):
            prove_step(one_step, two_slots, ex, trace, i)


def random_sender(rng: random.Random, size: int) -> list[int]:
    """Code that sends messages of random words, sends value to the bridge (now and then more than
    it has), calls the other contracts, computes, and returns or reverts."""
    words = []
    while len(words) < size:
        roll = rng.random()
        if roll < 0.35:
            target = rng.choice([MESSENGER, MESSENGER, BRIDGE, BRIDGE, BRIDGE] + ADDRESSES)
            value = rng.choice([0, 0, 1, 2, 10**6] if target != MESSENGER else [0, 0, 0, 1])
            words += isa.assemble(f"SET r6, {target}\nSET r7, {value}\nCALL r6, r7, r{rng.randrange(8)}")
        elif roll < 0.4:
            words += isa.assemble(rng.choice(["RET r1", "RET r1", "REVERT"]))
        else:
            name = rng.choice(["SET", "ADD", "MUL", "SSTORE", "HASH", "LOG", "ENV"])
            words.append(isa.encode(isa.Instruction(name, rng.randrange(1, 6), rng.randrange(8), rng.randrange(8),
                                                    rng.getrandbits(rng.choice([3, 64, 200])))))
    return words


@pytest.mark.parametrize("seed", range(3))
def test_random_programs_that_send_messages_and_value(one_step, two_slots, seed):
    rng = random.Random(seed)
    code = {a: random_sender(rng, 24) for a in ADDRESSES}
    # A starts with a message of the transaction's random words and a withdrawal, then goes on at random
    code[ADDRESSES[0]] = isa.assemble(f"SET r0, 0\nSET r7, {MESSENGER}\nCALL r7, r0, r0\nSET r7, {BRIDGE}\n"
                                      f"SET r0, 1\nCALL r7, r0, r0") + code[ADDRESSES[0]]
    args = [rng.getrandbits(256) for _ in range(1 + MESSAGE_WORDS + 2)]
    ex, trace = batch(code, call(ALICE, A, *args, value=3, gas=rng.choice([9_000, 200_000]), gas_price=1),
                      balances={a: 50 for a in ("0x" + f"{x:040x}" for x in ADDRESSES)})
    sent = withdrawn = 0
    for i in range(len(trace)):
        ctx = trace.contexts[i]
        if ctx.phase not in (RUN, END):
            continue
        assert covered(ex, ctx), f"seed {seed} step {i}"
        if op_at(ex, ctx) == "CALL" or i % 5 == 0:
            prove_step(one_step, two_slots, ex, trace, i)
            f = ctx.frame
            target = f.regs[isa.decode(ex.db.get(ctx.world, code_key(f.address, f.pc, POSEIDON))).a] % 2**160 \
                if op_at(ex, ctx) == "CALL" else None
            sent += target == MESSENGER
            withdrawn += target == BRIDGE and slots(ex, ctx) == 2
    assert sent and withdrawn, f"seed {seed}: {sent} messages, {withdrawn} withdrawals"
