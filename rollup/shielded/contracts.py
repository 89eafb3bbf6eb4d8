"""The shielded pool's contract on the reference L1: the note tree, the nullifier set, and one
Groth16 proof (the join-split, :mod:`~prozchain.rollup.shielded.circuit`) verified by pairing
per private transaction, through a verifier contract of
:mod:`prozchain.rollup.l1.groth16`.

``transact(proof, root, public_amount, nullifiers, commitments, recipient_ax, recipient_ay,
encrypted)`` is the one entry point, for deposits, private transfers and withdrawals alike:

- ``root`` must be one of the last :data:`ROOT_HISTORY` roots (so transactions proven at the
  same time do not invalidate each other); neither nullifier may be spent, nor may they be equal;
- ``public_amount`` (a field element) decides the kind: ``0 < x < 2^64`` is a deposit of x
  units, paid with the call (``msg.value == x * unit``); ``R - x`` a withdrawal of x units,
  paid by the pool as a deposit into the ZK rollup's public account of the Baby Jubjub key
  ``(recipient_ax, recipient_ay)``; 0 a private transfer. Anything else is refused;
- ``ext_data_hash = keccak(recipient_ax, recipient_ay, encrypted) mod R`` binds the recipient
  and the two encrypted notes (:data:`~prozchain.rollup.shielded.notes.NOTE_WORDS` words each)
  to the proof, so a relayer cannot redirect a withdrawal or garble the notes;
- the proof must verify for ``(root, public_amount, ext_data_hash, nullifiers, commitments)``.

Then the nullifiers are recorded, both commitments are appended to the tree (an incremental
Merkle tree over Poseidon(2), priced as poseidon-solidity's: ``depth`` hashes per pair) and
posted with their encrypted notes in ``NewCommitment`` events, which wallets scan.

``records_nullifiers=False`` deploys a deliberately broken pool that checks the nullifier set
but never writes it: the ``defense=off`` side of the ``shielded-double-spend`` scenario.
"""

from __future__ import annotations

from typing import NamedTuple

from prozchain.circuits.gadgets.poseidon import poseidon_hash
from prozchain.native.curve import R
from prozchain.rollup.common.words import addr, b32
from prozchain.rollup.l1 import Address, Contract, external
from prozchain.rollup.shielded.notes import AMOUNT_BITS, NOTE_WORDS
from prozchain.rollup.l1.gas import POSEIDON_GAS

ROOT_HISTORY = 32
MAX_AMOUNT = 1 << AMOUNT_BITS


def ext_data_hash(recipient_ax: int, recipient_ay: int, encrypted: list[int], keccak) -> int:
    """The hash binding a transaction's external data to its proof (``keccak`` is the
    contract's metered one, or :func:`~prozchain.rollup.l1.crypto.keccak256` off chain)."""
    data = b"".join(map(b32, [recipient_ax, recipient_ay, *encrypted]))
    return int.from_bytes(keccak(data), "big") % R


class PoolState(NamedTuple):
    """What :meth:`ShieldedPool.state` returns."""

    root: int  # the newest root of the note tree
    leaves: int  # notes ever appended
    deposited: int  # units paid in by deposits
    withdrawn: int  # units paid out by withdrawals


