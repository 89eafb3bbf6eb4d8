"""Byzantine validators for the scenarios: a coalition that equivocates on purpose.

During its attack window the coalition's proposer builds two blocks, X and Y, each carrying
one of two conflicting payments of the same coins (a double spend), and shows X to one side of
the honest validators and Y to the other; every coalition member prevotes and precommits X to
the first side and Y to the second, over its own links (the coalition reaches both sides of a
partition). With f of 3f+1 this cannot decide two blocks, and the conflicting signed votes end
up side by side (in certificates and gossip) as evidence. With f+1 it splits the honest
validators: the safety violation that the bound forbids.

>>> Coalition(sides=(["v0"], ["v1"]), members=["v2", "v3"], window=(0, 1), spend=(b"x", b"y")).side(1)
['v1']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from prozchain.rollup.sidechain.node.consensus import Validator
from prozchain.rollup.sidechain.node.messages import PRECOMMIT, PREVOTE, Proposal, Vote


@dataclass
class Coalition:
    sides: tuple[list[str], list[str]]
    members: list[str]
    window: tuple[int, int]
    spend: tuple[bytes, bytes]
    plans: dict[tuple[int, int], tuple[bytes, bytes]] = field(default_factory=dict)
    spent: bool = False

    def side(self, i: int) -> list[str]:
        return self.sides[i]

    def active(self, now: int) -> bool:
        return self.window[0] <= now < self.window[1]


class Equivocator(Validator):
    """A coalition member; outside the window it behaves like an honest validator."""

    def __init__(self, *args: Any, coalition: Coalition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.coalition = coalition

    def _direct(self, dst: str, message: Any) -> None:
        """Deliver over the coalition's own links, whatever partitions the network has."""
        agent = self.sim.agents[dst]
        delay = self.rng.randint(10, 150)
        self.sim.scheduler.after(delay, f"{self.name}=>{dst}: {message}",
                                 lambda: agent.up and agent.on_message(self.name, message))

    def _forward(self, vote: Vote, skip: set[str]) -> None:
        """The coalition gossips nothing: each side must see only its half."""

    def _split(self, to_first: Any, to_second: Any) -> None:
        c = self.coalition
        for name in c.side(0) + c.members:
            if name != self.name:
                self._direct(name, to_first)
        for name in c.side(1):
            self._direct(name, to_second)

    def _propose(self, round_: int, block, valid_round: int) -> None:
        c = self.coalition
        if not c.active(self.sim.scheduler.now) or c.spent:
            return super()._propose(round_, block, valid_round)
        c.spent = True
        x, y = self._new_block([c.spend[0]]), self._new_block([c.spend[1]])
        c.plans[(self.h, round_)] = (x.hash, y.hash)
        px = Proposal.make(self.key, self.epoch, self.h, round_, -1, x)
        self.log(f"EQUIVOCATE proposal h{self.h} r{round_}: {x.hash.hex()[:8]} / {y.hash.hex()[:8]}")
        self._accept(px)
        self._split(px, Proposal.make(self.key, self.epoch, self.h, round_, -1, y))

    def _cast(self, step: int, value: Optional[bytes]) -> None:
        plan = self.coalition.plans.get((self.h, self.round))
        if plan is None:
            return super()._cast(step, value)
        self.step = step
        for s in (PREVOTE, PRECOMMIT) if step == PREVOTE else (PRECOMMIT,):
            first, second = (Vote.make(self.key, self.epoch, self.h, self.round, s, v) for v in plan)
            self._accept(first)
            self._split(first, second)
        self.step = PRECOMMIT
