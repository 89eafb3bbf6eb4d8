"""Virtual channels through an intermediary: guarantee accounting, the cooperative off-chain
path, and recovery on L1 when the intermediary, A or B goes silent."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.rollup.channels.contracts.adjudicator import CLOSED, CLOSING, VirtualInfo
from prozchain.rollup.channels.agents.client import ChannelClient, update
from prozchain.rollup.channels.errors import InvalidState
from prozchain.rollup.channels.contracts.onchain import (conclude, deploy, escrow, force_close, genesis,
                                                          open_channel, publish, settle)
from prozchain.rollup.channels.state import PREFUND, Guarantee, State, VirtualParams
from prozchain.rollup.channels.agents.virtual import defund, fund, lock, onchain_sigs, start
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.sim.store import MemoryStore

PERIOD = 100
DEPOSIT = 1_000


@dataclass
class Triangle:
    """Ledgers A-I and I-B on L1, and a virtual channel A-B funded from them."""

    chain: Chain
    adj: str
    keys: dict
    left: tuple[ChannelClient, ChannelClient]
    right: tuple[ChannelClient, ChannelClient]
    params: VirtualParams
    va: ChannelClient
    vb: ChannelClient
    funded: bytes = b""

    def party_total(self, name: str) -> int:
        """What ``name`` holds in the ledgers' latest states plus its share of V (I: the guarantees)."""
        v = self.va.latest
        if name == "a":
            return self.left[0].latest.balance_a + (v.balance_a if self.guaranteed else 0)
        if name == "b":
            return self.right[1].latest.balance_b + (v.balance_b if self.guaranteed else 0)
        return self.left[1].latest.balance_b + self.right[0].latest.balance_a + (v.total if self.guaranteed else 0)

    @property
    def guaranteed(self) -> bool:
        return bool(self.left[0].latest.guarantees)

    def received(self, name: str) -> int:
        """What L1 paid ``name`` out of the ledger channels (``Closed`` events)."""
        paid = {log.args[0]: log.args[1:] for _, log in self.chain.logs(self.adj, "Closed")}
        return sum(paid.get(cid, (0, 0))[side] for cid, side in {"a": [(1, 0)], "i": [(1, 1), (2, 0)],
                                                                 "b": [(2, 1)]}[name])


def triangle(amount_a: int = 300, amount_b: int = 200, do_fund: bool = True) -> Triangle:
    keys = {n: Key.from_seed(f"virtual/{n}".encode()) for n in "aib"}
    chain = Chain({k.address: 10**18 for k in keys.values()})
    adj = deploy(chain, keys["a"])
    pairs = []
    for x, y in (("a", "i"), ("i", "b")):
        cid, _ = open_channel(chain, adj, keys[x], keys[y], DEPOSIT, DEPOSIT, PERIOD)
        pairs.append(tuple(ChannelClient.create(keys[n], MemoryStore(), genesis(chain, adj, cid),
                                                keys[x].address, keys[y].address) for n in (x, y)))
    params = VirtualParams(keys["a"].address, keys["b"].address, keys["i"].address, PERIOD, 7)
    va, vb = start(params, keys["a"], keys["b"], adj, chain.chain_id, amount_a, amount_b)
    t = Triangle(chain, adj, keys, pairs[0], pairs[1], params, va, vb)
    if do_fund:
        t.funded = fund(params, va, vb, t.left, t.right, keys["i"], adj, chain.chain_id)
    return t


def vstatus(t: Triangle) -> VirtualInfo:
    return t.chain.view(t.adj, "virtual", t.params.vid)


@settings(max_examples=40, deadline=None, database=None)
@given(balances=st.tuples(*[st.integers(0, 10**6)] * 4), share=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
       outcome=st.integers(-5, 3 * 10**6), left=st.sampled_from([0, 1]))
