"""A bare L1 with the adjudicator and two parties' clients, driven by hand (no simulation)."""

from __future__ import annotations

from dataclasses import dataclass

from prozchain.rollup.channels.agents.client import ChannelClient, update
from prozchain.rollup.channels.contracts.onchain import deploy, force_close, genesis, open_channel, submit
from prozchain.rollup.channels.state import State
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.sim.store import MemoryStore

ETHER = 10**18
PERIOD = 100


@dataclass
class Rig:
    chain: Chain
    adjudicator: str
    a: Key
    b: Key
    alice: ChannelClient
    bob: ChannelClient

    def balances(self) -> tuple[int, int]:
        return self.chain.state.balance(self.a.address), self.chain.state.balance(self.b.address)

    def pays(self, times: int, amount: int = 1) -> None:
        """``times`` updates, alternating who proposes and who pays."""
        for i in range(times):
            p, r = (self.alice, self.bob) if i % 2 == 0 else (self.bob, self.alice)
            update(p, r, p.latest.pay(i % 2, amount))

    def dispute(self, before: int, after: int, amount: int) -> tuple[State, bytes]:
        """``before`` payments, then ``after`` more; alice publishes the state she held in between
        and bob answers with his latest (a replacement for ``after == 1``, a penalty from 2).
        Returns the state alice published with its signatures."""
        self.pays(before, amount)
        older, older_sigs = self.alice.latest, self.alice.latest_sigs
        self.pays(after, amount)
        assert force_close(self.chain, self.alice, self.adjudicator, older, older_sigs).status
        assert submit(self.chain, self.b, self.adjudicator, "challenge", 1, self.bob.latest.encode(),
                      self.bob.latest_sigs).status
        return older, older_sigs


def rig(deposit_a: int = 600, deposit_b: int = 400, seed: bytes = b"") -> Rig:
    a, b = Key.from_seed(b"alice" + seed), Key.from_seed(b"bob" + seed)
    chain = Chain({a.address: ETHER, b.address: ETHER})
    adj = deploy(chain, a)
    cid, _ = open_channel(chain, adj, a, b, deposit_a, deposit_b, PERIOD)
    start = genesis(chain, adj, cid)
    alice = ChannelClient.create(a, MemoryStore(), start, a.address, b.address)
    bob = ChannelClient.create(b, MemoryStore(), start, a.address, b.address)
    return Rig(chain, adj, a, b, alice, bob)
