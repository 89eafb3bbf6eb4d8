"""The machine's step as a circuit, over the Poseidon commitment: K steps from one state root to another.

:class:`Segment` (``k`` steps) takes the pre-state root and the post-state root as public
inputs and the pre-state context as private ones; it hashes the context to the pre-state root
(:func:`context_root`, the twin of :func:`~prozchain.rollup.vm.state.state_root` with
:data:`~prozchain.rollup.vm.merkle.POSEIDON`), runs :func:`step_constraints` ``k`` times and
hashes the result to the post-state root. A wrong post-state root, or any step computed
otherwise than :func:`~prozchain.rollup.vm.machine.execute` does, leaves a constraint unsatisfied.

**What a step covers.** A step of a running contract (phase ``RUN``) with any instruction,
including the ways a step fails: a ``pc`` past the code, an unknown opcode or a register above
``r7``, gas exhaustion (each reverts the transaction and burns its gas) and ``REVERT``; and the
step that settles a finished transaction's fees (phase ``END``). Words are 256-bit in four
64-bit limbs (:mod:`prozchain.circuits.gadgets.uint256`), so ``ADD``..``SHR`` are exact mod
2^256; ``HASH`` and ``LOG`` are Poseidon, as the commitment makes them. ``CALL`` moves its value
(a sender that cannot pay, a call 16 deep and a message to L1 with value revert), pushes the
suspended frame on the call stack, a Poseidon chain in this commitment
(:func:`~prozchain.rollup.vm.state.push_frame`), and enters the callee (or, with no code there,
returns 0); ``RET`` pops the caller's frame (the witness names it, the circuit hashes it to the
stack) or, outermost, ends the transaction and clears an L1 message's retry record. A ``CALL``
to the messenger records a message to L1 (its Poseidon commitment at ``message_key(address,
nonce)``, then the next nonce); value sent to the bridge takes two of a segment's slots: the
call, then a slot that is no step of its own, counting the withdrawal and writing its Poseidon
record (the context carries the record between them, outside the state root: a step has room
for two writes, and two more openings would cost every step some 35,000 constraints). Not covered, and so left to
one-step re-execution (:func:`covered` says which steps a segment may hold, :func:`fits`
whether they fit its slots): a gas price of 2^192 or more, a path deeper than :data:`DEPTH`,
and beginning an inbox item, which :class:`TxStart` proves on its own for a transaction (its
signature, RLP and inbox path left to L1) and :class:`DepositStart` for a deposit or L1 message
(its RLP and inbox path left to L1; its retry record is Poseidon under this commitment, see
:func:`~prozchain.rollup.vm.state.call_commitment`).

**Tree accesses.** A step makes at most four (:data:`ACCESSES`): fetching its instruction
(``code_key(address, pc)`` in the world), the data access (``SLOAD``/``BALANCE`` read the world,
``SSTORE`` writes it, ``MLOAD``/``MSTORE`` read and write the memory tree; a ``CALL``'s debit, an
outermost ``RET``'s retry record, the refund of a transaction's gas left, a message's record, the
withdrawal count), a second write (a ``CALL``'s credit, the fee vault's share, a message sender's
nonce, a withdrawal's record) and a read of the callee's code size. The circuit
derives every key with Poseidon as the commitment does and opens the tree at it
(:func:`tree_access`: the path to the root, the value, and for a write the new root, a new key
forking off the leaf that ended its path included), up to :data:`DEPTH` levels.

Constraints (``prozchain circuit info prozchain.rollup.vm.circuit:Segment --param k=2``): a
circuit cannot branch, so every unit runs on every step and a step costs the sum, 73,513
constraints (``k=1`` 94,078, ``k=2`` 167,591: a segment adds 20,565 for its two context hashes
and the range checks of its pre-state; messages to L1 and withdrawals added 165 a step). Of a
step: the tree openings 54,020 (the fetch and the code-size read, read-only, about 9,400 each;
the data access and the second write, which may write, about 17,600 each; mostly Poseidon(2)
levels at 240 constraints); the call stack about 7,500 (a frame's sixteen words range-checked,
4,160, hashed by a sponge of eight Poseidon(5), 2,563, the new stack as a word, 508, the
callee's address bits); ``divmod`` (DIV, MOD, SHR) 1,092; ``mul_lo`` (MUL, SHL) 546; the fees'
two products 1,092; ``add`` and ``sub`` 268 each; ``bitwise`` (AND, OR, XOR) 256 on the
operands' bits (520); one Poseidon(5) and one Poseidon(4) serve ``LOG`` (both), ``HASH`` (the
second, then a canonical split), a message's commitment (both, around a second Poseidon(5)) and
a withdrawal's (the second), about 1,450 with the split; the keys of the accesses about 1,400;
the instruction's decode, opcode flags and the pc, gas and depth checks about 1,000; the
register file and merging the step's outcomes about 1,500. :class:`TxStart` is 109,659 and
:class:`DepositStart` 71,449 (three openings, the retry record's Poseidon sponge of 16 halves).
"""

from __future__ import annotations

from typing import Optional, Sequence

from prozchain.circuits import Circuit, subcircuit
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
from prozchain.rollup.l1.errors import InvalidTransaction
from prozchain.rollup.vm.errors import DecodeError
from prozchain.rollup.vm.executor import Executor
from prozchain.rollup.vm.merkle import POSEIDON, POSEIDON_RATE, Proof
from prozchain.rollup.vm.machine import INTRINSIC_GAS, MAX_DEPTH, MAX_TX_GAS
from prozchain.rollup.vm.tx import L2_CHAIN_ID, MAX_ARGS, Deposit, L2Tx, alias
from prozchain.rollup.vm.state import (BRIDGE, END, FEE_VAULT, IDLE, MESSAGE_WORDS, MESSENGER, RETRY_ARGS, RUN,
                                       Context, balance_key, code_key, code_size_key, memory_key,
                                       message_commitment, message_key, message_nonce_key, nonce_key, retry_id,
                                       retry_key, slot_key, state_root, withdrawal_count_key, withdrawal_key)

ITEMS = ("batch", "dep_root", "n_dep", "txs_root", "n_txs", "next_item", "phase", "origin", "gas_limit",
         "gas_price", "gas_left", "snapshot", "logs", "logs_snapshot", "depth", "stack", "caller", "address",
         "value", "pc", "code_size", "mem") + tuple(f"r{i}" for i in range(isa.REGISTERS)) + ("ret",)
"""The context's words in the order :meth:`Context.rest_hash` hashes them (the world comes apart)."""
ROOTS = ("world", "mem", "logs", "snapshot")
"""Items a step may recompute as field elements (tree roots and the log chain)."""
_TAGS = {name: int.from_bytes(name.encode(), "big")
         for name in ("code", "storage", "memory", "balance", "codesize", "retry", "nonce", "message", "messages",
                      "withdrawal")}
_COUNT_KEY = int.from_bytes(withdrawal_count_key(POSEIDON), "big")
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
ACCESSES = ("fetch", "data", "extra", "size")
"""A step's tree openings: the instruction fetch (read), the data access (read and write: the
instruction's, a CALL's debit of its sender, a deposit's retry record, the refund of the gas left),
the second write (a CALL's credit, the fee vault's share), the callee's code size (read)."""
FRAME = ("caller", "address", "value", "pc", "code_size", "mem") + tuple(f"r{i}" for i in range(isa.REGISTERS)) \
    + ("ret",)
