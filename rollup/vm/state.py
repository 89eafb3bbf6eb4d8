"""The machine state: a sparse Merkle tree of the world plus a small context in the clear.

The world tree holds balances, nonces, code (one instruction word per leaf), contract storage,
withdrawal records and messages to L1 under the keys of :func:`balance_key` & co. The :class:`Context`
holds everything else (the batch's inbox, the running transaction, the current call frame,
a hash chain of suspended frames and of logs), about forty words. The state root is
``keccak(world || keccak(context words))`` (with the :data:`~prozchain.rollup.vm.merkle.KECCAK`
commitment; every key and root here takes the deployment's commitment, keccak by default), so a withdrawal is proven against an output
root from the world root, the context hash and one tree proof.

>>> ctx = Context()
>>> state_root(ctx) == keccak(EMPTY + ctx.rest_hash())
True
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from prozchain.rollup.l1.crypto import to_address
from prozchain.rollup.vm.codec import decode_rlp, rlp_encode, to_int
from prozchain.rollup.vm.errors import DecodeError
from prozchain.rollup.vm.isa import REGISTERS
from prozchain.rollup.vm.merkle import EMPTY, KECCAK, Commitment, keccak

IDLE, RUN, END = 0, 1, 2
BRIDGE = 0x4200000000000000000000000000000000000016
"""Value sent here (by a transaction or a CALL) leaves L2: it becomes a withdrawal record."""
FEE_VAULT = 0x4200000000000000000000000000000000000011
"""Where transaction fees go."""
MESSENGER = 0x4200000000000000000000000000000000000007
"""A CALL here sends a message to L1 (see :func:`message_commitment`): registers ``r1`` name
the L1 target, ``r2..r5`` the data words, ``r6`` the gas the L1 call needs; the callee gets the
sender's next message nonce back. A transaction here (no value) with arguments ``(id, target,
caller, args...)`` retries the L1 message ``id`` whose call failed (:func:`retry_key`), with the
transaction's gas, whoever sends it."""
RETRY_ARGS = 5
"""At most this many argument words in an L1 message, so that a retry can name it in one transaction."""
MESSAGE_WORDS = 4


def a20(address: int) -> bytes:
    return (address % 2**160).to_bytes(20, "big")


def w32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def addr_int(address: str) -> int:
    return int(to_address(address), 16)


def balance_key(address: int, scheme: Commitment = KECCAK) -> bytes:
    return scheme.key_of(b"balance", a20(address))


def nonce_key(address: int, scheme: Commitment = KECCAK) -> bytes:
    return scheme.key_of(b"nonce", a20(address))


def code_size_key(address: int, scheme: Commitment = KECCAK) -> bytes:
    return scheme.key_of(b"codesize", a20(address))


def code_key(address: int, pc: int, scheme: Commitment = KECCAK) -> bytes:
    return scheme.key_of(b"code", a20(address), w32(pc))


def slot_key(address: int, slot: int, scheme: Commitment = KECCAK) -> bytes:
    return scheme.key_of(b"storage", a20(address), w32(slot))


def memory_key(index: int, scheme: Commitment = KECCAK) -> bytes:
    return scheme.key_of(b"memory", w32(index))


def withdrawal_key(index: int, scheme: Commitment = KECCAK) -> bytes:
    return scheme.key_of(b"withdrawal", w32(index))


def withdrawal_count_key(scheme: Commitment = KECCAK) -> bytes:
    """Where the number of withdrawals is kept."""
    return scheme.key_of(b"withdrawals")


WITHDRAWAL_COUNT_KEY = withdrawal_count_key()


def message_key(sender: int, nonce: int, scheme: Commitment = KECCAK) -> bytes:
    """Where message ``nonce`` of L2 address ``sender`` is recorded (its commitment)."""
    return scheme.key_of(b"message", a20(sender), w32(nonce))


def message_nonce_key(sender: int, scheme: Commitment = KECCAK) -> bytes:
    """How many messages ``sender`` has sent."""
    return scheme.key_of(b"messages", a20(sender))


def retry_id(batch: int, item: int) -> int:
    """The id of the L1 message that is inbox item ``item`` of batch ``batch``."""
    return batch << 32 | item


def retry_key(message_id: int, scheme: Commitment = KECCAK) -> bytes:
    """Where an L1 message whose call has not succeeded yet is kept (see :func:`call_commitment`)."""
    return scheme.key_of(b"retry", w32(message_id))


def call_commitment(target: int, caller: int, args: tuple[int, ...], scheme: Commitment = KECCAK) -> int:
    """What a pending L1 message's record holds, never 0: ``keccak(target || caller || args)``, or
    under another commitment its hash of the words ``target, caller, len(args)`` and the
    arguments padded to :data:`RETRY_ARGS` (a fixed layout, which a circuit can hash)."""
    if scheme is KECCAK:
        return int.from_bytes(keccak(a20(target) + a20(caller) + b"".join(w32(a) for a in args)), "big") or 1
    return int.from_bytes(scheme.words(target, caller, len(args), *args, *(0,) * (RETRY_ARGS - len(args))), "big") or 1


def message_commitment(target: int, data: tuple[int, ...], gas: int, scheme: Commitment = KECCAK) -> int:
    """The value a message record holds: the hash of ``target || data words || gas`` as a word,
    hashed as the deployment's ``scheme`` (keccak of the bytes, or a Poseidon sponge of their
    128-bit limbs, which the step circuit computes); the sender and nonce are in its key."""
    return int.from_bytes(scheme.hash([a20(target)] + [w32(d) for d in data] + [w32(gas)]), "big")


