"""The relayer: a full node of the sidechain that carries messages both ways.

It follows the chain through the :class:`~prozchain.rollup.sidechain.node.messages.Commit`\\ s validators send
it (checking each certificate against the validator set L1 names, and re-executing each block),
relays L1 deposits to the validators (who check them against L1 themselves), submits
checkpoints (with the validators' signatures, with its bond in the optimistic model, or, in the ZK
model, with a Groth16 proof it makes that a quorum of the set signed them), relays
withdrawals (proof + payout, for any user: anyone can relay) and watches L1 checkpoints,
answering a wrong one with a fraud proof. It holds no key the bridge trusts: whatever it
carries is checked against signatures, Merkle proofs or re-execution.

>>> from prozchain.rollup.sidechain.system import demo
>>> run = demo(seed=2, until=30_000)
>>> run.chain.view(run.bridge, "count") > 0
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from prozchain.circuits.gadgets.eddsa import Signature, verify
from prozchain.rollup.l1 import Key
from prozchain.rollup.sidechain.contracts.modes import DELETED, OPTIMISTIC, PENDING, STAKING, ZK
from prozchain.rollup.sidechain.errors import InvalidBlock, InvalidMessage
from prozchain.rollup.sidechain.node.chain import Block, ChainState, Header
from prozchain.rollup.sidechain.node.assets import deposit_record, forged_mint
from prozchain.rollup.sidechain.node.checkpoint import Checkpoint, fraud_proof, mint_fraud_args
from prozchain.rollup.sidechain.node.exits import burns
from prozchain.rollup.sidechain.node.messages import PRECOMMIT, Commit
from prozchain.rollup.sidechain.node.quorum import Statement, proof_sigs, set_commitment
from prozchain.rollup.sim.agent import Agent
from prozchain.rollup.vm import Deposit
from prozchain.rollup.vm.state import WITHDRAWAL_COUNT_KEY, withdrawal_key


@dataclass(frozen=True)
class CheckpointSignature:
    """A validator's signature over a checkpoint, sent to relayers."""

    checkpoint: Checkpoint
    signature: bytes

    def __repr__(self) -> str:
        return f"checkpoint-sig(#{self.checkpoint.number} {self.checkpoint.first}..{self.checkpoint.last})"


@dataclass(frozen=True)
class QuorumSignature:
    """A validator's EdDSA-Poseidon signature over a checkpoint and the set after it (ZK model)."""

    checkpoint: Checkpoint
    statement: Statement
    signer: str
    signature: Signature

    def __repr__(self) -> str:
        return f"quorum-sig(#{self.checkpoint.number} {self.checkpoint.first}..{self.checkpoint.last})"


