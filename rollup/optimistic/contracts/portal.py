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
  in the world of a finalized output, once. The record is opened with the deployment's state
  commitment (the portal's ``SCHEME``: :class:`Portal` keccak, :class:`PoseidonPortal`
  Poseidon, chosen with the output oracle by :func:`contracts_of`), and each hash the check
  computes (the record's key and value, its leaf, the path's nodes) is charged as L1 would
  compute it: keccak as a 65-byte KECCAK256, Poseidon at poseidon-solidity's published gas.

**Forced transactions** (Arbitrum's delayed inbox, OP's sequencing window): anyone may
``force_transaction(tx)``, a signed L2 transaction (a withdrawal among them) recorded on L1
with its time. The sequencer includes the oldest ones with ``post_forced_batch(data)`` (their
packed bytes, in queue order: a batch whose inbox L1 computes itself, so it holds exactly
those transactions, and the pending deposits); once the oldest has waited longer than the
sequencing window, *anyone* may post that batch, so a censoring sequencer delays a
transaction by at most the window. The L2 runs it as any transaction (one whose nonce is
stale by then is skipped).

**Fast exits**: a withdrawal of at least ``fast_exit_min`` in a *pending* output can be paid
before finality. Its recipient ``request_fast_exit(proposal, index, amount, siblings)`` with
an exit bond of ``amount * exit_bond_bps / 10_000`` (locked in the bond ledger); a liquidity
provider ``provide_exit(exit)`` pays the recipient ``amount`` at once and takes the withdrawal
over (``withdraw`` then pays the provider, and the bond goes back to the recipient,
``settle_exit``). Anyone may ``challenge_exit(exit)`` once the output it rested on was deleted
by a dispute: the bond is slashed to the provider, who is made whole; the recipient's real
withdrawal, if any, is still paid to the recipient from the output that replaces it.

>>> Portal.methods["withdraw"].types
('uint256', 'uint256', 'address', 'uint256', 'bytes32[]')
>>> [c.__name__ for c in contracts_of(POSEIDON)]
['PoseidonPortal', 'PoseidonOutputs']
"""

from __future__ import annotations

from typing import NamedTuple

from prozchain.rollup.common.merkle import list_root
from prozchain.rollup.common.words import addr, b32, word
from prozchain.rollup.l1 import Address, Bytes32, Contract, InvalidTransaction, external
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.l1.token import incoming, pay_out
from prozchain.rollup.optimistic.contracts.outputs import DELETED, FINALIZED, PENDING, Outputs, PoseidonOutputs
from prozchain.rollup.vm.codec import unpack_batch
from prozchain.rollup.vm.errors import DecodeError
from prozchain.rollup.vm.merkle import KECCAK, NODE_HASH_GAS, POSEIDON, Commitment, hash_counter, holds
from prozchain.rollup.vm.state import RETRY_ARGS, addr_int, withdrawal_commitment, withdrawal_key
from prozchain.rollup.vm.machine import MAX_TX_GAS
from prozchain.rollup.vm.tx import Deposit, L2Tx

MAX_DEPOSITS_PER_BATCH = 64
REQUESTED, PROVIDED, SETTLED, COVERED = 1, 2, 3, 4  # a fast exit's status


class Inbox(NamedTuple):
    """What :meth:`Portal.inbox` returns: a batch's deposits and transactions, as list roots."""

    dep_root: bytes
    n_dep: int
    txs_root: bytes
    n_txs: int


class FastExit(NamedTuple):
    """What :meth:`Portal.fast_exit` returns."""

    proposal: int
    index: int  # the withdrawal record's index
    recipient: str
    amount: int
    bond: int  # its bond's id in the ledger (0: no bond)
    provider: str  # who paid it (zero until provided)
    status: int  # REQUESTED, PROVIDED, SETTLED or COVERED


