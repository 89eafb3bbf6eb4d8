"""A payment hub: one node with channels to 20 clients forwards HTLC payments between them,
entirely off-chain; value is conserved, the hub earns exactly its fees, and payments it cannot
carry fail back to the payer at once (all or nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from prozchain.rollup.channels.agents.htlc import Policy, plan
from prozchain.rollup.channels.agents.payments import pay
from prozchain.rollup.channels.system import System
from prozchain.rollup.l1 import keccak256

CLIENTS = [f"client{k:02d}" for k in range(20)]
DEPOSIT = 10**7
POLICY = Policy(100, 1_000, 600)
FINAL_DELTA = 1_200


@dataclass
class Payment:
    src: str
    dst: str
    amount: int
    preimage: bytes

    @property
    def fee(self) -> int:
        return POLICY.fee(self.amount)


def run_hub(seed: int, count: int) -> tuple[System, list[Payment], list[Payment], dict, dict, int]:
    """Run the payments; returns the system, the payments, those delivered (the payer learned the
    preimage), worth before and after, and the L1 transactions sent after the channels opened."""
    system = System(seed, ["hub"] + CLIENTS)
    with system.sim:
        rng = system.sim.scheduler.rng("hub payments")
        channel = {c: system.open(c, "hub", DEPOSIT, DEPOSIT, POLICY) for c in CLIENTS}
        opened_txs, before = len(system.chain.receipts), {n: system.worth(n) for n in system.nodes}
        # two fixed payments first: the second finds the hub without liquidity towards client01
        payments = [Payment("client00", "client01", 9 * DEPOSIT // 10, b""),
                    Payment("client02", "client01", 5 * DEPOSIT // 10, b"")]
        payments += [Payment(*rng.sample(CLIENTS, 2), rng.randint(1, 6) * DEPOSIT // 10, b"") for _ in range(count)]
        t = 1_000
        for hid, p in enumerate(payments, start=1):
            p.preimage = keccak256(f"hub/{seed}/{hid}".encode())

            def send(p=p, hid=hid) -> None:
                terms = plan(p.amount, [POLICY, POLICY], system.chain.time, FINAL_DELTA)
                pay(system.nodes, [p.src, "hub", p.dst], [channel[p.src], channel[p.dst]], terms, p.preimage, hid)
            system.sim.scheduler.at(t, f"{p.src} pays {p.dst} {p.amount} via the hub", send)
            t += 3_000 if hid <= 2 else rng.randint(20, 900)  # the random ones overlap in flight
        system.sim.run(until=t + 10_000)
        after = {n: system.worth(n) for n in system.nodes}
        delivered = [p for p in payments if system.nodes[p.src].preimage(keccak256(p.preimage)) is not None]
        for cid in system.channels:
            assert system.latest(cid).htlcs == (), f"seed {seed}: HTLC left in channel {cid}"
        return system, payments, delivered, before, after, len(system.chain.receipts) - opened_txs


@settings(max_examples=2, deadline=None, database=None, phases=(Phase.explicit, Phase.generate))
@given(seed=st.integers(0, 2**63))
def test_hub_forwards_between_twenty_clients(seed):
    system, payments, delivered, before, after, l1_txs = run_hub(seed, count=40)
    context = f"seed {seed}: {len(delivered)}/{len(payments)} delivered"
    assert payments[0] in delivered and payments[1] not in delivered, context  # liquidity ran out
    assert len(delivered) >= len(payments) // 2, context
    assert l1_txs == 0, context  # every payment, success or failure, stayed off-chain
    assert sum(after.values()) == sum(before.values()) == 2 * DEPOSIT * len(CLIENTS), context
    assert after["hub"] - before["hub"] == sum(p.fee for p in delivered) > 0, context
    for c in CLIENTS:
        change = sum(p.amount for p in delivered if p.dst == c) - sum(p.amount + p.fee for p in delivered if p.src == c)
        assert after[c] - before[c] == change, f"{context}: {c}"
