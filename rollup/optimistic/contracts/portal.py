"""The L1 portal: deposits in, batches of L2 transactions, withdrawals out.

- ``deposit(recipient)`` locks ether and records ``keccak(Deposit.encode())``; the next batch
  must credit every deposit recorded before it was posted (forced inclusion: the portal itself
  puts them in the batch's inbox, so a sequencer cannot skip or invent one).
- Tokens: a portal deployed with a ``bank`` (:mod:`prozchain.rollup.l1.token`) carries the
  bank's one asset instead of ether: the L2's native balance counts that asset (one rollup
  instance per asset), deposits come from the bank with ``deposit_for(recipient, amount)``, and
  withdrawals are paid through ``bank.release``.
- ``send_message(target, args, gas)`` (payable) is a deposit that also calls ``target`` on L2
  (an L1-to-L2 message; the caller it sees is the sender's alias, :func:`prozchain.rollup.vm.tx.alias`).
- ``post_batch(data, txs_root, n_txs)`` (calldata) or ``post_blob_batch(txs_root, n_txs)``
  (the payload in blob 0) by the sequencer: the compressed transactions and the root of their
  list tree, which is the inbox the dispute game's one-step proofs open.
- ``withdraw(proposal, index, recipient, amount, siblings)`` pays a withdrawal record found
  in the world of a finalized output, once. The proof is charged as the EVM would hash it:
  one 65-byte KECCAK256 per node and one for the leaf.

>>> Portal.methods["withdraw"].types
('uint256', 'uint256', 'address', 'uint256', 'bytes32[]')
"""

from __future__ import annotations

from typing import NamedTuple

from prozchain.rollup.common.merkle import list_root
from prozchain.rollup.common.words import addr, b32, word
from prozchain.rollup.l1 import Address, Bytes32, Contract, external
from prozchain.rollup.l1.token import incoming, pay_out
from prozchain.rollup.vm.merkle import NODE_HASH_GAS, holds
from prozchain.rollup.vm.state import RETRY_ARGS, addr_int, withdrawal_commitment, withdrawal_key
from prozchain.rollup.vm.machine import MAX_TX_GAS
from prozchain.rollup.vm.tx import Deposit

MAX_DEPOSITS_PER_BATCH = 64


class Inbox(NamedTuple):
    """What :meth:`Portal.inbox` returns: a batch's deposits and transactions, as list roots."""

    dep_root: bytes
    n_dep: int
    txs_root: bytes
    n_txs: int


