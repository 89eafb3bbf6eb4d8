"""Checkpoints of the sidechain on L1, and the data a fraud proof against one carries.

A checkpoint ``number`` covers heights ``first..last``: the list-tree root of their header
hashes, the world root after ``last`` (where withdrawals are proven), the next deposit index,
and the staking epoch whose set signs it. Signers sign :attr:`Checkpoint.digest`.

A :class:`FraudProof` opens header ``index`` of a checkpoint and the header before it (or uses
the previous checkpoint when ``index`` is 0), and carries the witnesses of every VM step of
the block re-executed from the parent's world, plus the halted context it ends in: L1 runs
:func:`prozchain.rollup.vm.step` on each and compares the world with the header's claim.

>>> from prozchain.rollup.sidechain.node.chain import ChainState, Genesis
>>> state = ChainState(Genesis())
>>> state.commit(state.build("0x" + "01" * 20, time=1))
>>> cp = Checkpoint.cover(1, state.headers[1:], state.head.epoch)
>>> (cp.first, cp.last, cp.world == state.world)
(1, 1, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from prozchain.rollup.economics.ordering import ArrivalReceipt
from prozchain.rollup.l1 import Key
from prozchain.rollup.l1.crypto import address_bytes, to_address
from prozchain.rollup.sidechain.node.chain import SIDECHAIN_ID, Block, ChainState, Header
from prozchain.rollup.sidechain.node.messages import signature_bytes
from prozchain.rollup.vm.codec import rlp_encode
from prozchain.rollup.common.merkle import list_root
from prozchain.rollup.vm.merkle import keccak, list_proof

CHECKPOINT_TAG = b"prozchain-sidechain-checkpoint"
TRANSFER_TAG = b"prozchain-sidechain-transfer"


@dataclass(frozen=True)
class Checkpoint:
    number: int
    first: int
    last: int
    headers_root: bytes
    world: bytes
    dep_next: int
    epoch: int
    chain_id: int = SIDECHAIN_ID

    @classmethod
    def cover(cls, number: int, headers: Sequence[Header], epoch: int) -> "Checkpoint":
        """The checkpoint of consecutive ``headers``."""
        last = headers[-1]
        return cls(number, headers[0].height, last.height, list_root([h.hash for h in headers], keccak),
                   last.world, last.dep_start + last.n_dep, epoch)

    @property
    def digest(self) -> bytes:
        return keccak(CHECKPOINT_TAG + rlp_encode(
            [self.chain_id, self.number, self.first, self.last, self.headers_root, self.world,
             self.dep_next, self.epoch]))

    def sign(self, key: Key) -> bytes:
        return signature_bytes(key.sign(self.digest))

    def args(self) -> tuple:
        """The leading arguments of ``Bridge.submit_checkpoint``."""
        return (self.number, self.first, self.last, self.headers_root, self.world, self.dep_next, self.epoch)


@dataclass(frozen=True)
class FraudProof:
    number: int
    index: int
    header: bytes
    proof: list[bytes]
    parent: bytes
    parent_proof: list[bytes]
    witnesses: list[bytes]
    final_ctx: bytes

    def args(self) -> tuple:
        return (self.number, self.index, self.header, self.proof, self.parent, self.parent_proof,
                self.witnesses, self.final_ctx)


def fraud_proof(number: int, claimed: Sequence[Header], index: int, block: Block,
                parent_world: bytes, state: ChainState) -> FraudProof:
    """Re-execute ``block`` (the real contents of claimed header ``index``) from
    ``parent_world`` on ``state``'s executor, with every step's witness."""
    hashes = [h.hash for h in claimed]
    ex = state.ex
    trace = ex.run(ex.start(parent_world, block.height, block.deposits, block.txs))
    witnesses = [ex.witness(trace.contexts[i]).encode() for i in range(len(trace))]
    parent = claimed[index - 1].encode() if index else b""
    parent_proof = list(list_proof(hashes, index - 1)) if index else []
    return FraudProof(number, index, claimed[index].encode(), list(list_proof(hashes, index)),
                      parent, parent_proof, witnesses, trace.final.encode())


def mint_fraud_args(number: int, claimed: Sequence[Header], index: int, block: Block, position: int) -> tuple:
    """The arguments of the bridge's ``challenge_mint`` against transaction ``position`` of
    ``block``, the contents of claimed header ``index`` of checkpoint ``number``."""
    return (number, index, claimed[index].encode(), list(list_proof([h.hash for h in claimed], index)), position,
            block.txs[position], list(list_proof([keccak(t) for t in block.txs], position)))


def order_dispute_args(number: int, claimed: Sequence[Header], index: int, block: Block,
                       receipts: Sequence[tuple[ArrivalReceipt, Sequence[int]]]) -> tuple:
    """The arguments of the bridge's ``dispute_order`` against ``block``, the contents of
    claimed header ``index`` of checkpoint ``number``, with two ``(receipt, signature)`` of its
    proposer that the block posts against their arrival order."""
    pair = [([r.seq, r.bid, r.deadline], [r.tx_hash, r.prefix], list(sig)) for r, sig in receipts]
    return (number, index, claimed[index].encode(), list(list_proof([h.hash for h in claimed], index)),
            *pair[0], *pair[1], [keccak(t) for t in block.txs])


def transfer_digest(bridge: str, index: int, recipient: str, amount: int) -> bytes:
    """What the bridge keys sign to release sidechain withdrawal ``index`` directly (THRESHOLD
    mode): bound to this chain, this bridge contract, the withdrawal index, recipient and amount."""
    return keccak(TRANSFER_TAG + rlp_encode([SIDECHAIN_ID, address_bytes(to_address(bridge)), index,
                                             address_bytes(to_address(recipient)), amount]))


def headers_root(headers: Sequence[bytes]) -> bytes:
    """The root of encoded headers as the bridge computes it from posted ones."""
    return list_root([keccak(h) for h in headers], keccak)