def test_guarantee_accounting_creates_and_destroys_nothing(balances, share, outcome, left):
    """Lock then release in the two ledgers of one virtual channel: each ledger keeps its total
    and the intermediary ends where it started, whatever outcome (even a nonsensical one) V pays."""
    a_bal, i_left, i_right, b_bal = balances
    from_a, from_b = share[0] % (min(a_bal, i_right) + 1), share[1] % (min(i_left, b_bal) + 1)
    ai = State("0x" + "ad" * 20, 1, 1, 0, a_bal, i_left)  # A is party 0, I party 1
    ib = State("0x" + "ad" * 20, 1, 2, 0, i_right, b_bal)  # I stands on V's A side: party 0
    if from_a + from_b == 0:
        with pytest.raises(InvalidState, match="malformed guarantee"):
            ai.add_guarantee(Guarantee(5, 0, 0), 0, 0).check(ai.total)
        return
    ai_locked = ai.add_guarantee(Guarantee(5, from_a + from_b, 0), from_a, from_b)
    ib_locked = ib.add_guarantee(Guarantee(5, from_a + from_b, 0), from_a, from_b)
    for before, locked in ((ai, ai_locked), (ib, ib_locked)):
        locked.check(before.total)
        released = locked.resolve_guarantee(5, outcome)
        released.check(before.total)
        assert not released.guarantees and released.version == before.version + 2
    ai_out, ib_out = ai_locked.resolve_guarantee(5, outcome), ib_locked.resolve_guarantee(5, outcome)
    assert ai_out.balance_b + ib_out.balance_a == i_left + i_right  # the intermediary is made whole
    x_a = min(max(outcome, 0), from_a + from_b)
    assert (ai_out.balance_a, ib_out.balance_b) == (a_bal - from_a + x_a, b_bal - from_b + (from_a + from_b - x_a))
    g = Guarantee(9, from_a + from_b, left)
    assert sum(g.split(outcome)) == g.amount and g.split(outcome)[left] == x_a


@pytest.mark.parametrize("from_left,from_right,why", [(5, 5, "cannot be funded"), (21, 0, "negative"),
                                                      (0, 11, "negative"), (-1, 10, "cannot be funded")])
def test_a_guarantee_cannot_overdraw_or_mint(from_left, from_right, why):
    state = State("0x" + "ad" * 20, 1, 1, 0, 10, 20)
    with pytest.raises(InvalidState, match=why):
        state.add_guarantee(Guarantee(5, 9 if why == "cannot be funded" else from_left + from_right, 1),
                            from_left, from_right)
    locked = state.add_guarantee(Guarantee(5, 9, 1), 4, 5)  # left = B gives 4, A gives 5
    assert (locked.balance_a, locked.balance_b, locked.total) == (5, 16, 30)
    with pytest.raises(InvalidState, match="already guarantees"):
        locked.add_guarantee(Guarantee(5, 1, 0), 1, 0)
    with pytest.raises(InvalidState, match="in flight"):
        locked.finalize()
    with pytest.raises(InvalidState, match="guarantees no virtual channel"):
        locked.resolve_guarantee(6, 0)


def test_funding_and_cooperative_close_need_no_l1_transaction():
    t = triangle()
    blocks, before = len(t.chain.blocks), {n: t.party_total(n) for n in "aib"}
    assert t.left[0].latest.guarantee(t.params.vid) == Guarantee(t.params.vid, 500, 0)
    assert t.right[1].latest.guarantee(t.params.vid) == Guarantee(t.params.vid, 500, 0)
    assert (t.left[0].latest.balance_a, t.left[0].latest.balance_b) == (700, 800)
    assert (t.right[0].latest.balance_a, t.right[0].latest.balance_b) == (700, 800)
    for k in range(20):
        update(t.va, t.vb, t.va.latest.pay(k % 2, 13 + k))
    moved = t.va.latest.balance_a - 300
    defund(t.params, t.va, t.vb, t.left, t.right)
    assert len(t.chain.blocks) == blocks and not t.left[0].latest.guarantees and not t.right[0].latest.guarantees
    after = {n: t.party_total(n) for n in "aib"}
    assert after == {"a": before["a"] + moved, "i": before["i"], "b": before["b"] - moved}
    assert sum(after.values()) == 4 * DEPOSIT