"""A frame's words as :func:`~prozchain.rollup.vm.state.push_frame` hashes them, after the stack below."""


def _word(v) -> list:
    """An item as a word (a root that is a field element is split canonically, 508 constraints)."""
    return field_to_word(v) if isinstance(v, Var) else v


def _small(value) -> list:
    return [value, 0, 0, 0]


@gadget("step")
def step_constraints(ctx: dict, instr: Sequence[Value], loaded: Sequence[Sequence[Value]], openings: dict,
                     popped: Sequence[Sequence[Value]], depth: int) -> dict:
    """The context after one covered step. ``instr`` is the word at ``code_key(address, pc)``,
    ``loaded`` the three words the ``data``, ``extra`` and ``size`` accesses read (:data:`ACCESSES`),
    all checked against the tree ``openings`` (see :func:`tree_access`); ``popped`` is the stack
    below and the frame a ``RET`` resumes (:data:`FRAME`), checked against the stack hash."""
    # a slot after value sent to the bridge writes its withdrawal record and nothing else
    owed = ctx["owed"][0]
    phase = _field(ctx["phase"])
    assert_mul(phase - RUN, phase - END, 0)
    is_end = lift(phase - RUN) * (1 - owed)  # RUN = 1, END = 2: settling a finished transaction's fees
    is_run = 1 - is_end - owed  # (an owed record follows a call that went on: its phase is RUN)
    pc, code_size, gas = ctx["pc"], ctx["code_size"], ctx["gas_left"]
    # an honest context's sizes, gas, depth and counters are below 2^64 and its origin an address
    for small in (code_size, gas, ctx["gas_limit"], ctx["depth"], ctx["batch"], ctx["n_dep"], ctx["next_item"]):
        for limb in small[1:]:
            assert_equal(limb, 0)
    assert_equal(ctx["origin"][3], 0)
    to_bits(ctx["origin"][2], 32)
    to_bits(ctx["next_item"][0], 32)  # so that a retry id is ``batch << 32 | item``
    to_bits(pc[3], LIMB_BITS - 32)  # and a pc (a jump target) below 2^224
    out_of_code = 1 - less_than(_field(pc), code_size[0], 224)

    bits = word_bits(instr)
    op = from_bits(bits[248:256])
    flags = {name: is_equal(op, code) for name, (code, _, _) in isa.OPS.items()}
    known = linear_sum(list(flags.values()))
    reg = {name: bits[240 - 8 * i:243 - 8 * i] for i, name in enumerate("abc")}
    high_regs = linear_sum([b for i in range(3) for b in bits[243 - 8 * i:248 - 8 * i]])
    invalid = 1 - known * is_zero(high_regs)
    cost = linear_sum([flags[n] for n in isa.OPS], [g for _, _, g in isa.OPS.values()])
    out_of_gas = less_than(gas[0], cost, LIMB_BITS)
    runs = (1 - out_of_code) * (1 - invalid)
    burn = is_run * (1 - runs * (1 - out_of_gas))
    ok = is_run - burn
    gas_after = gas[0] - cost
    op_ok = {name: ok * flags[name] for name in ("SSTORE", "MSTORE", "LOG", "REVERT", "CALL", "RET")}

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
    env_sources = [ctx["caller"], ctx["value"], ctx["address"], ctx["origin"], ctx["batch"], _small(gas_after)]
    env = _select_word([is_equal(imm_field, i) for i in range(len(env_sources))], env_sources)
    keep = 1 - too_far
    bit = _small  # a 0/1 result as a word
    results = {
        "SET": imm, "MOV": x, "ADD": total, "SUB": diff, "MUL": product, "DIV": quotient, "MOD": remainder,
        "AND": conj, "OR": disj, "XOR": excl, "SHL": [keep * v for v in product],
        "SHR": [keep * v for v in quotient], "LT": bit(borrow), "GT": bit(1 - borrow - equal), "EQ": bit(equal),
        "ISZERO": bit(is_zero_word(x)), "NOT": [2**LIMB_BITS - 1 - lift(v) for v in x],
        "SLOAD": loaded[0], "MLOAD": loaded[0], "ENV": env, "BALANCE": loaded[0],
    }

    # CALL r[a] with value r[b] (see machine._call): a message to L1 with value and a call too deep
    # revert; a message to L1 without value is recorded; a value moves (a sender that cannot pay
    # reverts; value sent to the bridge owes a withdrawal record, which the next slot writes); the
    # callee's code decides whether a frame is pushed.
    ra_bits = word_bits(ra)
    target = [ra[0], ra[1], from_bits(ra_bits[128:160]), 0]
    to_messenger = is_equal(_field(target), MESSENGER)
    has_value = 1 - is_zero_word(x)
    calls = op_ok["CALL"]
    sends = calls * to_messenger * (1 - has_value)
    too_deep = 1 - less_than(ctx["depth"][0], MAX_DEPTH - 1, LIMB_BITS)
    tries = calls * (1 - to_messenger) * (1 - too_deep)
    moving = tries * has_value
    have_left, short = sub(loaded[0], x)
    short_of = moving * short
    moves = moving - short_of
    withdraws = moves * is_equal(_field(target), BRIDGE)
    proceeds = tries - short_of
    call_fail = calls - proceeds - sends

    # One Poseidon(5) and one Poseidon(4) serve, one at a time: LOG (both), HASH (the second), a
    # message's commitment (r1 the L1 target, r2..r5 its data, r6 its gas: a sponge of twelve
    # limbs, see state.message_commitment; both and one more) and a withdrawal's (the second).
    address = _halves(ctx["address"])
    logs = ctx["logs"]
    l1_target = [regs[1][0], regs[1][1], from_bits(to_bits(regs[1][2], LIMB_BITS)[:32]), 0]
    message = [h for w in [l1_target] + regs[2:2 + MESSAGE_WORDS + 1] for h in _halves(w)]
    first = poseidon(_pick([(sends, message[:5])], _halves(_word(logs)) + address + _halves(ra)[:1]))
    middle = poseidon([first] + message[5:9])
    unit = poseidon(_pick([(flags["LOG"], [first] + _halves(ra)[1:] + _halves(x)), (sends, [middle] + message[9:]),
                           (withdraws, address + _halves(x))], _halves(x) + _halves(y)))
    digest = field_to_word(unit)
    results["HASH"] = digest
    result = _select_word([flags[n] for n in _WRITES_REGISTER], [results[n] for n in _WRITES_REGISTER])
    write = ok * linear_sum([flags[n] for n in _WRITES_REGISTER])
    new_regs = []
    for i, r in enumerate(regs):
        t = sel["a"][i] * write
        new_regs.append([lift(rv) + t * (lift(nv) - rv) for rv, nv in zip(r, result)])
    enter = proceeds * (1 - is_zero_word(loaded[2]))
    no_code = proceeds - enter

    # RET r[a]: the outermost call ends the transaction (clearing an L1 message's retry record);
    # an inner one resumes the caller popped off the stack
    rets = op_ok["RET"]
    ret_top = rets * is_zero(ctx["depth"][0])
    ret_pop = rets - ret_top
    retry_clear = ret_top * less_than(ctx["next_item"][0], ctx["n_dep"][0], LIMB_BITS)
    retry_halves = [0, lift(ctx["batch"][0]) * 2**32 + ctx["next_item"][0]]  # as halves: below 2^96

    # settling fees (see machine._end): the gas left back to the origin, the gas used to the fee vault
    price = ctx["gas_price"]
    used = lift(ctx["gas_limit"][0]) - gas[0]
    to_bits(used, LIMB_BITS)
    assert_mul(is_end, price[3], 0)  # so that the products below do not wrap
    refund = mul_lo(_small(gas[0]), price)
    fee = mul_lo(_small(used), price)
    refunds = is_end * (1 - is_zero_word(refund))
    pays_fee = is_end * (1 - is_zero_word(fee))

    # the data access: key, root, value written
    fetch_key = _key("code", address + _halves(pc))
    slot = [lift(flags["SLOAD"]) * (lift(xv) - av) + av for xv, av in zip(x, ra)]
    # a message's record is at (address, nonce), the nonce being what the second access reads
    part = [h + sends * (lift(n) - h) for h, n in zip(_halves(slot), _halves(loaded[1]))]
    long_key = poseidon([lift(sends) * (_TAGS["message"] - _TAGS["storage"]) + _TAGS["storage"]] + address + part)
    index = [lift(flags["MLOAD"]) * (lift(xv) - av) + av for xv, av in zip(x, ra)]
    owner = [x[0], x[1], from_bits(x_bits[128:160]), 0]  # BALANCE reads r[b] mod 2^160
    in_memory = ok * (lift(flags["MLOAD"]) + flags["MSTORE"])
    balance_of = ok * flags["BALANCE"]
    short_sources = [(in_memory, "memory", _halves(index)), (balance_of, "balance", _halves(owner)),
                     (calls, "balance", address), (is_end, "balance", _halves(ctx["origin"])),
                     (retry_clear, "retry", retry_halves)]
    short_key = poseidon([linear_sum([s for s, _, _ in short_sources], [_TAGS[t] for _, t, _ in short_sources])]
                         + [linear_sum([lift(s) * h[j] for s, _, h in short_sources]) for j in range(2)])
    storage_op = ok * (lift(flags["SLOAD"]) + flags["SSTORE"])
    long_op = storage_op + sends
    # an owed withdrawal record: the data access counts it (withdrawal_count_key), the second writes it
    data_key = short_key + long_op * (long_key - short_key) + owed * (_COUNT_KEY - short_key)
    data_active = storage_op + in_memory + balance_of + moving + retry_clear + refunds + sends + owed
    to_world = op_ok["SSTORE"] + moves + retry_clear + refunds + sends + owed
    data_write = to_world + op_ok["MSTORE"]
    credited, carry = add(loaded[0], [lift(is_end) * r + (owed if j == 0 else 0) for j, r in enumerate(refund)])
    assert_mul(refunds + owed, carry, 0)
    stores = lift(op_ok["SSTORE"]) + op_ok["MSTORE"]
    new_value = [lift(stores) * xv + lift(moves) * hv + lift(refunds + owed) * cv + lift(sends) * dv
                 for xv, hv, cv, dv in zip(x, have_left, credited, digest)]  # a retry record is cleared to 0
    world, mem = _root(ctx["world"]), _root(ctx["mem"])
    fetch_active = is_run * (1 - out_of_code)
    fetched, _ = tree_access(world, fetch_key, fetch_active, 0, instr, openings["fetch"], depth, writable=False)
    for got, want in zip(fetched, instr):
        assert_mul(fetch_active, lift(got) - want, 0)
    data_root = select(in_memory, mem, world)
    found, data_after = tree_access(data_root, data_key, data_active, data_write, new_value, openings["data"], depth)
    for got, want in zip(found, loaded[0]):
        assert_mul(data_active, lift(got) - want, 0)
    world1 = world + to_world * (data_after - world)

    # the second write, on the world after the first: the callee's credit, the fee vault's, a message
    # sender's next nonce, or an owed withdrawal record at the count the first access read
    payee = [lift(is_end) * (v - t) + t for v, t in zip(constant_word(FEE_VAULT), target)]
    extra_tag = _TAGS["balance"] + lift(sends) * (_TAGS["messages"] - _TAGS["balance"]) \
        + lift(owed) * (_TAGS["withdrawal"] - _TAGS["balance"])
    extra_key = poseidon([extra_tag] + _pick([(sends, address), (owed, _halves(loaded[0]))], _halves(payee)))
    extra_active = moves + pays_fee + sends
    # a message carries no value, so x is 0 and its nonce goes up by one
    paid, carry = add(loaded[1], [lift(is_end) * (f - v) + v + (sends if j == 0 else 0)
                                  for j, (f, v) in enumerate(zip(fee, x))])
    assert_mul(extra_active, carry, 0)
    extra_value = [lift(p) + owed * (lift(r) - p) for p, r in zip(paid, ctx["owed_record"])]
    extra_active = extra_active + owed
    found, written = tree_access(world1, extra_key, extra_active, extra_active, extra_value, openings["extra"],
                                 depth)
    for got, want in zip(found, loaded[1]):
        assert_mul(extra_active, lift(got) - want, 0)
    world2 = world1 + extra_active * (written - world1)
    found, _ = tree_access(world2, _key("codesize", _halves(target)), proceeds, 0, loaded[2], openings["size"],
                           depth, writable=False)
    for got, want in zip(found, loaded[2]):
        assert_mul(proceeds, lift(got) - want, 0)

    # the call stack: a CALL pushes its frame (resumed at this pc, its result into r[c]); a RET pops
    # the frame the witness names, which must hash, on the stack below, to the stack
    pops = [word_input(w) for w in popped]
    own = {name: ctx[name] for name in FRAME[:5]}
    own.update({f"r{i}": r for i, r in enumerate(regs)}, mem=_word(ctx["mem"]),
               ret=_small(from_bits(reg["c"])))
    pushing = [_word(ctx["stack"])] + [own[name] for name in FRAME]
    hashed = [[select(flags["CALL"], pv, ov) for pv, ov in zip(p, o)] for p, o in zip(pushing, pops)]
    stack_hash = _sponge([h for w in hashed for h in _halves(w)])
    assert_mul(ret_pop, stack_hash - _field(ctx["stack"]), 0)
    frame = dict(zip(FRAME, pops[1:]))
    for limb in frame["ret"][1:]:
        assert_equal(limb, 0)
    back = _one_hot(to_bits(frame["ret"][0], 3))

    running = dict(ctx)
    running.update({f"r{i}": r for i, r in enumerate(new_regs)})
    jump = lift(flags["JUMP"]) + flags["JUMPI"] * (1 - is_zero_word(ra))
    running["pc"] = [lift(jump) * (lift(iv) - pv) + pv for iv, pv in zip(imm, [lift(pc[0]) + 1, 0, 0, 0])]
    running.update(gas_left=_small(gas_after), world=world1, mem=mem + op_ok["MSTORE"] * (data_after - mem),
                   logs=_root(logs) + op_ok["LOG"] * (unit - _root(logs)))
    zero = constant_word(0)
    empty_frame = {name: zero for name in FRAME}
    empty_frame["mem"] = Var.const(0)
    # a revert: back to the snapshot, no frame, END; a failure also burns the gas left
    reverted = dict(empty_frame, depth=zero, stack=zero, world=_root(ctx["snapshot"]),
                    logs=_root(ctx["logs_snapshot"]), phase=constant_word(END),
                    gas_left=_small((is_run - burn) * gas_after))
    answer = [lift(sends) * v for v in loaded[1]]  # r[c]: a message's nonce, 0 from a call without code
    c_regs = {f"r{i}": [lift(v) + sel["c"][i] * (lift(n) - v) for v, n in zip(r, answer)]
              for i, r in enumerate(regs)}
    entered = dict(empty_frame, caller=ctx["address"], address=target, value=x, code_size=loaded[2],
                   depth=_small(lift(ctx["depth"][0]) + 1), stack=field_to_word(stack_hash), world=world2,
                   **{f"r{i}": r for i, r in enumerate(regs)})
    resumed = dict(frame, pc=_small(lift(frame["pc"][0]) + 1), ret=zero, depth=_small(lift(ctx["depth"][0]) - 1),
                   stack=pops[0], **{f"r{i}": [lift(v) + back[i] * (lift(nv) - v) for v, nv in zip(frame[f"r{i}"], ra)]
                                     for i in range(isa.REGISTERS)})
    settled = dict(empty_frame, world=world2, phase=constant_word(IDLE),
                   next_item=_small(lift(ctx["next_item"][0]) + 1),
                   **{name: zero for name in ("origin", "gas_limit", "gas_price", "gas_left", "snapshot",
                                              "logs_snapshot")})
    endings = [(burn + op_ok["REVERT"] + call_fail, reverted), (no_code + sends, dict(c_regs, world=world2)),
               (enter, entered), (ret_top, dict(empty_frame, phase=constant_word(END), world=world1)),
               (ret_pop, resumed), (is_end, settled),
               (withdraws, dict(owed=_small(1), owed_record=digest)),
               (owed, dict(world=world2, pc=pc, gas_left=gas, owed=zero, owed_record=zero))]
    return _merge(running, endings)


