"""The L1 staking contract of the sidechain: bonds, epoch snapshots of the validator set,
slashing for double signing (and, for a bridge in direct-staking mode, for signing a fraudulent
checkpoint).

- Every validator's stake is one entry of the
  :class:`~prozchain.rollup.economics.bonds.BondLedger` named once with ``link_ledger`` (kind
  "stake", this contract its controller): ``bond()`` locks it (or adds to it), withdrawing
  releases it, and slashing slashes it with the offence as the reason; the ledger, not this
  contract, holds the staked ether.
- ``bond()`` adds stake; it counts from the next epoch. ``unbond()`` leaves the set at the next
  epoch; ``withdraw_stake()`` pays out ``unbonding_delay`` seconds later, which the constructor
  requires to exceed ``evidence_window + epoch_length``: a validator's last vote is at most one
  epoch after it unbonds, and evidence of it is accepted for ``evidence_window`` seconds after
  that vote's epoch began, so the stake is still there to slash.
- ``advance_epoch()`` (anyone, once ``epoch_length`` seconds have passed) snapshots the bonded,
  unjailed validators and their stake: the set and weights for that epoch.
- ``report(vote_a, vote_b)``: two signed votes of one validator for the same height, round and
  step but different blocks; ``report_proposals(a, b)``: two signed proposals of one proposer
  for the same height and round but different blocks. The signer loses ``slash_bps`` of its
  bond, is jailed (left out of later sets), and the reporter gets ``reward_bps`` of what was
  slashed; the rest is burnt.
- ``reward_epoch(epoch, numbers, headers)`` with value: that epoch's staking reward (the
  validators' share of the sidechain's fees), split by the epoch's stake weights and reduced for
  the blocks each validator missed (:func:`~prozchain.rollup.economics.epoch_rewards`); the
  withheld part is burnt. Each validator takes its rewards with ``claim_reward()``. The block
  counts are proven, not reported: ``numbers`` are the consecutive checkpoints the linked bridge
  holds for ``epoch`` (all of them: the one before is of an earlier epoch, and one of a later
  epoch exists, so the epoch's last checkpoint is in), ``headers`` their blocks' headers, which
  the bridge checks against each checkpoint's headers root. A block was expected of the epoch
  set's round-0 proposer at its height and produced by the proposer its header names
  (:func:`block_counts`): a payer cannot shift a reward between validators, only pay the pot.

>>> Staking.methods["report"].types, Staking.methods["report_proposals"].types
(('bytes', 'bytes'), ('bytes', 'bytes'))
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

from prozchain.rollup.common.words import addr
from prozchain.rollup.economics import BURN, epoch_rewards
from prozchain.rollup.l1 import Address, Bytes32, Contract, external
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.l1.crypto import to_address
from prozchain.rollup.sidechain.contracts.modes import DELETED
from prozchain.rollup.sidechain.contracts.permissions import VALIDATOR
from prozchain.rollup.sidechain.errors import InvalidMessage
from prozchain.rollup.sidechain.node.chain import Header, ValidatorSet
from prozchain.rollup.sidechain.node.messages import ECRECOVER_GAS, Evidence, SignedProposal, Vote

BPS = 10_000
SCHEDULE_GAS = G.WARM_ACCESS  # per validator and height of the proposer schedule recomputed on L1


def block_counts(members: Sequence[str], powers: Sequence[int], headers: Sequence[Header]) -> tuple[list[int], list[int]]:
    """``(produced, expected)`` per member of a set with ``powers`` over blocks ``headers``:
    each block was expected of the round-0 proposer of its height
    (:meth:`~prozchain.rollup.sidechain.node.chain.ValidatorSet.proposer`) and produced by its
    header's proposer.

    >>> a, b = "0x" + "01" * 20, "0x" + "02" * 20
    >>> [ValidatorSet([(a, 3), (b, 1)]).proposer(height, 0)[-2:] for height in (1, 2)]
    ['02', '01']
    >>> blocks = [Header(h, b"", 1, a, 0, 0, 0, b"", b"", 0, b"", b"", b"") for h in (1, 2)]   # a took b's turn
    >>> block_counts([a, b], [3, 1], blocks)
    ([2, 0], [1, 1])
    """
    schedule = ValidatorSet(list(zip(members, powers)))
    index = {to_address(m): k for k, m in enumerate(members)}
    produced, expected = [0] * len(members), [0] * len(members)
    for header in headers:
        expected[index[schedule.proposer(header.height, 0)]] += 1
        if to_address(header.proposer) in index:
            produced[index[to_address(header.proposer)]] += 1
    return produced, expected


class ValidatorList(NamedTuple):
    """What :meth:`Staking.validators` returns: one epoch's set, empty before the first epoch."""

    addresses: list[str]
    powers: list[int]