def test_lock_refuses_a_foreign_ledger_or_a_later_state():
    t = triangle(do_fund=False)
    with pytest.raises(InvalidState, match="pre-fund"):
        lock(t.left[0], t.params, t.va.latest.pay(0, 1))
    other = VirtualParams(t.params.a, t.params.b, t.keys["a"].address, PERIOD, 1)  # "intermediary" A
    with pytest.raises(InvalidState, match="does not join"):
        lock(t.right[1], other, State(t.adj, t.chain.chain_id, other.vid, PREFUND, 1, 1))


def _end_on_l1(t: Triangle, closers) -> None:
    """Force-close both ledgers, wait out the periods, conclude V if needed and settle both."""
    for client in closers:
        assert force_close(t.chain, client, t.adj).status
    t.chain.advance_time(PERIOD)
    if vstatus(t).status == CLOSING:
        assert conclude(t.chain, t.keys["b"], t.adj, t.vb.latest).status
    for client in (t.left[0], t.right[1]):
        assert settle(t.chain, client.key, t.adj, client.latest).status


def test_intermediary_silent_after_funding_both_ends_recover_on_l1():
    t = triangle()
    for k in range(5):
        update(t.vb, t.va, t.vb.latest.pay(1, 20))  # B pays A 100 in all
    owed = {n: t.party_total(n) for n in "aib"}
    update(t.va, t.vb, t.va.latest.finalize())  # I is gone: the ends co-sign a final V state
    early = settle(t.chain, t.keys["a"], t.adj, t.left[0].latest)
    assert not early.status  # nothing is closing yet
    assert force_close(t.chain, t.left[0], t.adj).status
    t.chain.advance_time(PERIOD)
    blocked = settle(t.chain, t.keys["a"], t.adj, t.left[0].latest)
    assert not blocked.status and "not concluded" in blocked.error  # the guarantee waits for V
    assert publish(t.chain, t.keys["a"], t.adj, t.params, t.va.latest, onchain_sigs(t.va, t.funded)).status
    assert vstatus(t).status == CLOSED and vstatus(t).paid_a == t.va.latest.balance_a  # final: concluded at once
    assert settle(t.chain, t.keys["a"], t.adj, t.left[0].latest).status
    assert force_close(t.chain, t.right[1], t.adj).status
    t.chain.advance_time(PERIOD)
    assert settle(t.chain, t.keys["b"], t.adj, t.right[1].latest).status
    assert {n: t.received(n) for n in "aib"} == owed
    assert owed["a"] == DEPOSIT + 100 and owed["i"] == 2 * DEPOSIT
    assert escrow(t.chain, t.adj) == 0 and t.chain.conserved()


@pytest.mark.parametrize("silent", ["a", "b"])
def test_an_end_silent_the_other_end_and_the_intermediary_recover(silent):
    t = triangle()
    for k in range(4):
        update(t.va, t.vb, t.va.latest.pay(0, 30))
    owed = {n: t.party_total(n) for n in "aib"}
    active, ledger = (t.vb, t.right[1]) if silent == "a" else (t.va, t.left[0])
    # the intermediary publishes what it holds (the pre-fund state); the active end answers with
    # the latest one, which counts because it carries the intermediary's funded signature
    i_key = t.keys["i"]
    prefund = State(t.adj, t.chain.chain_id, t.params.vid, PREFUND, 300, 200)
    sigs_v1 = prefund.sign(t.keys["a"]) + prefund.sign(t.keys["b"])
    assert publish(t.chain, i_key, t.adj, t.params, prefund, sigs_v1).status
    unfunded = publish(t.chain, active.key, t.adj, t.params, active.latest, active.latest_sigs)
    assert not unfunded.status and "funded" in unfunded.error
    assert publish(t.chain, active.key, t.adj, t.params, active.latest, onchain_sigs(active, t.funded)).status
    again = publish(t.chain, i_key, t.adj, t.params, prefund, sigs_v1)
    assert not again.status and "not newer" in again.error
    assert vstatus(t).status == CLOSING and vstatus(t).version == active.latest.version
    _end_on_l1(t, [t.left[1], t.right[0]] if silent == "a" else [ledger, t.right[0]])
    assert {n: t.received(n) for n in "aib"} == owed and owed["a"] == DEPOSIT - 120
    assert escrow(t.chain, t.adj) == 0 and t.chain.conserved()


