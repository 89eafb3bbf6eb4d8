"""The bridge on L1: locks deposits, accepts checkpoints, judges fraud proofs and releases
withdrawals. What depends on the sidechain's security model (who admits a checkpoint, when its
world is acceptable, what a fraud proof takes) is decided by the verifier of the bridge's mode
(:mod:`~prozchain.rollup.sidechain.contracts.verifiers`); the checks it runs are in
:mod:`~prozchain.rollup.sidechain.contracts.modes`.

The proposers' ordering policy is first come first served, judged block by block
(``dispute_order``): a block holding two transactions its proposer receipted
(:class:`~prozchain.rollup.economics.ordering.ArrivalReceipt`, under this bridge), the later
arrival first, gets the proposer slashed through the staking contract, the reason recorded.

A fraud proof re-executes the disputed block on L1 step by step through
:func:`prozchain.rollup.vm.step`, or (``challenge_mint``) opens a transaction of the minter in
it that is not the mint of an L1 token deposit, which re-execution cannot see. Withdrawals are Nomad-shaped on purpose: ``prove_withdrawal``
opens the record in a checkpoint's world and remembers that root for the message;
``process_withdrawal`` pays if the remembered root is acceptable (confirmed and out of its window).

>>> sorted(m for m in Bridge.methods if "withdrawal" in m)
['process_token_withdrawal', 'process_withdrawal', 'prove_token_withdrawal', 'prove_withdrawal']
"""

from __future__ import annotations

from typing import NamedTuple

from prozchain.rollup.common.merkle import list_root
from prozchain.rollup.common.words import addr, b32, word
from prozchain.rollup.economics.ordering import GENESIS_PREFIX, ArrivalReceipt, FirstComeFirstServed, Posted, inverted
from prozchain.rollup.economics.sequencing import receipt_signer
from prozchain.rollup.l1 import Address, Bytes32, Contract, external
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.sidechain.contracts.modes import CHECK_REPLAY, CHECK_ZERO_ROOT, DELETED, FINAL, PENDING
from prozchain.rollup.sidechain.contracts.verifiers import VERIFIERS, Verifier
from prozchain.rollup.sidechain.errors import InvalidMessage
from prozchain.rollup.sidechain.node.assets import asset_id, burn_commitment, burn_key, deposit_record, forged_mint
from prozchain.rollup.sidechain.node.chain import Header
from prozchain.rollup.sidechain.node.checkpoint import Checkpoint
from prozchain.rollup.sidechain.node.messages import ECRECOVER_GAS
from prozchain.rollup.vm.errors import DecodeError, InvalidWitness
from prozchain.rollup.vm.machine import Witness, step
from prozchain.rollup.vm.merkle import NODE_HASH_GAS, Proof, hash_counter, keccak, list_verify, read
from prozchain.rollup.vm.state import Context, addr_int, batch_start, state_root, withdrawal_commitment, withdrawal_key
from prozchain.rollup.vm.tx import Deposit


class CheckpointRecord(NamedTuple):
    """What :meth:`Bridge.checkpoint` returns about one checkpoint."""

    first: int
    last: int
    world: bytes
    dep_next: int
    epoch: int
    status: int  # PENDING, FINAL or DELETED
    confirm_at: int  # when its world becomes acceptable (0: never)


