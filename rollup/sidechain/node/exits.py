"""Private exits of the enterprise sidechain: a Groth16 proof that a withdrawal is in the exits
root the validator quorum signed, instead of opening the record in the public world root.

The exits root of a checkpoint is a Poseidon Merkle tree (depth :data:`DEPTH`) whose leaf
``index`` is ``Poseidon(index, recipient, amount)`` for withdrawal record ``index`` of the
checkpoint's world. Members compute it from their own chain (they read the burns that made
the records), the bridge keys sign :func:`exits_digest`, and the L1
:class:`~prozchain.rollup.sidechain.contracts.private_exits.PrivateExits` stores it. An exit
then shows only ``(root, index, recipient, amount)`` and a proof (:class:`ExitCircuit`: the
leaf sits at path ``index`` under ``root``): L1 learns neither the world nor the other exits.

Constraints: 242 per level plus the leaf's Poseidon(3) and the index's binding, 4,135 at depth 16.

>>> from prozchain.circuits.gadgets.merkle import merkle_root_of
>>> tree = exits_tree([("0x" + "11" * 20, 5), ("0x" + "22" * 20, 7)])
>>> siblings, bits = tree.proof(1)
>>> merkle_root_of(exit_leaf(1, "0x" + "22" * 20, 7), siblings, bits) == tree.root
True
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Iterable, Optional, Sequence

from prozchain.circuits import Circuit, assert_equal
from prozchain.circuits.circuit import CompiledCircuit
from prozchain.circuits.gadgets.merkle import SparseMerkleTree, merkle_inclusion
from prozchain.circuits.gadgets.poseidon import poseidon, poseidon_hash
from prozchain.native import get_backend
from prozchain.native.kernels import ints_to_array
from prozchain.prover.formats.zkey import ZKey
from prozchain.prover.groth16.prover import prove
from prozchain.prover.solidity import proof_words
from prozchain.rollup.common.keys import proving_key
from prozchain.rollup.l1.crypto import address_bytes, to_address
from prozchain.rollup.sidechain.node.chain import SIDECHAIN_ID, ChainState
from prozchain.rollup.vm import BRIDGE, L2Tx
from prozchain.rollup.vm.codec import rlp_encode
from prozchain.rollup.vm.merkle import keccak
from prozchain.rollup.vm.state import WITHDRAWAL_COUNT_KEY, addr_int, withdrawal_commitment, withdrawal_key

DEPTH = 16
EXITS_TAG = b"prozchain-sidechain-exits"
Record = tuple[str, int]  # (recipient, amount)


def exit_leaf(index: int, recipient: str, amount: int) -> int:
    return poseidon_hash([index, addr_int(recipient), amount])


def exits_tree(records: Sequence[Record]) -> SparseMerkleTree:
    """The exits tree of withdrawal records ``0..len(records)-1``."""
    tree = SparseMerkleTree(DEPTH)
    for index, (recipient, amount) in enumerate(records):
        tree.set(index, exit_leaf(index, recipient, amount))
    return tree


def burns(txs: Iterable[bytes]) -> dict[int, Record]:
    """Withdrawal records hold only ``keccak(recipient, amount)``: the burns in ``txs`` (plain
    transactions) by the commitment they leave."""
    out = {}
    for raw in txs:
        tx = L2Tx.decode(raw)
        if int(tx.to, 16) == BRIDGE and tx.value:
            out[withdrawal_commitment(addr_int(tx.sender), tx.value)] = (tx.sender, tx.value)
    return out


def exit_records(state: ChainState, height: int) -> list[Record]:
    """The withdrawal records of ``state``'s world after ``height``, read from the burns of its
    blocks (opened, so only a member can call this on the enterprise chain)."""
    known: dict[int, Record] = {}
    for block in state.blocks[1:height + 1]:
        known.update(burns(state.plain(block.txs, block.header.epoch)))
    world, db = state.headers[height].world, state.ex.db
    return [known[db.get(world, withdrawal_key(i))] for i in range(db.get(world, WITHDRAWAL_COUNT_KEY))]


def exits_digest(exits: str, number: int, world: bytes, root: int) -> bytes:
    """What the bridge keys sign to commit ``root`` for checkpoint ``number`` (with ``world``)
    on the exits contract at ``exits``."""
    return keccak(EXITS_TAG + rlp_encode([SIDECHAIN_ID, address_bytes(to_address(exits)), number, world, root]))


class ExitCircuit(Circuit):
    """Public ``root``, ``index``, ``recipient``, ``amount``: ``Poseidon(index, recipient,
    amount)`` is leaf ``index`` of the tree of ``root``. Private: the siblings and path bits
    (bound to ``index``)."""

    def __init__(self, depth: int = DEPTH) -> None:
        self.depth = depth

    def define(self) -> None:
        root, index = self.public_input("root"), self.public_input("index")
        recipient, amount = self.public_input("recipient"), self.public_input("amount")
        siblings, bits = self.private_input("siblings", self.depth), self.private_input("path_bits", self.depth)
        merkle_inclusion(root, poseidon([index, recipient, amount]), siblings, bits)
        assert_equal(sum(bit * (1 << i) for i, bit in enumerate(bits)), index)


@lru_cache(maxsize=None)
def compiled_exit(depth: int = DEPTH) -> CompiledCircuit:
    return ExitCircuit(depth).compile()


def exit_inputs(records: Sequence[Record], index: int) -> dict:
    """The circuit's input JSON for record ``index`` of ``records``."""
    tree = exits_tree(records)
    siblings, bits = tree.proof(index)
    recipient, amount = records[index]
    return {"root": str(tree.root), "index": str(index), "recipient": str(addr_int(recipient)),
            "amount": str(amount), "siblings": [str(s) for s in siblings], "path_bits": [str(b) for b in bits]}


class ExitProver:
    """A member's prover of :class:`ExitCircuit` under its development key."""

    def __init__(self, rng: Optional[random.Random] = None) -> None:
        self.rng, self.compiled = rng, compiled_exit()
        self.zkey: ZKey = proving_key(self.compiled)

    def prove(self, records: Sequence[Record], index: int) -> list[int]:
        """The 8 proof words of record ``index``'s exit (C core)."""
        witness = ints_to_array(self.compiled.solve(exit_inputs(records, index)))
        proof, _ = prove(self.zkey, witness, backend=get_backend("c"), rng=self.rng)
        return proof_words(proof)