def test_intermediary_silent_before_attesting_the_prefund_state_refunds():
    t = triangle(do_fund=False)
    update(t.left[0], t.left[1], lock(t.left[0], t.params, t.va.latest))  # only A-I locked, then I is gone
    update(t.va, t.vb, t.va.latest.pay(0, 50))  # A should not pay yet: without the funded signature it won't count
    owed_a = DEPOSIT
    assert force_close(t.chain, t.left[0], t.adj).status
    prefund = State(t.adj, t.chain.chain_id, t.params.vid, PREFUND, 300, 200)
    late = publish(t.chain, t.keys["a"], t.adj, t.params, t.va.latest, t.va.latest_sigs + bytes(65))
    assert not late.status
    assert publish(t.chain, t.keys["a"], t.adj, t.params, prefund,
                   prefund.sign(t.keys["a"]) + prefund.sign(t.keys["b"])).status
    t.chain.advance_time(PERIOD)
    assert conclude(t.chain, t.keys["a"], t.adj, prefund).status
    assert settle(t.chain, t.keys["a"], t.adj, t.left[0].latest).status
    assert t.received("a") == owed_a and t.received("i") == DEPOSIT


def test_publish_rejects_outsiders_and_foreign_states():
    t = triangle()
    outsider = Key.from_seed(b"outsider")
    t.chain.state.add_balance(outsider.address, 10**18)
    t.chain.minted += 10**18
    sigs = onchain_sigs(t.va, t.funded)
    assert not publish(t.chain, outsider, t.adj, t.params, t.va.latest, sigs).status
    other = VirtualParams(t.params.a, t.params.b, t.params.intermediary, PERIOD, 8)
    wrong = publish(t.chain, t.keys["a"], t.adj, other, t.va.latest, sigs)
    assert not wrong.status and "another channel" in wrong.error
    early = conclude(t.chain, t.keys["a"], t.adj, t.va.latest)
    assert not early.status and "not closing" in early.error


def test_the_unsigned_opening_state_cannot_smuggle_a_guarantee():
    """Only the plain opening state closes without signatures: one carrying a zero guarantee for a
    virtual channel nobody will conclude would block ``settle`` forever."""
    t = triangle(do_fund=False)
    opening = genesis(t.chain, t.adj, 1)
    smuggled = State(t.adj, t.chain.chain_id, 1, 0, opening.balance_a, opening.balance_b,
                     guarantees=(Guarantee(12345, 0, 0),))
    blocked = force_close(t.chain, t.left[0], t.adj, smuggled, b"")
    assert not blocked.status and "sigs must be" in blocked.error
    assert force_close(t.chain, t.left[0], t.adj, opening, b"").status


@settings(max_examples=8, deadline=None, database=None)
@given(x_a=st.integers(0, 2_000), x_b=st.integers(0, 2_000), payments=st.integers(0, 3))
def test_l1_escrow_is_conserved_whatever_outcome_a_and_b_sign(x_a, x_b, payments):
    """A and B co-sign any final virtual state, even one holding more or less than the guarantees
    (colluding against the intermediary); on L1 each guarantee still pays out exactly its amount:
    the escrow empties into the three parties, and the intermediary gets back all it put in."""
    t = triangle()
    for _ in range(payments):
        update(t.va, t.vb, t.va.latest.pay(0, 10))
    forged = State(t.adj, t.chain.chain_id, t.params.vid, t.va.latest.version + 1, x_a, x_b, final=True)
    sigs = forged.sign(t.keys["a"]) + forged.sign(t.keys["b"]) + t.funded
    assert publish(t.chain, t.keys["b"], t.adj, t.params, forged, sigs).status and vstatus(t).status == CLOSED
    _end_on_l1(t, [t.left[0], t.right[1]])
    received = {n: t.received(n) for n in "aib"}
    assert sum(received.values()) == 4 * DEPOSIT and received["i"] == 2 * DEPOSIT
    assert received["a"] == 700 + min(x_a, 500) and received["b"] == 800 + 500 - min(x_a, 500)
    assert escrow(t.chain, t.adj) == 0 and t.chain.conserved()