def withdrawal_commitment(recipient: int, amount: int, scheme: Commitment = KECCAK) -> int:
    """The value a withdrawal record holds: the hash of ``recipient || amount`` as a word, hashed
    as the deployment's ``scheme`` (with :data:`~prozchain.rollup.vm.merkle.POSEIDON` one
    Poseidon of four limbs)."""
    return int.from_bytes(scheme.hash([a20(recipient), w32(amount)]), "big")


def mapping_slot(key: int, mapping: int, scheme: Commitment = KECCAK) -> int:
    """The slot ``HASH`` computes for ``mapping[key]`` (what contracts use for maps)."""
    return int.from_bytes(scheme.words(key % 2**256, mapping % 2**256), "big")


@dataclass(frozen=True)
class Frame:
    """One call: who called which contract with what value, where it is, its registers and
    memory root; ``ret`` is, for a suspended frame, the register its callee's result goes to."""

    caller: int = 0
    address: int = 0
    value: int = 0
    pc: int = 0
    code_size: int = 0
    mem: bytes = EMPTY
    regs: tuple[int, ...] = (0,) * REGISTERS
    ret: int = 0

    def words(self) -> list:
        return [self.caller, self.address, self.value, self.pc, self.code_size, self.mem,
                list(self.regs), self.ret]

    def encode(self) -> bytes:
        return rlp_encode(self.words())

    @classmethod
    def from_items(cls, items: list) -> "Frame":
        caller, address, value, pc, size, mem, regs, ret = items
        if len(regs) != REGISTERS or len(mem) != 32:
            raise DecodeError("frame with a bad register file or memory root")
        return cls(to_int(caller), to_int(address), to_int(value), to_int(pc), to_int(size), mem,
                   tuple(to_int(r) for r in regs), to_int(ret))


def push_frame(stack: bytes, frame: Frame, scheme: Commitment = KECCAK) -> bytes:
    """The stack hash after suspending ``frame`` on ``stack``, hashed as the deployment's ``scheme``
    (with :data:`~prozchain.rollup.vm.merkle.POSEIDON` the step circuit can push and pop frames)."""
    if scheme is KECCAK:  # the keccak deployment's roots stay what they always were
        return keccak(stack + frame.encode())
    return scheme.items([stack] + frame.words())


@dataclass(frozen=True)
class Context:
    """Machine state beside the world tree. ``phase`` is IDLE between transactions, RUN while
    a contract executes, END when the running transaction only has its fees left to settle."""

    world: bytes = EMPTY
    batch: int = 0
    dep_root: bytes = EMPTY
    n_dep: int = 0
    txs_root: bytes = EMPTY
    n_txs: int = 0
    next_item: int = 0
    phase: int = IDLE
    origin: int = 0
    gas_limit: int = 0
    gas_price: int = 0
    gas_left: int = 0
    snapshot: bytes = EMPTY
    logs: bytes = EMPTY
    logs_snapshot: bytes = EMPTY
    depth: int = 0
    stack: bytes = EMPTY
    frame: Frame = field(default_factory=Frame)

    @property
    def halted(self) -> bool:
        return self.phase == IDLE and self.next_item >= self.n_dep + self.n_txs

    def _rest(self) -> list:
        return [self.batch, self.dep_root, self.n_dep, self.txs_root, self.n_txs, self.next_item,
                self.phase, self.origin, self.gas_limit, self.gas_price, self.gas_left,
                self.snapshot, self.logs, self.logs_snapshot, self.depth, self.stack,
                self.frame.words()]

    def rest_hash(self, scheme: Commitment = KECCAK) -> bytes:
        return scheme.items(self._rest())

    def encode(self) -> bytes:
        return rlp_encode([self.world] + self._rest())

    @classmethod
    def decode(cls, data: bytes) -> "Context":
        try:
            items = decode_rlp(data)
            (world, batch, dep_root, n_dep, txs_root, n_txs, next_item, phase, origin, gas_limit,
             gas_price, gas_left, snapshot, logs, logs_snapshot, depth, stack, frame) = items
            roots = (world, dep_root, txs_root, snapshot, logs, logs_snapshot, stack)
            if any(not isinstance(r, bytes) or len(r) != 32 for r in roots):
                raise DecodeError("a root is not 32 bytes")
            return cls(world, to_int(batch), dep_root, to_int(n_dep), txs_root, to_int(n_txs),
                       to_int(next_item), to_int(phase), to_int(origin), to_int(gas_limit),
                       to_int(gas_price), to_int(gas_left), snapshot, logs, logs_snapshot,
                       to_int(depth), stack, Frame.from_items(frame))
        except (ValueError, TypeError) as exc:
            raise DecodeError(f"not a machine context: {exc}") from exc

    def with_(self, **changes) -> "Context":
        return replace(self, **changes)


def state_root(ctx: Context, scheme: Commitment = KECCAK) -> bytes:
    """The root committing to the whole machine state, hashed as the deployment's ``scheme``."""
    return scheme.hash([ctx.world, ctx.rest_hash(scheme)])


def batch_start(world: bytes, batch: int, dep_root: bytes, n_dep: int, txs_root: bytes,
                n_txs: int) -> Context:
    """The state at step 0 of a batch: the previous world, the batch's inbox, nothing running."""
    return Context(world=world, batch=batch, dep_root=dep_root, n_dep=n_dep, txs_root=txs_root,
                   n_txs=n_txs)


def output_root(world: bytes, rest_hash: bytes, scheme: Commitment = KECCAK) -> bytes:
    """What L1 recomputes from a claimed world root and context hash (:func:`state_root`'s last hash)."""
    return scheme.hash([world, rest_hash])
