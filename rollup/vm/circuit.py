"""The machine's step as a circuit, over the Poseidon commitment: K steps from one state root to another.

:class:`Segment` (``k`` steps) takes the pre-state root and the post-state root as public
inputs and the pre-state context as private ones; it hashes the context to the pre-state root
(:func:`context_root`, the twin of :func:`~prozchain.rollup.vm.state.state_root` with
:data:`~prozchain.rollup.vm.merkle.POSEIDON`), runs :func:`step_constraints` ``k`` times and
hashes the result to the post-state root. A wrong post-state root, or any step computed
otherwise than :func:`~prozchain.rollup.vm.machine.execute` does, leaves a constraint unsatisfied.

**What a step covers.** A step of a running contract (phase ``RUN``) with any instruction but
``CALL`` and ``RET``, including the ways a step fails: a ``pc`` past the code, an unknown
opcode or a register above ``r7``, gas exhaustion (each reverts the transaction and burns its
gas) and ``REVERT``. Words are 256-bit in four 64-bit limbs
(:mod:`prozchain.circuits.gadgets.uint256`), so ``ADD``..``SHR`` are exact mod 2^256; ``HASH``
and ``LOG`` are Poseidon, as the commitment makes them. Not covered: beginning a transaction
(RLP decoding and an ECDSA signature), settling its fees, and ``CALL``/``RET`` (frames enter
and leave a keccak chain): :func:`covered` says which steps a segment may hold, and a dispute
over a segment holding another step is settled by one-step re-execution.

**Tree accesses.** A step makes at most two: fetching its instruction (``code_key(address,
pc)`` in the world) and one data access (``SLOAD``/``BALANCE`` read the world, ``SSTORE``
writes it, ``MLOAD``/``MSTORE`` read and write the memory tree). The circuit derives every key
with Poseidon as the commitment does, and takes the value read and the root after a write as
private inputs: **opening the trees against their roots (the Merkle paths) is not in this
circuit yet**, so today it proves the machine's arithmetic, control flow and hashing, not its
memory; ``Segment`` outputs each step's accesses (:data:`ACCESS_FIELDS`) for that check.

Constraint counts per step (``prozchain circuit info prozchain.rollup.vm.circuit:Segment --param
k=1``): every opcode's unit runs on every step (a circuit cannot branch), so a step costs the
sum: 7,366 constraints a step (6,327 for a segment's first, whose log chain is still a word),
and a segment adds 22,097 for its two context hashes and the range checks of its pre-state
(``k=1`` 28,424, ``k=2`` 35,790). By unit: ``divmod`` (DIV, MOD, SHR) 1,092; ``mul_lo`` (MUL,
SHL) 546; ``add`` (ADD) and ``sub`` (SUB, LT, GT, EQ) 268 each; ``bitwise`` (AND, OR, XOR) 256
on the operands' bits (520); ``HASH`` a Poseidon(4) and a canonical split, 805; ``LOG`` a
Poseidon(5) and a Poseidon(4) over the chain's split, 1,102; the instruction's decode and its
opcode flags 332; the register file (three reads, one write) about 150; the keys of the two
accesses (Poseidon(5) twice and a Poseidon(3)) 903; the pc bound and the gas check 292.
"""

from __future__ import annotations

from typing import Sequence

from prozchain.circuits import Circuit
from prozchain.circuits.api import assert_equal, gadget
from prozchain.circuits.gadgets.bits import from_bits, to_bits, to_bits_strict
from prozchain.circuits.gadgets.comparators import is_equal, is_zero, less_than
from prozchain.circuits.gadgets.poseidon import poseidon
from prozchain.circuits.gadgets.uint256 import (LIMB_BITS, LIMBS, Word, add, bitwise, constant_word, divmod_words,
                                                is_zero_word, limbs_of, mul_lo, pack_word, power_of_two, sub,
                                                word_bits, word_input)
from prozchain.circuits.lc import Value, Var, lift, linear_sum
from prozchain.rollup.vm import isa
from prozchain.rollup.vm.executor import Executor
from prozchain.rollup.vm.machine import Access
from prozchain.rollup.vm.merkle import POSEIDON, POSEIDON_RATE
from prozchain.rollup.vm.state import END, RUN, Context, code_key, state_root

