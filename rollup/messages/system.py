"""The wiring: a messenger (and its example receivers) on L1 for an optimistic rollup or a
sidechain, and what a relayer sends to prove a message.

>>> route = demo_route()
>>> route.chain.view(route.vault, "released"), route.chain.state.balance(route.vault)
(0, 1000000000000000000)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Address, Chain, Key
from prozchain.rollup.messages.contracts.messenger import ALL_CHECKS, OPTIMISTIC, messenger_of
from prozchain.rollup.messages.contracts.vault import Forwarder, Vault
from prozchain.rollup.messages.index import SentMessage
from prozchain.rollup.messages.l2 import BRIDGE_CODE, ECHO_CODE, L2_BRIDGE, L2_ECHO
from prozchain.rollup.messages.message import Message
from prozchain.rollup.optimistic import system as optimistic
from prozchain.rollup.optimistic.node import Genesis
from prozchain.rollup.vm.executor import Executor
from prozchain.rollup.vm.merkle import KECCAK, Commitment
from prozchain.rollup.vm.state import Context


@dataclass
class Route:
    """A messenger on L1 for one source (``route``: OPTIMISTIC or SIDECHAIN, ``source``: the
    output oracle or the sidechain bridge, whose worlds hash with ``scheme``), the vault and
    forwarder trusting its L2 contracts."""

    chain: Chain
    route: int
    source: Address
    messenger: Address
    vault: Address
    forwarder: Optional[Address]
    scheme: Commitment = KECCAK

    def message(self, sent: SentMessage) -> Message:
        return Message(self.route, self.source, sent.sender, sent.nonce, sent.target, sent.data, sent.gas,
                       self.scheme)


def deploy_route(chain: Chain, deployer: Key, route: int, source: str, escrow: int,
                 portal: Optional[str] = None, checks: int = ALL_CHECKS, l2_sender: str = L2_BRIDGE,
                 scheme: Commitment = KECCAK) -> Route:
    """The messenger for ``source`` (whose worlds hash with ``scheme``), a vault holding ``escrow``
    for ``l2_sender`` (the L2 bridge contract, or a ZK account's
    :func:`~prozchain.rollup.messages.zk.zk_sender`), and (given the rollup's ``portal``, which
    carries messages back) a forwarder for :data:`L2_ECHO`."""
    messenger, _ = chain.deploy(deployer, messenger_of(scheme), route, source, checks)
    vault, _ = chain.deploy(deployer, Vault, messenger, l2_sender)
    if escrow:
        chain.transact(deployer, vault, "fund", value=escrow)
    forwarder = chain.deploy(deployer, Forwarder, messenger, L2_ECHO, portal)[0] if portal else None
    return Route(chain, route, source, messenger, vault, forwarder, scheme)


def l2_genesis(balances: Mapping[str, int]) -> Genesis:
    """An L2 genesis with the message-sending contracts and ``balances``."""
    return Genesis(balances=dict(balances), code={L2_BRIDGE: BRIDGE_CODE, L2_ECHO: ECHO_CODE})


def relay_args(route: Route, ex: Executor, ref: int, ctx: Context, message: Message, call_gas: int) -> tuple:
    """The arguments of :meth:`Messenger.relay` proving ``message`` in the world of ``ctx``, the
    halted machine of claim ``ref`` (an output; for a sidechain checkpoint only its world counts)."""
    proof = ex.db.prove(ctx.world, message.key)
    rest = ctx.rest_hash(ex.scheme) if route.route == OPTIMISTIC else bytes(32)
    return (ref, ctx.world, rest, message.sender, message.nonce, message.target, list(message.data),
            message.gas, list(proof.siblings), call_gas)


def demo_route() -> Route:
    """An optimistic rollup with a messenger, a vault holding one ether and a forwarder."""
    key = Key.from_seed(b"deployer")
    chain = Chain({key.address: 100 * ETHER})
    rollup = optimistic.deploy(chain, key, key.address, l2_genesis({}))
    return deploy_route(chain, key, OPTIMISTIC, rollup.outputs, ETHER, portal=rollup.portal)