def _pick(cases: Sequence[tuple[Value, Sequence[Value]]], default: Sequence[Value]) -> list[Var]:
    """``default`` but, element by element, the values of the case whose selector is 1 (the
    cases exclude each other): one constraint per case and element."""
    return [lift(d) + linear_sum([lift(s) * (lift(v[j]) - d) for s, v in cases]) for j, d in enumerate(default)]


def _merge(base: dict, cases: Sequence[tuple[Value, dict]]) -> dict:
    """``base`` with the items of the cases whose selector is 1 (cases changing the same item
    exclude each other): one constraint per limb that a case changes."""
    out = {}
    for name, before in base.items():
        changes = [(s, case[name]) for s, case in cases if name in case and case[name] is not before]
        if not changes:
            out[name] = before
        elif isinstance(before, Var) or any(isinstance(v, Var) for _, v in changes):
            b = _root(before)
            out[name] = b + linear_sum([lift(s) * (_root(v) - b) for s, v in changes])
        else:
            out[name] = [lift(bv) + linear_sum([lift(s) * (lift(v[j]) - bv) for s, v in changes])
                         for j, bv in enumerate(before)]
    return out


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
    per step ``instr`` (a word as four limbs), ``loaded`` (three words), the openings of
    :data:`ACCESSES` (:func:`opening_of`) and ``popped`` (:data:`FRAME` after the stack below,
    sixteen words); :func:`segment_inputs` makes them from an executor.
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
        ctx.update(owed=constant_word(0), owed_record=constant_word(0))
        instr = self.private_input("instr", (self.k, LIMBS))
        loaded = self.private_input("loaded", (self.k, 3 * LIMBS))
        width = 3 * self.depth + LEAF
        openings = {name: self.private_input(name, (self.k, width)) for name in ACCESSES}
        popped = self.private_input("popped", (self.k, POPPED * LIMBS))
        done = Var.const(0)
        for i in range(self.k):
            # a slot writing an owed withdrawal record is no step of its own
            owed = ctx["owed"][0]
            on = lift(owed) + (1 - lift(owed)) * less_than(done, steps, 32)
            ctx = _segment_step(on, ctx, instr[i], loaded[i], {name: openings[name][i] for name in ACCESSES},
                                popped[i], self.depth)
            done = done + on - owed
        assert_equal(done, steps)
        assert_equal(ctx["owed"][0], 0)
        assert_equal(context_root(ctx), post_root)


