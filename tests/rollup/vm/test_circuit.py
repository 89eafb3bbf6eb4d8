"""The step circuit agrees with the machine on random programs, and rejects a wrong post-state root."""

from __future__ import annotations

import random

import pytest

from prozchain.circuits.testing import assert_rejects, assert_same_system
from prozchain.rollup.vm import isa
from prozchain.rollup.vm.circuit import Segment, covered, segment_inputs
from prozchain.rollup.vm.merkle import POSEIDON
from prozchain.rollup.vm.state import RUN, code_key

from .helpers import ALICE, call, machine

CONTRACT = "0x" + "c0" * 20
COVERED_OPS = [name for name in isa.OPS if name not in ("CALL", "RET")]
EDGE = [0, 1, 2, 7, 255, 256, 2**64 - 1, 2**64, 2**128 + 5, 2**255, 2**256 - 1]


def random_word(rng: random.Random, size: int) -> int:
    """An instruction word: mostly covered opcodes on r0..r7, some bad registers, unknown opcodes."""
    roll = rng.random()
    if roll < 0.04:
        return rng.choice([0, 31, 200, 255]) << 248 | rng.getrandbits(240)
    name = rng.choice(COVERED_OPS)
    reg = lambda: rng.randrange(8) if rng.random() > 0.03 else rng.randrange(8, 256)  # noqa: E731
    imm = rng.choice([rng.randrange(size + 2), rng.randrange(8), rng.getrandbits(224), rng.choice(EDGE) % 2**224])
    return isa.encode(isa.Instruction(name, reg(), reg(), reg(), imm))


def random_run(seed: int, size: int = 24):
    """A Poseidon machine running one call of a random contract, and the trace of its batch."""
    rng = random.Random(seed)
    code = [random_word(rng, size) for _ in range(size)]
    storage = {(CONTRACT, rng.choice(EDGE)): rng.choice(EDGE) for _ in range(3)}
    ex, world = machine({CONTRACT: code}, storage, scheme=POSEIDON)
    args = [rng.choice(EDGE + [rng.getrandbits(256)]) for _ in range(5)]
    gas = rng.choice([2_100, 2_300, 5_000, 20_000])  # some run out
    tx = call(ALICE, CONTRACT, *args, value=rng.choice([0, 3]), gas=gas)
    return ex, ex.run(ex.start(world, 0, [], [tx.encode()]), max_steps=60)


@pytest.fixture(scope="module")
def one_step():
    return Segment(1).compile()


def proven_and_wrong_root_rejected(segment, inputs: dict) -> list[int]:
    """Solve ``inputs``; assert that the same witness with the post-state root off by one fails."""
    witness = segment.solve(inputs)
    wrong = list(witness)
    (wire,) = segment.signal("post_root").wires
    wrong[wire] += 1
    assert_rejects(segment, wrong)
    return witness


@pytest.mark.parametrize("seed", range(4))
def test_every_covered_step_is_proven_and_a_wrong_post_root_rejected(one_step, seed):
    ex, trace = random_run(seed)
    proven = 0
    for i in range(len(trace)):
        ctx = trace.contexts[i]
        if not covered(ex, ctx):
            continue
        inputs = segment_inputs(ex, ctx, 1)
        assert inputs["post_root"] == int.from_bytes(trace.root(i + 1), "big")
        proven_and_wrong_root_rejected(one_step, inputs)
        proven += 1
    assert proven, f"seed {seed}: no covered step"


def test_a_segment_of_steps_ends_at_the_machine_root():
    k = 4
    segment = Segment(k).compile()
    for seed in range(20):
        ex, trace = random_run(seed)
        for i in range(len(trace) - k):
            if all(trace.contexts[j].phase == RUN and covered(ex, trace.contexts[j]) for j in range(i, i + k)):
                inputs = segment_inputs(ex, trace.contexts[i], k)
                assert inputs["post_root"] == int.from_bytes(trace.root(i + k), "big")
                segment.solve(inputs)
                assert_rejects(segment, dict(inputs, post_root=int.from_bytes(trace.root(i + k - 1), "big")))
                shorter = segment_inputs(ex, trace.contexts[i], k, steps=k - 1)
                assert shorter["post_root"] == int.from_bytes(trace.root(i + k - 1), "big")
                segment.solve(shorter)
                assert_rejects(segment, dict(shorter, steps=k))
                return
    pytest.fail("no run of 4 covered steps in 20 random programs")