ITEMS = ("batch", "dep_root", "n_dep", "txs_root", "n_txs", "next_item", "phase", "origin", "gas_limit",
         "gas_price", "gas_left", "snapshot", "logs", "logs_snapshot", "depth", "stack", "caller", "address",
         "value", "pc", "code_size", "mem") + tuple(f"r{i}" for i in range(isa.REGISTERS)) + ("ret",)
"""The context's words in the order :meth:`Context.rest_hash` hashes them (the world comes apart)."""
ROOTS = ("world", "mem", "logs")
"""Items a step may recompute as field elements (tree roots and the log chain)."""
ACCESS_FIELDS = ("fetch_active", "fetch_key", "fetch_value", "data_active", "data_tree", "data_key",
                 "data_value", "data_write")
"""What ``Segment`` outputs per step: the instruction fetched (active, key, value) and the data
access (active, tree 0 world or 1 memory, key, value read or written, 1 for a write)."""
UNCOVERED = ("CALL", "RET")
_TAGS = {name: int.from_bytes(name.encode(), "big") for name in ("code", "storage", "memory", "balance")}
_WRITES_REGISTER = ("SET", "MOV", "ADD", "SUB", "MUL", "DIV", "MOD", "AND", "OR", "XOR", "SHL", "SHR", "LT",
                    "GT", "EQ", "ISZERO", "NOT", "HASH", "SLOAD", "MLOAD", "ENV", "BALANCE")


def context_words(ctx: Context) -> dict[str, int]:
    """The context as the circuit takes it: every item a 256-bit word."""
    f = ctx.frame
    values = {"world": ctx.world, "batch": ctx.batch, "dep_root": ctx.dep_root, "n_dep": ctx.n_dep,
              "txs_root": ctx.txs_root, "n_txs": ctx.n_txs, "next_item": ctx.next_item, "phase": ctx.phase,
              "origin": ctx.origin, "gas_limit": ctx.gas_limit, "gas_price": ctx.gas_price,
              "gas_left": ctx.gas_left, "snapshot": ctx.snapshot, "logs": ctx.logs,
              "logs_snapshot": ctx.logs_snapshot, "depth": ctx.depth, "stack": ctx.stack, "caller": f.caller,
              "address": f.address, "value": f.value, "pc": f.pc, "code_size": f.code_size, "mem": f.mem,
              "ret": f.ret}
    values.update({f"r{i}": r for i, r in enumerate(f.regs)})
    return {k: int.from_bytes(v, "big") if isinstance(v, bytes) else v for k, v in values.items()}


def covered(ctx: Context, access: Access) -> bool:
    """Whether the step after ``ctx`` is one the circuit proves (see the module docstring)."""
    if ctx.phase != RUN:
        return False
    f = ctx.frame
    if f.pc >= f.code_size:
        return True
    return isa.decode(access.read(ctx.world, code_key(f.address, f.pc, access.scheme))).op not in UNCOVERED


# -- words and field elements ----------------------------------------------------------------
def _halves(w: Sequence[Value]) -> list[Var]:
    """A word's (high, low) 128-bit halves: how the commitment feeds a 32-byte item to Poseidon."""
    return [lift(w[2]) + lift(w[3]) * 2**LIMB_BITS, lift(w[0]) + lift(w[1]) * 2**LIMB_BITS]


def _field(w: Sequence[Value]) -> Var:
    return linear_sum(list(w), [1 << (LIMB_BITS * i) for i in range(LIMBS)])


@gadget("field_to_word")
def field_to_word(x: Value) -> Word:
    """The word of a field element's canonical value: 508 constraints."""
    bits = to_bits_strict(x)
    return pack_word(bits + [0] * (LIMBS * LIMB_BITS - len(bits)))


def _sponge(elements: list[Var]) -> Var:
    """:func:`prozchain.rollup.vm.merkle.sponge` in the circuit."""
    h = poseidon(elements[:POSEIDON_RATE])
    rest = elements[POSEIDON_RATE:]
    while rest:
        h = poseidon([h] + rest[:POSEIDON_RATE - 1])
        rest = rest[POSEIDON_RATE - 1:]
    return h


