"""One machine step, written once against an :class:`Access` to the trees.

:func:`execute` advances a :class:`~rollup.vm.state.Context` by one step: begin the next inbox
item (a deposit completes in that step; a transaction is checked, charged, and its value moved),
run one instruction, or settle a finished transaction's fees. Everything it needs from outside
the context comes through ``access``: tree reads and writes, the inbox item, the suspended
frame a ``RET`` resumes. The full executor (:mod:`prozchain.rollup.vm.executor`) answers from its
database and can record the answers as a :class:`Witness`; :func:`step` answers from a
witness alone, checking each proof, which is what L1 runs in a dispute.

>>> from prozchain.rollup.vm.executor import Executor
>>> ex = Executor()
>>> ctx = ex.start(ex.genesis({"0x" + "11" * 20: 10}), 0, [], [])
>>> step(ex.witness(ctx)) == state_root(ctx)  # a halted machine stays where it is
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol

from prozchain.rollup.l1.errors import InvalidTransaction
from prozchain.rollup.vm import isa
from prozchain.rollup.vm.codec import decode_rlp, rlp_encode, to_int
from prozchain.rollup.vm.errors import DecodeError, InvalidWitness
from prozchain.rollup.vm.merkle import KECCAK, Commitment, Proof, keccak, list_verify, read, write
from prozchain.rollup.vm.state import (BRIDGE, END, FEE_VAULT, IDLE, MESSAGE_WORDS, MESSENGER, RETRY_ARGS, RUN,
                             Context, Frame, balance_key, call_commitment, code_key,
                             code_size_key, memory_key, message_commitment, message_key,
                             message_nonce_key, nonce_key, push_frame, retry_id, retry_key, slot_key,
                             state_root, withdrawal_commitment, withdrawal_count_key, withdrawal_key)
from prozchain.rollup.vm.tx import L2_CHAIN_ID, Deposit, L2Tx, alias

INTRINSIC_GAS = 2_000
MAX_TX_GAS = 1_000_000
MAX_DEPTH = 16
WORD = isa.WORD


class Access(Protocol):
    """What a step may ask for beyond its context, and how the deployment hashes its state."""

    scheme: Commitment

    def read(self, root: bytes, key: bytes) -> int:
        """The value at ``key`` under ``root``."""

    def write(self, root: bytes, key: bytes, value: int) -> bytes:
        """The root after writing ``value`` at ``key``."""

    def item(self, root: bytes, count: int, index: int) -> bytes:
        """Item ``index`` of the list of ``count`` items under ``root``."""

    def pop(self, stack: bytes) -> tuple[Frame, bytes]:
        """The frame on top of ``stack`` and the stack below it."""

    def push(self, stack: bytes, frame: Frame) -> bytes:
        """The stack after pushing ``frame``."""


def execute(ctx: Context, access: Access) -> Context:
    """The state one step after ``ctx``; a halted machine stays where it is."""
    if ctx.phase == RUN:
        return _run(ctx, access)
    if ctx.phase == END:
        return _end(ctx, access)
    if ctx.halted:
        return ctx
    return _begin(ctx, access)


# -- world helpers ---------------------------------------------------------------------------
def _add(ctx: Context, access: Access, key: bytes, delta: int) -> Context:
    if not delta:
        return ctx
    return ctx.with_(world=access.write(ctx.world, key, access.read(ctx.world, key) + delta))


def _transfer(ctx: Context, access: Access, src: int, dst: int, value: int) -> Optional[Context]:
    """Move ``value`` from ``src`` to ``dst`` (a withdrawal when ``dst`` is the bridge);
    None if ``src`` cannot pay."""
    if not value:
        return ctx
    have = access.read(ctx.world, balance_key(src, access.scheme))
    if have < value:
        return None
    ctx = ctx.with_(world=access.write(ctx.world, balance_key(src, access.scheme), have - value))
    ctx = _add(ctx, access, balance_key(dst, access.scheme), value)
    if dst == BRIDGE:
        count_key = withdrawal_count_key(access.scheme)
        count = access.read(ctx.world, count_key)
        record = withdrawal_commitment(src, value, access.scheme)
        world = access.write(ctx.world, withdrawal_key(count, access.scheme), record)
        ctx = ctx.with_(world=access.write(world, count_key, count + 1))
    return ctx


# -- begin an inbox item ---------------------------------------------------------------------
def _begin(ctx: Context, access: Access) -> Context:
    index = ctx.next_item
    skipped = ctx.with_(next_item=index + 1)
    if index < ctx.n_dep:
        try:
            deposit = Deposit.decode(access.item(ctx.dep_root, ctx.n_dep, index))
        except DecodeError:
            return skipped
        to = int(deposit.recipient, 16)
        credited = _add(skipped, access, balance_key(to, access.scheme), deposit.amount)
        if deposit.sender is None or not 0 < deposit.gas <= MAX_TX_GAS or len(deposit.args) > RETRY_ARGS \
                or not access.read(credited.world, code_size_key(to, access.scheme)):
            return credited
        # Kept as pending until its call returns: a revert leaves it for anyone to retry.
        caller = alias(deposit.sender)
        world = access.write(credited.world, retry_key(retry_id(ctx.batch, index), access.scheme),
                             call_commitment(to, caller, deposit.args, access.scheme))
        return _start_call(credited.with_(world=world, next_item=index), access, world, caller, caller, to,
                           deposit.amount, deposit.args, deposit.gas, gas_price=0)
    raw = access.item(ctx.txs_root, ctx.n_txs, index - ctx.n_dep)
    try:
        tx = L2Tx.decode(raw)
        sender = int(tx.sender, 16)
    except (DecodeError, InvalidTransaction):
        return skipped
    if tx.chain_id != L2_CHAIN_ID or not INTRINSIC_GAS <= tx.gas_limit <= MAX_TX_GAS:
        return skipped
    if access.read(ctx.world, nonce_key(sender, access.scheme)) != tx.nonce:
        return skipped
    upfront = tx.gas_limit * tx.gas_price
    balance = access.read(ctx.world, balance_key(sender, access.scheme))
    if balance < upfront + tx.value:
        return skipped
    world = access.write(ctx.world, nonce_key(sender, access.scheme), tx.nonce + 1)
    world = access.write(world, balance_key(sender, access.scheme), balance - upfront)
    to = int(tx.to, 16)
    moved = _transfer(ctx.with_(world=world), access, sender, to, tx.value)  # the balance was checked
    caller, args = sender, tx.args
    if to == MESSENGER and not tx.value and 3 <= len(args) <= 3 + RETRY_ARGS:
        key = retry_key(args[0], access.scheme)
        if access.read(moved.world, key) == call_commitment(args[1] % 2**160, args[2] % 2**160, args[3:], access.scheme):
            moved = moved.with_(world=access.write(moved.world, key, 0))
            to, caller, args = args[1] % 2**160, args[2] % 2**160, args[3:]
    return _start_call(moved, access, world, sender, caller, to, tx.value, args,
                       tx.gas_limit - INTRINSIC_GAS, tx.gas_price, gas_limit=tx.gas_limit)


def _start_call(ctx: Context, access: Access, snapshot: bytes, origin: int, caller: int, to: int, value: int,
                args: tuple[int, ...], gas: int, gas_price: int, gas_limit: Optional[int] = None) -> Context:
    """Open the transaction (or L1 message, or its retry) calling ``to``; its value has already
    moved. A revert goes back to ``snapshot`` (before the value moved for a transaction, and
    before a retry consumed its message; after, for a message, whose value is credited for good,
    as Optimism's deposits are, and which stays pending)."""
    ctx = ctx.with_(phase=END, origin=origin, gas_limit=gas if gas_limit is None else gas_limit,
                    gas_price=gas_price, gas_left=gas, snapshot=snapshot, logs_snapshot=ctx.logs)
    size = access.read(ctx.world, code_size_key(to, access.scheme))
    if not size:
        return ctx
    regs = tuple(args) + (0,) * (isa.REGISTERS - len(args))
    return ctx.with_(phase=RUN, frame=Frame(caller, to, value, 0, size, regs=regs))


# -- settle a finished transaction ---------------------------------------------------------
def _end(ctx: Context, access: Access) -> Context:
    ctx = _add(ctx, access, balance_key(ctx.origin, access.scheme), ctx.gas_left * ctx.gas_price)
    ctx = _add(ctx, access, balance_key(FEE_VAULT, access.scheme), (ctx.gas_limit - ctx.gas_left) * ctx.gas_price)
    return ctx.with_(phase=IDLE, next_item=ctx.next_item + 1, origin=0, gas_limit=0, gas_price=0,
                     gas_left=0, snapshot=bytes(32), logs_snapshot=bytes(32), frame=Frame())


def _revert(ctx: Context, burn_gas: bool) -> Context:
    """Undo the whole transaction (not its fee): back to the snapshot world and logs."""
    return ctx.with_(world=ctx.snapshot, logs=ctx.logs_snapshot, phase=END, depth=0,
                     stack=bytes(32), frame=Frame(), gas_left=0 if burn_gas else ctx.gas_left)


# -- run one instruction ---------------------------------------------------------------------
_BINARY = {
    "ADD": lambda x, y: (x + y) % WORD, "SUB": lambda x, y: (x - y) % WORD,
    "MUL": lambda x, y: (x * y) % WORD, "DIV": lambda x, y: x // y if y else 0,
    "MOD": lambda x, y: x % y if y else 0, "AND": lambda x, y: x & y, "OR": lambda x, y: x | y,
    "XOR": lambda x, y: x ^ y, "SHL": lambda x, y: (x << y) % WORD if y < 256 else 0,
    "SHR": lambda x, y: x >> y if y < 256 else 0, "LT": lambda x, y: int(x < y),
    "GT": lambda x, y: int(x > y), "EQ": lambda x, y: int(x == y),
}


def _run(ctx: Context, access: Access) -> Context:
    f = ctx.frame
    if f.pc >= f.code_size:
        return _revert(ctx, burn_gas=True)
    ins = isa.decode(access.read(ctx.world, code_key(f.address, f.pc, access.scheme)))
    if ins.op == "INVALID" or max(ins.a, ins.b, ins.c) >= isa.REGISTERS:
        return _revert(ctx, burn_gas=True)
    cost = isa.OPS[ins.op][2]
    if ctx.gas_left < cost:
        return _revert(ctx, burn_gas=True)
    ctx = ctx.with_(gas_left=ctx.gas_left - cost)
    r = list(f.regs)
    a, b, c, op = ins.a, ins.b, ins.c, ins.op
    pc, world, mem = f.pc + 1, ctx.world, f.mem
    if op in _BINARY:
        r[a] = _BINARY[op](r[b], r[c])
    elif op == "HASH":
        r[a] = int.from_bytes(access.scheme.words(r[b], r[c]), "big")
    elif op == "SET":
        r[a] = ins.imm
    elif op == "MOV":
        r[a] = r[b]
    elif op == "ISZERO":
        r[a] = int(r[b] == 0)
    elif op == "NOT":
        r[a] = WORD - 1 - r[b]
    elif op == "JUMP":
        pc = ins.imm
    elif op == "JUMPI":
        pc = ins.imm if r[a] else pc
    elif op == "SLOAD":
        r[a] = access.read(world, slot_key(f.address, r[b], access.scheme))
    elif op == "SSTORE":
        world = access.write(world, slot_key(f.address, r[a], access.scheme), r[b])
    elif op == "MLOAD":
        r[a] = access.read(mem, memory_key(r[b], access.scheme))
    elif op == "MSTORE":
        mem = access.write(mem, memory_key(r[a], access.scheme), r[b])
    elif op == "ENV":
        fields = (f.caller, f.value, f.address, ctx.origin, ctx.batch, ctx.gas_left)
        r[a] = fields[ins.imm] if ins.imm < len(fields) else 0
    elif op == "BALANCE":
        r[a] = access.read(world, balance_key(r[b] % 2**160, access.scheme))
    elif op == "LOG":
        ctx = ctx.with_(logs=access.scheme.words(int.from_bytes(ctx.logs, "big"), f.address, r[a], r[b]))
    elif op == "REVERT":
        return _revert(ctx, burn_gas=False)
    elif op == "RET":
        return _return(ctx, access, r[a])
    elif op == "CALL":
        return _call(ctx, access, f, r, a, b, c)
    return ctx.with_(world=world, frame=Frame(f.caller, f.address, f.value, pc, f.code_size, mem,
                                              tuple(r), f.ret))


def _call(ctx: Context, access: Access, f: Frame, r: list[int], a: int, b: int, c: int) -> Context:
    target, value = r[a] % 2**160, r[b]
    if target == MESSENGER:
        return _revert(ctx, burn_gas=False) if value else _send_message(ctx, access, f, r, c)
    if ctx.depth + 1 >= MAX_DEPTH:
        return _revert(ctx, burn_gas=False)
    moved = _transfer(ctx, access, f.address, target, value)
    if moved is None:
        return _revert(ctx, burn_gas=False)
    size = access.read(moved.world, code_size_key(target, access.scheme))
    if not size:
        r[c] = 0
        return moved.with_(frame=Frame(f.caller, f.address, f.value, f.pc + 1, f.code_size, f.mem,
                                       tuple(r), f.ret))
    suspended = Frame(f.caller, f.address, f.value, f.pc, f.code_size, f.mem, tuple(r), c)
    return moved.with_(stack=access.push(ctx.stack, suspended), depth=ctx.depth + 1,
                       frame=Frame(f.address, target, value, 0, size, regs=tuple(r)))


def _send_message(ctx: Context, access: Access, f: Frame, r: list[int], c: int) -> Context:
    """Record message ``nonce`` of the calling contract in the world (carrying no value: ether
    leaves L2 through :data:`BRIDGE`); its nonce goes to ``r[c]``."""
    nonce = access.read(ctx.world, message_nonce_key(f.address, access.scheme))
    commitment = message_commitment(r[1], tuple(r[2:2 + MESSAGE_WORDS]), r[2 + MESSAGE_WORDS], access.scheme)
    world = access.write(ctx.world, message_key(f.address, nonce, access.scheme), commitment)
    world = access.write(world, message_nonce_key(f.address, access.scheme), nonce + 1)
    r[c] = nonce
    return ctx.with_(world=world, frame=Frame(f.caller, f.address, f.value, f.pc + 1, f.code_size, f.mem,
                                              tuple(r), f.ret))


def _return(ctx: Context, access: Access, value: int) -> Context:
    if ctx.depth == 0:
        if ctx.next_item < ctx.n_dep:  # an L1 message's call succeeded: nothing left to retry
            ctx = ctx.with_(world=access.write(ctx.world, retry_key(retry_id(ctx.batch, ctx.next_item), access.scheme), 0))
        return ctx.with_(phase=END, frame=Frame())
    caller, below = access.pop(ctx.stack)
    regs = list(caller.regs)
    regs[caller.ret] = value
    resumed = Frame(caller.caller, caller.address, caller.value, caller.pc + 1, caller.code_size,
                    caller.mem, tuple(regs), 0)
    return ctx.with_(frame=resumed, stack=below, depth=ctx.depth - 1)


# -- witnesses -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Witness:
    """Everything one step reads: the pre-state context (in the clear), the tree proofs in
    the order the step uses them, the inbox item with its list proof, the resumed frame."""

    ctx: Context
    proofs: tuple[Proof, ...] = ()
    item: Optional[tuple[bytes, tuple[bytes, ...]]] = None
    popped: Optional[tuple[Frame, bytes]] = None

    def encode(self) -> bytes:
        proofs = [[list(p.siblings), [] if p.leaf is None else [p.leaf[0], p.leaf[1]]]
                  for p in self.proofs]
        item = [] if self.item is None else [self.item[0], list(self.item[1])]
        popped = [] if self.popped is None else [self.popped[0].words(), self.popped[1]]
        return rlp_encode([self.ctx.encode(), proofs, item, popped])

    @classmethod
    def decode(cls, data: bytes) -> "Witness":
        """The witness in ``data``; :class:`DecodeError` if malformed."""
        try:
            ctx, proofs, item, popped = decode_rlp(data)
            parsed = tuple(Proof(tuple(sib), (leaf[0], to_int(leaf[1])) if leaf else None)
                           for sib, leaf in proofs)
            return cls(Context.decode(ctx), parsed,
                       (item[0], tuple(item[1])) if item else None,
                       (Frame.from_items(popped[0]), popped[1]) if popped else None)
        except (ValueError, TypeError) as exc:
            raise DecodeError(f"not a step witness: {exc}") from exc


class ProofAccess:
    """Answers a step from a witness, checking every answer against the roots it opens."""

    def __init__(self, witness: Witness, scheme: Commitment = KECCAK) -> None:
        self.scheme = scheme
        self._proofs = list(witness.proofs)
        self._witness = witness

    def _next(self) -> Proof:
        if not self._proofs:
            raise InvalidWitness("the step needs more tree proofs than the witness holds")
        return self._proofs.pop(0)

    def read(self, root: bytes, key: bytes) -> int:
        return read(root, key, self._next(), self.scheme)

    def write(self, root: bytes, key: bytes, value: int) -> bytes:
        return write(root, key, self._next(), value, self.scheme)

    def item(self, root: bytes, count: int, index: int) -> bytes:
        if self._witness.item is None:
            raise InvalidWitness(f"the step needs inbox item {index} of {count}")
        raw, proof = self._witness.item
        list_verify(root, count, index, keccak(raw), proof)
        return raw

    def pop(self, stack: bytes) -> tuple[Frame, bytes]:
        if self._witness.popped is None:
            raise InvalidWitness("the step returns to a caller the witness does not hold")
        frame, below = self._witness.popped
        if push_frame(below, frame, self.scheme) != stack:
            raise InvalidWitness("the resumed frame does not hash to the call stack")
        return frame, below

    def push(self, stack: bytes, frame: Frame) -> bytes:
        return push_frame(stack, frame, self.scheme)

    def unused(self) -> int:
        return len(self._proofs)


def step(witness: Witness, scheme: Commitment = KECCAK) -> bytes:
    """The state root one step after ``state_root(witness.ctx, scheme)``, from the witness alone."""
    access = ProofAccess(witness, scheme)
    post = execute(witness.ctx, access)
    if access.unused():
        raise InvalidWitness(f"{access.unused()} tree proofs of the witness were not used")
    return state_root(post, scheme)
