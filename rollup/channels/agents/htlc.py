"""Multi-hop HTLC terms: per-hop fees (base + proportional) and decreasing expiries.

A route is a list of channels from the payer to the payee. The node at the start of channel i
(for i > 0) forwards and charges the fee of *that* outgoing channel's :class:`Policy`; each hop's
lock expires ``cltv_delta`` seconds after the next one, so a forwarder that learns the preimage
downstream at the last moment still has ``cltv_delta`` to claim upstream (on L1 if needed).

>>> plan(1_000, [Policy(0, 0, 40), Policy(5, 1_000, 30), Policy(1, 0, 20)], now=100, final_delta=50)
[(1007, 200), (1001, 170), (1000, 150)]
>>> check_forward((1007, 200), (1001, 170), Policy(5, 1_000, 30))
"""

from __future__ import annotations

from dataclasses import dataclass

from prozchain.rollup.channels.errors import PaymentError

MILLION = 1_000_000


@dataclass(frozen=True)
class Policy:
    """What a node asks for forwarding over one of its channels."""

    base_fee: int
    ppm: int  # proportional fee, parts per million of the amount forwarded
    cltv_delta: int  # seconds between the incoming and outgoing lock expiries

    def fee(self, amount: int) -> int:
        return self.base_fee + amount * self.ppm // MILLION


def plan(amount: int, policies: list[Policy], now: int, final_delta: int) -> list[tuple[int, int]]:
    """``(amount, expiry)`` to lock on each channel of a route whose channels have ``policies``."""
    if amount <= 0:
        raise PaymentError(f"a payment must be positive, got {amount}")
    terms = [(amount, now + final_delta)]
    for policy in reversed(policies[1:]):
        nxt_amount, nxt_expiry = terms[0]
        terms.insert(0, (nxt_amount + policy.fee(nxt_amount), nxt_expiry + policy.cltv_delta))
    return terms


def check_forward(incoming: tuple[int, int], outgoing: tuple[int, int], policy: Policy) -> None:
    """:class:`PaymentError` unless forwarding ``incoming`` as ``outgoing`` pays the fee and
    leaves the forwarder its ``cltv_delta``."""
    (in_amount, in_expiry), (out_amount, out_expiry) = incoming, outgoing
    if in_amount < out_amount + policy.fee(out_amount):
        raise PaymentError(f"incoming {in_amount} does not cover {out_amount} plus fee {policy.fee(out_amount)}")
    if in_expiry < out_expiry + policy.cltv_delta:
        raise PaymentError(f"incoming expiry {in_expiry} leaves less than {policy.cltv_delta} s "
                           f"after the outgoing {out_expiry}")