@gadget("context_root")
def context_root(ctx: dict) -> Var:
    """The Poseidon state root of a circuit context (items as words; roots may be field elements)."""
    words = {k: field_to_word(v) if isinstance(v, Var) else v for k, v in ctx.items()}
    rest = _sponge([h for name in ITEMS for h in _halves(words[name])])
    rest_word = field_to_word(rest)
    return poseidon(_halves(words["world"]) + _halves(rest_word))


def _select_word(flags: Sequence[Value], words: Sequence[Sequence[Value]]) -> Word:
    """``sum(flag_i * word_i)`` for one-hot flags: one constraint a non-constant limb."""
    return [linear_sum([lift(f) * w[j] for f, w in zip(flags, words)]) for j in range(LIMBS)]


def _one_hot(bits: Sequence[Value]) -> list[Var]:
    """The 8 flags of a 3-bit index: 5 constraints."""
    b0, b1, b2 = (lift(b) for b in bits)
    both = b0 * b1
    low = [1 - b0 - b1 + both, b0 - both, b1 - both, both]
    high = [lift(v) * b2 for v in low]
    return [lv - hv for lv, hv in zip(low, high)] + high


def _key(tag: str, parts: Sequence[Var]) -> Var:
    return poseidon([Var.const(_TAGS[tag])] + list(parts))


