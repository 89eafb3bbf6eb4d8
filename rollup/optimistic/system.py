"""Deploying the rollup's L1 contracts, and the configuration they take.

>>> system = demo_system()
>>> system.chain.view(system.outputs, "length")
0
"""

from __future__ import annotations

from dataclasses import dataclass

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Address, Chain, Key
from prozchain.rollup.l1.token import NO_BANK
from prozchain.rollup.optimistic.node import Genesis
from prozchain.rollup.optimistic.contracts.outputs import Outputs
from prozchain.rollup.optimistic.contracts.portal import Portal
from prozchain.rollup.vm import Executor

DAY = 86_400


@dataclass(frozen=True)
class Config:
    """Dispute parameters: the challenge window and each side's chess clock (L1 seconds),
    the bonds, and how many parts a bisection splits a range into."""

    window: int = 7 * DAY
    clock: int = 3 * DAY + DAY // 2
    proposer_bond: int = ETHER
    challenger_bond: int = ETHER
    arity: int = 4


@dataclass
class System:
    chain: Chain
    portal: Address
    outputs: Address
    genesis: Genesis
    config: Config


def deploy(chain: Chain, deployer: Key, sequencer: str, genesis: Genesis,
           config: Config = Config(), bank: Address = NO_BANK) -> System:
    """Deploy and link the portal and the output oracle for an L2 starting at ``genesis``; with
    a ``bank``, the L2's native balance is the bank's asset."""
    portal, _ = chain.deploy(deployer, Portal, sequencer, bank)
    world = genesis.world(Executor())
    outputs, _ = chain.deploy(deployer, Outputs, portal, world, config.window, config.clock,
                              config.proposer_bond, config.challenger_bond, config.arity,
                              gas_limit=1_000_000)
    chain.transact(deployer, portal, "link", outputs)
    return System(chain, portal, outputs, genesis, config)


def demo_system() -> System:
    """A rollup on a fresh chain with one funded deployer that is also the sequencer."""
    key = Key.from_seed(b"deployer")
    return deploy(Chain({key.address: 100 * ETHER}), key, key.address, Genesis())