@subcircuit
def _segment_step(on: Var, ctx: dict, instr: Sequence[Var], loaded: Sequence[Var], openings: dict,
                  popped: Sequence[Var], depth: int) -> dict:
    """One slot of a segment, on (``on``) or dropped: the slots past ``steps`` steps run a context
    whose pc is past its (empty) code. A sub-circuit: ``Segment(k)`` traces it twice (the first step's
    context is words, later ones carry roots as field elements) and stamps it ``k`` times."""
    idle = {name: constant_word(RUN if name == "phase" else 0) for name in ctx}
    start = _choose(on, ctx, idle)
    post = step_constraints(start, word_input(instr), [word_input(w) for w in _rows(loaded, 3)],
                            {name: _opening(openings[name], depth) for name in ACCESSES}, _rows(popped, POPPED),
                            depth)
    return _choose(on, post, ctx)


POPPED = 1 + len(FRAME)


def _rows(flat: Sequence[Var], n: int) -> list:
    return [flat[LIMBS * i:LIMBS * (i + 1)] for i in range(n)]


def _plan(ex: Executor, ctx: Context, depth: int) -> Optional[dict]:
    """The step inputs of ``Segment`` for the step after ``ctx`` (``instr`` and ``loaded`` as
    words, ``popped`` as ints), with under ``then`` those of the slot writing an owed withdrawal
    record; None if the step is not covered."""
    plan = _blank(depth)
    db = ex.db

    def open_at(access: str, root: bytes, key: bytes, written: bool, loaded: Optional[int] = None,
                into: dict = plan) -> int:
        into[access] = opening_of(db.prove(root, key), key, depth, written)
        value = db.get(root, key)
        if loaded is not None:
            into["loaded"][loaded] = value
        return value

    if ctx.phase == END:
        if ctx.gas_price >= 2**192:
            return None
        world = ctx.world
        for access, who, amount in (("data", ctx.origin, ctx.gas_left * ctx.gas_price),
                                    ("extra", FEE_VAULT, (ctx.gas_limit - ctx.gas_left) * ctx.gas_price)):
            if amount:
                key = balance_key(who, POSEIDON)
                value = open_at(access, world, key, True, ACCESSES.index(access) - 1)
                if value + amount >= isa.WORD:
                    return None
                world = db.write(world, key, value + amount)
        return plan if all(plan[a] is not None for a in ACCESSES) else None
    if ctx.phase != RUN:
        return None
    f = ctx.frame
    if f.pc >= f.code_size:
        return plan
    key = code_key(f.address, f.pc, POSEIDON)
    plan["instr"] = open_at("fetch", ctx.world, key, False)
    ins = isa.decode(plan["instr"])
    if ins.op == "INVALID" or max(ins.a, ins.b, ins.c) >= isa.REGISTERS or ctx.gas_left < isa.OPS[ins.op][2]:
        return plan if plan["fetch"] is not None else None
    r = f.regs
    data = {"SLOAD": lambda: slot_key(f.address, r[ins.b], POSEIDON),
            "SSTORE": lambda: slot_key(f.address, r[ins.a], POSEIDON),
            "MLOAD": lambda: memory_key(r[ins.b], POSEIDON), "MSTORE": lambda: memory_key(r[ins.a], POSEIDON),
            "BALANCE": lambda: balance_key(r[ins.b] % 2**160, POSEIDON)}
    if ins.op in data:
        open_at("data", f.mem if ins.op in ("MLOAD", "MSTORE") else ctx.world, data[ins.op](),
                ins.op in ("SSTORE", "MSTORE"), 0)
    elif ins.op == "CALL":
        target, value = r[ins.a] % 2**160, r[ins.b]
        if target == MESSENGER and not value:  # the record at (address, nonce), then the next nonce
            nonce = db.get(ctx.world, message_nonce_key(f.address, POSEIDON))
            record = message_key(f.address, nonce, POSEIDON)
            open_at("data", ctx.world, record, True, 0)
            sent = message_commitment(r[1], tuple(r[2:2 + MESSAGE_WORDS]), r[2 + MESSAGE_WORDS], POSEIDON)
            open_at("extra", db.write(ctx.world, record, sent), message_nonce_key(f.address, POSEIDON), True, 1)
            if nonce + 1 >= isa.WORD:
                return None
        if target != MESSENGER and ctx.depth + 1 < MAX_DEPTH:
            world = ctx.world
            if value:
                have = open_at("data", world, balance_key(f.address, POSEIDON), True, 0)
                if have < value:
                    return plan if plan["data"] is not None else None
                world = db.write(world, balance_key(f.address, POSEIDON), have - value)
                got = open_at("extra", world, balance_key(target, POSEIDON), True, 1)
                if got + value >= isa.WORD:
                    return None
                world = db.write(world, balance_key(target, POSEIDON), got + value)
                if target == BRIDGE:  # the next slot counts the withdrawal and writes its record
                    owed = plan["then"] = _blank(depth)
                    count_key = withdrawal_count_key(POSEIDON)
                    count = open_at("data", world, count_key, True, 0, owed)
                    open_at("extra", db.write(world, count_key, count + 1), withdrawal_key(count, POSEIDON), True, 1,
                            owed)
                    if count + 1 >= isa.WORD or any(owed[a] is None for a in ACCESSES):
                        return None
            open_at("size", world, code_size_key(target, POSEIDON), False, 2)
    elif ins.op == "RET":
        if ctx.depth:
            frame, below = ex.stacks[ctx.stack]
            plan["popped"] = [int.from_bytes(below, "big")] + [int.from_bytes(w, "big") if isinstance(w, bytes) else w
                                                                for w in frame.words()[:6]] \
                + list(frame.regs) + [frame.ret]
        elif ctx.next_item < ctx.n_dep:
            open_at("data", ctx.world, retry_key(retry_id(ctx.batch, ctx.next_item), POSEIDON), True, 0)
    return plan if all(plan[a] is not None for a in ACCESSES) else None


