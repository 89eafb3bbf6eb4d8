"""The full executor: keeps every tree node, runs batches, and writes step witnesses.

>>> from prozchain.rollup.l1.crypto import Key
>>> alice, bob = Key.from_seed(b"alice"), Key.from_seed(b"bob")
>>> ex = Executor()
>>> world = ex.genesis({alice.address: 100})
>>> tx = L2Tx(nonce=0, to=bob.address, value=30).sign(alice)
>>> trace = ex.run(ex.start(world, 0, [], [tx.encode()]))
>>> ex.balance(trace.final.world, bob.address), len(trace)
(30, 2)
>>> step(ex.witness(trace.contexts[1])) == trace.root(2)
True
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence

from prozchain.rollup.vm.machine import Witness, execute, step
from prozchain.rollup.common.merkle import list_root
from prozchain.rollup.vm.merkle import EMPTY, KECCAK, Commitment, MerkleDB, Proof, keccak, list_proof
from prozchain.rollup.vm.state import (Context, Frame, addr_int, balance_key, batch_start, code_key,
                             code_size_key, nonce_key, push_frame, slot_key, state_root)
from prozchain.rollup.vm.tx import Deposit, L2Tx

__all__ = ["Executor", "L2Tx", "Trace", "inbox_roots", "step"]


def inbox_roots(deposits: Sequence[Deposit], txs: Sequence[bytes]) -> tuple[bytes, bytes]:
    """``(deposit root, transaction root)`` of a batch's inbox, as L1 and L2 compute them."""
    return (list_root([keccak(d.encode()) for d in deposits], keccak),
            list_root([keccak(t) for t in txs], keccak))


class _FullAccess:
    """Answers steps from the executor's database; with ``record`` set, keeps the answers."""

    def __init__(self, ex: "Executor", record: bool) -> None:
        self.ex, self.record = ex, record
        self.scheme = ex.scheme
        self.proofs: list[Proof] = []
        self.item_used: Optional[tuple[bytes, tuple[bytes, ...]]] = None
        self.popped: Optional[tuple[Frame, bytes]] = None

    def read(self, root: bytes, key: bytes) -> int:
        if self.record:
            self.proofs.append(self.ex.db.prove(root, key))
        return self.ex.db.get(root, key)

    def write(self, root: bytes, key: bytes, value: int) -> bytes:
        if self.record:
            self.proofs.append(self.ex.db.prove(root, key))
        return self.ex.db.write(root, key, value)

    def item(self, root: bytes, count: int, index: int) -> bytes:
        raws = self.ex.inboxes[root]
        if self.record:
            self.item_used = (raws[index], list_proof([keccak(r) for r in raws], index))
        return raws[index]

    def pop(self, stack: bytes) -> tuple[Frame, bytes]:
        self.popped = self.ex.stacks[stack]
        return self.popped

    def push(self, stack: bytes, frame: Frame) -> bytes:
        top = push_frame(stack, frame, self.scheme)
        self.ex.stacks[top] = (frame, stack)
        return top


class Trace:
    """The contexts after 0, 1, ... steps of a batch, up to the halted one."""

    def __init__(self, contexts: list[Context], scheme: Commitment = KECCAK) -> None:
        self.contexts = contexts
        self.scheme = scheme
        self._roots: dict[int, bytes] = {}

    def __len__(self) -> int:
        """Steps until the machine halted."""
        return len(self.contexts) - 1

    @property
    def final(self) -> Context:
        return self.contexts[-1]

    def context(self, i: int) -> Context:
        """The context after ``i`` steps (a halted machine stays halted)."""
        return self.contexts[min(i, len(self.contexts) - 1)]

    def root(self, i: int) -> bytes:
        i = min(i, len(self.contexts) - 1)
        if i not in self._roots:
            self._roots[i] = state_root(self.contexts[i], self.scheme)
        return self._roots[i]


class Executor:
    """Runs the machine with the whole state at hand, its state hashed as ``scheme``."""

    def __init__(self, scheme: Commitment = KECCAK) -> None:
        self.scheme = scheme
        self.db = MerkleDB(scheme)
        self.inboxes: dict[bytes, list[bytes]] = {EMPTY: []}
        self.stacks: dict[bytes, tuple[Frame, bytes]] = {}

    def genesis(self, balances: Mapping[str, int], code: Mapping[str, Sequence[int]] = (),
                storage: Mapping[tuple[str, int], int] = ()) -> bytes:
        """The world root holding ``balances``, contract ``code`` and initial ``storage``."""
        root = EMPTY
        for address, amount in dict(balances).items():
            root = self.db.write(root, balance_key(addr_int(address), self.scheme), amount)
        for address, words in dict(code).items():
            a = addr_int(address)
            root = self.db.write(root, code_size_key(a, self.scheme), len(words))
            for pc, word in enumerate(words):
                root = self.db.write(root, code_key(a, pc, self.scheme), word)
        for (address, slot), value in dict(storage).items():
            root = self.db.write(root, slot_key(addr_int(address), slot, self.scheme), value)
        return root

    def start(self, world: bytes, batch: int, deposits: Sequence[Deposit],
              txs: Sequence[bytes]) -> Context:
        """Step 0 of batch ``batch`` on ``world``."""
        dep_root, txs_root = inbox_roots(deposits, txs)
        self.inboxes[dep_root] = [d.encode() for d in deposits]
        self.inboxes[txs_root] = list(txs)
        return batch_start(world, batch, dep_root, len(deposits), txs_root, len(txs))

    def next(self, ctx: Context) -> Context:
        return execute(ctx, _FullAccess(self, record=False))

    def run(self, ctx: Context, max_steps: int = 10_000_000) -> Trace:
        """Every context from ``ctx`` until the machine halts."""
        contexts = [ctx]
        while not ctx.halted and len(contexts) <= max_steps:
            ctx = self.next(ctx)
            contexts.append(ctx)
        return Trace(contexts, self.scheme)

    def witness(self, ctx: Context) -> Witness:
        """What :func:`~rollup.vm.machine.step` needs to take the step after ``ctx``."""
        access = _FullAccess(self, record=True)
        execute(ctx, access)
        return Witness(ctx, tuple(access.proofs), access.item_used, access.popped)

    # -- reading the world ----------------------------------------------------------------
    def balance(self, world: bytes, address: str) -> int:
        return self.db.get(world, balance_key(addr_int(address), self.scheme))

    def nonce(self, world: bytes, address: str) -> int:
        return self.db.get(world, nonce_key(addr_int(address), self.scheme))

    def storage(self, world: bytes, address: str, slot: int) -> int:
        return self.db.get(world, slot_key(addr_int(address), slot, self.scheme))
