"""An L2 node that rebuilds the rollup state from L1 data alone: the verified batches' calldata
(logged by the contract) replayed in order on an empty account tree, each decoded with the
types of the circuit version it names (read from the contract's registry).

Posted data carries every field of every transaction (deposits include the key), and a batch
was accepted only with a proof of exactly that data, so replaying it without signatures gives
the contract's root; :meth:`ZkNode.sync` checks it after every batch. The replay also tells
which batch applied each transaction (:attr:`ZkNode.included`): the data has no signatures,
but the signers' nonces are the ones their accounts held when it applied.

>>> from prozchain.rollup.zk.system import demo_rollup
>>> system = demo_rollup()
>>> node = ZkNode(system.chain, system.rollup, depth=system.depth)
>>> node.sync(), node.tree.root == system.chain.view(system.rollup, "state").root, node.included
(0, True, {})
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from prozchain.circuits.txtypes import AccountTree, Slot, Tx, TxRejected, TxType, apply_tx, decode_batch
from prozchain.circuits.txtypes.accounts import TreeDelta
from prozchain.rollup.economics.ordering import Posted
from prozchain.rollup.l1 import Chain
from prozchain.rollup.zk.contracts.registry import Version
from prozchain.rollup.zk.contracts.rollup import arrivals
from prozchain.rollup.zk.errors import ZkRollupError

TxId = tuple


def tx_id(tx: Tx) -> TxId:
    """What identifies ``tx`` once it is applied: its type, fields and signers' nonces (a signer
    signs each nonce once; signatures are not posted)."""
    return tx.type, tuple(sorted(tx.fields.items())), tuple(tx.nonces)


@dataclass(frozen=True)
class OwnBatch:
    """A batch as its sealer knows it (:meth:`ZkNode.sync`): its number, posted data, slots, and
    the state it left (:meth:`~prozchain.circuits.txtypes.AccountTree.delta` of the accounts it
    touched)."""

    number: int
    data: bytes
    slots: Sequence[Slot]
    delta: TreeDelta


class ZkNode:
    """Follows ``rollup``'s ``BatchVerified`` events and keeps the account tree they lead to."""

    def __init__(self, chain: Chain, rollup: str, depth: int):
        self.chain, self.rollup = chain, rollup
        self.tree = AccountTree(depth)
        self.batches = 0
        self.from_block = 0
        self.included: dict[TxId, int] = {}  # every applied transaction but noops -> its batch
        self.txs: list[list[Tx]] = []  # each verified batch's transactions, with their signers' nonces
        self.versions: dict[int, Version] = {}  # the circuit versions batches named, as L1 holds them

    def decode(self, batch: int, version: int, data: bytes) -> list[tuple[TxType, dict[str, int]]]:
        """Batch ``batch``'s data decoded with the types of its circuit ``version``."""
        if version not in self.versions:
            self.versions[version] = self.chain.view(self.rollup, "version", version)
        try:
            decoded = decode_batch(data)
        except TxRejected as exc:
            raise ZkRollupError(f"batch {batch} (version {version}) does not decode: {exc}; a process decodes "
                                "only the types it has registered (import the modules of the version's types)") from exc
        for t, _ in decoded:
            if not self.versions[version].takes(t):
                raise ZkRollupError(f"batch {batch} holds {t.name!r} transactions, its version {version} does not take them")
        return decoded

    def sync(self, own: Optional[OwnBatch] = None) -> int:
        """Apply the batches verified since the last call; returns how many. ``own``: a batch
        the caller sealed itself, taken without replaying it when L1 logged exactly its data
        (the root L1 verified is checked all the same)."""
        applied = 0
        for number, log in self.chain.logs(self.rollup, "BatchVerified", self.from_block):
            batch, old_root, new_root, data, _, version = log.args
            if batch < self.batches:
                continue
            if old_root != self.tree.root:
                raise ZkRollupError(f"batch {batch} starts from {old_root:#x}, the node is at {self.tree.root:#x}")
            decoded = self.decode(batch, version, data)
            if own is not None and (own.number, own.data) == (batch, data) and len(own.slots) == len(decoded):
                # its sealer applied these very transactions to this state: their slots hold the
                # signers' nonces, the delta what the replay would write
                self.tree.apply_delta(own.delta)
                slots = own.slots
            else:
                slots = [apply_tx(self.tree, Tx(t.name, values), check_signatures=False) for t, values in decoded]
            txs = [Tx(t.name, values, nonces=tuple(old.nonce for old in slot.olds[:t.signers]))
                   for (t, values), slot in zip(decoded, slots)]
            if self.tree.root != new_root:
                raise ZkRollupError(f"replaying batch {batch} gives root {self.tree.root:#x}, L1 says {new_root:#x}")
            self.included.update((tx_id(tx), batch) for tx in txs if tx.type != "noop")
            self.txs.append(txs)
            self.batches, applied = batch + 1, applied + 1
            self.from_block = number
        return applied


def ordered_batches(chain: Chain, rollup: str) -> list[Posted]:
    """The batches posted under the operator's stated ordering policy, as L1 data alone shows
    them: the rollup's ordering records and each batch's arrivals from its posted data
    (:func:`~prozchain.rollup.zk.contracts.rollup.arrivals`), what
    :func:`~prozchain.rollup.economics.ordering.audit` checks receipts against."""
    data = {log.args[0]: log.args[3] for _, log in chain.logs(rollup, "BatchVerified")}
    return [Posted(batch, poster, first, start, head, chain.blocks[block].timestamp,
                   tuple(arrivals(decode_batch(data[batch]))))
            for block, log in chain.logs(rollup, "Sequenced")
            for batch, poster, first, _, start, head in (log.args,)]