def _blank(depth: int) -> dict:
    """The inputs of a slot that no step uses."""
    return {"instr": 0, "loaded": [0, 0, 0], "popped": [0] * POPPED,
            **{name: [0] * (3 * depth + LEAF) for name in ACCESSES}}


def covered(ex: Executor, ctx: Context, depth: int = DEPTH) -> bool:
    """Whether ``Segment`` proves the step after ``ctx`` (see the module docstring)."""
    return _plan(ex, ctx, depth) is not None


def slots(ex: Executor, ctx: Context, depth: int = DEPTH) -> int:
    """How many of a segment's ``k`` slots the step after ``ctx`` takes: 2 for value sent to the
    bridge (its withdrawal record is written in a slot of its own), else 1; 0 if not covered."""
    plan = _plan(ex, ctx, depth)
    return 0 if plan is None else 1 + ("then" in plan)


def fits(ex: Executor, contexts: Sequence[Context], k: int, depth: int = DEPTH) -> bool:
    """Whether ``Segment(k, depth)`` proves the steps after ``contexts``: each covered, in at most ``k`` slots."""
    taken = [slots(ex, ctx, depth) for ctx in contexts]
    return all(taken) and sum(taken) <= k


def segment_inputs(ex: Executor, ctx: Context, k: int, depth: int = DEPTH, steps: Optional[int] = None) -> dict:
    """The inputs of ``Segment(k, depth)`` for the ``steps`` (by default ``k``) steps after ``ctx``
    on a Poseidon executor; ValueError if one of them is not covered."""
    if ex.scheme is not POSEIDON:
        raise ValueError(f"the circuit proves the Poseidon commitment, not {ex.scheme}")
    words = context_words(ctx)
    inputs = {"pre_root": int.from_bytes(state_root(ctx, POSEIDON), "big"),
              "ctx": [limbs_of(words[name]) for name in ("world",) + ITEMS],
              "steps": k if steps is None else steps, "instr": [], "loaded": [], "popped": [],
              **{name: [] for name in ACCESSES}}
    if not 0 <= inputs["steps"] <= k:
        raise ValueError(f"a segment of {k} steps cannot prove {steps}")
    plans = []
    for i in range(inputs["steps"]):
        plan = _plan(ex, ctx, depth)
        if plan is None:
            raise ValueError(f"step {i} of the segment is not covered by the circuit")
        plans += [plan] + ([plan["then"]] if "then" in plan else [])
        ctx = ex.next(ctx)
    if len(plans) > k:
        raise ValueError(f"the {inputs['steps']} steps take {len(plans)} slots, more than the segment's {k}")
    for plan in plans + [_blank(depth)] * (k - len(plans)):
        inputs["instr"].append(limbs_of(plan["instr"]))
        inputs["loaded"].append([limb for w in plan["loaded"] for limb in limbs_of(w)])
        inputs["popped"].append([limb for w in plan["popped"] for limb in limbs_of(w)])
        for name in ACCESSES:
            inputs[name].append(plan[name])
    inputs["post_root"] = int.from_bytes(state_root(ctx, POSEIDON), "big")
    return inputs


# -- the start of a transaction -------------------------------------------------------------
TX_WORDS = ("chain_id", "nonce", "to", "value") + tuple(f"a{i}" for i in range(MAX_ARGS)) + ("gas_limit", "gas_price")
"""A transaction's fields as :class:`TxStart` takes them, each a public word (two 128-bit halves)."""
TX_ACCESSES = ("nonce", "balance", "credit", "size")


def tx_fields(tx: Optional[L2Tx]) -> list[int]:
    """The words of :data:`TX_WORDS` of a transaction, all 0 for an item that is none (it does not
    decode or its signature recovers nobody).

    >>> tx_fields(L2Tx(nonce=3, to="0x" + "22" * 20, value=5, args=(9,)))[:5]
    [4242, 3, 194866884977453722427157977695504402620791005730, 5, 9]
    """
    if tx is None:
        return [0] * len(TX_WORDS)
    return [tx.chain_id, tx.nonce, int(tx.to, 16), tx.value] + list(tx.args) + [0] * (MAX_ARGS - len(tx.args)) \
        + [tx.gas_limit, tx.gas_price]


