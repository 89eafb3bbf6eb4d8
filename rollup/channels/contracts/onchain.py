"""Talking to the adjudicator: deploy, open (single- or dual-funded), close, dispute, settle, and
publish or conclude a virtual channel.

Each helper sends one L1 transaction per step and returns its receipt (or the channel id), so
callers can read the gas. :class:`L1Error` subclasses propagate; a reverted transaction comes back
as a receipt with ``status`` False.

>>> from prozchain.rollup.l1 import Chain, Key
>>> a, b = Key.from_seed(b"alice"), Key.from_seed(b"bob")
>>> chain = Chain({a.address: 10**18, b.address: 10**18})
>>> adj = deploy(chain, a)
>>> cid, receipts = open_channel(chain, adj, a, b, 600, 400, period=60)
>>> info = chain.view(adj, "channel", cid)
>>> (info.deposit_a, info.deposit_b), [r.status for r in receipts]
((600, 400), [True, True])
"""

from __future__ import annotations

from typing import Optional

from prozchain.rollup.economics.bonds import BondLedger, bonds
from prozchain.rollup.l1 import Address, Chain, Key, Receipt, to_address
from prozchain.rollup.l1.errors import Revert
from prozchain.rollup.l1.token import NO_BANK
from prozchain.rollup.channels.contracts.adjudicator import Adjudicator
from prozchain.rollup.channels.agents.client import ChannelClient
from prozchain.rollup.channels.state import State, VirtualParams

GAS = 400_000


def deploy(chain: Chain, key: Key, bank: Address = NO_BANK, ledger: Optional[Address] = None) -> Address:
    """An adjudicator holding ether in ``ledger`` (a new :class:`BondLedger` by default), or with a
    ``bank`` the bank's asset (and no ledger)."""
    if bank == NO_BANK and ledger is None:
        ledger, _ = chain.deploy(key, BondLedger)
    address, _ = chain.deploy(key, Adjudicator, chain.chain_id, bank, ledger or NO_BANK)
    return address


def escrow(chain: Chain, adjudicator: Address) -> int:
    """What ``adjudicator``'s channels hold: its own balance (a token adjudicator's is at its bank)
    plus what its entries in the bond ledger still hold."""
    ledger = chain.view(adjudicator, "bond_ledger")
    held = 0 if ledger == NO_BANK else sum(r.held for r in bonds(chain, ledger) if to_address(r.controller) == to_address(adjudicator))
    return chain.state.balance(adjudicator) + held


def open_channel(chain: Chain, adjudicator: Address, a: Key, b: Key, deposit_a: int, deposit_b: int,
                 period: int) -> tuple[int, list[Receipt]]:
    """Open a channel A-B; B funds its side in a second transaction when ``deposit_b > 0``."""
    opened = chain.transact(a, adjudicator, "open", b.address, period, deposit_b, value=deposit_a, gas_limit=GAS)
    if not opened.status:
        raise Revert(f"open failed: {opened.error}")
    receipts = [opened]
    if deposit_b:
        receipts.append(chain.transact(b, adjudicator, "fund", opened.return_value, value=deposit_b, gas_limit=GAS))
    return opened.return_value, receipts


def genesis(chain: Chain, adjudicator: Address, channel: int) -> State:
    """The opening state of ``channel`` as the deposits on L1 define it."""
    info = chain.view(adjudicator, "channel", channel)
    return State(adjudicator, chain.chain_id, channel, 0, info.deposit_a, info.deposit_b)


def submit(chain: Chain, key: Key, adjudicator: Address, method: str, *args, mine: bool = True) -> Optional[Receipt]:
    """Send one adjudicator call from ``key``; with ``mine`` mine it and return the receipt."""
    tx = chain.build(key, adjudicator, method, *args, gas_limit=GAS)
    chain.submit(tx)
    if not mine:
        return None
    chain.mine()
    return chain.receipts.get(tx.hash)


def close(chain: Chain, client: ChannelClient, adjudicator: Address) -> Receipt:
    """Cooperative close with the client's latest co-signed state, which must be final."""
    return submit(chain, client.key, adjudicator, "close", client.channel, client.latest.encode(), client.latest_sigs)


def force_close(chain: Chain, client: ChannelClient, adjudicator: Address,
                state: Optional[State] = None, sigs: Optional[bytes] = None, mine: bool = True) -> Optional[Receipt]:
    """Publish ``state`` (default: the latest co-signed one) and start the challenge period."""
    state, sigs = (state, sigs) if state is not None else (client.latest, client.latest_sigs)
    return submit(chain, client.key, adjudicator, "force_close", client.channel, state.encode(), sigs, mine=mine)


def settle(chain: Chain, key: Key, adjudicator: Address, state: State, mine: bool = True) -> Optional[Receipt]:
    return submit(chain, key, adjudicator, "settle", state.channel, state.encode(), mine=mine)


def publish(chain: Chain, key: Key, adjudicator: Address, params: VirtualParams, state: State, sigs: bytes,
            mine: bool = True) -> Optional[Receipt]:
    """Publish a virtual channel's state (see :mod:`prozchain.rollup.channels.agents.virtual`)."""
    return submit(chain, key, adjudicator, "publish_virtual", params.encode(), state.encode(), sigs, mine=mine)


def conclude(chain: Chain, key: Key, adjudicator: Address, state: State, mine: bool = True) -> Optional[Receipt]:
    """Conclude a virtual channel whose challenge period is over with its published state."""
    return submit(chain, key, adjudicator, "conclude_virtual", state.channel, state.encode(), mine=mine)
