"""Signed consensus messages: proposals, votes, commit certificates and double-sign evidence.

A vote signs ``keccak(tag || rlp([chain_id, epoch, height, round, step, block_hash]))`` with
the validator's secp256k1 key (nil is the zero hash). Two votes of one validator for the same
height, round and step with different block hashes are :class:`Evidence` of equivocation; the
L1 staking contract checks exactly that from the two encodings.

>>> from prozchain.rollup.l1 import Key
>>> key = Key.from_seed(b"v")
>>> a = Vote.make(key, 0, 5, 0, PREVOTE, b"\\x01" * 32)
>>> b = Vote.make(key, 0, 5, 0, PREVOTE, None)
>>> Evidence(a, b).validator == key.address, Vote.decode(a.encode()) == a
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional, Union

from prozchain.rollup.l1.crypto import Address, Key, recover_address
from prozchain.rollup.l1.errors import InvalidTransaction
from prozchain.rollup.sidechain.errors import InvalidMessage
from prozchain.rollup.sidechain.node.chain import SIDECHAIN_ID, Block
from prozchain.rollup.vm.codec import decode_rlp, rlp_encode, to_int
from prozchain.rollup.vm.errors import DecodeError
from prozchain.rollup.vm.merkle import EMPTY, keccak

PREVOTE, PRECOMMIT = 1, 2
ECRECOVER_GAS = 3_000
"""What L1 charges a contract per signature recovery (the ecrecover precompile's price)."""
VOTE_TAG = b"prozchain-sidechain-vote"
PROPOSAL_TAG = b"prozchain-sidechain-proposal"


def signer_of(digest: bytes, signature: Optional[tuple[int, int, int]]) -> Address:
    """Who signed ``digest``; :class:`InvalidMessage` for a missing or broken signature."""
    if signature is None:
        raise InvalidMessage("message is not signed")
    try:
        return recover_address(digest, signature)
    except InvalidTransaction as exc:
        raise InvalidMessage(f"bad signature: {exc}") from exc


def signature_bytes(signature: tuple[int, int, int]) -> bytes:
    """65 bytes ``r || s || v`` as L1 contracts take them."""
    v, r, s = signature
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def signature_from_bytes(raw: bytes) -> tuple[int, int, int]:
    if len(raw) != 65:
        raise InvalidMessage(f"a signature has 65 bytes, got {len(raw)}")
    return raw[64], int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big")


class Signed:
    """A signed message: its ``_fields()``, ``digest`` and ``signature`` make its signer and
    its encoding (the fields, then the 65 signature bytes)."""

    @cached_property
    def signer(self) -> Address:
        return signer_of(self.digest, self.signature)

    def encode(self) -> bytes:
        return rlp_encode(self._fields() + [signature_bytes(self.signature)])


@dataclass(frozen=True)
class Vote(Signed):
    epoch: int
    height: int
    round: int
    step: int
    block_hash: Optional[bytes]
    signature: Optional[tuple[int, int, int]] = field(default=None, compare=False)
    chain_id: int = SIDECHAIN_ID

    def _fields(self) -> list:
        return [self.chain_id, self.epoch, self.height, self.round, self.step, self.block_hash or EMPTY]

    @property
    def digest(self) -> bytes:
        return keccak(VOTE_TAG + rlp_encode(self._fields()))

    @property
    def slot(self) -> tuple:
        """Two votes of one signer for the same slot and different blocks conflict."""
        return (self.chain_id, self.epoch, self.height, self.round, self.step)

    @classmethod
    def make(cls, key: Key, epoch: int, height: int, round_: int, step: int,
             block_hash: Optional[bytes]) -> "Vote":
        vote = cls(epoch, height, round_, step, block_hash)
        return cls(epoch, height, round_, step, block_hash, key.sign(vote.digest))

    @classmethod
    def decode(cls, data: bytes) -> "Vote":
        """The vote in ``data``; :class:`InvalidMessage` if it is not one."""
        try:
            chain_id, epoch, height, round_, step, block_hash, sig = decode_rlp(data)
            if len(block_hash) != 32 or to_int(step) not in (PREVOTE, PRECOMMIT):
                raise DecodeError("bad block hash or step")
            return cls(to_int(epoch), to_int(height), to_int(round_), to_int(step),
                       None if block_hash == EMPTY else block_hash, signature_from_bytes(sig),
                       to_int(chain_id))
        except (ValueError, TypeError) as exc:
            raise InvalidMessage(f"not a vote: {exc}") from exc

    def __repr__(self) -> str:
        value = self.block_hash.hex()[:8] if self.block_hash else "nil"
        return f"{'prevote' if self.step == PREVOTE else 'precommit'}(h{self.height} r{self.round} {value})"


@dataclass(frozen=True)
class SignedProposal(Signed):
    """What a proposer signs for ``(epoch, height, round)``: the block's hash and its
    ``valid_round`` (-1, or the round in which the block got a quorum of prevotes). It is also
    what L1 reads from evidence of conflicting proposals (without the block's contents)."""

    epoch: int
    height: int
    round: int
    valid_round: int
    block_hash: bytes
    signature: Optional[tuple[int, int, int]] = field(default=None, compare=False)
    chain_id: int = SIDECHAIN_ID

    def _fields(self) -> list:
        return [self.chain_id, self.epoch, self.height, self.round, self.valid_round + 1, self.block_hash]

    @property
    def digest(self) -> bytes:
        return keccak(PROPOSAL_TAG + rlp_encode(self._fields()))

    @property
    def slot(self) -> tuple:
        """Two proposals of one signer for the same slot and different blocks conflict."""
        return (self.chain_id, self.epoch, self.height, self.round, "proposal")

    @classmethod
    def decode(cls, data: bytes) -> "SignedProposal":
        """The signed proposal in ``data``; :class:`InvalidMessage` if it is not one."""
        try:
            chain_id, epoch, height, round_, valid_round, block_hash, sig = decode_rlp(data)
            if len(block_hash) != 32:
                raise DecodeError("bad block hash")
            return cls(to_int(epoch), to_int(height), to_int(round_), to_int(valid_round) - 1, block_hash,
                       signature_from_bytes(sig), to_int(chain_id))
        except (ValueError, TypeError) as exc:
            raise InvalidMessage(f"not a signed proposal: {exc}") from exc

    def __repr__(self) -> str:
        return f"proposal(h{self.height} r{self.round} {self.block_hash.hex()[:8]})"


@dataclass(frozen=True)
class Proposal:
    """The proposer's block for ``(height, round)`` in ``epoch``; ``valid_round`` is -1 or the
    round in which the block got a quorum of prevotes (Tendermint's proof-of-lock-change)."""

    height: int
    round: int
    valid_round: int
    block: Block
    signature: Optional[tuple[int, int, int]] = field(default=None, compare=False)
    epoch: int = 0

    @property
    def signed(self) -> SignedProposal:
        return SignedProposal(self.epoch, self.height, self.round, self.valid_round, self.block.hash, self.signature)

    @property
    def digest(self) -> bytes:
        return self.signed.digest

    @classmethod
    def make(cls, key: Key, epoch: int, height: int, round_: int, valid_round: int, block: Block) -> "Proposal":
        unsigned = cls(height, round_, valid_round, block, epoch=epoch)
        return cls(height, round_, valid_round, block, key.sign(unsigned.digest), epoch)

    @cached_property
    def signer(self) -> Address:
        return signer_of(self.digest, self.signature)

    def __repr__(self) -> str:
        return f"proposal(h{self.height} r{self.round} vr{self.valid_round} {self.block.hash.hex()[:8]})"


@dataclass(frozen=True)
class Commit:
    """A decided block and the precommits that decided it (catch-up and relaying)."""

    block: Block
    precommits: tuple[Vote, ...]

    @property
    def height(self) -> int:
        return self.block.height

    def __repr__(self) -> str:
        return f"commit(h{self.block.height} {self.block.hash.hex()[:8]}, {len(self.precommits)} sigs)"


@dataclass(frozen=True)
class Status:
    """"I am at ``height``": asks a peer that is ahead for the commit of that height."""

    height: int


@dataclass(frozen=True)
class Evidence:
    """Two conflicting messages of one validator: two votes (same height, round and step) or
    two :class:`SignedProposal`\\ s (same height and round) for different blocks. ``method``
    is the staking contract's method that judges it."""

    first: Union[Vote, SignedProposal]
    second: Union[Vote, SignedProposal]

    def __post_init__(self) -> None:
        a, b = self.first, self.second
        if type(a) is not type(b) or a.slot != b.slot:
            raise InvalidMessage("evidence messages are for different heights, rounds or steps")
        if a.block_hash == b.block_hash:
            raise InvalidMessage("evidence messages do not conflict")
        if a.signer != b.signer:
            raise InvalidMessage("evidence messages have different signers")

    @property
    def validator(self) -> Address:
        return self.first.signer

    @property
    def method(self) -> str:
        return "report" if isinstance(self.first, Vote) else "report_proposals"

    @property
    def key(self) -> str:
        return "/".join(str(x) for x in (self.first.signer, *self.first.slot[2:]))

    def __repr__(self) -> str:
        return f"evidence({self.first.signer[:10]} {self.first!r} vs {self.second!r})"
