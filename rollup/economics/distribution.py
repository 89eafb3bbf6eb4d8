"""Where fees go: burned, or distributed to the parties that earned them, as recorded payouts.

A :class:`FeeLedger` takes each charged fee (:class:`~prozchain.rollup.economics.fees.Charge`)
and splits it at once: the execution fee (the L2 base fee) is burned; the L1 data fee and the
priority fee go to roles by basis points (:class:`Split`), each role held by a recipient (an
address, or a pool such as the sidechain validators' reward pool or the challengers' pool,
which pays on later: :meth:`FeeLedger.pay`, :meth:`FeeLedger.burn`). Every movement is a
:class:`Payout` with a reason. The invariant, after every step, to the wei::

    paid == distributed + burned

where ``distributed`` is what recipients are owed plus what they were paid out
(:meth:`FeeLedger.settle`, when the layer's fee pot really paid them).

Staking rewards (:func:`epoch_rewards`): an epoch's pot goes to its validators by stake,
each share reduced in proportion to the blocks it should have proposed and missed; what is
withheld is burned.

>>> ledger = FeeLedger(ROLLUP_SPLIT, {SEQUENCER: "seq", BATCHER: "seq", CHALLENGERS: "pool"})
>>> payouts = ledger.collect(Charge(burned=700, priority=101, l1_data=300), reason="tx 1")
>>> [(p.recipient, p.role, p.amount) for p in payouts]
[('seq', 'sequencer', 81), ('pool', 'challengers', 20), ('seq', 'batcher', 300)]
>>> ledger.paid, ledger.distributed, ledger.burned, ledger.balanced()
(1101, 401, 700, True)
>>> epoch_rewards(1_000, powers=[3, 1], produced=[4, 1], expected=[4, 2])
([750, 125], 125)
>>> epoch_rewards(1_000, powers=[1, 1, 1], produced=[0, 2, 0], expected=[1, 1, 0])   # one missed, one not due
([0, 333, 333], 334)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

from prozchain.rollup.economics.errors import Unbalanced
from prozchain.rollup.economics.fees import Charge
from prozchain.rollup.economics.ordering import Settlement

BPS = 10_000
SEQUENCER, BATCHER, PROVER, VALIDATORS, CHALLENGERS, PROPOSER, AUCTION, REBATE = (
    "sequencer", "batcher", "prover", "validators", "challengers", "proposer", "auction", "rebate")
BURNED = "burned"  # the role and recipient of burned value in payouts (not an address)


@dataclass(frozen=True)
class Split:
    """Who gets the priority fee and who the L1 data fee: ``(role, basis points)`` pairs summing
    to 10000 each; the wei lost to rounding goes to the first role. The execution fee is burned."""

    priority: tuple[tuple[str, int], ...]
    l1_data: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        for name, shares in (("priority", self.priority), ("l1_data", self.l1_data)):
            if sum(bps for _, bps in shares) != BPS or not shares:
                raise ValueError(f"the {name} shares must sum to {BPS} basis points")

    @property
    def roles(self) -> set[str]:
        return {role for role, _ in self.priority + self.l1_data}


ROLLUP_SPLIT = Split(priority=((SEQUENCER, 8_000), (CHALLENGERS, 2_000)), l1_data=((BATCHER, BPS),))
"""The optimistic rollup: priority to the sequencer, a fifth to the pool that pays the challenger
who wins a dispute; the L1 data fee to the batcher, who pays L1 for the batches."""
AUCTION_SPLIT = Split(priority=((AUCTION, BPS),), l1_data=((BATCHER, BPS),))
"""A sequencer set under the priority auction: every bid goes to the auction's pool, which
:meth:`FeeLedger.redistribute` hands back to the batch's users (ordering power earns the
sequencer nothing); the L1 data fee to the batcher."""

ZK_SPLIT = Split(priority=((SEQUENCER, BPS),), l1_data=((PROVER, BPS),))
"""The ZK rollup: priority to the sequencer; the L1 data fee to the prover, who posts the batch
and pays for its verification."""
SIDECHAIN_SPLIT = Split(priority=((PROPOSER, 5_000), (VALIDATORS, 5_000)), l1_data=((BATCHER, BPS),))
"""The sidechain: priority half to the block's proposer, half to the validators' reward pool
(paid per epoch by :func:`epoch_rewards`); the L1 data fee to whoever posts its checkpoints."""


@dataclass(frozen=True)
class Payout:
    """One movement of fee value: ``amount`` wei to ``recipient`` in ``role`` (``BURNED``: burned)."""

    step: int
    recipient: str
    role: str
    amount: int
    reason: str


def shares_of(amount: int, shares: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """``amount`` split by basis points, to the wei (the rounding remainder to the first)."""
    parts = [(role, amount * bps // BPS) for role, bps in shares]
    rest = amount - sum(part for _, part in parts)
    return [(parts[0][0], parts[0][1] + rest)] + parts[1:]


@dataclass
class FeeLedger:
    """Fees paid, burned and distributed on one layer; ``recipients`` maps each role of ``split``
    to who holds it."""

    split: Split
    recipients: Mapping[str, str]
    paid: int = 0
    burned: int = 0
    owed: dict[str, int] = field(default_factory=dict)
    settled: dict[str, int] = field(default_factory=dict)
    payouts: list[Payout] = field(default_factory=list)

    def __post_init__(self) -> None:
        missing = self.split.roles - set(self.recipients)
        if missing:
            raise Unbalanced(f"no recipient for the roles {sorted(missing)}")

    @property
    def distributed(self) -> int:
        return sum(self.owed.values()) + sum(self.settled.values())

    def balanced(self) -> bool:
        """The invariant: paid == distributed + burned, and nobody is owed a negative amount."""
        return self.paid == self.distributed + self.burned and min(self.owed.values(), default=0) >= 0

    def _credit(self, recipient: str, role: str, amount: int, reason: str) -> Payout:
        self.owed[recipient] = self.owed.get(recipient, 0) + amount
        payout = Payout(len(self.payouts), recipient, role, amount, reason)
        self.payouts.append(payout)
        return payout

    def collect(self, charge: Charge, reason: str, holders: Optional[Mapping[str, str]] = None) -> list[Payout]:
        """Take a charged fee: burn its execution part, distribute the rest by the split;
        ``holders`` overrides the recipients of some roles for this fee (a block's proposer)."""
        self.paid += charge.total
        self.burned += charge.burned
        recipients = {**self.recipients, **(holders or {})}
        return [self._credit(recipients[role], role, amount, reason)
                for part, shares in ((charge.priority, self.split.priority), (charge.l1_data, self.split.l1_data))
                for role, amount in shares_of(part, shares) if amount]

    def _debit(self, recipient: str, amount: int) -> None:
        if not 0 <= amount <= self.owed.get(recipient, 0):
            raise Unbalanced(f"{recipient} is owed {self.owed.get(recipient, 0)} wei, not {amount}")
        self.owed[recipient] = self.owed.get(recipient, 0) - amount

    def pay(self, pool: str, recipient: str, role: str, amount: int, reason: str) -> Payout:
        """Move ``amount`` of what ``pool`` holds to ``recipient`` (a reward, a challenger's award)."""
        self._debit(pool, amount)
        return self._credit(recipient, role, amount, reason)

    def burn(self, pool: str, amount: int, reason: str) -> Payout:
        """Burn ``amount`` of what ``pool`` holds (a reward withheld for missed blocks)."""
        self._debit(pool, amount)
        self.burned += amount
        payout = Payout(len(self.payouts), BURNED, BURNED, amount, reason)
        self.payouts.append(payout)
        return payout

    def redistribute(self, pool: str, settlement: Settlement, senders: Mapping[int, str], reason: str) -> list[Payout]:
        """Hand a priority auction's batch proceeds, held by ``pool``, back as
        :meth:`~prozchain.rollup.economics.ordering.PriorityAuction.settle` shares them: each
        arrival's rebate to its sender (``senders`` by arrival number), the remainder burned.

        >>> from prozchain.rollup.economics.ordering import Settlement
        >>> ledger = FeeLedger(AUCTION_SPLIT, {AUCTION: "pool", BATCHER: "batcher"})
        >>> _ = ledger.collect(Charge(burned=0, priority=7, l1_data=0), reason="batch 0")
        >>> [(p.recipient, p.amount) for p in ledger.redistribute("pool", Settlement(7, {0: 3, 1: 3}, 1),
        ...                                                       {0: "alice", 1: "bob"}, "batch 0")]
        [('alice', 3), ('bob', 3), ('burned', 1)]
        >>> ledger.owed["pool"], ledger.balanced()
        (0, True)
        """
        out = [self.pay(pool, senders[seq], REBATE, amount, f"{reason}: rebate of arrival {seq}")
               for seq, amount in settlement.rebates.items() if amount]
        if settlement.burnt:
            out.append(self.burn(pool, settlement.burnt, f"{reason}: the indivisible rest"))
        return out

    def settle(self, recipient: str, amount: int) -> None:
        """Record that the layer's fee pot paid ``recipient`` ``amount`` of what it is owed."""
        self._debit(recipient, amount)
        self.settled[recipient] = self.settled.get(recipient, 0) + amount


def epoch_rewards(pot: int, powers: Sequence[int], produced: Sequence[int],
                  expected: Sequence[int]) -> tuple[list[int], int]:
    """An epoch's staking rewards: validator ``i`` gets its stake share of ``pot`` times the
    fraction of its ``expected`` blocks it ``produced`` (all of it when none was expected of
    it); returns the rewards and what is burned (the missed shares and the rounding)."""
    if not len(powers) == len(produced) == len(expected):
        raise ValueError("one power, one produced and one expected count per validator")
    total = sum(powers)
    shares = [pot * power // total if total else 0 for power in powers]
    rewards = [share * min(made, due) // due if due else share for share, made, due in zip(shares, produced, expected)]
    return rewards, pot - sum(rewards)
