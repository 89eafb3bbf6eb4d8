"""CALL, RET and fee settlement in the step circuit: the machine and the circuit agree on programs
that call and return (value moving, callees without code, the depth limit, running out of gas
inside a call, messages to L1 with value), and the circuit rejects a wrong post-state root and a
lie about the call stack or the trees for each."""

from __future__ import annotations

import random

import pytest

from prozchain.circuits.testing import assert_rejects
from prozchain.rollup.vm import isa
from prozchain.rollup.vm.circuit import Segment, covered, segment_inputs
from prozchain.rollup.vm.machine import MAX_DEPTH
from prozchain.rollup.vm.merkle import POSEIDON
from prozchain.rollup.vm.state import END, FEE_VAULT, IDLE, MESSENGER, RUN, code_key
from prozchain.rollup.vm.tx import Deposit

from .helpers import ALICE, call, machine
from .test_circuit import proven_and_wrong_root_rejected

A, B, C = ("0x" + h * 20 for h in ("c0", "c1", "c2"))
ADDRESSES = [int(a, 16) for a in (A, B, C)]


@pytest.fixture(scope="module")
def one_step():
    return Segment(1).compile()


def kind(ex, ctx, after) -> str:
    """What the step from ``ctx`` to ``after`` did, for the CALL, RET and END steps."""
    if ctx.phase == END:
        return "settle"
    f = ctx.frame
    op = isa.decode(ex.db.get(ctx.world, code_key(f.address, f.pc, POSEIDON))).op if f.pc < f.code_size else "-"
    if op == "CALL":
        if after.phase != RUN:
            return "call reverts"
        return "call enters" if after.depth > ctx.depth else "call without code"
    if op == "RET":
        return "ret ends" if after.phase == END else "ret resumes"
    if after.phase == END and ctx.depth:
        return "fails in a call"
    return op


def prove_kinds(one_step, ex, trace, want: set) -> set:
    """Prove (and reject with a wrong root) the first step of every kind in ``want``."""
    seen = set()
    for i in range(len(trace)):
        ctx = trace.contexts[i]
        k = kind(ex, ctx, trace.contexts[i + 1]) if ctx.phase in (RUN, END) else None
        if k in want - seen:
            assert covered(ex, ctx), k
            inputs = segment_inputs(ex, ctx, 1)
            assert inputs["post_root"] == int.from_bytes(trace.root(i + 1), "big")
            proven_and_wrong_root_rejected(one_step, inputs)
            seen.add(k)
    return seen


def batch(code: dict, *txs, deposits=(), balances=None):
    ex, world = machine(code, balances=balances, scheme=POSEIDON)
    return ex, ex.run(ex.start(world, 0, list(deposits), [t.encode() for t in txs]))


CALLER = f"""
    SET r1, {int(B, 16)}
    SET r2, 5
    CALL r1, r2, r3      # into B with value: B answers 2 * its value
    SSTORE r3, r3
    SET r1, 77
    CALL r1, r0, r4      # an address without code
    RET r3
"""
CALLEE = "ENV r5, 1\nADD r6, r5, r5\nRET r6"
RECURSE = "ENV r7, 2\nADD r0, r0, r1\nCALL r7, r0, r3\nRET r3"  # calls itself until too deep
SPIN = "loop: JUMP loop"


def test_calls_returns_and_fees_are_proven(one_step):
    ex, trace = batch({A: CALLER, B: CALLEE}, call(ALICE, A, 0, value=1, gas_price=3), balances={A: 100})
    assert ex.storage(trace.final.world, A, 10) == 10 and ex.balance(trace.final.world, B) == 5
    assert ex.balance(trace.final.world, "0x" + FEE_VAULT.to_bytes(20, "big").hex()) > 0
    want = {"call enters", "ret resumes", "call without code", "ret ends", "settle"}
    assert prove_kinds(one_step, ex, trace, want) == want


@pytest.mark.parametrize("case, code, args, balances", [
    ("too deep", RECURSE, (0, 0), {}),
    ("cannot pay", RECURSE, (5, 1), {A: 3}),
    ("message to L1 with value", f"SET r1, {MESSENGER}\nSET r2, 1\nCALL r1, r2, r3\nRET r3", (), {A: 3}),
])
def test_a_call_that_reverts_is_proven(one_step, case, code, args, balances):
    ex, trace = batch({A: code}, call(ALICE, A, *args, gas=1_000_000, gas_price=1), balances=balances)
    if case == "too deep":
        assert max(c.depth for c in trace.contexts) == MAX_DEPTH - 1
    assert prove_kinds(one_step, ex, trace, {"call reverts", "settle"}) == {"call reverts", "settle"}