class Relayer(Agent):
    def __init__(self, name: str, sim, key: Key, system: Any, validators: list[str], poll_ms: int = 2_000,
                 watch: bool = True) -> None:
        super().__init__(name, sim)
        self.key, self.system, self.validators = key, system, validators
        self.poll_ms, self.watch = poll_ms, watch

    @property
    def chain_l1(self):
        return self.system.chain

    def on_start(self) -> None:
        self.node = ChainState(self.system.genesis, self.store, self.system.config.consensus.max_txs,
                               opener=self.system.opener(self.key))
        self.burns: dict[int, tuple[str, int]] = {}
        for block in self.node.blocks[1:]:
            self._learn_burns(block)
        self.pending: dict[int, Commit] = {}
        self.signatures: dict[bytes, tuple[Checkpoint, dict[str, bytes]]] = {}
        self.quorum_sigs: dict[tuple[bytes, Statement], dict[str, Signature]] = {}
        self.proofs: dict[tuple[bytes, Statement], list[int]] = {}
        self.in_flight: dict[str, int] = {}
        self.mints_checked: set[tuple[int, bytes]] = set()  # checkpoints whose mints are all L1 deposits
        self.timer(self.poll_ms, "poll", self._poll)

    # -- sidechain -> relayer -----------------------------------------------------------------
    def on_message(self, src: str, message: Any) -> None:
        if isinstance(message, Commit) and message.height > self.node.height:
            self.pending[message.height] = message
            while self.node.height + 1 in self.pending:
                commit = self.pending.pop(self.node.height + 1)
                if not self._follow(commit):
                    break
        elif isinstance(message, CheckpointSignature):
            cp = message.checkpoint
            self.signatures.setdefault(cp.digest, (cp, {}))[1][src] = message.signature
        elif isinstance(message, QuorumSignature):
            key = (message.checkpoint.digest, message.statement)
            self.signatures.setdefault(key[0], (message.checkpoint, {}))
            self.quorum_sigs.setdefault(key, {})[message.signer] = message.signature

    def _follow(self, commit: Commit) -> bool:
        vset = self.system.l1.validator_set(self.node.head.epoch)
        voters = []
        for vote in commit.precommits:
            try:
                if (vote.step, vote.height, vote.block_hash) == (PRECOMMIT, commit.height, commit.block.hash):
                    voters.append(vote.signer)
            except InvalidMessage:
                continue
        if vset.weight(voters) < vset.quorum:
            return False
        try:
            self.node.commit(commit.block, [v.encode().hex() for v in commit.precommits])
        except InvalidBlock as exc:
            self.log(f"refused block {commit.height}: {exc}")
            return False
        self._learn_burns(commit.block)
        return True

    def _learn_burns(self, block: Block) -> None:
        """Withdrawal records hold only ``keccak(recipient, amount)``: remember the burns that made them."""
        self.burns.update(burns(self.node.plain(block.txs, block.header.epoch)))

    # -- the periodic work --------------------------------------------------------------------
    def _poll(self) -> None:
        self._relay_deposits()
        self._submit_checkpoint()
        if self.watch:
            self._watch()
        self._relay_withdrawals()
        self.timer(self.poll_ms, "poll", self._poll)

    def _transact(self, label: str, method: str, *args: Any, value: int = 0, gas: int = 3_000_000) -> None:
        """Send an L1 transaction unless the same one is still waiting for a block."""
        chain = self.chain_l1
        if self.in_flight.get(label, -1) >= chain.head.number:
            return
        self.in_flight[label] = chain.head.number + 1
        chain.submit(chain.build(self.key, self.system.bridge, method, *args, value=value, gas_limit=gas))

    def _relay_deposits(self) -> None:
        for _, log in self.chain_l1.logs(self.system.bridge, "Deposited"):
            index, recipient, amount = log.args
            if index >= self.node.dep_next:
                for v in self.validators:
                    self.send(v, Deposit(index, recipient, amount))

    def _submit_checkpoint(self) -> None:
        """Submit every checkpoint that is ready, in order (several may go in one L1 block)."""
        chain, bridge, config = self.chain_l1, self.system.bridge, self.system.config
        number = chain.view(bridge, "count") + 1
        if config.mode == OPTIMISTIC:
            first = chain.view(bridge, "checkpoint", number - 1).last + 1
            while self.node.height >= first + config.checkpoint_every - 1:
                headers = self.node.headers[first:first + config.checkpoint_every]
                cp = Checkpoint.cover(number, headers, headers[-1].epoch)
                self._transact(f"cp{number}", "submit_checkpoint", *cp.args(), [h.encode() for h in headers],
                               [], bridge, value=config.bond)
                number, first = number + 1, first + config.checkpoint_every
            return
        if config.mode == ZK:
            self._submit_proven(number)
            return
        ready = {cp.number: (cp, sigs) for cp, sigs in self.signatures.values()
                 if cp.number >= number and self.system.quorum_reached(cp, list(sigs.values()))}
        while number in ready:
            cp, sigs = ready[number]
            headers = []
            if config.mode == STAKING:  # posted, so that anyone can prove fraud against them
                if cp.last > self.node.height:
                    return
                headers = [h.encode() for h in self.node.headers[cp.first:cp.last + 1]]
            self._transact(f"cp{number}", "submit_checkpoint", *cp.args(), headers, list(sigs.values()),
                           self.system.client)
            number += 1

    def _submit_proven(self, number: int) -> None:
        """ZK model: prove, then submit, every checkpoint from ``number`` on that a quorum of its
        set signed (the proof is kept, so a resubmission does not prove again)."""
        ready = {}
        for (digest, statement), sigs in self.quorum_sigs.items():
            cp = self.signatures[digest][0]
            slots = self._quorum_slots(cp, statement, sigs) if cp.number >= number else None
            if slots is not None:
                ready[cp.number] = (cp, statement, slots)
        while number in ready:
            cp, statement, slots = ready[number]
            key = (cp.digest, statement)
            if key not in self.proofs:
                self.proofs[key] = self.system.prover.prove(self.system.members(cp.epoch), statement, slots)
            self._transact(f"cp{number}", "submit_checkpoint", *cp.args(), [], proof_sigs(self.proofs[key], statement),
                           self.system.client)
            number += 1

    def _quorum_slots(self, cp: Checkpoint, statement: Statement,
                      sigs: dict[str, Signature]) -> Optional[dict[int, Signature]]:
        """The valid signatures by slot of the set of ``cp``'s epoch, if they carry more than 2/3
        of its stake and the statement names that set; None otherwise."""
        members = self.system.members(cp.epoch)
        if statement.set != set_commitment(members, self.system.capacity):
            return None
        addresses = self.system.l1.validator_set(cp.epoch).addresses
        slots = {addresses.index(signer): sig for signer, sig in sigs.items()
                 if signer in addresses and verify(statement.signed, sig, members[addresses.index(signer)][0])}
        power, total = sum(members[i][1] for i in slots), sum(p for _, p in members)
        return slots if 3 * power > 2 * total else None

    def _watch(self) -> None:
        """Check every live checkpoint against this node's chain; prove fraud on a wrong one."""
        chain, bridge = self.chain_l1, self.system.bridge
        for _, log in chain.logs(bridge, "CheckpointSubmitted"):
            number, first, last, root, world, _, _, headers, sigs = log.args
            live = chain.view(bridge, "checkpoint", number)
            if live.status == DELETED or live.world != world:  # deleted, perhaps replaced since
                digest = Checkpoint(*log.args[:7]).digest
                if self.system.config.mode == STAKING and chain.view(bridge, "slashable", digest):
                    self._transact(f"slash{digest.hex()}", "slash_signers", digest, sigs)
                continue
            if last > self.node.height:
                continue
            claimed = [Header.decode(h) for h in headers] or self.node.headers[first:last + 1]
            forged = self._forged_mint(number, world, first, claimed)
            if forged is not None:
                index, position = forged
                self.log(f"FORGED MINT in checkpoint {number} at height {first + index}: challenging")
                args = mint_fraud_args(number, claimed, index, self.node.blocks[first + index], position)
                self._transact(f"mint{number}", "challenge_mint", *args, gas=1_000_000)
                continue
            if self.node.headers[last].world == world:
                continue
            index = next((i for i, h in enumerate(claimed) if h != self.node.headers[first + i]), len(claimed) - 1)
            parent_world = claimed[index - 1].world if index else self.node.headers[first - 1].world
            proof = fraud_proof(number, claimed, index, self.node.blocks[first + index], parent_world, self.node)
            self.log(f"FRAUD in checkpoint {number} at height {first + index}: challenging")
            self._transact(f"fraud{number}", "challenge", *proof.args(), gas=25_000_000)

    def _forged_mint(self, number: int, world: bytes, first: int, claimed: list[Header]) -> Optional[tuple[int, int]]:
        """(header index, position) of a minter's transaction in the checkpoint's blocks that is
        not the mint of the L1 token deposit its nonce names: the VM runs it, so re-execution
        agrees with the block, and only L1's deposit record shows the fraud."""
        if (number, world) in self.mints_checked:
            return None
        bridge = self.system.bridge

        def recorded(*fields) -> bool:
            return self.chain_l1.view(bridge, "token_deposit_hash", fields[0]) == deposit_record(*fields)

        for i, header in enumerate(claimed):
            if header != self.node.headers[first + i]:
                continue  # a block this node does not have: the re-execution proof answers it
            position = forged_mint(self.node.blocks[first + i].txs, recorded)
            if position is not None:
                return i, position
        self.mints_checked.add((number, world))
        return None

    def _relay_withdrawals(self) -> None:
        """Prove, then (once its root is confirmed) pay, every burn in the latest checkpoint."""
        if self.system.config.private:
            return  # members exit with a proof (System.exit_privately): no record goes to L1 in the open
        chain, bridge = self.chain_l1, self.system.bridge
        number = chain.view(bridge, "count")
        while number and chain.view(bridge, "checkpoint", number).confirm_at > chain.time:
            number -= 1  # the newest checkpoint whose root is confirmed
        if not number:
            return
        cp = chain.view(bridge, "checkpoint", number)
        if cp.last > self.node.height or self.node.headers[cp.last].world != cp.world:
            return
        if cp.status == PENDING and self.system.config.mode == OPTIMISTIC:
            self._transact(f"bond{number}", "reclaim_bond", number)
        proven = {log.args[0] for _, log in chain.logs(bridge, "WithdrawalProven") if log.args[3] == number}
        paid = {log.args[0] for _, log in chain.logs(bridge, "Withdrawn")}
        db = self.node.ex.db
        for index in range(db.get(cp.world, WITHDRAWAL_COUNT_KEY)):
            burn = self.burns.get(db.get(cp.world, withdrawal_key(index)))
            if index in paid or burn is None:
                continue
            if index not in proven:
                siblings = list(db.prove(cp.world, withdrawal_key(index)).siblings)
                self._transact(f"prove{index}/{number}", "prove_withdrawal", number, index, *burn, siblings)
            elif chain.time >= cp.confirm_at:
                self._transact(f"process{index}", "process_withdrawal", index, *burn)
