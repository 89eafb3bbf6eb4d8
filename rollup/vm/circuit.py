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
with Poseidon as the commitment does and opens the tree at it (:func:`tree_access`: the path
to the root, the value, and for a write the new root, a new key forking off the leaf that
ended its path included), up to :data:`DEPTH` levels.

Constraints (``prozchain circuit info prozchain.rollup.vm.circuit:Segment --param k=2``): a
circuit cannot branch, so every opcode's unit runs on every step and a step costs the sum,
34,642 constraints (``k=1`` 55,742, ``k=2`` 90,384: a segment adds 21,100 for its two context
hashes and the range checks of its pre-state). Of a step: the tree openings 27,010 (the fetch,
read-only, about 9,400; the data access, which may write, about 17,600; both mostly Poseidon(2)
levels at 242 constraints); ``divmod`` (DIV, MOD, SHR) 1,092; ``mul_lo`` (MUL, SHL) 546;
``add`` (ADD) and ``sub`` (SUB, LT, GT, EQ) 268 each; ``bitwise`` (AND, OR, XOR) 256 on the
operands' bits (520); ``HASH`` a Poseidon(4) and a canonical split, 805; ``LOG`` a Poseidon(5)
and a Poseidon(4) over the log chain's split, 1,126; the keys of the two accesses 903; the
instruction's decode and opcode flags about 400; the pc bound and the gas check 325; the
register file (three reads, one write) about 150; dropping the steps past ``steps`` 242.
"""

from __future__ import annotations

from typing import Optional, Sequence

from prozchain.circuits import Circuit
from prozchain.circuits.api import assert_bool, assert_equal, assert_mul, gadget
from prozchain.circuits.gadgets.bits import from_bits, to_bits, to_bits_strict
from prozchain.circuits.gadgets.comparators import is_equal, is_zero, less_than
from prozchain.circuits.gadgets.mux import cond_swap, select
from prozchain.circuits.gadgets.poseidon import poseidon
from prozchain.circuits.gadgets.uint256 import (LIMB_BITS, LIMBS, Word, add, bitwise, constant_word, divmod_words,
                                                is_zero_word, limbs_of, mul_lo, pack_word, power_of_two, sub,
                                                word_bits, word_input)
from prozchain.circuits.lc import Value, Var, lift, linear_sum
from prozchain.rollup.vm import isa
from prozchain.rollup.vm.executor import Executor
from prozchain.rollup.vm.merkle import POSEIDON, POSEIDON_RATE, Proof
from prozchain.rollup.vm.state import END, RUN, Context, balance_key, code_key, memory_key, slot_key, state_root

ITEMS = ("batch", "dep_root", "n_dep", "txs_root", "n_txs", "next_item", "phase", "origin", "gas_limit",
         "gas_price", "gas_left", "snapshot", "logs", "logs_snapshot", "depth", "stack", "caller", "address",
         "value", "pc", "code_size", "mem") + tuple(f"r{i}" for i in range(isa.REGISTERS)) + ("ret",)
"""The context's words in the order :meth:`Context.rest_hash` hashes them (the world comes apart)."""
ROOTS = ("world", "mem", "logs")
"""Items a step may recompute as field elements (tree roots and the log chain)."""
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


# -- tree openings --------------------------------------------------------------------------
DEPTH = 32
"""The deepest path a segment opens (the tree is about log2(keys) deep: 20 for a million keys).
A step whose path is deeper, which takes some 2^16 hashes of grinding to make, is not covered."""
OPENING = ("act", "sib", "fork")  # per level: the path goes on, its sibling, a new leaf forks here
LEAF = 6  # is_leaf, leaf_key, the leaf value's four limbs