# -- one step -------------------------------------------------------------------------------
@gadget("step")
def step_constraints(ctx: dict, instr: Sequence[Value], loaded: Sequence[Value], world_after: Value,
                     mem_after: Value) -> tuple[dict, dict]:
    """The context after one covered step and the step's accesses. ``instr`` is the word at
    ``code_key(address, pc)``, ``loaded`` the word a read returns, ``world_after`` and
    ``mem_after`` the roots after a write (unused otherwise)."""
    assert_equal(_field(ctx["phase"]), RUN)
    pc, code_size, gas = ctx["pc"], ctx["code_size"], ctx["gas_left"]
    for small in (code_size, gas):  # an honest context's sizes and gas are below 2^64
        for limb in small[1:]:
            assert_equal(limb, 0)
    to_bits(pc[3], LIMB_BITS - 32)  # and a pc (a jump target) below 2^224
    out_of_code = 1 - less_than(_field(pc), code_size[0], 224)

    bits = word_bits(instr)
    op = from_bits(bits[248:256])
    flags = {name: is_equal(op, code) for name, (code, _, _) in isa.OPS.items()}
    known = linear_sum(list(flags.values()))
    reg = {name: bits[240 - 8 * i:243 - 8 * i] for i, name in enumerate("abc")}
    high_regs = linear_sum([b for i in range(3) for b in bits[243 - 8 * i:248 - 8 * i]])
    invalid = 1 - known * is_zero(high_regs)
    assert_equal(lift(flags["CALL"]) + flags["RET"], 0)  # not covered: see the module docstring
    cost = linear_sum([flags[n] for n in isa.OPS], [g for _, _, g in isa.OPS.values()])
    out_of_gas = less_than(gas[0], cost, LIMB_BITS)
    runs = (1 - out_of_code) * (1 - invalid)
    burn = 1 - runs * (1 - out_of_gas)
    ok = 1 - burn
    gas_after = gas[0] - cost

    regs = [ctx[f"r{i}"] for i in range(isa.REGISTERS)]
    sel = {name: _one_hot(reg[name]) for name in "abc"}
    ra, x, y = (_select_word(sel[name], regs) for name in "abc")
    x_bits, y_bits = word_bits(x), word_bits(y)
    imm = pack_word(bits[:isa.IMM_BITS] + [0] * (256 - isa.IMM_BITS))
    imm_field = from_bits(bits[:isa.IMM_BITS])

    shift = power_of_two(y_bits[:8])
    too_far = 1 - is_zero(linear_sum(y_bits[8:]))
    total, _ = add(x, y)
    diff, borrow = sub(x, y)
    equal = is_zero_word(diff)
    product = mul_lo(x, [lift(flags["SHL"]) * (s - v) + v for s, v in zip(shift, y)])
    quotient, remainder = divmod_words(x, [lift(flags["SHR"]) * (s - v) + v for s, v in zip(shift, y)])
    conj, disj, excl = bitwise(x_bits, y_bits)
    digest = field_to_word(poseidon(_halves(x) + _halves(y)))
    env_sources = [ctx["caller"], ctx["value"], ctx["address"], ctx["origin"], ctx["batch"],
                   [gas_after, 0, 0, 0]]
    env = _select_word([is_equal(imm_field, i) for i in range(len(env_sources))], env_sources)
    keep = 1 - too_far
    bit = lambda v: [v, 0, 0, 0]  # noqa: E731 - a 0/1 result as a word
    results = {
        "SET": imm, "MOV": x, "ADD": total, "SUB": diff, "MUL": product, "DIV": quotient, "MOD": remainder,
        "AND": conj, "OR": disj, "XOR": excl, "SHL": [keep * v for v in product],
        "SHR": [keep * v for v in quotient], "LT": bit(borrow), "GT": bit(1 - borrow - equal), "EQ": bit(equal),
        "ISZERO": bit(is_zero_word(x)), "NOT": [2**LIMB_BITS - 1 - lift(v) for v in x], "HASH": digest,
        "SLOAD": loaded, "MLOAD": loaded, "ENV": env, "BALANCE": loaded,
    }
    result = _select_word([flags[n] for n in _WRITES_REGISTER], [results[n] for n in _WRITES_REGISTER])
    write = ok * linear_sum([flags[n] for n in _WRITES_REGISTER])
    new_regs = []
    for i, r in enumerate(regs):
        t = sel["a"][i] * write
        new_regs.append([lift(rv) + t * (lift(nv) - rv) for rv, nv in zip(r, result)])

    # the instruction fetch and the data access, with keys as the commitment derives them
    address = _halves(ctx["address"])
    fetch_key = _key("code", address + _halves(pc))
    slot = [lift(flags["SLOAD"]) * (lift(xv) - av) + av for xv, av in zip(x, ra)]
    slot_key = _key("storage", address + _halves(slot))
    index = [lift(flags["MLOAD"]) * (lift(xv) - av) + av for xv, av in zip(x, ra)]
    owner = [x[0], x[1], 0, 0]  # BALANCE reads r[b] mod 2^160
    owner[2] = from_bits(x_bits[128:160])
    short_key = poseidon([lift(flags["BALANCE"]) * (_TAGS["balance"] - _TAGS["memory"]) + _TAGS["memory"]]
                         + _halves([lift(flags["BALANCE"]) * (lift(o) - i) + i for o, i in zip(owner, index)]))
    storage_op = lift(flags["SLOAD"]) + flags["SSTORE"]
    data_key = storage_op * slot_key + (1 - storage_op) * short_key
    data_active = ok * (storage_op + flags["MLOAD"] + flags["MSTORE"] + flags["BALANCE"])
    stored = ok * flags["SSTORE"]
    memorised = ok * flags["MSTORE"]
    data_write = stored + memorised
    data_value = [lift(data_write) * (lift(xv) - lv) + lv for xv, lv in zip(x, loaded)]

    jump = lift(flags["JUMP"]) + flags["JUMPI"] * (1 - is_zero_word(ra))
    next_pc = [lift(jump) * (lift(iv) - pv) + pv for iv, pv in zip(imm, [lift(pc[0]) + 1, 0, 0, 0])]
    logs = ctx["logs"]
    logs_word = field_to_word(logs) if isinstance(logs, Var) else logs
    logged = _sponge(_halves(logs_word) + _halves(ctx["address"]) + _halves(ra) + _halves(x))
    log = ok * flags["LOG"]
    world, mem = _root(ctx["world"]), _root(ctx["mem"])

    running = dict(ctx)
    running.update({f"r{i}": r for i, r in enumerate(new_regs)})
    running.update(gas_left=[gas_after, 0, 0, 0], pc=next_pc, world=world + stored * (lift(world_after) - world),
                   mem=mem + memorised * (lift(mem_after) - mem), logs=_root(logs) + log * (logged - _root(logs)))
    # a revert: back to the snapshot, no frame, END; a failure also burns the gas left
    reverted = dict(ctx)
    zero = constant_word(0)
    reverted.update({name: zero for name in ("depth", "stack", "caller", "address", "value", "pc", "code_size",
                                             "ret") + tuple(f"r{i}" for i in range(isa.REGISTERS))})
    reverted.update(world=_root(ctx["snapshot"]), logs=_root(ctx["logs_snapshot"]), mem=Var.const(0),
                    phase=constant_word(END), gas_left=[(1 - burn) * gas_after, 0, 0, 0])
    undo = burn + ok * flags["REVERT"]
    post = {}
    for name, before in running.items():
        after = reverted[name]
        if isinstance(before, Var) or isinstance(after, Var):
            b, a = _root(before), _root(after)
            post[name] = b + undo * (a - b)
        else:
            post[name] = [lift(bv) + undo * (lift(av) - bv) for bv, av in zip(before, after)]
    accesses = {"fetch_active": 1 - out_of_code, "fetch_key": fetch_key, "fetch_value": instr,
                "data_active": data_active, "data_tree": lift(flags["MLOAD"]) + flags["MSTORE"],
                "data_key": data_key, "data_value": data_value, "data_write": data_write}
    return post, accesses


