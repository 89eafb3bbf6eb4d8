"""Virtual channels through an intermediary (Nitro/Perun style), opened with no L1 transaction.

A and B each have a *ledger* channel with the intermediary I. To open a virtual channel V of
``a + b`` (A brings ``a``, B brings ``b``):

1. A and B co-sign V's **pre-fund** state (version :data:`~rollup.channels.state.PREFUND`,
   balances ``(a, b)``) before anyone locks anything, so V always has an outcome L1 accepts;
2. each ledger channel locks a :class:`~rollup.channels.state.Guarantee` of ``a + b`` for V by a
   co-signed update (:func:`lock`): in A-I, A gives ``a`` and I gives ``b``; in I-B, I gives ``a``
   and B gives ``b``. Whatever V ends with, ``(x_a, x_b)``, A-I pays ``x_a`` to A and ``x_b`` to I,
   I-B pays ``x_a`` to I and ``x_b`` to B: I gets back exactly ``a + b``;
3. I signs the **funded** digest once both guarantees are co-signed (:func:`sign_funded`); A and
   B move value in V only with it, and L1 only counts V states above the pre-fund with it;
4. A and B update V off-chain like any channel; a cooperative close co-signs a final V state and
   releases both guarantees by ledger updates (:func:`unlock`), again with no L1 transaction.

If anyone goes silent, each honest party goes to L1: it force-closes its ledger channel, V is
published (``publish_virtual``: a final state concludes at once, otherwise after V's challenge
period, ``conclude_virtual``; see :mod:`prozchain.rollup.channels.contracts.onchain`), and the
ledger's ``settle`` pays the guarantee as V's outcome says.
No value is created or destroyed: each guarantee pays out exactly its amount.

>>> from prozchain.rollup.l1 import Chain, Key
>>> from prozchain.rollup.channels.contracts.onchain import deploy, genesis, open_channel
>>> from prozchain.rollup.channels.agents.client import ChannelClient, update
>>> from prozchain.rollup.sim.store import MemoryStore
>>> a, i, b = (Key.from_seed(n) for n in (b"alice", b"ingrid", b"bob"))
>>> chain = Chain({k.address: 10**18 for k in (a, i, b)})
>>> adj = deploy(chain, a)
>>> ledgers = []
>>> for x, y in ((a, i), (i, b)):
...     cid, _ = open_channel(chain, adj, x, y, 100, 100, period=60)
...     ledgers.append(tuple(ChannelClient.create(k, MemoryStore(), genesis(chain, adj, cid), x.address, y.address)
...                          for k in (x, y)))
>>> params = VirtualParams(a.address, b.address, i.address, period=60, nonce=1)
>>> va, vb = start(params, a, b, adj, chain.chain_id, 30, 20)
>>> blocks = len(chain.blocks)
>>> funded = fund(params, va, vb, ledgers[0], ledgers[1], i, adj, chain.chain_id)
>>> _ = update(va, vb, va.latest.pay(0, 25))  # A pays B 25 inside V
>>> defund(params, va, vb, ledgers[0], ledgers[1]).balance_a
5
>>> [(l[0].latest.balance_a, l[0].latest.balance_b) for l in ledgers], len(chain.blocks) == blocks
([(75, 125), (75, 125)], True)
"""

from __future__ import annotations

from typing import Optional

from prozchain.rollup.l1 import Address, Key
from prozchain.rollup.sim.store import MemoryStore, Store
from prozchain.rollup.channels.agents.client import ChannelClient, update
from prozchain.rollup.channels.errors import BadSignature, InvalidState
from prozchain.rollup.channels.state import PREFUND, SIGNATURE_BYTES, Guarantee, State, VirtualParams

Pair = tuple[ChannelClient, ChannelClient]


