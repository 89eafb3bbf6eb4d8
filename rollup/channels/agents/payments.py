"""Multi-hop HTLC payments hop by hop over time, each hop a co-signed update over the network.

The route (nodes, channels and the terms of each hop, see :mod:`.htlc`) travels with the
payment as an onion would: each forwarder locks the next hop ``hop_ms`` after its incoming HTLC
was co-signed, if its own policy is paid (:func:`~.htlc.check_forward`); the payee claims the
last hop with the preimage, and each node that learned the preimage from the claim claims
upstream in turn. A hop that cannot lock (no liquidity, bad terms, a peer that does not answer)
fails the HTLCs back to the payer off-chain. Nodes that are down or griefing do not act; what
they leave locked, the nodes' L1 watches resolve (see :mod:`prozchain.rollup.channels.node`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping, Optional

from prozchain.rollup.l1 import keccak256
from prozchain.rollup.channels.agents.htlc import check_forward
from prozchain.rollup.channels.errors import ChannelError
from prozchain.rollup.channels.state import Htlc

if TYPE_CHECKING:
    from prozchain.rollup.channels.node import ChannelNode

Hold = Callable[[Callable[[bool], None]], None]


def pay(nodes: Mapping[str, "ChannelNode"], route: list[str], cids: list[int], terms: list[tuple[int, int]],
        preimage: bytes, hid: int, hop_ms: int = 500, hold: Optional[Hold] = None) -> None:
    """Lock ``terms`` along ``route`` hop by hop, then settle back from the payee.
    ``hold``: when the last hop is locked, the payee hands ``hold`` a ``release(paid)`` to call
    later (take the payment, or fail it back) instead of taking it at once."""
    lock = keccak256(preimage)
    sched = nodes[route[0]].sim.scheduler

    def lock_hop(i: int) -> None:
        payer, cid = nodes[route[i]], cids[i]
        if i and not payer.answering:
            return  # a forwarder that is away or silent does not forward
        htlc = Htlc(hid, payer.clients[cid].party, terms[i][0], lock, terms[i][1])
        try:
            if i:
                check_forward(terms[i - 1], terms[i], payer.policies[cid])
        except ChannelError as exc:
            locked(i, False, exc)
            return
        payer.propose(cid, lambda s: s.add_htlc(htlc), f"payment {hid}: lock", lambda ok: locked(i, ok))

    def locked(i: int, ok: bool, why: object = "not co-signed") -> None:
        if not ok:  # no liquidity, bad terms, peer away: fail back upstream
            sched.log(f"payment {hid}: hop {i} not locked: {why}")
            if i:
                sched.after(hop_ms, f"payment {hid}: fail hop {i - 1}", lambda: fail_hop(i - 1))
            return
        if i + 1 < len(cids):
            sched.after(hop_ms, f"payment {hid}: lock hop {i + 1}", lambda: lock_hop(i + 1))
            return

        def release(paid: bool) -> None:
            if paid:
                nodes[route[-1]].learn(preimage)  # the payee's own invoice
                sched.after(hop_ms, f"payment {hid}: settle hop {i}", lambda: settle_hop(i))
            else:
                sched.after(hop_ms, f"payment {hid}: fail hop {i}", lambda: fail_hop(i))
        if hold is None:
            release(True)
        else:
            hold(release)

    def settle_hop(i: int) -> None:
        payee, payer = nodes[route[i + 1]], nodes[route[i]]
        if not payee.answering or payee.preimage(lock) is None:
            return

        def claimed(ok: bool) -> None:
            if i and payer.up and payer.preimage(lock) is not None:
                # claimed now, or already by the payee's own watch (which showed it the preimage)
                sched.after(hop_ms, f"payment {hid}: settle hop {i - 1}", lambda: settle_hop(i - 1))
        payee.propose(cids[i], lambda s: s.resolve_htlc(hid, paid=True), f"payment {hid}: claim", claimed,
                      preimage=payee.preimage(lock))

    def fail_hop(i: int) -> None:
        def failed(ok: bool) -> None:
            if ok and i:
                sched.after(hop_ms, f"payment {hid}: fail hop {i - 1}", lambda: fail_hop(i - 1))
        nodes[route[i + 1]].propose(cids[i], lambda s: s.resolve_htlc(hid, paid=False), f"payment {hid}: fail",
                                    failed)
    lock_hop(0)


def pay_multipart(nodes: Mapping[str, "ChannelNode"], parts: list[tuple[list[str], list[int], list[tuple[int, int]]]],
                  preimage: bytes, amount: int, hid: int, timeout_ms: int = 60_000, hop_ms: int = 500) -> None:
    """Send the parts ``(route, channels, terms)`` of one payment under one hashlock (part k
    uses HTLC id ``100 * hid + k``). The payee takes them only once parts worth ``amount``
    have arrived, and fails back what arrived if that has not happened within
    ``timeout_ms``: all parts are paid or none."""
    held: list[Callable[[bool], None]] = []
    state = {"arrived": 0, "decided": False}

    def decide(paid: bool) -> None:
        if not state["decided"]:
            state["decided"] = True
            for release in held:
                release(paid)

    def holder(part: int) -> Hold:
        def hold(release: Callable[[bool], None]) -> None:
            if state["decided"]:  # too late: the payment was given up
                release(False)
                return
            held.append(release)
            state["arrived"] += part
            if state["arrived"] >= amount:
                decide(True)
        return hold
    for k, (route, cids, terms) in enumerate(parts):
        pay(nodes, route, cids, terms, preimage, 100 * hid + k, hop_ms, hold=holder(terms[-1][0]))
    nodes[parts[0][0][-1]].sim.scheduler.after(timeout_ms, f"payment {hid}: multi-part timeout", lambda: decide(False))
