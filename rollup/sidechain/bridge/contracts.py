"""The bridge's L1 contracts: a light client that follows the sidechain's signers, and the
bridge that locks deposits, accepts checkpoints, judges fraud proofs and releases withdrawals.

**Security models** (``mode``, chosen per sidechain):

- ``THRESHOLD``: ``m`` of ``n`` bridge keys sign each checkpoint; it is final at once. The
  light client refuses ``m <= 2n/3`` or ``n < min_signers`` (Ronin: 5 of 9 keys, four of them
  held by one party). ``set_signers`` rotates the keys with a quorum of the current ones.
- ``STAKING``: the signers are the staked validators of the checkpoint's epoch (the light client
  reads :class:`~rollup.sidechain.staking.Staking`, and refuses an epoch older than the one
  before the current: a set that has left may have unbonded), more than 2/3 of the stake signs,
  the epoch is the last posted header's (so an old set cannot sign new heights), and the
  checkpoint posts its headers and waits out ``window`` seconds: a fraud proof inside it deletes
  the checkpoint, and ``slash_signers`` then slashes every signer's bond.
- ``OPTIMISTIC``: a bonded relayer posts the checkpoint *with its headers* (so anyone can
  build a fraud proof); it is final after ``window`` seconds unless a fraud proof, which
  re-executes the disputed block on L1 step by step through :func:`prozchain.rollup.vm.step`, deletes it
  and every later checkpoint; the challenger takes the bond.

**Checks** (``checks`` bit mask, all on by default; scenarios turn them off to show the
post-mortems): ``CHECK_REPLAY`` a withdrawal is paid once; ``CHECK_ZERO_ROOT`` the zero root is
never acceptable (Nomad initialised ``confirmAt[0x0] = 1`` and every unproven message passed);
``CHECK_MEMBERSHIP`` only signatures of the set count; ``CHECK_CLIENT`` the light client passed
in must be the bridge's own (Wormhole took a caller-supplied account as proof that signatures
had been verified); ``CHECK_THRESHOLD`` the Ronin floor above.

Withdrawals are Nomad-shaped on purpose: ``prove_withdrawal`` opens the record in a checkpoint's
world and remembers that root for the message; ``process_withdrawal`` pays if the remembered
root is acceptable (confirmed and out of its window).

>>> sorted(m for m in Bridge.methods if "withdrawal" in m)
['process_token_withdrawal', 'process_withdrawal', 'prove_token_withdrawal', 'prove_withdrawal']
"""

from __future__ import annotations

from typing import Optional

from prozchain.rollup.common.merkle import list_root
from prozchain.rollup.common.words import addr, b32, word
from prozchain.rollup.l1 import Address, Bytes32, Contract, external
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.l1.crypto import to_address
from prozchain.rollup.sidechain.assets import asset_id, burn_commitment, burn_key, deposit_record
from prozchain.rollup.sidechain.bridge.checkpoint import Checkpoint, transfer_digest
from prozchain.rollup.sidechain.chain import Header
from prozchain.rollup.sidechain.errors import InvalidMessage
from prozchain.rollup.sidechain.messages import ECRECOVER_GAS, signature_from_bytes
from prozchain.rollup.sidechain.staking import BURN
from prozchain.rollup.vm.errors import DecodeError, InvalidWitness
from prozchain.rollup.vm.machine import Witness, step
from prozchain.rollup.vm.merkle import NODE_HASH_GAS, Proof, hash_counter, keccak, list_verify, read
from prozchain.rollup.vm.state import Context, addr_int, batch_start, state_root, withdrawal_commitment, withdrawal_key
from prozchain.rollup.vm.tx import Deposit

THRESHOLD, STAKING, OPTIMISTIC = 1, 2, 3
CHECK_REPLAY, CHECK_ZERO_ROOT, CHECK_MEMBERSHIP, CHECK_CLIENT, CHECK_THRESHOLD = 1, 2, 4, 8, 16
ALL_CHECKS = 31
PENDING, FINAL, DELETED = 1, 2, 3


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


