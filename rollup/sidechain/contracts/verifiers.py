"""The bridge's security models, one verifier class each: what admits a checkpoint, when its
world becomes acceptable, and what a fraud proof against it takes. The
:class:`~prozchain.rollup.sidechain.contracts.bridge.Bridge` delegates every such decision to
the verifier of its stored mode, so it holds no branch on the mode itself.

- :class:`ThresholdVerifier`: ``m`` of ``n`` bridge keys sign each checkpoint; it is final at
  once. The keys may also sign a single transfer (``release_transfer``).
- :class:`StakingVerifier`: the signers are the staked validators of the checkpoint's epoch,
  more than 2/3 of the stake signs, the epoch is the last posted header's (so an old set cannot
  sign new heights), and the checkpoint posts its headers and waits out ``window`` seconds: a
  fraud proof inside it deletes the checkpoint, and ``slash_signers`` then slashes every
  signer's bond.
- :class:`OptimisticVerifier`: a bonded relayer posts the checkpoint *with its headers* (so
  anyone can build a fraud proof); it is final after ``window`` seconds unless a fraud proof
  (a re-execution, or a forged token mint) deletes it and every later checkpoint; the
  challenger takes half the bond, the rest is burnt. The bond is an entry of the bond ledger
  the bridge is linked to (:class:`~prozchain.rollup.economics.bonds.BondLedger`).
- :class:`ZkVerifier`: one Groth16 proof that more than 2/3 of the stake of the set the
  :class:`~prozchain.rollup.sidechain.contracts.light_client.ZkLightClient` stores signed the
  checkpoint (its ``sigs`` carry the proof and the statement, :func:`~prozchain.rollup.sidechain.node.quorum.proof_sigs`);
  final at once, like ``THRESHOLD``, at a constant cost whatever the number of validators.

A verifier is a view of the bridge, not a contract: it keeps no state of its own and reads and
writes the bridge's storage, metered as the bridge's.

>>> sorted((v.mode, v.__name__) for v in VERIFIERS.values())
[(1, 'ThresholdVerifier'), (2, 'StakingVerifier'), (3, 'OptimisticVerifier'), (4, 'ZkVerifier')]
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from prozchain.rollup.sidechain.contracts.modes import (CHECK_CLIENT, FINAL, OPTIMISTIC, PENDING, STAKING,
                                                        THRESHOLD, ZK)
from prozchain.rollup.common.words import addr, word
from prozchain.rollup.economics.bonds import BURN
from prozchain.rollup.sidechain.node.chain import Header
from prozchain.rollup.sidechain.errors import InvalidMessage
from prozchain.rollup.sidechain.node.checkpoint import transfer_digest
from prozchain.rollup.sidechain.node.quorum import read_proof_sigs

if TYPE_CHECKING:
    from prozchain.rollup.sidechain.contracts.bridge import Bridge


class Verifier(ABC):
    """The decisions of one security model; the defaults are those most models share."""

    mode: ClassVar[int]
    initial_status: ClassVar[int] = FINAL  # of a checkpoint L1 has just admitted

    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge

    @abstractmethod
    def confirm_delay(self, first: int, last: int, headers_root: bytes, epoch: int, headers: list[bytes]) -> int:
        """Check the headers posted with a checkpoint of heights ``first..last``; the seconds
        until its world is acceptable."""

    @abstractmethod
    def admit(self, digest: bytes, epoch: int, sigs: list[bytes], client: str, checks: int) -> None:
        """Admit the checkpoint with ``digest``: its signatures, or its bond."""

    def check_window(self, number: int) -> None:
        """A fraud proof against checkpoint ``number`` must come inside its challenge window."""
        b = self.bridge
        b.require(b.timestamp < b.load("confirm_at", b.load("cp_world", number)), "the challenge window has closed")

    def record_fraud(self, number: int) -> None:
        """Checkpoint ``number`` was proven fraudulent (before it is deleted)."""

    def refund(self, number: int, reason: str) -> None:
        """Return checkpoint ``number``'s bond: it is confirmed, or deleted because it built on a
        fraudulent one, not proven wrong itself."""

    def reward(self, number: int, challenger: str) -> None:
        """Pay whoever proved checkpoint ``number`` fraudulent."""

    def check_transfer(self, index: int, recipient: str, amount: int, sigs: list[bytes]) -> None:
        """Authorise paying withdrawal ``index`` on signatures over the transfer, without a checkpoint."""
        self.bridge.require(False, "only a THRESHOLD bridge releases signed transfers")

    def _unbonded_own_client(self, client: str, checks: int) -> None:
        """A checkpoint admitted by a light client takes no bond, and (``CHECK_CLIENT``) only the bridge's own client."""
        b = self.bridge
        b.require(b.value == 0, "a signed checkpoint takes no bond")
        if checks & CHECK_CLIENT:
            b.require(client == addr(b.load("client")), "not the bridge's light client")

    def _posted(self, first: int, last: int, headers_root: bytes, headers: list[bytes]) -> tuple[int, Header]:
        """Check that the posted headers are the checkpoint's (so anyone can build a fraud
        proof against them); the challenge window and the last header."""
        b = self.bridge
        b.require(len(headers) == last - first + 1, "an optimistic or staking checkpoint posts its headers")
        b.require(b._headers_root(headers) == headers_root, "the posted headers do not match the root")
        window = b.load("window")
        return window, b._decode_header(headers[-1])