def _root(v) -> Var:
    return v if isinstance(v, Var) else _field(v)


class Segment(Circuit):
    """``k`` covered steps from the public ``pre_root`` to the public ``post_root``.

    Private inputs: ``ctx`` (the pre-state's words in :data:`ITEMS` order, the world first),
    per step ``instr``, ``loaded`` (words as four limbs), ``world_after`` and ``mem_after``;
    :func:`segment_inputs` makes them from an executor.
    """

    def __init__(self, k: int = 1) -> None:
        self.k = k

    def define(self) -> None:
        pre_root = self.public_input("pre_root")
        post_root = self.public_input("post_root")
        names = ("world",) + ITEMS
        raw = self.private_input("ctx", (len(names), LIMBS))
        ctx = {name: word_input(w) for name, w in zip(names, raw)}
        assert_equal(context_root(ctx), pre_root)
        instr = self.private_input("instr", (self.k, LIMBS))
        loaded = self.private_input("loaded", (self.k, LIMBS))
        world_after = self.private_input("world_after", self.k)
        mem_after = self.private_input("mem_after", self.k)
        log = {name: [] for name in ACCESS_FIELDS}
        for i in range(self.k):
            ctx, accesses = step_constraints(ctx, word_input(instr[i]), word_input(loaded[i]), world_after[i],
                                             mem_after[i])
            for name, value in accesses.items():
                log[name].append(value)
        assert_equal(context_root(ctx), post_root)
        for name, values in log.items():
            self.output(name, values)


def segment_inputs(ex: Executor, ctx: Context, k: int) -> dict:
    """The inputs of ``Segment(k)`` for the ``k`` steps after ``ctx`` on Poseidon executor ``ex``."""
    if ex.scheme is not POSEIDON:
        raise ValueError(f"the circuit proves the Poseidon commitment, not {ex.scheme}")
    words = context_words(ctx)
    inputs = {"pre_root": int.from_bytes(state_root(ctx, POSEIDON), "big"),
              "ctx": [limbs_of(words[name]) for name in ("world",) + ITEMS],
              "instr": [], "loaded": [], "world_after": [], "mem_after": []}
    for _ in range(k):
        f = ctx.frame
        instr = ex.db.get(ctx.world, code_key(f.address, f.pc, POSEIDON)) if f.pc < f.code_size else 0
        post = ex.next(ctx)
        ins = isa.decode(instr)
        loaded = post.frame.regs[ins.a] if ins.op in ("SLOAD", "MLOAD", "BALANCE") and post.phase == RUN else 0
        inputs["instr"].append(limbs_of(instr))
        inputs["loaded"].append(limbs_of(loaded))
        inputs["world_after"].append(int.from_bytes(post.world, "big"))
        inputs["mem_after"].append(int.from_bytes(post.frame.mem, "big"))
        ctx = post
    inputs["post_root"] = int.from_bytes(state_root(ctx, POSEIDON), "big")
    return inputs