class Bridge(Contract):
    def constructor(self, mode: int, client: Address, staking: Address, genesis_world: Bytes32,
                    window: int, bond: int, checks: int) -> None:
        self.require(mode in (THRESHOLD, STAKING, OPTIMISTIC), f"unknown security model {mode}")
        if checks & CHECK_ZERO_ROOT:
            self.require(word(genesis_world) != 0, "the genesis world root cannot be zero")
        else:
            self.store("confirm_at", 0, value=1)  # Nomad's initialisation: root 0 "confirmed"
        for name, value in (("mode", mode), ("client", int(client, 16)), ("staking", int(staking, 16)),
                            ("window", window), ("bond", bond), ("checks", checks)):
            self.store(name, value=value)
        self.store("cp_world", 0, value=word(genesis_world))
        self.store("confirm_at", word(genesis_world), value=1)

    # -- deposits: lock on L1 -----------------------------------------------------------------
    @external(payable=True)
    def deposit(self, recipient: Address) -> int:
        """Lock ether for ``recipient`` on the sidechain; the deposit hash is what validators
        and fraud proofs check the sidechain's mint against."""
        self.require(self.value > 0, "a deposit must carry value")
        index = self.load("deposits")
        self.store("deposit", index, value=word(self.keccak(Deposit(index, recipient, self.value).encode())))
        self.store("deposits", value=index + 1)
        self.store("locked", value=self.load("locked") + self.value)
        self.emit("Deposited", index, recipient, data=b32(self.value), args=(index, recipient, self.value))
        return index

    @external
    def deposit_hash(self, index: int) -> bytes:
        return b32(self.load("deposit", index))

    @external
    def deposit_count(self) -> int:
        return self.load("deposits")

    # -- checkpoints --------------------------------------------------------------------------
    @external(payable=True)
    def submit_checkpoint(self, number: int, first: int, last: int, headers_root: Bytes32, world: Bytes32,
                          dep_next: int, epoch: int, headers: list[bytes], sigs: list[bytes],
                          client: Address) -> None:
        self.require(number == self.load("count") + 1, f"the next checkpoint is {self.load('count') + 1}")
        self.require(first == self.load("cp_last", number - 1) + 1 and last >= first,
                     "the checkpoint does not continue the previous one")
        self.require(dep_next <= self.load("deposits") and dep_next >= self.load("cp_dep_next", number - 1),
                     "the checkpoint credits deposits L1 does not have")
        self.require(epoch >= self.load("cp_epoch", number - 1), "the signer epoch goes backwards")
        mode, checks = self.load("mode"), self.load("checks")
        confirm = self.timestamp
        if mode != THRESHOLD:  # the headers are posted, so anyone can build a fraud proof
            self.require(len(headers) == last - first + 1, "an optimistic or staking checkpoint posts its headers")
            self.require(self._headers_root(headers) == headers_root, "the posted headers do not match the root")
            confirm += self.load("window")
            last_header = self._decode_header(headers[-1])
            self.require(mode == OPTIMISTIC or last_header.epoch == epoch,
                         f"signed for epoch {epoch}, but the last header is in epoch {last_header.epoch}")
        if mode == OPTIMISTIC:
            self.require(self.value == self.load("bond"), "the checkpoint bond is required")
            self.store("bonds", value=self.load("bonds") + self.value)
        else:
            self.require(self.value == 0, "a signed checkpoint takes no bond")
            if checks & CHECK_CLIENT:
                self.require(client == addr(self.load("client")), "not the bridge's light client")
            digest = Checkpoint(number, first, last, headers_root, world, dep_next, epoch).digest
            power = self.call(client, "verify", digest, epoch, sigs)
            self.require(power >= self.call(client, "quorum", epoch), f"signatures carry {power}, below the quorum")
            self.store("sigs_hash", word(digest), value=word(self.keccak(b"".join(sigs))))
        for name, value in (("cp_first", first), ("cp_last", last), ("cp_root", word(headers_root)),
                            ("cp_world", word(world)), ("cp_dep_next", dep_next), ("cp_epoch", epoch),
                            ("cp_status", PENDING if mode == OPTIMISTIC else FINAL),
                            ("cp_proposer", int(self.sender, 16))):
            self.store(name, number, value=value)
        self.store("count", value=number)
        if not self.load("confirm_at", word(world)):
            self.store("confirm_at", word(world), value=confirm)
        self.emit("CheckpointSubmitted", number, data=world,
                  args=(number, first, last, headers_root, world, dep_next, epoch, list(headers), list(sigs)))

    def _headers_root(self, headers: list[bytes]) -> bytes:
        return list_root([self.keccak(h) for h in headers], self.keccak)

    @external
    def checkpoint(self, number: int) -> tuple:
        """``(first, last, world, dep_next, epoch, status, confirm_at)``."""
        world = self.load("cp_world", number)
        return (self.load("cp_first", number), self.load("cp_last", number), b32(world),
                self.load("cp_dep_next", number), self.load("cp_epoch", number),
                self.load("cp_status", number), self.load("confirm_at", world))

    @external
    def count(self) -> int:
        return self.load("count")

    @external
    def bonds_held(self) -> int:
        """Checkpoint bonds the bridge holds (besides the locked deposits)."""
        return self.load("bonds")

    @external
    def reclaim_bond(self, number: int) -> None:
        """Return an optimistic checkpoint's bond once it is confirmed."""
        world = self.load("cp_world", number)
        self.require(self.load("cp_status", number) == PENDING and self.acceptable(b32(world)),
                     f"checkpoint {number} is not confirmed or its bond is gone")
        self.store("cp_status", number, value=FINAL)
        self._pay_bond(addr(self.load("cp_proposer", number)), self.load("bond"))

    def _pay_bond(self, to: str, amount: int) -> None:
        self.store("bonds", value=self.load("bonds") - self.load("bond"))
        self.transfer(to, amount)

    # -- fraud proofs -------------------------------------------------------------------------
    @external
    def challenge(self, number: int, index: int, header: bytes, proof: list[Bytes32], parent: bytes,
                  parent_proof: list[Bytes32], witnesses: list[bytes], final_ctx: bytes) -> None:
        """Prove that block ``index`` of checkpoint ``number`` is not what its inputs execute to
        (or credits deposits L1 does not hold); the checkpoint and all later ones are deleted."""
        status = self.load("cp_status", number)
        self.require(status in (PENDING, FINAL), f"checkpoint {number} is not live")
        if self.load("mode") != THRESHOLD:
            self.require(self.timestamp < self.load("confirm_at", self.load("cp_world", number)),
                         "the challenge window has closed")
        first, last = self.load("cp_first", number), self.load("cp_last", number)
        claim = self._open(number, index, header, list(proof), last - first + 1)
        self.require(claim.height == first + index, "the header is not at its position's height")
        if index == 0:
            world, dep_next = b32(self.load("cp_world", number - 1)), self.load("cp_dep_next", number - 1)
        else:
            before = self._open(number, index - 1, parent, list(parent_proof), last - first + 1)
            world, dep_next = before.world, before.dep_start + before.n_dep
        fraud = claim.dep_start != dep_next or claim.dep_start + claim.n_dep > self.load("deposits") \
            or claim.dep_root != self._deposit_root(claim.dep_start, claim.n_dep)
        if not fraud:
            result = self._reexecute(claim, world, list(witnesses), final_ctx)
            fraud = result != claim.world or (index == last - first and claim.world != b32(self.load("cp_world", number)))
        self.require(fraud, "no fraud: the block re-executes to what its header claims")
        if self.load("mode") == STAKING:  # kept by digest: a checkpoint resubmitted at ``number`` cannot erase it
            self.store("fraud", word(self._stored(number).digest), value=self.load("cp_epoch", number) + 1)
        self._delete_from(number)
        self.emit("FraudProven", number, index, args=(number, index, self.sender))
        if self.load("mode") == OPTIMISTIC:
            bond = self.load("bond")
            self._pay_bond(self.sender, bond // 2)
            self.transfer(BURN, bond - bond // 2)

    @external
    def slash_signers(self, digest: Bytes32, sigs: list[bytes]) -> int:
        """STAKING mode: after a fraud proof against the checkpoint with ``digest``, slash each
        validator of its epoch whose signature is in ``sigs``, the signatures it was submitted
        with (once)."""
        fraud = self.load("fraud", word(digest))  # the checkpoint's epoch + 1
        self.require(fraud, "that checkpoint was not proven fraudulent")
        self.require(word(self.keccak(b"".join(sigs))) == self.load("sigs_hash", word(digest)),
                     "not the checkpoint's signatures, or its signers are already slashed")
        self.store("sigs_hash", word(digest), value=0)
        client, staking = addr(self.load("client")), addr(self.load("staking"))
        signers = self.call(client, "signers_of", digest, fraud - 1, list(sigs))
        for signer in signers:
            self.try_call(staking, "slash_signer", signer, self.sender, b"fraudulent checkpoint".ljust(32, b"\x00"))
        return len(signers)

    @external
    def slashable(self, digest: Bytes32) -> bool:
        """Whether the checkpoint with ``digest`` was proven fraudulent and its signers not yet slashed."""
        return bool(self.load("fraud", word(digest)) and self.load("sigs_hash", word(digest)))

    def _stored(self, number: int) -> Checkpoint:
        return Checkpoint(number, self.load("cp_first", number), self.load("cp_last", number),
                          b32(self.load("cp_root", number)), b32(self.load("cp_world", number)),
                          self.load("cp_dep_next", number), self.load("cp_epoch", number))

    def _open(self, number: int, index: int, header: bytes, proof: list[bytes], count: int) -> Header:
        self.env.meter.charge(G.keccak_gas(len(header)) + NODE_HASH_GAS * len(proof), "header proof")
        try:
            list_verify(b32(self.load("cp_root", number)), count, index, keccak(header), tuple(proof))
        except InvalidWitness as exc:
            self.require(False, f"header {index} is not in checkpoint {number}: {exc}")
        return self._decode_header(header)

    def _decode_header(self, header: bytes) -> Header:
        try:
            return Header.decode(header)
        except InvalidMessage as exc:
            self.require(False, str(exc))

    def _deposit_root(self, start: int, count: int) -> bytes:
        return list_root([b32(self.load("deposit", i)) for i in range(start, start + count)], self.keccak)

    def _reexecute(self, claim: Header, world: bytes, witnesses: list[bytes], final_ctx: bytes) -> bytes:
        """Run every step of the block from ``world`` on L1; the world it halts in."""
        root = state_root(batch_start(world, claim.height, claim.dep_root, claim.n_dep, claim.txs_root, claim.n_txs))
        try:
            with hash_counter() as hashes:
                for raw in witnesses:
                    w = Witness.decode(raw)
                    self.require(state_root(w.ctx) == root, "a witness does not start where the last step ended")
                    self.env.meter.charge(4 * G.keccak_gas(len(raw)), "step context")
                    root = step(w)
                end = Context.decode(final_ctx)
        except (DecodeError, InvalidWitness) as exc:
            self.require(False, f"bad witness: {exc}")
        self.env.meter.charge(hashes[0] * NODE_HASH_GAS + ECRECOVER_GAS * claim.n_txs, "re-execution")
        self.require(state_root(end) == root and end.halted, "the witnesses do not run the block to its end")
        return end.world

    def _delete_from(self, number: int) -> None:
        self.store("cp_fraud", number, value=1)
        for n in range(number, self.load("count") + 1):
            self.store("cp_status", n, value=DELETED)
            self.store("confirm_at", self.load("cp_world", n), value=0)
            if n != number and self.load("mode") == OPTIMISTIC:  # built on it, not proven wrong
                self._pay_bond(addr(self.load("cp_proposer", n)), self.load("bond"))
        self.store("count", value=number - 1)

    # -- withdrawals: release on L1 -----------------------------------------------------------
    @external
    def prove_withdrawal(self, number: int, index: int, recipient: Address, amount: int,
                         siblings: list[Bytes32]) -> None:
        """Open withdrawal record ``index`` (a burn on the sidechain) in checkpoint ``number``'s world."""
        world = self._open_record(number, f"withdrawal {index}", withdrawal_key(index),
                                  withdrawal_commitment(addr_int(recipient), amount), siblings)
        self.store("proven", self._message(index, recipient, amount), value=word(world))
        self.emit("WithdrawalProven", index, recipient, args=(index, recipient, amount, number))

    @external
    def process_withdrawal(self, index: int, recipient: Address, amount: int) -> None:
        """Pay a proven withdrawal whose root is acceptable."""
        self._settle("paid", index, self._message(index, recipient, amount), f"withdrawal {index}")
        self._pay(index, recipient, amount)

    def _pay(self, index: int, recipient: str, amount: int) -> None:
        self.store("locked", value=max(0, self.load("locked") - amount))
        self.emit("Withdrawn", index, recipient, data=b32(amount), args=(index, recipient, amount))
        self.transfer(recipient, amount)

    @external
    def release_transfer(self, index: int, recipient: Address, amount: int, sigs: list[bytes]) -> None:
        """THRESHOLD mode: pay sidechain withdrawal ``index`` on m-of-n signatures over the
        transfer itself (:func:`~rollup.sidechain.bridge.checkpoint.transfer_digest`), without
        waiting for a checkpoint. It shares the paid-once record with proven withdrawals, and the
        digest names this bridge and chain, so a signature set pays one transfer, once."""
        self.require(self.load("mode") == THRESHOLD, "only a THRESHOLD bridge releases signed transfers")
        client = addr(self.load("client"))
        power = self.call(client, "verify", transfer_digest(self.address, index, recipient, amount), 0, sigs)
        self.require(power >= self.call(client, "quorum", 0), f"signatures carry {power}, below the quorum")
        self._once("paid", index, f"withdrawal {index}")
        self._pay(index, recipient, amount)

    @external
    def prove_token_withdrawal(self, number: int, index: int, token: Address, recipient: Address, amount: int,
                               siblings: list[Bytes32]) -> None:
        """Open burn record ``index`` of the sidechain's asset contract in checkpoint ``number``'s
        world: it commits to ``token``'s asset id, so it releases ``token`` and nothing else."""
        world = self._open_record(number, f"token burn {index}", burn_key(index),
                                  burn_commitment(token, recipient, amount), siblings)
        self.store("token_proven", self._token_message(index, token, recipient, amount), value=word(world))
        self.emit("TokenWithdrawalProven", index, token, args=(index, token, recipient, amount, number))

    @external
    def process_token_withdrawal(self, index: int, token: Address, recipient: Address, amount: int) -> None:
        """Release a proven token burn whose root is acceptable."""
        self._settle("token_paid", index, self._token_message(index, token, recipient, amount),
                     f"token burn {index}", proven="token_proven")
        self.store("token_locked", token, value=self.load("token_locked", token) - amount)
        self.emit("TokenWithdrawn", index, token, args=(index, token, recipient, amount))
        self.call(token, "transfer", recipient, amount)

    def _open_record(self, number: int, what: str, key: bytes, value: int, siblings: list[bytes]) -> bytes:
        """Checkpoint ``number``'s world, after checking that it holds ``value`` at ``key``."""
        self.require(self.load("cp_status", number) in (PENDING, FINAL), f"checkpoint {number} is not live")
        world = b32(self.load("cp_world", number))
        self.env.meter.charge(NODE_HASH_GAS * (len(siblings) + 1), "record proof")
        try:
            found = read(world, key, Proof(tuple(siblings), (key, value)))
        except InvalidWitness as exc:
            self.require(False, f"{what} is not in checkpoint {number}: {exc}")
        self.require(found == value, f"{what} is not in checkpoint {number}")
        return world

    def _settle(self, paid: str, index: int, message: bytes, what: str, proven: str = "proven") -> None:
        """Mark record ``index`` paid if its message was proven against an acceptable root (once)."""
        root = self.load(proven, message)
        self.require(self.acceptable(b32(root)), f"{what} is not proven against a confirmed root")
        self._once(paid, index, what)

    def _once(self, paid: str, index: int, what: str) -> None:
        if self.load("checks") & CHECK_REPLAY:
            self.require(not self.load(paid, index), f"{what} was already paid")
        self.store(paid, index, value=1)

    # -- tokens: lock on L1, mint on the sidechain ------------------------------------------
    @external
    def deposit_token(self, token: Address, recipient: Address, amount: int) -> int:
        """Lock ``amount`` of the L1 token ``token`` (approved to the bridge first) for
        ``recipient``, to be minted on the sidechain as the canonical asset :func:`asset_id`."""
        self.require(self.load("mode") != OPTIMISTIC,
                     "an optimistic bridge takes only ether: its fraud proofs do not judge token mints")
        self.require(amount > 0, "a deposit must carry value")
        self.call(token, "transfer_from", self.sender, self.address, amount)
        index, asset = self.load("token_deposits"), asset_id(token)
        self.store("token_deposit", index, value=word(deposit_record(index, asset, recipient, amount)))
        self.store("token_deposits", value=index + 1)
        self.store("token_locked", token, value=self.load("token_locked", token) + amount)
        self.emit("TokenDeposited", index, token, args=(index, token, asset, recipient, amount))
        return index

    @external
    def token_deposit_hash(self, index: int) -> bytes:
        return b32(self.load("token_deposit", index))

    @external
    def token_locked(self, token: Address) -> int:
        return self.load("token_locked", token)

    @external
    def acceptable(self, root: Bytes32) -> bool:
        if self.load("checks") & CHECK_ZERO_ROOT and word(root) == 0:
            return False
        at = self.load("confirm_at", word(root))
        return at != 0 and self.timestamp >= at

    def _message(self, index: int, recipient: str, amount: int) -> bytes:
        return keccak(b32(index) + bytes.fromhex(recipient[2:]) + b32(amount))

    def _token_message(self, index: int, token: str, recipient: str, amount: int) -> bytes:
        return keccak(b32(index) + bytes.fromhex(token[2:]) + bytes.fromhex(recipient[2:]) + b32(amount))
