"""The ZK light client's circuit: more than 2/3 of a validator set's stake signed a checkpoint.

A validator set is committed to by one field element, :func:`set_commitment`: a Poseidon chain
``c_0 = 0, c_{i+1} = Poseidon(c_i, A_i.x, A_i.y, power_i)`` over ``capacity`` slots, each an
EdDSA-Poseidon public key on Baby Jubjub and a stake (empty slots: the identity point and
power 0). The L1 stores that commitment, never the keys.

:class:`QuorumCircuit` has four public inputs, in this order: ``set`` (the commitment of the
signing set), ``message`` (the checkpoint's digest reduced mod the field order), ``next_epoch``
and ``next_set`` (the epoch and set of the checkpoint that follows). Validators sign
:func:`signed_message` = ``Poseidon(message, next_epoch, next_set)`` with circomlibjs's
``signPoseidon``, so the set's hand-over at an epoch boundary is part of what they sign: the
proof of an epoch's last checkpoint carries the next set's commitment, and a set change nobody
signed cannot be proven. The circuit opens the set against ``set``, checks each flagged slot's
signature (an unflagged slot verifies a fixed dummy signature instead, so every slot costs the
same), range-checks each power to :data:`POWER_BITS` bits and proves ``3 * signed > 2 * total``.

Constraints: 6,306 per slot (the signature 5,904, the six selections between it and the dummy
6, the flag 1, the slot's Poseidon 297, its stake's range check 97, its weight 1) plus about
360 (the signed message's Poseidon 261, the quorum's range check about 100): 25,585 for 4 slots,
about 807,000 for 128.

>>> keys = [bytes([i + 1]) * 32 for i in range(3)]
>>> members = [(public_key(k), 10) for k in keys]
>>> statement = Statement(set_commitment(members, 4), 77, 1, set_commitment(members, 4))
>>> sigs = {0: sign(keys[0], statement.signed), 2: sign(keys[2], statement.signed)}
>>> inputs = quorum_inputs(members, 4, statement, sigs)
>>> inputs["signed"]
['1', '0', '1', '0']
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np

from prozchain.circuits import Circuit, assert_bool, assert_equal
from prozchain.circuits.circuit import CompiledCircuit
from prozchain.circuits.gadgets.babyjub import IDENTITY, Point
from prozchain.circuits.gadgets.bits import range_check
from prozchain.circuits.gadgets.eddsa import Signature, public_key, sign, verify_gadget
from prozchain.circuits.gadgets.mux import select
from prozchain.circuits.gadgets.poseidon import poseidon, poseidon_hash
from prozchain.native import get_backend
from prozchain.native.curve import R
from prozchain.native.kernels import ints_to_array
from prozchain.prover.formats.zkey import ZKey
from prozchain.prover.groth16.prover import prove
from prozchain.prover.solidity import proof_words
from prozchain.rollup.common.keys import proving_key
from prozchain.rollup.common.words import b32, word
from prozchain.rollup.l1 import Key
from prozchain.rollup.l1.groth16 import PROOF_WORDS
from prozchain.rollup.vm.merkle import keccak
from prozchain.rollup.sidechain.errors import InvalidMessage, SidechainError

POWER_BITS = 96  # a stake in wei: 2^96 is about 7.9e10 ether
# A slot that did not sign verifies this constant signature instead of its own (never counted).
_DUMMY_KEY = b"prozchain-light-client-dummy-key"
_DUMMY_MESSAGE = 1

Member = tuple[Point, int]  # (EdDSA public key, power)


@lru_cache(maxsize=1)
def _dummy() -> tuple[Point, Signature]:
    return public_key(_DUMMY_KEY), sign(_DUMMY_KEY, _DUMMY_MESSAGE)


def _slots(members: Sequence[Member], capacity: int) -> list[Member]:
    if len(members) > capacity:
        raise SidechainError(f"{len(members)} validators do not fit a light client of {capacity} slots")
    return list(members) + [(IDENTITY, 0)] * (capacity - len(members))


def set_commitment(members: Sequence[Member], capacity: int) -> int:
    """The Poseidon commitment of a validator set padded to ``capacity`` slots (what L1 stores)."""
    c = 0
    for (x, y), power in _slots(members, capacity):
        c = poseidon_hash([c, x, y, power])
    return c


def message_of(digest: bytes) -> int:
    """A checkpoint digest as the field element the validators sign (keccak, reduced mod r)."""
    return int.from_bytes(digest, "big") % R


def signed_message(message: int, next_epoch: int, next_set: int) -> int:
    """What each validator signs with EdDSA-Poseidon: the checkpoint and the set that follows it."""
    return poseidon_hash([message, next_epoch, next_set])


@dataclass(frozen=True)
class Statement:
    """The public inputs of one proof, in the verifier's order (:meth:`inputs`)."""

    set: int
    message: int
    next_epoch: int
    next_set: int

    @property
    def signed(self) -> int:
        return signed_message(self.message, self.next_epoch, self.next_set)

    def inputs(self) -> list[int]:
        return [self.set, self.message, self.next_epoch, self.next_set]


def proof_sigs(proof: Sequence[int], statement: Statement) -> list[bytes]:
    """What a ``ZK`` checkpoint carries in ``submit_checkpoint``'s ``sigs``: the proof's 8 words
    in one entry, then the set, the next epoch and the next set (the message is the digest)."""
    return [b"".join(b32(w) for w in proof), b32(statement.set), b32(statement.next_epoch), b32(statement.next_set)]