class Bridge(Contract):
    """The bridge contract of one sidechain; ``mode`` picks its verifier (:data:`VERIFIERS`)."""

    def constructor(self, mode: int, client: Address, staking: Address, genesis_world: Bytes32,
                    window: int, bond: int, checks: int) -> None:
        self.require(mode in VERIFIERS, f"unknown security model {mode}")
        if checks & CHECK_ZERO_ROOT:
            self.require(word(genesis_world) != 0, "the genesis world root cannot be zero")
        else:
            self.store("confirm_at", 0, value=1)  # Nomad's initialisation: root 0 "confirmed"
        for name, value in (("mode", mode), ("client", int(client, 16)), ("staking", int(staking, 16)),
                            ("window", window), ("bond", bond), ("checks", checks)):
            self.store(name, value=value)
        self.store("cp_world", 0, value=word(genesis_world))
        self.store("confirm_at", word(genesis_world), value=1)

    @property
    def verifier(self) -> Verifier:
        """The verifier of the stored mode; each use reads the mode (one SLOAD), as a contract pays for it."""
        return VERIFIERS[self.load("mode")](self)

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
        verifier, checks = self.verifier, self.load("checks")
        confirm = self.timestamp + verifier.confirm_delay(first, last, headers_root, epoch, headers)
        digest = Checkpoint(number, first, last, headers_root, world, dep_next, epoch).digest
        verifier.admit(digest, epoch, sigs, client, checks)
        for name, value in (("cp_first", first), ("cp_last", last), ("cp_root", word(headers_root)),
                            ("cp_world", word(world)), ("cp_dep_next", dep_next), ("cp_epoch", epoch),
                            ("cp_status", verifier.initial_status),
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
    def checkpoint(self, number: int) -> CheckpointRecord:
        world = self.load("cp_world", number)
        return CheckpointRecord(self.load("cp_first", number), self.load("cp_last", number), b32(world),
                                self.load("cp_dep_next", number), self.load("cp_epoch", number),
                                self.load("cp_status", number), self.load("confirm_at", world))

    @external
    def holds_headers(self, number: int, headers: list[bytes]) -> bool:
        """Whether ``headers`` are exactly checkpoint ``number``'s blocks' headers, in order."""
        first, last = self.load("cp_first", number), self.load("cp_last", number)
        return 0 < number <= self.load("count") and len(headers) == last - first + 1 \
            and self._headers_root(headers) == b32(self.load("cp_root", number))

    @external
    def count(self) -> int:
        return self.load("count")

    @external
    def link_ledger(self, ledger: Address) -> None:
        """Name the bond ledger that holds the checkpoint bonds (once)."""
        self.require(self.load("ledger") == 0, "ledger already linked")
        self.store("ledger", value=int(ledger, 16))

    def ledger(self, method: str, *args, value: int = 0):
        """Call the bond ledger (the bridge is the controller of every checkpoint bond)."""
        return self.call(addr(self.load("ledger")), method, *args, value=value)

    @external
    def reclaim_bond(self, number: int) -> None:
        """Return an optimistic checkpoint's bond once it is confirmed."""
        world = self.load("cp_world", number)
        self.require(self.load("cp_status", number) == PENDING and self.acceptable(b32(world)),
                     f"checkpoint {number} is not confirmed or its bond is gone")
        self.store("cp_status", number, value=FINAL)
        self.verifier.refund(number, "checkpoint confirmed")

    # -- fraud proofs -------------------------------------------------------------------------
    @external
    def challenge(self, number: int, index: int, header: bytes, proof: list[Bytes32], parent: bytes,
                  parent_proof: list[Bytes32], witnesses: list[bytes], final_ctx: bytes) -> None:
        """Prove that block ``index`` of checkpoint ``number`` is not what its inputs execute to
        (or credits deposits L1 does not hold); the checkpoint and all later ones are deleted."""
        claim, first, last = self._disputed(number, index, header, proof)
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
        self._convict(number, index)

    @external
    def challenge_mint(self, number: int, index: int, header: bytes, proof: list[Bytes32], position: int,
                       tx: bytes, tx_proof: list[Bytes32]) -> None:
        """Prove that block ``index`` of checkpoint ``number`` holds, at ``position``, a
        transaction of the sidechain's minter that is not the mint of the L1 token deposit its
        nonce names (every honest validator refuses such a block, and re-execution cannot see
        it: the VM lets the minter mint); the checkpoint and all later ones are deleted."""
        claim, _, _ = self._disputed(number, index, header, proof)
        self.env.meter.charge(G.keccak_gas(len(tx)) + NODE_HASH_GAS * len(tx_proof) + ECRECOVER_GAS, "mint proof")
        try:
            list_verify(claim.txs_root, claim.n_txs, position, keccak(tx), tuple(tx_proof))
        except InvalidWitness as exc:
            self.require(False, f"transaction {position} is not in block {index} of checkpoint {number}: {exc}")

        def recorded(deposit: int, *fields) -> bool:
            return self.load("token_deposit", deposit) == word(deposit_record(deposit, *fields))
        self.require(forged_mint([tx], recorded) == 0,
                     "no fraud: not a transaction of the minter, or the mint of an L1 token deposit")
        self._convict(number, index)

    @external
    def dispute_order(self, number: int, index: int, header: bytes, proof: list[Bytes32], first: list[int],
                      first_hashes: list[Bytes32], first_sig: list[int], second: list[int],
                      second_hashes: list[Bytes32], second_sig: list[int], leaves: list[Bytes32]) -> int:
        """Slash the proposer of block ``index`` of live checkpoint ``number`` (its ``header``
        opened with ``proof``; ``leaves``: the hashes of the block's transactions) for two
        receipts it signed, each given as ``[seq, bid, deadline]``, ``[tx_hash, prefix]`` and its
        signature, whose transactions the block posts the later arrival first. Returns the
        amount slashed (the staking contract's share to the claimant, the rest burnt)."""
        self.require(self.load("cp_status", number) in (PENDING, FINAL), f"checkpoint {number} is not live")
        block = self._open(number, index, header, list(proof),
                           self.load("cp_last", number) - self.load("cp_first", number) + 1)
        self.require(len(leaves) == block.n_txs and list_root(list(leaves), self.keccak) == block.txs_root,
                     "the leaves are not the block's transactions")
        posted = Posted(block.height, block.proposer, 0, GENESIS_PREFIX, GENESIS_PREFIX, block.time, tuple(leaves))
        receipts = [ArrivalReceipt(self.address, n[0], h[0], h[1], n[1], n[2])
                    for n, h in ((first, first_hashes), (second, second_hashes))]
        for receipt, signature in zip(receipts, (first_sig, second_sig)):
            self.require(receipt_signer(self, receipt, signature) == block.proposer,
                         "a receipt is not the block's proposer's")
        self.require(inverted(*receipts, posted, FirstComeFirstServed()), "the block posts the two in arrival order")
        return self.call(addr(self.load("staking")), "slash_signer", block.proposer, self.sender,
                         b"reordered against its receipts".ljust(32, b"\x00"))

    def _disputed(self, number: int, index: int, header: bytes, proof: list[bytes]) -> tuple[Header, int, int]:
        """Header ``index`` of live checkpoint ``number``, inside its challenge window, and the
        checkpoint's first and last heights."""
        self.require(self.load("cp_status", number) in (PENDING, FINAL), f"checkpoint {number} is not live")
        self.verifier.check_window(number)
        first, last = self.load("cp_first", number), self.load("cp_last", number)
        claim = self._open(number, index, header, list(proof), last - first + 1)
        self.require(claim.height == first + index, "the header is not at its position's height")
        return claim, first, last

    def _convict(self, number: int, index: int) -> None:
        """Block ``index`` of checkpoint ``number`` is proven fraudulent: delete, reward."""
        self.verifier.record_fraud(number)
        self._delete_from(number)
        self.emit("FraudProven", number, index, args=(number, index, self.sender))
        self.verifier.reward(number, self.sender)

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
            if n != number:
                self.verifier.refund(n, "built on a fraudulent checkpoint")
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
    def link_exits(self, exits: Address) -> None:
        """Name the contract that pays proven private exits (the enterprise chain's
        :class:`~prozchain.rollup.sidechain.contracts.private_exits.PrivateExits`), once."""
        self.require(self.load("exits") == 0, "exits contract already linked")
        self.store("exits", value=int(exits, 16))

    @external
    def release_exit(self, index: int, recipient: Address, amount: int) -> None:
        """The linked exits contract pays withdrawal ``index`` it has verified (once, shared
        with the public withdrawal path)."""
        self.require(self.load("exits") != 0 and self.sender == addr(self.load("exits")),
                     "only the linked exits contract releases private exits")
        self._once("paid", index, f"withdrawal {index}")
        self._pay(index, recipient, amount)

    @external
    def release_transfer(self, index: int, recipient: Address, amount: int, sigs: list[bytes]) -> None:
        """THRESHOLD mode: pay sidechain withdrawal ``index`` on m-of-n signatures over the
        transfer itself (:func:`~prozchain.rollup.sidechain.node.checkpoint.transfer_digest`), without
        waiting for a checkpoint. It shares the paid-once record with proven withdrawals, and the
        digest names this bridge and chain, so a signature set pays one transfer, once."""
        self.verifier.check_transfer(index, recipient, amount, sigs)
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