def txstart_public(pre_root: int, post_root: int, valid: int, sender: int, index: int, n_txs: int, txs_root: int,
                   fields: Sequence[int]) -> list[int]:
    """The public inputs of :class:`TxStart` in the order its verifier takes them: what the L1
    computes from the agreed and claimed roots, the raw item (``valid``, ``sender``, ``fields``,
    see :func:`tx_fields`) and its place in the batch's inbox."""
    return [pre_root, post_root, valid, sender, index, n_txs, txs_root >> 128, txs_root % 2**128] \
        + [half for f in fields for half in (f >> 128, f % 2**128)]


class _Start(Circuit):
    """A circuit proving the start of an inbox item: its public inputs are ``pre_root``,
    ``post_root`` and :attr:`PUBLIC` (name, shape), in that order."""

    PUBLIC: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def __init__(self, depth: int = DEPTH) -> None:
        self.depth = depth

    def publics(self) -> dict:
        return {name: self.public_input(name, shape) for name, shape in (("pre_root", ()), ("post_root", ())) + self.PUBLIC}


class TxStart(_Start):
    """The step that begins a transaction (see ``machine._begin``), from the public ``pre_root``
    to the public ``post_root``, the signature and the RLP left to L1.

    Checking a secp256k1 signature in a BN254 circuit costs some 1.5M constraints (circom-ecdsa)
    and hashing the raw transaction and its inbox path with keccak about 150k a permutation; the L1
    verifier does both for a few thousand gas (``ecrecover``, 3,000; keccak, 36 a node). So the
    public inputs carry what L1 derives from the raw item and its inbox proof: ``valid`` (it
    decodes and its signature recovers), ``sender`` (recovered), ``index``, ``n_txs`` and
    ``txs_root`` (its place in the batch's inbox, opened by L1) and ``tx``, the decoded fields of
    :data:`TX_WORDS` as halves. The circuit checks the rest as ``_begin`` does: the inbox position
    against the context, the chain id, the gas limit's bounds, the nonce, the balance against the
    upfront fee and the value, and it writes the nonce, the fee, the value's move and the new
    frame. A transaction to the messenger without value (maybe an L1 message's retry, a keccak
    record) and value sent to the bridge (a withdrawal record) are not covered.

    Private inputs: ``ctx`` as for :class:`Segment`, ``tx_limbs`` (the fields' limbs), ``loaded``
    (the nonce, the sender's balance, the recipient's balance and code size) and the openings of
    :data:`TX_ACCESSES`; :func:`txstart_inputs` makes them.
    """

    PUBLIC = (("valid", ()), ("sender", ()), ("index", ()), ("n_txs", ()), ("txs_root", (2,)))

    def define(self) -> None:
        pre_root, post_root, valid, sender, index, n_txs, txs_root = self.publics().values()
        tx = dict(zip(TX_WORDS, _public_words(self, "tx", len(TX_WORDS))))
        ctx, loaded, openings = _start_witness(self, pre_root, TX_ACCESSES, ("n_dep", "n_txs", "next_item", "gas_limit"))

        _next_item(ctx, lift(ctx["next_item"][0]) - ctx["n_dep"][0], index, "txs", n_txs, txs_root)
        assert_bool(valid)
        origin = _address_word(sender)
        to = tx["to"]
        assert_equal(to[3], 0)  # L1 hands over the 20-byte recipient
        to_bits(to[2], 32)

        # the checks of ``_begin``: a failed one skips the item
        gas, price, value = tx["gas_limit"], tx["gas_price"], tx["value"]
        chain = tx["chain_id"]
        chain_ok = is_zero(linear_sum(chain[1:])) * is_equal(chain[0], L2_CHAIN_ID)
        gas_ok = is_zero(linear_sum(gas[1:])) * (1 - less_than(gas[0], INTRINSIC_GAS, LIMB_BITS))
        gas_ok = gas_ok * less_than(gas[0], MAX_TX_GAS + 1, LIMB_BITS)
        checks = valid * chain_ok * gas_ok
        assert_mul(checks, price[3], 0)  # covered: prices below 2^192, so that the upfront fee does not wrap
        nonce_ok = is_zero_word(sub(loaded[0], tx["nonce"])[0])
        upfront = mul_lo(_small(gas[0]), price)
        need, wraps = add(upfront, value)
        _, short = sub(loaded[1], need)
        funds_read = checks * nonce_ok
        starts = funds_read * (1 - short) * (1 - wraps)
        has_value = 1 - is_zero_word(value)
        to_field = _field(to)
        assert_mul(starts * is_equal(to_field, BRIDGE), has_value, 0)
        assert_mul(starts * is_equal(to_field, MESSENGER), 1 - has_value, 0)

        world = _root(ctx["world"])
        sender_key = _halves(origin)
        nonced = _checked_access(world, _key("nonce", sender_key), checks, starts, add(loaded[0], _small(1))[0],
                                 openings["nonce"], self.depth, loaded[0])
        # the balance is read before the nonce is written (at the same value: another key)
        world1 = select(starts, nonced, world)
        paid, _ = sub(loaded[1], upfront)
        left, _ = sub(loaded[1], need)
        balance_key_ = _key("balance", sender_key)
        snapshot = _checked_access(world1, balance_key_, funds_read, starts, paid, openings["balance"], self.depth,
                                   loaded[1])
        _, debited = tree_access(world1, balance_key_, funds_read, starts, left, openings["balance"], self.depth)
        world3 = _credit(debited, to, value, starts * has_value, openings["credit"], self.depth, loaded[2])
        runs = _has_code(world3, to, starts, openings["size"], self.depth, loaded[3])
        started, frame = _call_opened(ctx, runs, origin, origin, to, value, [tx[f"a{i}"] for i in range(MAX_ARGS)],
                                      gas, price, _small(gas[0] - INTRINSIC_GAS), snapshot, loaded[3])
        post = _merge(_skipped(ctx), [(starts, dict(started, world=world3)), (runs, frame)])
        assert_equal(context_root(post), post_root)


# -- what the starts of inbox items share ------------------------------------------------------
def _public_words(circuit: Circuit, name: str, count: int) -> list[Word]:
    """``count`` words passed publicly as 128-bit halves (``name``) and privately as limbs
    (``name_limbs``), the two tied together."""
    halves = circuit.public_input(name, (count, 2))
    words = [word_input(w) for w in circuit.private_input(f"{name}_limbs", (count, LIMBS))]
    for pair, w in zip(halves, words):
        for mine, theirs in zip(_halves(w), pair):
            assert_equal(mine, theirs)
    return words


def _start_witness(circuit: Circuit, pre_root: Var, accesses: Sequence[str], small: Sequence[str]) -> tuple:
    """The private inputs of a start: the idle pre-state context (``ctx``, hashed to ``pre_root``,
    its ``small`` items below 2^64), the words its tree ``accesses`` read (``loaded``) and their
    openings."""
    names = ("world",) + ITEMS
    ctx = {name: word_input(w) for name, w in zip(names, circuit.private_input("ctx", (len(names), LIMBS)))}
    loaded = [word_input(w) for w in circuit.private_input("loaded", (len(accesses), LIMBS))]
    width = 3 * circuit.depth + LEAF
    openings = {name: _opening(circuit.private_input(name, width), circuit.depth) for name in accesses}
    assert_equal(context_root(ctx), pre_root)
    assert_equal(_field(ctx["phase"]), IDLE)
    for name in small:
        for limb in ctx[name][1:]:
            assert_equal(limb, 0)
    return ctx, loaded, openings