class Portal(Contract):
    """The portal of a deployment hashing its states with keccak (see the module)."""

    SCHEME: Commitment = KECCAK

    def constructor(self, sequencer: Address, bank: Address, sequencing_window: int, ledger: Address,
                    fast_exit_min: int, exit_bond_bps: int) -> None:
        for name, value in (("sequencer", int(sequencer, 16)), ("bank", int(bank, 16)),
                            ("sequencing_window", sequencing_window), ("ledger", int(ledger, 16)),
                            ("fast_exit_min", fast_exit_min), ("exit_bond_bps", exit_bond_bps)):
            self.store(name, value=value)

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
        self._only_sequencer()
        return self._record(self.keccak(data), txs_root, n_txs, data)

    @external
    def post_blob_batch(self, txs_root: Bytes32, n_txs: int) -> int:
        blob = self.blobhash(0)
        self.require(blob is not None, "post_blob_batch needs a blob")
        self._only_sequencer()
        return self._record(blob, txs_root, n_txs, b"")

    def _only_sequencer(self) -> None:
        self.require(self.sender == addr(self.load("sequencer")), "only the sequencer posts batches")

    # -- forced transactions ----------------------------------------------------------------
    @external
    def force_transaction(self, tx: bytes) -> int:
        """Record signed L2 transaction ``tx`` for inclusion within the sequencing window;
        returns its position in the forced queue."""
        self.env.meter.charge(G.ECRECOVER, "recover the L2 transaction's signer")
        try:
            L2Tx.decode(tx).sender
        except (DecodeError, InvalidTransaction) as exc:
            self.require(False, f"not a signed L2 transaction: {exc}")
        position = self.load("forced")
        self.store("forced_tx", position, value=word(self.keccak(tx)))
        self.store("forced_time", position, value=self.timestamp)
        self.store("forced", value=position + 1)
        self.emit("TransactionForced", position, args=(position, self.sender, tx, self.timestamp))
        return position

    @external
    def post_forced_batch(self, data: bytes) -> int:
        """A batch of the oldest forced transactions not yet included (``data`` packs them in
        queue order): the sequencer's at any time, anyone's once the sequencing window of the
        oldest has passed."""
        start = self.load("forced_included")
        self.require(start < self.load("forced"), "no forced transaction is waiting")
        self.require(self.sender == addr(self.load("sequencer"))
                     or self.timestamp > self.load("forced_time", start) + self.load("sequencing_window"),
                     "only the sequencer includes forced transactions within the sequencing window")
        self.env.meter.charge(G.keccak_gas(len(data)), "unpack the forced batch")
        try:
            txs = unpack_batch(data)
        except DecodeError as exc:
            self.require(False, f"bad forced batch: {exc}")
        self.require(0 < len(txs) and start + len(txs) <= self.load("forced"),
                     "a forced batch holds one or more waiting forced transactions")
        leaves = [self.keccak(tx) for tx in txs]
        for i, leaf in enumerate(leaves):
            self.require(word(leaf) == self.load("forced_tx", start + i),
                         f"transaction {i} is not forced transaction {start + i}")
        self.store("forced_included", value=start + len(txs))
        return self._record(self.keccak(data), list_root(leaves, self.keccak), len(txs), data)

    @external
    def forced_status(self) -> tuple[int, int]:
        """``(forced transactions recorded, included)``."""
        return self.load("forced"), self.load("forced_included")

    def _record(self, data_hash: bytes, txs_root: bytes, n_txs: int, data: bytes) -> int:
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
        self._require_withdrawal(self.call(outputs, "finalized_world", proposal), proposal, index, recipient,
                                 amount, siblings)
        self.store("paid", index, value=1)
        exit_id = self.load("exit_of", index)
        if exit_id and self._provided_on_final(exit_id):
            recipient = addr(self.load("x_provider", exit_id))  # the provider bought this withdrawal
        self.emit("Withdrawn", index, recipient, data=b32(amount), args=(index, recipient, amount))
        pay_out(self, recipient, amount)

    def _require_withdrawal(self, world: bytes, proposal: int, index: int, recipient: str, amount: int,
                            siblings: list[bytes]) -> None:
        """Revert unless ``world`` (proposal ``proposal``'s) holds withdrawal ``index`` of ``amount``
        to ``recipient``, given the siblings of its record's leaf, hashed with the deployment's
        commitment and charged as L1 computes each hash."""
        scheme = self.SCHEME
        with hash_counter() as hashes:
            record = withdrawal_commitment(addr_int(recipient), amount, scheme)
            found = holds(world, withdrawal_key(index, scheme), record, siblings, scheme)
        self.env.meter.charge(hashes[0] * NODE_HASH_GAS + hashes[1], "withdrawal proof")
        self.require(found, f"withdrawal {index} is not in the world of proposal {proposal}")

    # -- fast exits -------------------------------------------------------------------------
    @external(payable=True)
    def request_fast_exit(self, proposal: int, index: int, amount: int, siblings: list[Bytes32]) -> int:
        """Offer the sender's withdrawal ``index`` of ``amount`` in pending ``proposal`` to
        liquidity providers, with the exit bond as ``msg.value``; returns the exit's id."""
        self.require(amount >= self.load("fast_exit_min"), f"a fast exit is for {self.load('fast_exit_min')} or more")
        bond = amount * self.load("exit_bond_bps") // 10_000
        self.require(self.value == bond, f"the exit bond is {bond}")
        self.require(not self.load("paid", index) and not self.load("exit_of", index),
                     f"withdrawal {index} is paid or already offered")
        self._require_withdrawal(self.call(addr(self.load("outputs")), "world_of", proposal), proposal, index,
                                 self.sender, amount, siblings)
        exit_id = self.load("exits") + 1
        bond_id = self.call(addr(self.load("ledger")), "lock", self.sender, bond, "exit",
                            f"fast exit {exit_id}: withdrawal {index} of proposal {proposal}", value=bond) if bond else 0
        for name, value in (("x_proposal", proposal), ("x_index", index), ("x_recipient", int(self.sender, 16)),
                            ("x_amount", amount), ("x_bond", bond_id), ("x_status", REQUESTED)):
            self.store(name, exit_id, value=value)
        self.store("exits", value=exit_id)
        self.store("exit_of", index, value=exit_id)
        self.emit("FastExitRequested", exit_id, index, args=(exit_id, proposal, index, self.sender, amount, bond))
        return exit_id

    @external(payable=True)
    def provide_exit(self, exit_id: int) -> None:
        """A liquidity provider pays the exit's recipient its amount now (``msg.value``) and
        takes its withdrawal over."""
        self.require(self.load("x_status", exit_id) == REQUESTED, f"exit {exit_id} is not waiting for liquidity")
        self.require(self.value == self.load("x_amount", exit_id), "a provider pays the whole amount")
        self.store("x_provider", exit_id, value=int(self.sender, 16))
        self.store("x_status", exit_id, value=PROVIDED)
        self.emit("FastExitProvided", exit_id, args=(exit_id, self.sender, self.value))
        self.transfer(addr(self.load("x_recipient", exit_id)), self.value)

    @external
    def settle_exit(self, exit_id: int) -> None:
        """Once the provider was paid the withdrawal (or nobody provided and the output is final
        or gone), the bond goes back to the recipient."""
        status, index = self.load("x_status", exit_id), self.load("x_index", exit_id)
        self.require(status in (REQUESTED, PROVIDED), f"exit {exit_id} is over")
        if status == PROVIDED:
            self.require(self.load("paid", index) and self._provided_on_final(exit_id),
                         f"the provider of exit {exit_id} is not paid yet")
        else:
            outputs = addr(self.load("outputs"))
            self.require(self.call(outputs, "proposal", self.load("x_proposal", exit_id)).status != PENDING,
                         "the output is still pending: a provider may come")
            self.store("exit_of", index, value=0)
        self._end_exit(exit_id, SETTLED, "release", "the exit was honoured")

    @external
    def challenge_exit(self, exit_id: int) -> None:
        """The output exit ``exit_id`` rested on was deleted: its bond covers the provider."""
        self.require(self.load("x_status", exit_id) == PROVIDED, f"exit {exit_id} has no provider to cover")
        proposal = self.call(addr(self.load("outputs")), "proposal", self.load("x_proposal", exit_id))
        self.require(proposal.status == DELETED, f"the output of exit {exit_id} was not invalidated")
        self.store("exit_of", self.load("x_index", exit_id), value=0)
        self._end_exit(exit_id, COVERED, "slash", "the output the exit rested on was invalidated")

    def _end_exit(self, exit_id: int, status: int, action: str, reason: str) -> None:
        self.store("x_status", exit_id, value=status)
        self.emit("FastExitEnded", exit_id, args=(exit_id, status))
        bond = self.load("x_bond", exit_id)
        if not bond:
            return
        ledger = addr(self.load("ledger"))
        if action == "release":
            self.call(ledger, "release", bond, reason)
        else:
            self.call(ledger, "slash", bond, self.call(ledger, "bond", bond).held,
                      addr(self.load("x_provider", exit_id)), reason)

    def _provided_on_final(self, exit_id: int) -> bool:
        """Whether a provider paid exit ``exit_id`` and its output is final: withdrawal records
        are never rewritten, so the record it rested on is the one every final world holds."""
        return self.load("x_status", exit_id) == PROVIDED and \
            self.call(addr(self.load("outputs")), "proposal", self.load("x_proposal", exit_id)).status == FINALIZED

    @external
    def fast_exit(self, exit_id: int) -> FastExit:
        return FastExit(self.load("x_proposal", exit_id), self.load("x_index", exit_id),
                        addr(self.load("x_recipient", exit_id)), self.load("x_amount", exit_id),
                        self.load("x_bond", exit_id), addr(self.load("x_provider", exit_id)),
                        self.load("x_status", exit_id))


class PoseidonPortal(Portal):
    """The portal of a deployment whose states are hashed for circuits."""

    SCHEME = POSEIDON


def contracts_of(scheme: Commitment) -> tuple[type[Portal], type[Outputs]]:
    """The portal and the output oracle of a deployment committing to its states with ``scheme``."""
    return (PoseidonPortal, PoseidonOutputs) if scheme is POSEIDON else (Portal, Outputs)
