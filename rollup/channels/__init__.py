"""State channel network: an L1 adjudicator, a crash-safe off-chain client, HTLC multi-hop and
multi-part payments, routing, virtual channels through an intermediary, watchtowers, and
scenarios on the simulation harness.

>>> from prozchain.rollup.channels import State
>>> State("0x" + "ad" * 20, 1337, 1, 0, 5, 5).total
10
"""

from prozchain.rollup.channels.contracts.adjudicator import Adjudicator
from prozchain.rollup.channels.errors import (BadSignature, ChannelError, ConflictingState, InvalidState,
                                    PaymentError, ReplayedState, RouteError, StaleState)
from prozchain.rollup.channels.state import Guarantee, Htlc, State, VirtualParams

__all__ = ["Adjudicator", "BadSignature", "ChannelError", "ConflictingState", "Guarantee", "Htlc", "InvalidState",
           "PaymentError", "ReplayedState", "RouteError", "StaleState", "State", "VirtualParams"]