TOUR = """
    SET r1, 0xfedcba9876543210fedcba9876543210fedcba9876543210fedcba98
    SET r2, 3
    ADD r3, r1, r2
    SUB r3, r2, r1
    MUL r3, r1, r1
    DIV r3, r1, r2
    MOD r3, r1, r2
    DIV r3, r1, r0
    MOD r3, r1, r0
    AND r3, r1, r2
    OR r3, r1, r2
    XOR r3, r1, r2
    SHL r3, r1, r2
    SHR r3, r1, r2
    SHL r3, r1, r1
    LT r3, r2, r1
    GT r3, r2, r1
    EQ r3, r2, r2
    ISZERO r3, r0
    NOT r3, r1
    HASH r3, r1, r2
    MOV r4, r3
    SSTORE r2, r1
    SLOAD r5, r2
    NOT r6, r0
    MSTORE r6, r2       # the last word of memory
    MLOAD r6, r6
    ENV r7, 5
    ENV r7, 9
    ENV r7, 2
    BALANCE r7, r7
    LOG r1, r2
    JUMPI r0, 0
    JUMP end
    SET r1, 1
end:
"""
FAILURES = {"REVERT": "REVERT", "out of code": "JUMP 1000", "out of gas": "REVERT",
            "unknown opcode": 31 << 248, "bad register": isa.encode(isa.Instruction("ADD", 9, 0, 0))}


def test_every_opcode_and_failure_is_proven(one_step):
    """A tour of every covered instruction, ending in each way a step fails."""
    proven = set()
    for name, ending in FAILURES.items():
        code = isa.assemble(TOUR) + (isa.assemble(ending) if isinstance(ending, str) else [ending])
        ex, world = machine({CONTRACT: code}, scheme=POSEIDON)
        gas = 7_000 if name == "out of gas" else 100_000  # the tour's SSTORE is more than is left
        trace = ex.run(ex.start(world, 0, [], [call(ALICE, CONTRACT, 0, value=1, gas=gas).encode()]))
        for i in range(len(trace)):
            ctx = trace.contexts[i]
            if ctx.phase != RUN or not covered(ex, ctx):
                continue
            f = ctx.frame
            op = isa.decode(ex.db.get(ctx.world, code_key(f.address, f.pc, POSEIDON))).op if f.pc < f.code_size \
                else "out of code"
            ends = trace.contexts[i + 1].phase != RUN
            if name != "REVERT" and not ends:  # the tour itself is proven once
                continue
            proven_and_wrong_root_rejected(one_step, segment_inputs(ex, ctx, 1))
            proven.add(name if ends else op)
    assert proven >= set(COVERED_OPS) | set(FAILURES), sorted(set(COVERED_OPS) | set(FAILURES) - proven)


@pytest.mark.parametrize("op, field", [("SLOAD", "loaded"), ("SSTORE", "data"), ("MLOAD", "loaded"),
                                       ("JUMP", "instr"), ("JUMP", "fetch")])
def test_a_lie_about_the_trees_is_rejected(one_step, op, field):
    """A value read that is not in the tree, or a path that does not open its root."""
    code = isa.assemble(TOUR)
    ex, world = machine({CONTRACT: code}, scheme=POSEIDON)
    trace = ex.run(ex.start(world, 0, [], [call(ALICE, CONTRACT, 0, value=1).encode()]))
    at = next(i for i, c in enumerate(trace.contexts) if c.phase == RUN and isa.decode(code[c.frame.pc]).op == op)
    inputs = segment_inputs(ex, trace.contexts[at], 1)
    one_step.solve(inputs)
    lie = [list(row) for row in inputs[field]]
    if field in ("loaded", "instr"):
        lie[0][0] ^= 1
    else:
        lie[0][32] ^= 1  # the sibling at the root
    assert_rejects(one_step, dict(inputs, **{field: lie}), constraint="tree_access" if field in ("data", "fetch") else None)


@pytest.mark.parametrize("k", [1, 2, 4])
def test_the_stamped_segment_is_the_inline_one(k):
    """``Segment(k)`` stamps its step (a sub-circuit): the same system as tracing every step, the
    same witness, and a wrong post-state root still rejected."""
    stamped, inline = Segment(k).compile(), Segment(k).compile(stamp=False)
    assert_same_system(stamped, inline)
    for seed in range(20):
        ex, trace = random_run(seed)
        for i in range(len(trace) - k):
            if all(covered(ex, trace.contexts[j]) for j in range(i, i + k)):
                inputs = segment_inputs(ex, trace.contexts[i], k)
                witness = proven_and_wrong_root_rejected(stamped, inputs)
                assert witness == inline.solve(inputs)
                return
    pytest.fail(f"no run of {k} covered steps in 20 random programs")
