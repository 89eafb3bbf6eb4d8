"""What a batch of the VM did, read back from its trace: receipts, LOG events, messages sent.

The VM only hashes its logs into the machine context (``LOG`` keeps a hash chain), which is
all a one-step proof needs; an indexer recovers each event from the step that emitted it (the
instruction at the frame's ``pc`` and the registers it read) and keeps it only if its
transaction did not revert. Messages to L1 (``CALL`` to the messenger) are recovered the same
way, with the nonce the step read. Nothing here is trusted by L1: a message is proven there
against the world tree.

>>> from prozchain.rollup.l1.crypto import Key
>>> from prozchain.rollup.vm import Executor, L2Tx
>>> from prozchain.rollup.messages.l2 import BRIDGE_CODE, L2_BRIDGE
>>> alice = Key.from_seed(b"alice")
>>> ex = Executor()
>>> world = ex.genesis({alice.address: 100}, {L2_BRIDGE: BRIDGE_CODE})
>>> tx = L2Tx(0, L2_BRIDGE, 40, (1, 0xAA, 0xBB, 30_000), gas_limit=60_000).sign(alice)
>>> block = index_batch(ex, ex.run(ex.start(world, 0, [], [tx.encode()])))
>>> [r.status for r in block.receipts], block.events[0].data, block.messages[0].data[:2]
(['ok'], 40, (187, 40))
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

from prozchain.rollup.l1.crypto import to_address
from prozchain.rollup.sidechain.node.chain import ChainState
from prozchain.rollup.vm import Executor, Trace
from prozchain.rollup.vm.isa import decode
from prozchain.rollup.vm.state import (END, IDLE, MESSAGE_WORDS, MESSENGER, RUN, Context, code_key,
                                       message_nonce_key)


@dataclass(frozen=True)
class VMEvent:
    """One ``LOG``: the contract, its topic and data word, and where it happened."""

    batch: int
    item: int  # inbox position (deposits first, then transactions)
    index: int  # position among the batch's kept events
    address: str
    topic: int
    data: int


@dataclass(frozen=True)
class SentMessage:
    """A message a contract sent to L1 in a batch (see :class:`~prozchain.rollup.messages.message.Message`)."""

    batch: int
    sender: str
    nonce: int
    target: str
    data: tuple[int, ...]
    gas: int


@dataclass
class Receipt:
    """The outcome of one inbox item: ``ok``, ``reverted`` or ``skipped`` (never started), the
    gas it used, its events and its messages (none if it reverted)."""

    item: int
    kind: str  # "deposit", "message" (an L1-to-L2 call) or "tx"
    status: str
    gas_used: int = 0
    events: list[VMEvent] = field(default_factory=list)
    messages: list[SentMessage] = field(default_factory=list)


@dataclass
class BlockIndex:
    batch: int
    receipts: list[Receipt]

    @property
    def events(self) -> list[VMEvent]:
        return [e for r in self.receipts for e in r.events]

    @property
    def messages(self) -> list[SentMessage]:
        return [m for r in self.receipts for m in r.messages]


def _address(value: int) -> str:
    return to_address((value % 2**160).to_bytes(20, "big"))


def index_batch(ex: Executor, trace: Trace) -> BlockIndex:
    """Receipts, events and messages of the batch ``trace`` ran (``ex`` holds its trees)."""
    first = trace.contexts[0]
    receipts: list[Receipt] = []
    current: Optional[Receipt] = None
    kept = 0
    for before, after in zip(trace.contexts, trace.contexts[1:]):
        if before.phase == IDLE:
            kind = "tx" if before.next_item >= first.n_dep else "deposit"
            if after.phase == IDLE:  # a plain deposit completes, a transaction is skipped
                receipts.append(Receipt(before.next_item, kind, "ok" if kind == "deposit" else "skipped"))
                continue
            current = Receipt(before.next_item, "tx" if kind == "tx" else "message", "ok")
            receipts.append(current)
        if before.phase == RUN:
            _observe(ex, first.batch, before, after, current)
        if before.phase == END and after.phase == IDLE:
            current.gas_used = before.gas_limit - before.gas_left
            if current.status == "reverted":
                current.events, current.messages = [], []
            current.events = [replace(e, index=kept + i) for i, e in enumerate(current.events)]
            kept += len(current.events)
    return BlockIndex(first.batch, receipts)


def index_block(state: ChainState, height: int) -> BlockIndex:
    """:func:`index_batch` of sidechain block ``height`` of ``state`` (re-executed: a node keeps
    blocks and roots, not traces)."""
    block = state.blocks[height]
    return index_batch(state.ex, state.ex.run(state.ex.start(state.headers[height - 1].world, height,
                                                            block.deposits, block.txs)))


def _observe(ex: Executor, batch: int, before: Context, after: Context, receipt: Receipt) -> None:
    f = before.frame
    ins = decode(ex.db.get(before.world, code_key(f.address, f.pc, ex.scheme)))
    r = f.regs
    if after.phase == END and not (ins.op == "RET" and before.depth == 0):
        receipt.status = "reverted"
    elif ins.op == "LOG":
        receipt.events.append(VMEvent(batch, receipt.item, -1, _address(f.address), r[ins.a], r[ins.b]))
    elif ins.op == "CALL" and r[ins.a] % 2**160 == MESSENGER:
        nonce = ex.db.get(before.world, message_nonce_key(f.address, ex.scheme))
        receipt.messages.append(SentMessage(batch, _address(f.address), nonce, _address(r[1]),
                                            tuple(r[2:2 + MESSAGE_WORDS]), r[2 + MESSAGE_WORDS]))