def _next_item(ctx: dict, position: Value, index: Value, inbox: str, count: Value, root: Sequence[Value]) -> None:
    """The item L1 opened, ``index`` of the ``count`` under ``root`` (``inbox``: ``txs`` or
    ``dep``), is the context's next (at ``position`` in that list)."""
    assert_equal(position, index)
    to_bits(index, 32)
    assert_equal(less_than(index, ctx[f"n_{inbox}"][0], LIMB_BITS), 1)
    assert_equal(ctx[f"n_{inbox}"][0], count)
    for mine, theirs in zip(_halves(ctx[f"{inbox}_root"]), root):
        assert_equal(mine, theirs)


def _address_word(address: Value) -> Word:
    """An address (a public field element) as a word, checked below 2^160."""
    return pack_word(to_bits(address, 160) + [0] * 96)


def _checked_access(root: Value, key: Value, active: Value, write: Value, new_value: Sequence[Value], opening: dict,
                    depth: int, loaded: Sequence[Value], writable: bool = True) -> Var:
    """:func:`tree_access` whose value read is ``loaded`` when ``active``; the root after the write."""
    found, after = tree_access(root, key, active, write, new_value, opening, depth, writable)
    for got, want in zip(found, loaded):
        assert_mul(active, lift(got) - want, 0)
    return after


def _credit(root: Value, to: Word, amount: Word, active: Value, opening: dict, depth: int, balance: Word) -> Var:
    """The root after crediting ``amount`` to ``to``'s ``balance`` when ``active`` (a credit that
    overflows is not covered)."""
    credit, overflow = add(balance, amount)
    assert_mul(active, overflow, 0)
    credited = _checked_access(root, _key("balance", _halves(to)), active, active, credit, opening, depth, balance)
    return select(active, credited, root)


def _has_code(root: Value, to: Word, active: Value, opening: dict, depth: int, size: Word) -> Var:
    """Whether ``active`` and ``to`` has code (its code ``size``, read)."""
    _checked_access(root, _key("codesize", _halves(to)), active, 0, size, opening, depth, size, writable=False)
    return active * (1 - is_zero_word(size))


def _skipped(ctx: dict) -> dict:
    """The context once its inbox item is done with (skipped, or a deposit credited)."""
    return dict(ctx, next_item=_small(lift(ctx["next_item"][0]) + 1))


def _call_opened(ctx: dict, runs: Value, origin: Word, caller: Word, to: Word, value: Word, args: Sequence[Word],
                 gas_limit: Word, gas_price: Word, gas_left: Word, snapshot: Value, code_size: Word) -> tuple[dict, dict]:
    """The items ``machine._start_call`` sets: the transaction's (or L1 message's) context but
    its world, and the callee's frame (taken when ``runs``: it has code)."""
    started = dict(phase=_small(END + lift(runs) * (RUN - END)), next_item=ctx["next_item"], origin=origin,
                   gas_limit=gas_limit, gas_price=gas_price, gas_left=gas_left, snapshot=snapshot,
                   logs_snapshot=ctx["logs"])
    regs = list(args) + [_small(0)] * (isa.REGISTERS - len(args))
    frame = dict(caller=caller, address=to, value=value, code_size=code_size,
                 **{f"r{i}": r for i, r in enumerate(regs)})
    return started, frame


def txstart_inputs(ex: Executor, ctx: Context, depth: int = DEPTH) -> dict:
    """The inputs of ``TxStart(depth)`` for the step after ``ctx`` (the next inbox item a
    transaction), the public ones as L1 derives them from the raw item; ValueError if the step is
    not covered."""
    if ex.scheme is not POSEIDON or ctx.phase != 0 or not ctx.n_dep <= ctx.next_item < ctx.n_dep + ctx.n_txs:
        raise ValueError("not the start of a transaction on a Poseidon executor")
    index = ctx.next_item - ctx.n_dep
    raw = ex.inboxes[ctx.txs_root][index]
    try:
        tx = L2Tx.decode(raw)
        sender = int(tx.sender, 16)
    except (DecodeError, InvalidTransaction):
        tx, sender = None, 0
    inputs, loaded, open_at = _start_base(ex, ctx, TX_ACCESSES, depth)
    inputs.update(valid=int(tx is not None), sender=sender, index=index, n_txs=ctx.n_txs,
                  txs_root=_split(int.from_bytes(ctx.txs_root, "big")), **_words_inputs("tx", tx_fields(tx)))
    db = ex.db

    if tx is not None and tx.chain_id == L2_CHAIN_ID and INTRINSIC_GAS <= tx.gas_limit <= MAX_TX_GAS:
        if tx.gas_price >= 2**192:
            raise ValueError("a gas price of 2^192 or more is not covered")
        world = ctx.world
        nonce = db.get(world, nonce_key(sender, POSEIDON))
        need = tx.gas_limit * tx.gas_price + tx.value
        balance = db.get(world, balance_key(sender, POSEIDON))
        begins = nonce == tx.nonce and balance >= need
        open_at("nonce", world, nonce_key(sender, POSEIDON), begins)
        if nonce == tx.nonce:
            if begins:
                world = db.write(world, nonce_key(sender, POSEIDON), tx.nonce + 1)
            open_at("balance", world, balance_key(sender, POSEIDON), begins)
        if begins:
            to = int(tx.to, 16)
            if (to == BRIDGE and tx.value) or (to == MESSENGER and not tx.value):
                raise ValueError("a withdrawal or a message retry is not covered")
            world = db.write(world, balance_key(sender, POSEIDON), balance - need)
            if tx.value:
                open_at("credit", world, balance_key(to, POSEIDON), True)
                world = db.write(world, balance_key(to, POSEIDON), loaded[2] + tx.value)
            open_at("size", world, code_size_key(to, POSEIDON), False)
    return _start_done(ex, ctx, inputs, loaded)


def _split(value: int) -> list[int]:
    return [value >> 128, value % 2**128]


def _words_inputs(name: str, values: Sequence[int]) -> dict:
    """The inputs of :func:`_public_words`."""
    return {name: [_split(v) for v in values], f"{name}_limbs": [limbs_of(v) for v in values]}


def _start_base(ex: Executor, ctx: Context, accesses: Sequence[str], depth: int) -> tuple:
    """A start's inputs of :func:`_start_witness` (the openings blank), its ``loaded`` words, and
    ``open_at(access, root, key, written)``, which fills an access's opening and word."""
    words = context_words(ctx)
    blank = [0] * (3 * depth + LEAF)
    inputs = {"pre_root": int.from_bytes(state_root(ctx, POSEIDON), "big"),
              "ctx": [limbs_of(words[name]) for name in ("world",) + ITEMS], **{name: blank for name in accesses}}
    loaded = [0] * len(accesses)

    def open_at(access: str, root: bytes, key: bytes, written: bool) -> None:
        inputs[access] = opening_of(ex.db.prove(root, key), key, depth, written)
        if inputs[access] is None:
            raise ValueError(f"the {access} path is deeper than {depth}")
        loaded[accesses.index(access)] = ex.db.get(root, key)
    return inputs, loaded, open_at


def _start_done(ex: Executor, ctx: Context, inputs: dict, loaded: list) -> dict:
    inputs["loaded"] = [limbs_of(v) for v in loaded]
    inputs["post_root"] = int.from_bytes(state_root(ex.next(ctx), POSEIDON), "big")
    return inputs