def test_running_out_of_gas_inside_a_call_is_proven(one_step):
    ex, trace = batch({A: f"SET r1, {int(B, 16)}\nCALL r1, r0, r2\nRET r2", B: SPIN},
                      call(ALICE, A, gas=5_000, gas_price=2))
    assert prove_kinds(one_step, ex, trace, {"fails in a call", "settle"}) == {"fails in a call", "settle"}


def test_an_l1_message_returning_clears_its_retry_record(one_step):
    message = Deposit(0, A, 4, sender="0x" + "55" * 20, args=(7,), gas=50_000)
    ex, trace = batch({A: "RET r0"}, deposits=[message])
    assert prove_kinds(one_step, ex, trace, {"ret ends", "settle"}) == {"ret ends", "settle"}


def test_a_lie_about_the_call_stack_or_the_callee_is_rejected(one_step):
    ex, trace = batch({A: CALLER, B: CALLEE}, call(ALICE, A, 0, value=1), balances={A: 100})
    steps = {kind(ex, trace.contexts[i], trace.contexts[i + 1]): i for i in range(1, len(trace))}
    resume = segment_inputs(ex, trace.contexts[steps["ret resumes"]], 1)
    one_step.solve(resume)
    for at in (4 * 1 + 0, 4 * 3 + 0, 4 * 7 + 1, 4 * 15):  # the caller's pc, its memory, r1's limb, ret
        lie = [list(resume["popped"][0])]
        lie[0][at] += 1
        assert_rejects(one_step, dict(resume, popped=lie))
    enter = segment_inputs(ex, trace.contexts[steps["call enters"]], 1)
    one_step.solve(enter)
    for field, at in (("loaded", 8), ("loaded", 4), ("size", 32), ("extra", 32)):  # code size, credit, paths
        lie = [list(enter[field][0])]
        lie[0][at] ^= 1
        assert_rejects(one_step, dict(enter, **{field: lie}))


def random_contract(rng: random.Random, size: int) -> list[int]:
    """Code that mostly computes, and often calls one of the contracts (or a random address) and returns."""
    words = []
    while len(words) < size:
        roll = rng.random()
        if roll < 0.25:
            target = rng.choice(ADDRESSES + [rng.getrandbits(160), MESSENGER])
            value = rng.choice([0, 0, 1, 10**6])
            words += isa.assemble(f"SET r6, {target}\nSET r7, {value}\nCALL r6, r7, r{rng.randrange(8)}")
        elif roll < 0.35:
            words += isa.assemble(f"RET r{rng.randrange(8)}")
        else:
            name = rng.choice(["SET", "ADD", "MUL", "SSTORE", "SLOAD", "MSTORE", "MLOAD", "ENV", "LT", "JUMPI"])
            words.append(isa.encode(isa.Instruction(name, rng.randrange(6), rng.randrange(8), rng.randrange(8),
                                                    rng.randrange(size) if name == "JUMPI" else rng.randrange(6))))
    return words


@pytest.mark.parametrize("seed", range(3))
def test_random_programs_that_call_and_return(one_step, seed):
    rng = random.Random(seed)
    code = {a: random_contract(rng, 16) for a in (A, B, C)}
    ex, trace = batch(code, call(ALICE, A, 1, 2, value=3, gas=rng.choice([20_000, 200_000]), gas_price=1),
                      balances={B: 50})
    proven = 0
    for i in range(len(trace)):
        ctx = trace.contexts[i]
        if ctx.phase == IDLE or not covered(ex, ctx):
            continue
        k = kind(ex, ctx, trace.contexts[i + 1])
        if k.startswith(("call", "ret", "settle", "fails")) or i % 7 == 0:
            inputs = segment_inputs(ex, ctx, 1)
            assert inputs["post_root"] == int.from_bytes(trace.root(i + 1), "big"), f"seed {seed} step {i}"
            proven_and_wrong_root_rejected(one_step, inputs)
            proven += 1
    assert proven, f"seed {seed}: nothing proven"


def test_a_segment_through_a_call_and_its_return():
    ex, trace = batch({A: CALLER, B: CALLEE}, call(ALICE, A, 0, value=1, gas_price=3), balances={A: 100})
    k = 4
    segment = Segment(k).compile()
    at = next(i for i in range(len(trace)) if kind(ex, trace.contexts[i], trace.contexts[i + 1]) == "call enters")
    inputs = segment_inputs(ex, trace.contexts[at], k)  # enter, two steps of the callee, return
    assert inputs["post_root"] == int.from_bytes(trace.root(at + k), "big")
    segment.solve(inputs)
    assert_rejects(segment, dict(inputs, post_root=int.from_bytes(trace.root(at + k - 1), "big")))