def read_proof_sigs(sigs: Sequence[bytes]) -> tuple[list[int], int, int, int]:
    """The inverse of :func:`proof_sigs`: (proof words, set, next epoch, next set).

    >>> read_proof_sigs(proof_sigs(range(8), Statement(1, 2, 3, 4)))
    ([0, 1, 2, 3, 4, 5, 6, 7], 1, 3, 4)
    """
    if len(sigs) != 4 or len(sigs[0]) != 32 * PROOF_WORDS or any(len(x) != 32 for x in sigs[1:]):
        raise InvalidMessage("a ZK checkpoint carries a proof of 8 words, the set, the next epoch and the next set")
    raw = sigs[0]
    return [word(raw[i:i + 32]) for i in range(0, len(raw), 32)], word(sigs[1]), word(sigs[2]), word(sigs[3])


class QuorumCircuit(Circuit):
    """More than 2/3 of the stake of the set committed to by ``set`` signed ``Poseidon(message,
    next_epoch, next_set)``; ``capacity`` slots."""

    def __init__(self, capacity: int = 4) -> None:
        self.capacity = capacity

    def define(self) -> None:
        n = self.capacity
        committed, message = self.public_input("set"), self.public_input("message")
        next_epoch, next_set = self.public_input("next_epoch"), self.public_input("next_set")
        keys, powers = self.private_input("keys", (n, 2)), self.private_input("powers", n)
        signed, r8, s = self.private_input("signed", n), self.private_input("R8", (n, 2)), self.private_input("S", n)
        m = poseidon([message, next_epoch, next_set])
        dummy_key, dummy = _dummy()
        c, total, weight = 0, 0, 0
        for i in range(n):
            c = poseidon([c, keys[i][0], keys[i][1], powers[i]])
            range_check(powers[i], POWER_BITS)
            assert_bool(signed[i])
            pick = lambda mine, other: select(signed[i], mine, other)  # noqa: E731
            verify_gadget(pick(m, _DUMMY_MESSAGE), (pick(keys[i][0], dummy_key[0]), pick(keys[i][1], dummy_key[1])),
                          (pick(r8[i][0], dummy.R8[0]), pick(r8[i][1], dummy.R8[1])), pick(s[i], dummy.S))
            total = total + powers[i]
            weight = weight + signed[i] * powers[i]
        assert_equal(c, committed)
        # 3 * weight > 2 * total, i.e. 3 * weight - 2 * total - 1 is small and not "negative"
        range_check(3 * weight - 2 * total - 1, POWER_BITS + n.bit_length() + 2)


def quorum_inputs(members: Sequence[Member], capacity: int, statement: Statement,
                  signatures: Mapping[int, Signature]) -> dict:
    """The circuit's input JSON: ``members`` (in set order) and the signatures by slot index."""
    slots = _slots(members, capacity)
    dummy_key, dummy = _dummy()
    sigs = [signatures.get(i) for i in range(capacity)]
    text = lambda values: [str(v) for v in values]  # noqa: E731
    return {
        "set": str(statement.set), "message": str(statement.message),
        "next_epoch": str(statement.next_epoch), "next_set": str(statement.next_set),
        "keys": [text(key) for key, _ in slots], "powers": text(p for _, p in slots),
        "signed": text(int(sig is not None) for sig in sigs),
        "R8": [text(sig.R8 if sig else dummy.R8) for sig in sigs],
        "S": text(sig.S if sig else dummy.S for sig in sigs),
    }


def eddsa_secret(key: Key) -> bytes:
    """The EdDSA-Poseidon private key a validator derives from its L1 key (it publishes the
    public one, :func:`~prozchain.circuits.gadgets.eddsa.public_key` of this, with its bond)."""
    return keccak(b"prozchain-sidechain-eddsa" + key.secret)


@lru_cache(maxsize=None)
def compiled_quorum(capacity: int) -> CompiledCircuit:
    """:class:`QuorumCircuit` of ``capacity`` slots, compiled once per process."""
    return QuorumCircuit(capacity).compile()


class QuorumProver:
    """The relayer's prover: proves :class:`QuorumCircuit` of ``capacity`` slots under its
    development key (:func:`~prozchain.rollup.common.keys.proving_key`). ``rng`` draws the
    blinding (seeded in simulations, so a run replays byte for byte)."""

    def __init__(self, capacity: int, rng: Optional[random.Random] = None, directory: Optional[Path] = None) -> None:
        self.capacity, self.rng = capacity, rng
        self.compiled = compiled_quorum(capacity)
        self.zkey: ZKey = proving_key(self.compiled, directory)

    def witness(self, members: Sequence[Member], statement: Statement,
                signatures: Mapping[int, Signature]) -> np.ndarray:
        """The witness; raises :class:`~prozchain.relations.errors.WitnessError` when the
        signatures are not a quorum of the set ``statement`` names."""
        return ints_to_array(self.compiled.solve(quorum_inputs(members, self.capacity, statement, signatures)))

    def prove_witness(self, witness: np.ndarray) -> list[int]:
        """The proof of ``witness`` as the 8 words the verifier contract takes (C core)."""
        proof, _ = prove(self.zkey, witness, backend=get_backend("c"), rng=self.rng)
        return proof_words(proof)

    def prove(self, members: Sequence[Member], statement: Statement, signatures: Mapping[int, Signature]) -> list[int]:
        """:meth:`prove_witness` of :meth:`witness`."""
        return self.prove_witness(self.witness(members, statement, signatures))