@gadget("tree_access")
def tree_access(root: Value, key: Value, active: Value, write: Value, new_value: Sequence[Value],
                opening: dict, depth: int, writable: bool = True) -> tuple[Word, Var]:
    """Open the Poseidon tree of ``root`` at ``key`` (see :mod:`prozchain.rollup.vm.merkle`): the
    value there (a word), and the root after writing ``new_value`` when ``write``. Checked only
    when ``active``. About ``242 * depth + 1,300`` constraints to read, twice the levels to write.

    ``opening`` holds per level ``act`` (1 while the path goes on: a prefix of ones), ``sib``
    (the sibling) and ``fork`` (1 at the level where a written new key parts from the leaf that
    ended its path, see :func:`prozchain.rollup.vm.merkle.write`), and ``leaf``: ``is_leaf``,
    the key of the leaf ending the path and its value's limbs."""
    act, sib, fork = opening["act"], opening["sib"], opening["fork"]
    is_leaf, leaf_key, leaf_value = opening["leaf"][0], opening["leaf"][1], word_input(opening["leaf"][2:])
    key_bits = to_bits_strict(key)[:depth]
    leaf_bits = to_bits_strict(leaf_key)[:depth]
    assert_bool(is_leaf)
    for d in range(depth):
        assert_bool(act[d])
        if d:
            assert_mul(act[d], 1 - lift(act[d - 1]), 0)
        assert_mul(act[d], lift(key_bits[d]) - leaf_bits[d], 0)  # the leaf ending the path is on it
    end = lift(is_leaf) * poseidon([leaf_key] + _halves(leaf_value))
    assert_mul(active, _fold(end, key_bits, sib, act) - root, 0)
    same = is_equal(leaf_key, key)
    read = [lift(is_leaf) * same * v for v in leaf_value]
    if not writable:
        return read, lift(root)
    split = lift(write) * is_leaf * (1 - same)
    assert_equal(linear_sum(list(fork)), split)
    passed, levels, siblings = Var.const(0), [], []
    for d in range(depth):
        assert_bool(fork[d])
        assert_mul(fork[d], act[d], 0)
        below = (1 - lift(act[d])) * (split - passed)  # a new level between the path's end and the fork
        assert_mul(lift(below) - fork[d], lift(key_bits[d]) - leaf_bits[d], 0)
        assert_mul(fork[d], lift(key_bits[d]) + leaf_bits[d] - 1, 0)
        passed = passed + fork[d]
        levels.append(lift(act[d]) + below)
        siblings.append(lift(act[d]) * sib[d] + lift(fork[d]) * end)
    leaf = poseidon([key] + _halves(new_value))
    return read, _fold(leaf, key_bits, siblings, levels)


def _fold(node: Value, bits: Sequence[Value], siblings: Sequence[Value], levels: Sequence[Value]) -> Var:
    node = lift(node)
    for d in range(len(bits) - 1, -1, -1):
        left, right = cond_swap(bits[d], node, siblings[d])
        node = select(levels[d], poseidon([left, right]), node)
    return node


def opening_of(proof: Proof, key: bytes, depth: int, written: bool) -> list:
    """The ``opening`` of :func:`tree_access` for a tree proof (what the step's witness holds), as
    one flat list: ``act``, ``sib``, ``fork`` (``depth`` each), then the leaf; None if the path
    is deeper than ``depth``."""
    n = len(proof.siblings)
    fork = [0] * depth
    if written and proof.leaf is not None and proof.leaf[0] != key:
        k, other = int.from_bytes(key, "big"), int.from_bytes(proof.leaf[0], "big")
        at = ((k ^ other) & -(k ^ other)).bit_length() - 1
        if at >= depth:
            return None
        fork[at] = 1
    if n > depth:
        return None
    leaf_key, value = (int.from_bytes(proof.leaf[0], "big"), proof.leaf[1]) if proof.leaf else (int.from_bytes(key, "big"), 0)
    return ([int(d < n) for d in range(depth)] + [int.from_bytes(s, "big") for s in proof.siblings]
            + [0] * (depth - n) + fork + [int(proof.leaf is not None), leaf_key] + limbs_of(value))


def _opening(flat: Sequence[Var], depth: int) -> dict:
    return {"act": flat[:depth], "sib": flat[depth:2 * depth], "fork": flat[2 * depth:3 * depth],
            "leaf": flat[3 * depth:]}