class FinalAtOnce(Verifier):
    """A checkpoint posts no headers and is final at once, so fraud may be proven at any time."""

    def confirm_delay(self, first: int, last: int, headers_root: bytes, epoch: int, headers: list[bytes]) -> int:
        return 0

    def check_window(self, number: int) -> None:
        """No window."""


class SignedVerifier(Verifier):
    """A checkpoint is admitted on signatures the light client weighs, and takes no bond."""

    def admit(self, digest: bytes, epoch: int, sigs: list[bytes], client: str, checks: int) -> None:
        b = self.bridge
        self._unbonded_own_client(client, checks)
        power = b.call(client, "verify", digest, epoch, sigs)
        b.require(power >= b.call(client, "quorum", epoch), f"signatures carry {power}, below the quorum")
        b.store("sigs_hash", word(digest), value=word(b.keccak(b"".join(sigs))))


class ThresholdVerifier(FinalAtOnce, SignedVerifier):
    """m-of-n bridge keys; a checkpoint posts no headers and is final at once."""

    mode = THRESHOLD

    def check_transfer(self, index: int, recipient: str, amount: int, sigs: list[bytes]) -> None:
        b = self.bridge
        client = addr(b.load("client"))
        power = b.call(client, "verify", transfer_digest(b.address, index, recipient, amount), 0, sigs)
        b.require(power >= b.call(client, "quorum", 0), f"signatures carry {power}, below the quorum")


class StakingVerifier(SignedVerifier):
    """The staked validators of the last posted header's epoch sign; a challenge window."""

    mode = STAKING

    def confirm_delay(self, first: int, last: int, headers_root: bytes, epoch: int, headers: list[bytes]) -> int:
        window, last_header = self._posted(first, last, headers_root, headers)
        self.bridge.require(last_header.epoch == epoch,
                            f"signed for epoch {epoch}, but the last header is in epoch {last_header.epoch}")
        return window

    def record_fraud(self, number: int) -> None:
        # Kept by digest: a checkpoint resubmitted at ``number`` cannot erase it.
        b = self.bridge
        b.store("fraud", word(b._stored(number).digest), value=b.load("cp_epoch", number) + 1)


class OptimisticVerifier(Verifier):
    """A bonded relayer posts the headers; a challenge window; fraud takes the bond."""

    mode = OPTIMISTIC
    initial_status = PENDING  # until its bond is reclaimed

    def confirm_delay(self, first: int, last: int, headers_root: bytes, epoch: int, headers: list[bytes]) -> int:
        window, _ = self._posted(first, last, headers_root, headers)
        return window

    def admit(self, digest: bytes, epoch: int, sigs: list[bytes], client: str, checks: int) -> None:
        b = self.bridge
        b.require(b.value == b.load("bond"), "the checkpoint bond is required")
        number = b.load("count") + 1  # the checkpoint being submitted
        b.store("cp_bond", number, value=b.ledger("lock", b.sender, b.value, "relayer", f"checkpoint {number}",
                                                   value=b.value))

    def refund(self, number: int, reason: str) -> None:
        self.bridge.ledger("release", self.bridge.load("cp_bond", number), reason)

    def reward(self, number: int, challenger: str) -> None:
        b = self.bridge
        bond, amount = b.load("cp_bond", number), b.load("bond")
        b.ledger("slash", bond, amount // 2, challenger, f"checkpoint {number} proven fraudulent: half to the prover")
        b.ledger("slash", bond, amount - amount // 2, BURN, f"checkpoint {number} proven fraudulent: half burnt")


class ZkVerifier(FinalAtOnce):
    """One Groth16 proof per checkpoint, checked by the ZK light client; final at once."""

    mode = ZK

    def admit(self, digest: bytes, epoch: int, sigs: list[bytes], client: str, checks: int) -> None:
        b = self.bridge
        self._unbonded_own_client(client, checks)
        try:
            proof, set_commitment, next_epoch, next_set = read_proof_sigs(sigs)
        except InvalidMessage as exc:
            b.require(False, str(exc))
        b.call(client, "verify_checkpoint", digest, epoch, proof, set_commitment, next_epoch, next_set)


VERIFIERS: dict[int, type[Verifier]] = {v.mode: v for v in (ThresholdVerifier, StakingVerifier, OptimisticVerifier,
                                                            ZkVerifier)}