class Stake(NamedTuple):
    """What :meth:`Staking.stake` returns about one validator."""

    bond: int
    unbonding_at: int  # when it called ``unbond`` (0: not unbonding)
    jailed: int  # 1 once slashed: left out of later sets


class Staking(Contract):
    def constructor(self, epoch_length: int, unbonding_delay: int, evidence_window: int,
                    min_bond: int, slash_bps: int, reward_bps: int) -> None:
        self.require(epoch_length > 0 and evidence_window > 0, "epoch length and evidence window must be positive")
        self.require(unbonding_delay > evidence_window + epoch_length,
                     "the unbonding delay must outlast the evidence window (plus one epoch)")
        self.require(slash_bps <= BPS and reward_bps <= BPS, "basis points above 10000")
        for name, value in (("epoch_length", epoch_length), ("unbonding_delay", unbonding_delay),
                            ("evidence_window", evidence_window), ("min_bond", min_bond),
                            ("slash_bps", slash_bps), ("reward_bps", reward_bps)):
            self.store(name, value=value)
        self.store("epoch_start", 0, value=self.timestamp)

    @external
    def link_slasher(self, slasher: Address) -> None:
        """Name the bridge allowed to slash signers of fraudulent checkpoints (once)."""
        self.require(self.load("slasher") == 0, "slasher already linked")
        self.store("slasher", value=int(slasher, 16))

    @external
    def link_ledger(self, ledger: Address) -> None:
        """Name the bond ledger that holds the stakes (once, before the first bond)."""
        self.require(self.load("ledger") == 0, "ledger already linked")
        self.store("ledger", value=int(ledger, 16))

    @external
    def bond_ledger(self) -> Address:
        """The ledger holding the stakes."""
        return addr(self.load("ledger"))

    def _ledger(self, method: str, *args, value: int = 0):
        """Call the bond ledger (this contract controls every stake in it)."""
        self.require(self.load("ledger") != 0, "no bond ledger linked")
        return self.call(addr(self.load("ledger")), method, *args, value=value)

    def _held(self, who: str) -> int:
        """What ``who``'s stake holds in the ledger (0 without one)."""
        bond_id = self.load("bond_id", who)
        return self._ledger("bond", bond_id).held if bond_id else 0

    @external
    def link_gate(self, gate: Address) -> None:
        """Name the allow-list (:class:`~prozchain.rollup.sidechain.contracts.permissions.Permissions`)
        that decides who may bond and be in a set (once): a permissioned sidechain."""
        self.require(self.load("gate") == 0, "gate already linked")
        self.store("gate", value=int(gate, 16))

    def _permitted(self, who: str, epoch: int) -> bool:
        gate = self.load("gate")
        return not gate or self.call(f"0x{gate:040x}", "allowed", VALIDATOR, who, epoch)

    # -- bonds ------------------------------------------------------------------------------
    @external(payable=True)
    def bond(self) -> int:
        who = self.sender
        self.require(not self.load("jailed", who), "a jailed validator cannot bond")
        self.require(self._permitted(who, self.load("epoch") + 1), f"{who} is not on the validator allow-list")
        self.require(not self.load("unbonding_at", who), "cannot add to a bond that is unbonding")
        held = self._held(who)
        total = held + self.value
        self.require(total >= self.load("min_bond"), f"bond below the minimum {self.load('min_bond')}")
        if held:
            self._ledger("add", self.load("bond_id", who), "validator stake added", value=self.value)
        else:
            self.store("bond_id", who, value=self._ledger("lock", who, self.value, "stake", "validator stake",
                                                          value=self.value))
        if not self.load("known", who):
            n = self.load("members")
            self.store("member", n, value=int(who, 16))
            self.store("members", value=n + 1)
            self.store("known", who, value=1)
        self.emit("Bonded", who, data=total.to_bytes(32, "big"), args=(who, total))
        return total

    @external
    def unbond(self) -> None:
        self.require(self.load("bond_id", self.sender) > 0, "nothing bonded")
        self.require(not self.load("unbonding_at", self.sender), "already unbonding")
        self.store("unbonding_at", self.sender, value=self.timestamp)
        self.emit("Unbonding", self.sender, args=(self.sender, self.timestamp))

    @external
    def withdraw_stake(self) -> int:
        who, at = self.sender, self.load("unbonding_at", self.sender)
        self.require(at > 0, "not unbonding")
        self.require(self.timestamp >= at + self.load("unbonding_delay"), "the unbonding delay has not passed")
        bond_id = self.load("bond_id", who)
        # A stake slashed to nothing is closed already: there is nothing left to release.
        amount = self._ledger("release", bond_id, "unbonded: the delay has passed") if self._held(who) else 0
        self.store("bond_id", who, value=0)
        self.store("unbonding_at", who, value=0)
        return amount

    # -- epochs -----------------------------------------------------------------------------
    @external
    def advance_epoch(self) -> int:
        epoch = self.load("epoch")
        self.require(self.timestamp >= self.load("epoch_start", epoch) + self.load("epoch_length"),
                     "the epoch has not ended")
        epoch += 1
        size = total = 0
        for i in range(self.load("members")):
            who = f"0x{self.load('member', i):040x}"
            power = 0 if self.load("jailed", who) or self.load("unbonding_at", who) else self._held(who)
            if power and self._permitted(who, epoch):
                self.store("set", epoch, size, value=int(who, 16))
                self.store("power", epoch, who, value=power)
                size, total = size + 1, total + power
        self.require(size > 0, "no bonded validator for the next epoch")
        for name, value in (("size", size), ("total", total), ("epoch_start", self.timestamp)):
            self.store(name, epoch, value=value)
        self.store("epoch", value=epoch)
        self.emit("NewEpoch", epoch, args=(epoch, size, total))
        return epoch

    @external
    def current_epoch(self) -> int:
        return self.load("epoch")

    @external
    def next_epoch_at(self) -> int:
        """When ``advance_epoch`` may next be called (L1 seconds)."""
        return self.load("epoch_start", self.load("epoch")) + self.load("epoch_length")

    @external
    def validators(self, epoch: int) -> ValidatorList:
        members = [f"0x{self.load('set', epoch, i):040x}" for i in range(self.load("size", epoch))]
        return ValidatorList(members, [self.load("power", epoch, m) for m in members])

    @external
    def power_in(self, epoch: int, who: Address) -> int:
        return self.load("power", epoch, who)

    @external
    def total_power(self, epoch: int) -> int:
        return self.load("total", epoch)

    @external
    def stake(self, who: Address) -> Stake:
        return Stake(self._held(who), self.load("unbonding_at", who), self.load("jailed", who))

    # -- rewards ----------------------------------------------------------------------------
    @external(payable=True)
    def reward_epoch(self, epoch: int, numbers: list[int], headers: list[bytes]) -> int:
        """Reward epoch ``epoch``'s set with the value sent, by stake and the blocks its
        checkpoints ``numbers`` (their ``headers``) prove each validator produced and missed;
        returns what is burnt for missed blocks."""
        self.require(0 < epoch <= self.load("epoch"), f"epoch {epoch} has no validator set yet")
        self.require(not self.load("rewarded", epoch), f"epoch {epoch} was rewarded already")
        members, powers = self.validators(epoch)
        blocks = self._proven_headers(epoch, numbers, headers)
        # the weighted round robin runs from height 0 (a contract keeping each epoch's
        # priorities would pay only for the epoch's heights)
        self.env.meter.charge(SCHEDULE_GAS * len(members) * (blocks[-1].height + 1), "proposer schedule")
        produced, expected = block_counts(members, powers, blocks)
        rewards, burnt = epoch_rewards(self.value, powers, produced, expected)
        self.store("rewarded", epoch, value=1)
        for who, amount in zip(members, rewards):
            self.store("reward", who, value=self.load("reward", who) + amount)
        self.emit("Rewarded", epoch, args=(epoch, self.value, burnt))
        if burnt:
            self.transfer(BURN, burnt)
        return burnt

    def _proven_headers(self, epoch: int, numbers: list[int], headers: list[bytes]) -> list[Header]:
        """The headers of every checkpoint of ``epoch``, checked by the linked bridge."""
        bridge = addr(self.load("slasher"))
        self.require(self.load("slasher") != 0, "no bridge linked: no checkpoint proves the blocks")
        self.require(bool(numbers) and numbers == list(range(numbers[0], numbers[0] + len(numbers))) and numbers[0] > 0,
                     "the epoch's checkpoints are consecutive numbers")
        before, after = numbers[0] - 1, numbers[-1] + 1
        self.require(before == 0 or self.call(bridge, "checkpoint", before).epoch < epoch,
                     f"checkpoint {before} is of epoch {epoch} too: every one of its checkpoints counts")
        self.require(after <= self.call(bridge, "count") and self.call(bridge, "checkpoint", after).epoch > epoch,
                     f"no checkpoint of a later epoch after checkpoint {numbers[-1]}: epoch {epoch} may have more")
        at = 0
        for number in numbers:
            record = self.call(bridge, "checkpoint", number)
            self.require(record.epoch == epoch and record.status != DELETED,
                         f"checkpoint {number} is not a standing checkpoint of epoch {epoch}")
            size = record.last - record.first + 1
            self.require(self.call(bridge, "holds_headers", number, headers[at:at + size]),
                         f"the headers given are not checkpoint {number}'s")
            at += size
        self.require(at == len(headers), "more headers than the checkpoints hold")
        try:
            return [Header.decode(h) for h in headers]
        except InvalidMessage as exc:
            self.require(False, str(exc))

    @external
    def claim_reward(self) -> int:
        """Pay the sender the staking rewards it has earned so far."""
        amount = self.load("reward", self.sender)
        self.require(amount > 0, "no reward to claim")
        self.store("reward", self.sender, value=0)
        self.transfer(self.sender, amount)
        return amount

    # -- slashing ---------------------------------------------------------------------------
    @external
    def report(self, vote_a: bytes, vote_b: bytes) -> int:
        """Slash the validator that signed two conflicting votes; returns the amount slashed."""
        return self._judge(Vote.decode, vote_a, vote_b, "double sign")

    @external
    def report_proposals(self, proposal_a: bytes, proposal_b: bytes) -> int:
        """Slash the proposer that signed two different blocks for one height and round."""
        return self._judge(SignedProposal.decode, proposal_a, proposal_b, "conflicting proposals")

    def _judge(self, decode: Callable[[bytes], Any], a: bytes, b: bytes, reason: str) -> int:
        self.env.meter.charge(2 * ECRECOVER_GAS + G.keccak_gas(len(a)) + G.keccak_gas(len(b)), "two signatures")
        try:
            evidence = Evidence(decode(a), decode(b))
        except InvalidMessage as exc:
            self.require(False, f"not evidence of {reason}: {exc}")
        message, who = evidence.first, evidence.validator
        self.require(message.epoch <= self.load("epoch") and self.load("power", message.epoch, who) > 0,
                     f"{who} was not a validator of epoch {message.epoch}")
        self.require(self.timestamp <= self.load("epoch_start", message.epoch) + self.load("evidence_window"),
                     "the evidence is older than the evidence window")
        return self._slash(who, self.sender, reason)

    @external
    def slash_signer(self, who: Address, reporter: Address, reason: Bytes32) -> int:
        """The linked bridge slashes a signer of a checkpoint proven fraudulent."""
        self.require(self.sender == f"0x{self.load('slasher'):040x}", "only the linked bridge slashes signers")
        return self._slash(who, reporter, reason.rstrip(b"\x00").decode(errors="replace"))

    def _slash(self, who: str, reporter: str, reason: str) -> int:
        self.require(not self.load("jailed", who), f"{who} is already slashed")
        bond_id = self.load("bond_id", who)
        amount = self._held(who) * self.load("slash_bps") // BPS
        reward = amount * self.load("reward_bps") // BPS
        self.store("jailed", who, value=1)
        self.emit("Slashed", who, reporter, data=amount.to_bytes(32, "big"), args=(who, reporter, amount, reason))
        if reward:
            self._ledger("slash", bond_id, reward, reporter, f"{reason}: the reporter's reward")
        if amount - reward:
            self._ledger("slash", bond_id, amount - reward, BURN, f"{reason}: burnt")
        return amount