# -- one step -------------------------------------------------------------------------------
@gadget("step")
def step_constraints(ctx: dict, instr: Sequence[Value], loaded: Sequence[Value], fetch: dict, data: dict,
                     depth: int) -> dict:
    """The context after one covered step. ``instr`` is the word at
    ``code_key(address, pc)`` and ``loaded`` the word a read returns, both checked against the
    tree openings ``fetch`` and ``data`` (see :func:`tree_access`)."""
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
    world, mem = _root(ctx["world"]), _root(ctx["mem"])
    fetch_active = 1 - out_of_code
    fetched, _ = tree_access(world, fetch_key, fetch_active, 0, instr, fetch, depth, writable=False)
    for got, want in zip(fetched, instr):
        assert_mul(fetch_active, lift(got) - want, 0)
    in_memory = lift(flags["MLOAD"]) + flags["MSTORE"]
    data_root = select(in_memory, mem, world)
    found, written = tree_access(data_root, data_key, data_active, data_write, x, data, depth)
    reads = data_active - data_write
    for got, want in zip(found, loaded):
        assert_mul(reads, lift(got) - want, 0)

    jump = lift(flags["JUMP"]) + flags["JUMPI"] * (1 - is_zero_word(ra))
    next_pc = [lift(jump) * (lift(iv) - pv) + pv for iv, pv in zip(imm, [lift(pc[0]) + 1, 0, 0, 0])]
    logs = ctx["logs"]
    logs_word = field_to_word(logs) if isinstance(logs, Var) else logs
    logged = _sponge(_halves(logs_word) + _halves(ctx["address"]) + _halves(ra) + _halves(x))
    log = ok * flags["LOG"]

    running = dict(ctx)
    running.update({f"r{i}": r for i, r in enumerate(new_regs)})
    running.update(gas_left=[gas_after, 0, 0, 0], pc=next_pc, world=world + stored * (written - world),
                   mem=mem + memorised * (written - mem), logs=_root(logs) + log * (logged - _root(logs)))
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
    return post


def _choose(cond: Value, a: dict, b: dict) -> dict:
    """Context ``a`` if ``cond`` else ``b``, item by item."""
    out = {}
    for name, x in a.items():
        y = b[name]
        if isinstance(x, Var) or isinstance(y, Var):
            out[name] = select(cond, _root(x), _root(y))
        else:
            out[name] = [select(cond, xv, yv) for xv, yv in zip(x, y)]
    return out


def _root(v) -> Var:
    return v if isinstance(v, Var) else _field(v)


class Segment(Circuit):
    """``steps`` (public, at most ``k``) covered steps from the public ``pre_root`` to the public
    ``post_root``: a dispute's last range may be shorter than ``k``.

    Private inputs: ``ctx`` (the pre-state's words in :data:`ITEMS` order, the world first),
    per step ``instr``, ``loaded`` (words as four limbs) and the openings ``fetch`` and ``data``
    (:func:`opening_of`); :func:`segment_inputs` makes them from an executor.
    """

    def __init__(self, k: int = 1, depth: int = DEPTH) -> None:
        self.k, self.depth = k, depth

    def define(self) -> None:
        pre_root = self.public_input("pre_root")
        post_root = self.public_input("post_root")
        steps = self.public_input("steps")
        to_bits(steps, 32)
        names = ("world",) + ITEMS
        raw = self.private_input("ctx", (len(names), LIMBS))
        ctx = {name: word_input(w) for name, w in zip(names, raw)}
        assert_equal(context_root(ctx), pre_root)
        instr = self.private_input("instr", (self.k, LIMBS))
        loaded = self.private_input("loaded", (self.k, LIMBS))
        width = 3 * self.depth + LEAF
        fetch = self.private_input("fetch", (self.k, width))
        data = self.private_input("data", (self.k, width))
        idle = {name: constant_word(RUN if name == "phase" else 0) for name in ctx}
        for i in range(self.k):
            # the steps past ``steps`` run a context whose pc is past its (empty) code, and are dropped
            on = less_than(i, steps, 32)
            start = _choose(on, ctx, idle)
            post = step_constraints(start, word_input(instr[i]), word_input(loaded[i]),
                                              _opening(fetch[i], self.depth), _opening(data[i], self.depth),
                                              self.depth)
            ctx = _choose(on, post, ctx)
        assert_equal(context_root(ctx), post_root)