# -- the start of a deposit or L1 message ------------------------------------------------------
DEPOSIT_ACCESSES = ("credit", "size", "retry")


def deposit_fields(deposit: Optional[Deposit]) -> dict:
    """What L1 passes :class:`DepositStart` of an inbox deposit (None: it does not decode):
    ``valid``, ``message`` (it calls: a sender, gas in ``(0, MAX_TX_GAS]``, at most
    :data:`~prozchain.rollup.vm.state.RETRY_ARGS` arguments), ``recipient``, ``caller`` (the
    sender's L2 alias), ``gas``, ``n_args`` and ``words``, the amount then the arguments padded
    (what is not a message's is 0).

    >>> f = deposit_fields(Deposit(0, "0x" + "22" * 20, 5, sender="0x" + "33" * 20, args=(7,), gas=1))
    >>> f["message"], f["n_args"], f["words"][:3]
    (1, 1, [5, 7, 0])
    """
    message = deposit is not None and deposit.sender is not None and 0 < deposit.gas <= MAX_TX_GAS \
        and len(deposit.args) <= RETRY_ARGS
    args = list(deposit.args) if message else []
    return {"valid": int(deposit is not None), "message": int(message),
            "recipient": 0 if deposit is None else int(deposit.recipient, 16),
            "caller": alias(deposit.sender) if message else 0, "gas": deposit.gas if message else 0,
            "n_args": len(args), "words": [0 if deposit is None else deposit.amount] + args + [0] * (RETRY_ARGS - len(args))}


def deposit_public(pre_root: int, post_root: int, index: int, n_dep: int, dep_root: int, fields: dict) -> list[int]:
    """The public inputs of :class:`DepositStart` in its verifier's order (``fields``: :func:`deposit_fields`)."""
    return [pre_root, post_root, fields["valid"], fields["message"], index, n_dep, *_split(dep_root)] \
        + [fields[name] for name in ("recipient", "caller", "gas", "n_args")] + [h for w in fields["words"] for h in _split(w)]


class DepositStart(_Start):
    """The step that begins a deposit or L1 message (see ``machine._begin``), from the public
    ``pre_root`` to the public ``post_root``, the RLP and the keccak inbox path left to L1 as for
    :class:`TxStart` (the public inputs are :func:`deposit_public`'s). The circuit checks the item
    is the context's next deposit, credits its amount to the recipient, and for a message whose
    recipient has code writes the retry record (under this commitment a Poseidon hash,
    :func:`~prozchain.rollup.vm.state.call_commitment`) and opens the call, as
    ``machine._start_call``; an amount that would overflow the recipient's balance is not covered.

    Private inputs: ``ctx`` as for :class:`Segment`, ``words_limbs``, ``loaded`` (the recipient's
    balance and code size, the record's old value) and the openings of :data:`DEPOSIT_ACCESSES`;
    :func:`deposit_start_inputs` makes them.
    """

    PUBLIC = tuple((name, ()) for name in ("valid", "message", "index", "n_dep")) + (("dep_root", (2,)),) \
        + tuple((name, ()) for name in ("recipient", "caller", "gas", "n_args"))

    def define(self) -> None:
        pre_root, post_root, valid, message, index, n_dep, dep_root, recipient, caller, gas, n_args = \
            self.publics().values()
        amount, *args = _public_words(self, "words", 1 + RETRY_ARGS)
        ctx, loaded, openings = _start_witness(self, pre_root, DEPOSIT_ACCESSES, ("batch", "n_dep", "next_item"))

        _next_item(ctx, ctx["next_item"][0], index, "dep", n_dep, dep_root)
        assert_bool(valid)
        assert_bool(message)
        assert_mul(message, 1 - lift(valid), 0)
        to, origin = _address_word(recipient), _address_word(caller)
        to_bits(gas, LIMB_BITS)

        world = _root(ctx["world"])
        world1 = _credit(world, to, amount, valid * (1 - is_zero_word(amount)), openings["credit"], self.depth, loaded[0])
        calls = _has_code(world1, to, message, openings["size"], self.depth, loaded[1])
        digest = _sponge([h for w in [to, origin, _small(n_args)] + args for h in _halves(w)])
        record = field_to_word(digest + is_zero(digest))  # never 0: 0 is a cleared record
        retry = [0, lift(ctx["batch"][0]) * 2**32 + index]
        recorded = _checked_access(world1, _key("retry", retry), calls, calls, record, openings["retry"], self.depth,
                                   loaded[2])
        world2 = select(calls, recorded, world1)
        started, frame = _call_opened(ctx, calls, origin, origin, to, amount, args, _small(gas), _small(0), _small(gas),
                                      world2, loaded[1])
        post = _merge(_skipped(ctx), [(valid, dict(world=world2)), (calls, started), (calls, frame)])
        assert_equal(context_root(post), post_root)


def deposit_start_inputs(ex: Executor, ctx: Context, depth: int = DEPTH) -> dict:
    """The inputs of ``DepositStart(depth)`` for the step after ``ctx`` (the next inbox item a
    deposit), the public ones as L1 derives them from the raw item; ValueError if the step is not
    covered."""
    if ex.scheme is not POSEIDON or ctx.phase != IDLE or not ctx.next_item < ctx.n_dep:
        raise ValueError("not the start of a deposit on a Poseidon executor")
    index = ctx.next_item
    try:
        deposit = Deposit.decode(ex.inboxes[ctx.dep_root][index])
    except DecodeError:
        deposit = None
    fields = deposit_fields(deposit)
    inputs, loaded, open_at = _start_base(ex, ctx, DEPOSIT_ACCESSES, depth)
    inputs.update(index=index, n_dep=ctx.n_dep, dep_root=_split(int.from_bytes(ctx.dep_root, "big")),
                  **{k: v for k, v in fields.items() if k != "words"}, **_words_inputs("words", fields["words"]))
    if deposit is not None:
        to, world = fields["recipient"], ctx.world
        if deposit.amount:
            open_at("credit", world, balance_key(to, POSEIDON), True)
            if loaded[0] + deposit.amount >= isa.WORD:
                raise ValueError("a credit that overflows the balance is not covered")
            world = ex.db.write(world, balance_key(to, POSEIDON), loaded[0] + deposit.amount)
        if fields["message"]:
            open_at("size", world, code_size_key(to, POSEIDON), False)
            if loaded[1]:
                open_at("retry", world, retry_key(retry_id(ctx.batch, index), POSEIDON), True)
    return _start_done(ex, ctx, inputs, loaded)


def start_inputs(ex: Executor, ctx: Context, depth: int = DEPTH) -> tuple[str, dict]:
    """Which circuit proves the step after ``ctx``, which begins an inbox item: ``txstart``
    (:class:`TxStart`) or ``depstart`` (:class:`DepositStart`), and its inputs; ValueError if the
    step is not covered."""
    if ctx.next_item < ctx.n_dep:
        return "depstart", deposit_start_inputs(ex, ctx, depth)
    return "txstart", txstart_inputs(ex, ctx, depth)


def start_kind(ex: Executor, ctx: Context, depth: int = DEPTH) -> Optional[str]:
    """:func:`start_inputs`'s circuit, or None if the step is not a covered start."""
    try:
        return start_inputs(ex, ctx, depth)[0]
    except ValueError:
        return None
