"""Off-chain exchanges over the simulated network: loss, duplication, partitions and a crash
never apply a payment twice or lose one that was signed, and both ends end on the same state."""

from __future__ import annotations

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from prozchain.rollup.channels.agents.link import TIMEOUT_MS, mover
from prozchain.rollup.channels.agents.payments import pay
from prozchain.rollup.channels.system import System
from prozchain.rollup.l1 import keccak256
from prozchain.rollup.sim.network import NetworkConfig

DEPOSIT = 10**6
NAMES = ("alice", "bob")


def payments(system: System, cid: int, count: int, rng) -> int:
    """Schedule ``count`` random payments both ways; returns when the last is queued."""
    t = 1_000
    for _ in range(count):
        t += rng.randint(0, 300)
        payer, amount = rng.choice(NAMES), rng.randint(1, 1_000)
        system.sim.scheduler.at(t, "pay", lambda p=payer, a=amount: system.nodes[p].link(cid).pay(a)
                               if system.nodes[p].up else None)
    return t


def applied(system: System, cid: int) -> dict[str, list[tuple[int, int]]]:
    """``(payment id, amount)`` of every version each party proposed, from its store."""
    return {n: [tuple(system.nodes[n].store.get(k)) for k in system.nodes[n].store.keys(f"link/{cid}/")] for n in NAMES}


def check_agreement(system: System, cid: int, context: str) -> None:
    a, b = (system.client(n, cid) for n in NAMES)
    assert a.latest == b.latest and a.pending is None and b.pending is None, context
    done = applied(system, cid)
    for n in NAMES:
        assert len({pid for pid, _ in done[n]}) == len(done[n]), f"{context}: {n} applied a payment twice"
    moved = sum(x for _, x in done["alice"]) - sum(x for _, x in done["bob"])
    assert (a.latest.balance_a, a.latest.balance_b) == (DEPOSIT - moved, DEPOSIT + moved), context
    assert all(mover(v) == 0 for v in (int(k.split("/")[-1]) for k in system.nodes["alice"].store.keys(f"link/{cid}/")))


@settings(max_examples=3, deadline=None, database=None, phases=(Phase.explicit, Phase.generate))
@given(seed=st.integers(0, 2**63), loss=st.sampled_from([0.0, 0.2, 0.4]), duplicate=st.sampled_from([0.0, 0.3]))
def test_loss_duplication_and_a_partition(seed, loss, duplicate):
    system = System(seed, list(NAMES), network=NetworkConfig(loss=loss, duplicate=duplicate))
    with system.sim:
        rng = system.sim.scheduler.rng("test")
        cid = system.open("alice", "bob", DEPOSIT, DEPOSIT)
        end = payments(system, cid, 60, rng)
        system.sim.network.partition_later(rng.randint(1_000, end), ["bob"], heal_after=20_000)
        system.sim.run(until=end + 120_000)
        context = f"seed {seed} loss {loss} duplicate {duplicate}"
        check_agreement(system, cid, context)
        assert system.client("alice", cid).latest.version >= 60, context
        blocked = system.sim.network.stats["blocked"]
        assert blocked > 0 and len(system.chain.receipts) == 4, context  # two deploys (ledger, adjudicator), open, fund


@settings(max_examples=2, deadline=None, database=None, phases=(Phase.explicit, Phase.generate))
@given(seed=st.integers(0, 2**63))
def test_a_crash_mid_exchange_resumes_from_the_store(seed):
    """Bob crashes while payments fly; on restart his pending proposal is retransmitted from
    SQLite; payments queued in his memory are gone, but nothing signed is lost or doubled."""
    system = System(seed, list(NAMES), network=NetworkConfig(loss=0.1, duplicate=0.1))
    with system.sim:
        rng = system.sim.scheduler.rng("test")
        cid = system.open("alice", "bob", DEPOSIT, DEPOSIT)
        end = payments(system, cid, 60, rng)
        system.sim.crash("bob", rng.randint(2_000, end), downtime=rng.randint(1_000, 10_000))
        system.sim.run(until=end + 120_000)
        check_agreement(system, cid, f"seed {seed}")
        assert system.nodes["bob"].incarnation == 2


def test_duplicates_and_stragglers_change_nothing():
    system = System(3, list(NAMES), network=NetworkConfig(loss=0.0, duplicate=0.0))
    with system.sim:
        cid = system.open("alice", "bob", DEPOSIT, DEPOSIT)
        sent = []
        system.sim.network.send = lambda src, dst, msg: sent.append((src, dst, msg))  # capture, deliver by hand
        alice, bob = system.nodes["alice"].link(cid), system.nodes["bob"].link(cid)
        alice.pay(10)
        (_, _, propose1), = sent
        bob.receive(propose1)
        accept1 = sent[1][2]
        alice.receive(accept1)
        store_before = {k: system.nodes["bob"].store.get(k) for k in system.nodes["bob"].store.keys()}
        bob.receive(propose1)  # a duplicate proposal: answered again, nothing stored
        assert sent[-1][2] == accept1
        alice.receive(accept1)  # a duplicate accept: dropped
        assert {k: system.nodes["bob"].store.get(k) for k in system.nodes["bob"].store.keys()} == store_before
        bob.pay(4)  # v2 is bob's turn
        propose2 = sent[-1][2]
        assert propose2["kind"] == "propose"
        alice.receive(propose2)
        bob.receive(sent[-1][2])
        before = len(sent)
        alice.receive(propose1)  # a straggler older than the co-signed state: dropped, no answer
        assert len(sent) == before
        forged = dict(propose2, sig=propose2["sig"][:-2] + "00")
        bob.receive(dict(forged, kind="propose"))  # not alice's turn and not her signature: dropped
        for junk in ({"kind": "propose", "cid": cid}, dict(propose2, state="zz"), dict(propose2, kind="hello"),
                     dict(propose2, state=propose2["state"][:-64])):
            bob.receive(junk)  # malformed: logged and dropped
        assert system.client("alice", cid).latest == system.client("bob", cid).latest
        assert system.client("alice", cid).latest.balance_b == DEPOSIT + 6


def test_htlc_exchanges_travel_over_the_network():
    """An HTLC payment across a partition is not co-signed in time (the payer hears it failed);
    once the partition heals, a second payment locks and settles, every step a message. The
    first lock, signed and retransmitted, is co-signed after the heal too and waits for its
    expiry (a signature cannot be taken back)."""
    system = System(4, list(NAMES))
    with system.sim:
        cid = system.open("alice", "bob", DEPOSIT, DEPOSIT)
        system.sim.network.partition(["bob"], heal_after=2 * TIMEOUT_MS)
        preimages = [keccak256(b"cut"), keccak256(b"healed")]
        for hid, (at, preimage) in enumerate(zip((1_000, 3 * TIMEOUT_MS), preimages), start=1):
            system.sim.scheduler.at(at, f"pay {hid}", lambda p=preimage, h=hid: pay(
                system.nodes, list(NAMES), [cid], [(500, system.chain.time + 1_200)], p, h))
        system.sim.run(until=TIMEOUT_MS + 2_000)
        assert system.latest(cid).version == 0 and system.sim.network.stats["blocked"] > 0
        system.sim.run(until=4 * TIMEOUT_MS)
        alice = system.nodes["alice"]
        assert alice.preimage(keccak256(preimages[0])) is None and alice.preimage(keccak256(preimages[1]))
        assert system.latest(cid).balance_b == DEPOSIT + 500 and [h.hid for h in system.latest(cid).htlcs] == [1]
