"""The light client on L1: follows the sidechain's signer set and says how much of it signed a
digest. Under ``THRESHOLD`` the set is ``m`` of ``n`` bridge keys, rotated by
``set_signers`` with a quorum of the current ones (refused, with ``CHECK_THRESHOLD``, for
``m <= 2n/3`` or ``n < min_signers``); under ``STAKING`` it is the staked validators of an
epoch, read from :class:`~prozchain.rollup.sidechain.contracts.staking.Staking` (refusing an
epoch older than the one before the current: a set that has left may have unbonded), and more
than 2/3 of the stake is a quorum. Under ``ZK``, :class:`ZkLightClient` stores only the set's
Poseidon commitment and checks one proof per checkpoint.

>>> LightClient.methods["verify"].types
('bytes32', 'uint256', 'bytes[]')
"""

from __future__ import annotations

from typing import Optional

from prozchain.rollup.common.words import addr, b32
from prozchain.rollup.l1 import Address, Bytes32, Contract, external
from prozchain.rollup.l1.crypto import to_address
from prozchain.rollup.sidechain.contracts.modes import CHECK_MEMBERSHIP, CHECK_THRESHOLD, STAKING, THRESHOLD
from prozchain.rollup.sidechain.errors import InvalidMessage
from prozchain.rollup.sidechain.node.messages import signature_from_bytes
from prozchain.rollup.sidechain.node.quorum import message_of
from prozchain.rollup.vm.merkle import keccak


class LightClient(Contract):
    """Follows the sidechain's signer set and says how much of it signed a digest."""

    def constructor(self, mode: int, staking: Address, signers: list[Address], threshold: int,
                    min_signers: int, checks: int) -> None:
        self.require(mode in (THRESHOLD, STAKING), "a light client verifies THRESHOLD or STAKING signatures")
        for name, value in (("mode", mode), ("staking", int(staking, 16)), ("checks", checks)):
            self.store(name, value=value)
        if mode == THRESHOLD:
            self._set_signers(signers, threshold, min_signers)
            self.store("min_signers", value=min_signers)

    def _set_signers(self, signers: list[str], threshold: int, min_signers: int) -> None:
        n = len(set(signers))
        self.require(n == len(signers) and 0 < threshold <= n, "signers must be distinct, threshold in 1..n")
        if self.load("checks") & CHECK_THRESHOLD:
            self.require(n >= min_signers and 3 * threshold > 2 * n,
                         f"{threshold} of {n} keys is too few: need n >= {min_signers} and m > 2n/3")
        version = self.load("version") + 1
        for s in signers:
            self.store("signer", version, s, value=1)
        self.store("threshold", value=threshold)
        self.store("version", value=version)
        self.emit("SignersSet", version, args=(version, list(signers), threshold))

    @external
    def set_signers(self, signers: list[Address], threshold: int, sigs: list[bytes]) -> None:
        """Rotate the bridge keys (THRESHOLD mode) with a quorum of the current ones."""
        self.require(self.load("mode") == THRESHOLD, "the staking set follows the staking contract")
        digest = keccak(b"prozchain-bridge-signers" + b"".join(bytes.fromhex(s[2:]) for s in signers)
                        + b32(threshold) + b32(self.load("version")))
        self.require(self.verify(digest, 0, sigs) >= self.quorum(0), "not signed by a quorum of the current keys")
        self._set_signers(signers, threshold, self.load("min_signers"))

    @external
    def quorum(self, epoch: int) -> int:
        if self.load("mode") == THRESHOLD:
            return self.load("threshold")
        staking = addr(self.load("staking"))
        current = self.call(staking, "current_epoch")
        self.require(epoch + 1 >= current, f"epoch {epoch}'s set is stale: the staking contract is at epoch {current}")
        total = self.call(staking, "total_power", epoch)
        self.require(total > 0, f"epoch {epoch} has no validator set")
        return total * 2 // 3 + 1

    @external
    def verify(self, digest: Bytes32, epoch: int, sigs: list[bytes]) -> int:
        """The power of the distinct members of ``epoch``'s set whose signatures over ``digest``
        are in ``sigs`` (signatures of anyone else count for nothing)."""
        seen, power = set(), 0
        membership = self.load("checks") & CHECK_MEMBERSHIP
        for raw in sigs:
            signer = self._recover(digest, raw)
            if signer is None or signer in seen:
                continue
            seen.add(signer)
            weight = self._power(epoch, signer)
            power += weight if weight or membership else 1
        return power

    @external
    def signers_of(self, digest: Bytes32, epoch: int, sigs: list[bytes]) -> list[Address]:
        """The distinct members among the signers (whom a fraud proof slashes)."""
        out = []
        for raw in sigs:
            signer = self._recover(digest, raw)
            if signer is not None and signer not in out and self._power(epoch, signer):
                out.append(signer)
        return out

    def _recover(self, digest: bytes, raw: bytes) -> Optional[str]:
        """The signer of ``raw`` (65 bytes ``r || s || parity``) over ``digest``, through L1's
        ecrecover precompile; None for a signature that recovers nobody."""
        try:
            v, r, s = signature_from_bytes(raw)
        except InvalidMessage:
            return None
        out = self.precompile(1, digest + b32(27 + v) + b32(r) + b32(s))
        return to_address(out[12:]) if out else None

    def _power(self, epoch: int, who: str) -> int:
        if self.load("mode") == THRESHOLD:
            return self.load("signer", self.load("version"), who)
        return self.call(addr(self.load("staking")), "power_in", epoch, who)