def start(params: VirtualParams, a: Key, b: Key, adjudicator: Address, chain_id: int, amount_a: int,
          amount_b: int, stores: Optional[tuple[Store, Store]] = None) -> Pair:
    """A's and B's clients of a new virtual channel, with the pre-fund state co-signed."""
    opening = State(adjudicator, chain_id, params.vid, 0, amount_a, amount_b)
    stores = stores or (MemoryStore(), MemoryStore())
    va, vb = (ChannelClient.create(k, s, opening, params.a, params.b) for k, s in zip((a, b), stores))
    update(va, vb, va.latest.checkpoint())
    return va, vb


def lock(ledger: ChannelClient, params: VirtualParams, prefund: State) -> State:
    """The next state of ``ledger`` locking the guarantee for V: the ledger party standing on V's
    A side (A itself, or I in the I-B ledger) gives A's pre-fund balance, the other gives B's."""
    if prefund.channel != params.vid or prefund.version != PREFUND:
        raise InvalidState(f"v{prefund.version} of channel {prefund.channel:#x} is not the pre-fund state of V")
    a_side = params.a if params.a in ledger.parties else params.intermediary
    if a_side not in ledger.parties or params.intermediary not in ledger.parties:
        raise InvalidState(f"ledger channel {ledger.channel} does not join the intermediary to A or B")
    guarantee = Guarantee(params.vid, prefund.total, ledger.parties.index(a_side))
    return ledger.latest.add_guarantee(guarantee, prefund.balance_a, prefund.balance_b)


def unlock(ledger: ChannelClient, vid: int, to_virtual_a: int) -> State:
    """The next state of ``ledger`` releasing V's guarantee as V's outcome pays its A."""
    return ledger.latest.resolve_guarantee(vid, to_virtual_a)


def verify_cosigned(params: VirtualParams, state: State, sigs: bytes) -> None:
    """:class:`BadSignature` unless ``sigs`` are A's then B's signatures of ``state``."""
    if len(sigs) != 2 * SIGNATURE_BYTES:
        raise BadSignature(f"a co-signed virtual state has {2 * SIGNATURE_BYTES} bytes of signatures, got {len(sigs)}")
    for who, expected, sig in (("A", params.a, sigs[:SIGNATURE_BYTES]), ("B", params.b, sigs[SIGNATURE_BYTES:])):
        if state.signer(sig) != expected:
            raise BadSignature(f"virtual channel {params.vid:#x} v{state.version}: not signed by {who}")


def sign_funded(key: Key, params: VirtualParams, adjudicator: Address, chain_id: int) -> bytes:
    """The intermediary's signature that both guarantees exist (``r || s || v``)."""
    v, r, s = key.sign(params.funded_digest(adjudicator, chain_id))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def fund(params: VirtualParams, va: ChannelClient, vb: ChannelClient, left: Pair, right: Pair, intermediary: Key,
         adjudicator: Address, chain_id: int) -> bytes:
    """Lock both guarantees (``left``: A's and I's clients of A-I, ``right``: I's and B's of
    I-B) and return the intermediary's funded signature. Every step is a co-signed update; the
    intermediary first checks that A and B co-signed the pre-fund state."""
    prefund = va.latest
    verify_cosigned(params, prefund, va.latest_sigs)
    for proposer, responder in (left, right[::-1]):
        update(proposer, responder, lock(proposer, params, prefund))
    return sign_funded(intermediary, params, adjudicator, chain_id)


def defund(params: VirtualParams, va: ChannelClient, vb: ChannelClient, left: Pair, right: Pair) -> State:
    """Cooperative close: A and B co-sign V's final state; the intermediary checks it and both
    ledgers release their guarantees accordingly. Returns V's final state."""
    final = va.latest if va.latest.final else update(va, vb, va.latest.finalize())
    verify_cosigned(params, final, va.latest_sigs)
    for proposer, responder in (left, right[::-1]):
        update(proposer, responder, unlock(proposer, params.vid, final.balance_a))
    return final


def onchain_sigs(client: ChannelClient, funded: bytes) -> bytes:
    """The signatures L1 wants with ``client``'s latest V state (plus the funded signature above
    the pre-fund version)."""
    return client.latest_sigs + (funded if client.latest.version > PREFUND else b"")