class ShieldedPool(Contract):
    def constructor(self, verifier: Address, rollup: Address, depth: int, unit: int, zeros: list[int],
                    records_nullifiers: bool) -> None:
        """A pool of notes in a tree of ``depth`` whose empty subtrees hash to ``zeros`` (leaves
        first), paying withdrawals into the ZK rollup at ``rollup`` in its ``unit`` wei."""
        for name, value in (("verifier", int(verifier, 16)), ("rollup", int(rollup, 16)), ("depth", depth),
                            ("unit", unit), ("records_nullifiers", int(records_nullifiers))):
            self.store(name, value=value)
        for level, zero in enumerate(zeros):
            self.store("zero", level, value=zero)
            self.store("filled", level, value=zero)
        self._push_root(zeros[depth])

    def _push_root(self, root: int) -> None:
        slot = self.load("roots") % ROOT_HISTORY
        if self.load("roots") >= ROOT_HISTORY:
            self.store("is_root", self.load("root_at", slot), value=0)
        self.store("root_at", slot, value=root)
        self.store("is_root", root, value=1)
        self.store("root", value=root)
        self.store("roots", value=self.load("roots") + 1)

    def _insert_pair(self, left: int, right: int) -> int:
        """Append two leaves (at an even index); returns the first one's index."""
        index = self.load("leaves")
        depth = self.load("depth")
        self.require(index + 2 <= 1 << depth, "the note tree is full")
        self.env.meter.charge(depth * POSEIDON_GAS[2], "Poseidon note tree")
        node, position = poseidon_hash([left, right]), index >> 1
        for level in range(1, depth):
            if position & 1:
                node = poseidon_hash([self.load("filled", level), node])
            else:
                self.store("filled", level, value=node)
                node = poseidon_hash([node, self.load("zero", level)])
            position >>= 1
        self.store("leaves", value=index + 2)
        self._push_root(node)
        return index

    @external(payable=True)
    def transact(self, proof: list[int], root: int, public_amount: int, nullifiers: list[int],
                 commitments: list[int], recipient_ax: int, recipient_ay: int, encrypted: list[int]) -> int:
        """A deposit, private transfer or withdrawal (see the module doc); returns the index of
        the first new note."""
        self.require(len(nullifiers) == 2 and len(commitments) == 2, "a transaction spends 2 notes and makes 2")
        self.require(len(encrypted) == 2 * NOTE_WORDS, f"a transaction posts 2 encrypted notes of {NOTE_WORDS} words")
        self.require(self.load("is_root", root), "unknown note tree root")
        self.require(nullifiers[0] != nullifiers[1], "the two inputs have one nullifier")
        for n in nullifiers:
            self.require(not self.load("spent", n), f"nullifier {n:#x} already spent")
        self.require(all(0 <= w < R for w in [public_amount, *nullifiers, *commitments, *encrypted]),
                     "a value is not a field element")
        unit = self.load("unit")
        withdrawal = R - public_amount if public_amount > R - MAX_AMOUNT else 0
        self.require(public_amount < MAX_AMOUNT or withdrawal, "public amount out of range (|amount| < 2^64)")
        deposit = 0 if withdrawal else public_amount
        self.require(self.value == deposit * unit, f"a deposit of {deposit} units pays {deposit * unit} wei")
        if withdrawal:
            self.require(recipient_ax != 0, "a withdrawal names the rollup account's key")
        h = ext_data_hash(recipient_ax, recipient_ay, encrypted, self.keccak)
        ok = self.call(addr(self.load("verifier")), "verify", [root, public_amount, h, *nullifiers, *commitments], proof)
        self.require(ok, "invalid proof")
        if self.load("records_nullifiers"):
            for n in nullifiers:
                self.store("spent", n, value=1)
        for n in nullifiers:
            self.emit("NewNullifier", n, args=(n,))
        index = self._insert_pair(*commitments)
        for k, c in enumerate(commitments):
            note = encrypted[k * NOTE_WORDS:(k + 1) * NOTE_WORDS]
            self.emit("NewCommitment", index + k, data=b"".join(map(b32, [c, *note])), args=(index + k, c, note))
        if deposit:
            self.store("deposited", value=self.load("deposited") + deposit)
        if withdrawal:
            self.store("withdrawn", value=self.load("withdrawn") + withdrawal)
            self.call(addr(self.load("rollup")), "deposit", recipient_ax, recipient_ay, value=withdrawal * unit)
        return index

    # -- views -----------------------------------------------------------------------------------
    @external
    def spent(self, nullifier: int) -> bool:
        return bool(self.load("spent", nullifier))

    @external
    def known_root(self, root: int) -> bool:
        return bool(self.load("is_root", root))

    @external
    def state(self) -> PoolState:
        return PoolState(*(self.load(n) for n in ("root", "leaves", "deposited", "withdrawn")))