class Portal(Contract):
    def constructor(self, sequencer: Address, bank: Address) -> None:
        self.store("sequencer", value=int(sequencer, 16))
        self.store("bank", value=int(bank, 16))

    @external
    def link(self, outputs: Address) -> None:
        """Tell the portal where the output oracle lives (once)."""
        self.require(self.load("outputs") == 0, "outputs already linked")
        self.store("outputs", value=int(outputs, 16))

    # -- deposits ---------------------------------------------------------------------------
    @external(payable=True)
    def deposit(self, recipient: Address) -> int:
        return self._enqueue(Deposit(self.load("deposits"), recipient, incoming(self, self.value)))

    @external(payable=True)
    def deposit_for(self, recipient: Address, amount: int) -> int:
        """The bank credits ``amount`` (already escrowed) to ``recipient`` on L2."""
        return self._enqueue(Deposit(self.load("deposits"), recipient, incoming(self, amount)))

    @external(payable=True)
    def send_message(self, target: Address, args: list[int], gas: int) -> int:
        """An L1-to-L2 message: a deposit of ``msg.value`` to ``target`` that the VM then calls
        with ``args`` and ``gas``, the caller being the sender's alias; returns its deposit index. If
        the call fails, anyone can retry it on L2 (:data:`prozchain.rollup.vm.state.MESSENGER`)."""
        self.require(len(args) <= RETRY_ARGS and 0 < gas <= MAX_TX_GAS, f"a message takes at most {RETRY_ARGS} "
                     f"words and a gas limit in (0, {MAX_TX_GAS}]")
        self.require(self.value == 0 or not self.load("bank"), "a message to a banked portal carries no ether")
        return self._enqueue(Deposit(self.load("deposits"), target, self.value, self.sender, tuple(args), gas))

    def _enqueue(self, deposit: Deposit) -> int:
        self.require(deposit.amount > 0 or deposit.sender is not None, "a deposit must carry value")
        leaf = self.keccak(deposit.encode())
        self.store("deposit", deposit.index, value=word(leaf))
        self.store("deposits", value=deposit.index + 1)
        args = (deposit.index, deposit.recipient, deposit.amount) + \
            (() if deposit.sender is None else (deposit.sender, deposit.args, deposit.gas))
        self.emit("Deposited", deposit.index, deposit.recipient, data=b32(deposit.amount), args=args)
        return deposit.index

    # -- batches ----------------------------------------------------------------------------
    @external
    def post_batch(self, data: bytes, txs_root: Bytes32, n_txs: int) -> int:
        self.require(len(data) > 0, "empty batch data")
        return self._record(self.keccak(data), txs_root, n_txs, data)

    @external
    def post_blob_batch(self, txs_root: Bytes32, n_txs: int) -> int:
        blob = self.blobhash(0)
        self.require(blob is not None, "post_blob_batch needs a blob")
        return self._record(blob, txs_root, n_txs, b"")

    def _record(self, data_hash: bytes, txs_root: bytes, n_txs: int, data: bytes) -> int:
        self.require(self.sender == addr(self.load("sequencer")), "only the sequencer posts batches")
        self.require(n_txs < 2**32, "too many transactions")
        start, total = self.load("included"), self.load("deposits")
        n_dep = min(total - start, MAX_DEPOSITS_PER_BATCH)
        dep_root = self._deposit_root(start, n_dep)
        batch = self.load("batches")
        for field, value in (("data", word(data_hash)), ("txs_root", word(txs_root)), ("n_txs", n_txs),
                             ("dep_root", word(dep_root)), ("dep_start", start), ("n_dep", n_dep)):
            self.store(field, batch, value=value)
        self.store("batches", value=batch + 1)
        self.store("included", value=start + n_dep)
        self.emit("BatchPosted", batch, data=data_hash,
                  args=(batch, start, n_dep, txs_root, n_txs, data_hash, data))
        return batch

    def _deposit_root(self, start: int, count: int) -> bytes:
        return list_root([b32(self.load("deposit", i)) for i in range(start, start + count)], self.keccak)

    @external
    def batch_count(self) -> int:
        return self.load("batches")

    @external
    def inbox(self, batch: int) -> Inbox:
        """The inbox of ``batch``'s machine."""
        self.require(batch < self.load("batches"), f"no batch {batch}")
        return Inbox(b32(self.load("dep_root", batch)), self.load("n_dep", batch),
                     b32(self.load("txs_root", batch)), self.load("n_txs", batch))

    # -- withdrawals ------------------------------------------------------------------------
    @external
    def withdraw(self, proposal: int, index: int, recipient: Address, amount: int,
                 siblings: list[Bytes32]) -> None:
        """Pay withdrawal ``index`` proven in the world of finalized ``proposal``."""
        self.require(self.load("paid", index) == 0, f"withdrawal {index} already paid")
        outputs = addr(self.load("outputs"))
        world = self.call(outputs, "finalized_world", proposal)
        self.env.meter.charge(NODE_HASH_GAS * (len(siblings) + 1), "withdrawal proof")
        commitment = withdrawal_commitment(addr_int(recipient), amount)
        self.require(holds(world, withdrawal_key(index), commitment, siblings),
                     f"withdrawal {index} is not in the world of proposal {proposal}")
        self.store("paid", index, value=1)
        self.emit("Withdrawn", index, recipient, data=b32(amount), args=(index, recipient, amount))
        pay_out(self, recipient, amount)