def _accesses(ex: Executor, ctx: Context, depth: int) -> Optional[tuple[list, list]]:
    """The ``fetch`` and ``data`` openings of the step after ``ctx``; None if it is not covered."""
    if ctx.phase != RUN:
        return None
    f = ctx.frame
    proofs = list(ex.witness(ctx).proofs)
    blank = [0] * (3 * depth + LEAF)
    if f.pc >= f.code_size:
        return blank, blank
    key = code_key(f.address, f.pc, POSEIDON)
    ins = isa.decode(ex.db.get(ctx.world, key))
    if ins.op in UNCOVERED:
        return None
    fetch = opening_of(proofs[0], key, depth, written=False)
    data = blank
    if len(proofs) > 1:
        r = f.regs
        key = {"SLOAD": lambda: slot_key(f.address, r[ins.b], POSEIDON),
               "SSTORE": lambda: slot_key(f.address, r[ins.a], POSEIDON),
               "MLOAD": lambda: memory_key(r[ins.b], POSEIDON), "MSTORE": lambda: memory_key(r[ins.a], POSEIDON),
               "BALANCE": lambda: balance_key(r[ins.b] % 2**160, POSEIDON)}[ins.op]()
        data = opening_of(proofs[1], key, depth, written=ins.op in ("SSTORE", "MSTORE"))
    return None if fetch is None or data is None else (fetch, data)


def covered(ex: Executor, ctx: Context, depth: int = DEPTH) -> bool:
    """Whether ``Segment`` proves the step after ``ctx`` (see the module docstring)."""
    return _accesses(ex, ctx, depth) is not None


def segment_inputs(ex: Executor, ctx: Context, k: int, depth: int = DEPTH, steps: Optional[int] = None) -> dict:
    """The inputs of ``Segment(k, depth)`` for the ``steps`` (by default ``k``) steps after ``ctx``
    on a Poseidon executor; ValueError if one of them is not covered."""
    if ex.scheme is not POSEIDON:
        raise ValueError(f"the circuit proves the Poseidon commitment, not {ex.scheme}")
    words = context_words(ctx)
    inputs = {"pre_root": int.from_bytes(state_root(ctx, POSEIDON), "big"),
              "ctx": [limbs_of(words[name]) for name in ("world",) + ITEMS],
              "instr": [], "loaded": [], "fetch": [], "data": [], "steps": k if steps is None else steps}
    if not 0 <= inputs["steps"] <= k:
        raise ValueError(f"a segment of {k} steps cannot prove {steps}")
    for i in range(inputs["steps"]):
        accesses = _accesses(ex, ctx, depth)
        if accesses is None:
            raise ValueError(f"step {i} of the segment is not covered by the circuit")
        f = ctx.frame
        instr = ex.db.get(ctx.world, code_key(f.address, f.pc, POSEIDON)) if f.pc < f.code_size else 0
        post = ex.next(ctx)
        ins = isa.decode(instr)
        loaded = post.frame.regs[ins.a] if ins.op in ("SLOAD", "MLOAD", "BALANCE") and post.phase == RUN else 0
        inputs["instr"].append(limbs_of(instr))
        inputs["loaded"].append(limbs_of(loaded))
        inputs["fetch"].append(accesses[0])
        inputs["data"].append(accesses[1])
        ctx = post
    for _ in range(k - inputs["steps"]):
        for name, width in (("instr", LIMBS), ("loaded", LIMBS), ("fetch", 3 * depth + LEAF), ("data", 3 * depth + LEAF)):
            inputs[name].append([0] * width)
    inputs["post_root"] = int.from_bytes(state_root(ctx, POSEIDON), "big")
    return inputs