class ZkLightClient(Contract):
    """The ``ZK`` model's light client: stores the Poseidon commitment of the current
    validator set and its epoch (never the keys), and admits a checkpoint on one Groth16 proof
    (:class:`~prozchain.rollup.sidechain.node.quorum.QuorumCircuit`) that more than 2/3 of that
    set's stake signed it together with the epoch and set that follow it. A proof whose next
    epoch is later hands the light client over to the next set: what the old set signed is then
    stale. With ``CHECK_MEMBERSHIP`` off, the proof's set commitment is taken as given (not
    compared with the stored one), so anyone who proves a set of their own is a quorum."""

    def constructor(self, verifier: Address, set_commitment: int, epoch: int, checks: int) -> None:
        for name, value in (("verifier", int(verifier, 16)), ("set", set_commitment), ("epoch", epoch),
                            ("checks", checks), ("deployer", int(self.sender, 16))):
            self.store(name, value=value)

    @external
    def link_bridge(self, bridge: Address) -> None:
        """Name the bridge whose checkpoints this client follows (once, by the deployer): a
        hand-over proof taken from a relayer's transaction and sent here directly would
        otherwise move the client past the checkpoint the bridge has yet to receive."""
        self.require(self.sender == addr(self.load("deployer")) and self.load("bridge") == 0,
                     "only the deployer links the bridge, once")
        self.store("bridge", value=int(bridge, 16))

    @external
    def current_set(self) -> tuple[int, int]:
        """(the stored set commitment, its epoch)."""
        return self.load("set"), self.load("epoch")

    @external
    def verify_checkpoint(self, digest: Bytes32, epoch: int, proof: list[int], set_commitment: int,
                          next_epoch: int, next_set: int) -> None:
        """Revert unless ``proof`` shows a quorum of the set ``set_commitment`` (the stored one,
        for checkpoint ``epoch``) signed ``digest`` with ``(next_epoch, next_set)``; then follow
        the hand-over, if any."""
        self.require(self.sender == addr(self.load("bridge")), "only the bridge submits checkpoints")
        if self.load("checks") & CHECK_MEMBERSHIP:
            stored, current = self.load("set"), self.load("epoch")
            self.require(epoch >= current, f"epoch {epoch}'s set is stale: the light client follows epoch {current}")
            self.require(epoch == current, f"no validator set for epoch {epoch} yet (the light client is at {current})")
            self.require(set_commitment == stored, "the proof's validator set is not the one L1 stores")
        self.require(next_epoch > epoch or (next_epoch == epoch and next_set == set_commitment),
                     "a validator set changes only at a later epoch")
        statement = [set_commitment, message_of(digest), next_epoch, next_set]
        self.require(self.call(addr(self.load("verifier")), "verify", statement, list(proof)),
                     "the quorum proof does not verify")
        if next_epoch > epoch:
            self.store("set", value=next_set)
            self.store("epoch", value=next_epoch)
            self.emit("SetHandedOver", next_epoch, args=(next_epoch, next_set))
