"""Deploying the rollup's L1 contracts, and the configuration they take.

>>> system = demo_system()
>>> system.chain.view(system.outputs, "length")
0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from prozchain.rollup.common.units import ETHER
from prozchain.prover.groth16.keys import VerificationKey
from prozchain.rollup.economics.bonds import BondLedger
from prozchain.rollup.l1 import Address, Chain, Contract, Key
from prozchain.rollup.l1.token import NO_BANK
from prozchain.rollup.optimistic.node import Genesis
from prozchain.rollup.optimistic.contracts.portal import contracts_of
from prozchain.rollup.l1.groth16 import verifier_contract
from prozchain.rollup.vm import Executor
from prozchain.rollup.vm.merkle import COMMITMENTS, KECCAK, Commitment

DAY = 86_400
NO_VERIFIER = "0x" + "00" * 20


@dataclass(frozen=True)
class Config:
    """Dispute parameters: the challenge window and each side's chess clock (L1 seconds),
    the bonds, and how many parts a bisection splits a range into."""

    window: int = 7 * DAY
    clock: int = 3 * DAY + DAY // 2
    proposer_bond: int = ETHER
    challenger_bond: int = ETHER
    arity: int = 4
    commitment: str = KECCAK.name
    segment: int = 1
    """Steps a game ends at: 1 re-executes one step on L1; more is a segment proven by Groth16
    (with the Poseidon commitment and the verifying key of ``Segment(segment)``)."""
    sequencing_window: int = DAY // 2
    """Seconds a forced transaction may wait for the sequencer before anyone may include it
    (OP's sequencing window is 12 hours of L1 blocks; Arbitrum's delayed inbox waits 24 hours)."""
    fast_exit_min: int = ETHER // 10
    """The smallest withdrawal that may take a fast exit."""
    exit_bond_bps: int = 10_000
    """A fast exit's bond, in basis points of its amount: all of it covers a provider fully."""

    @property
    def scheme(self) -> Commitment:
        return COMMITMENTS[self.commitment]


@dataclass
class System:
    chain: Chain
    portal: Address
    outputs: Address
    genesis: Genesis
    config: Config
    ledger: Address  # the bond ledger of proposers, challengers and fast exits
    proves_starts: bool = False  # a game may end at an inbox item's start proven by TxStart or DepositStart


def deploy(chain: Chain, deployer: Key, sequencer: str, genesis: Genesis,
           config: Config = Config(), vk: Optional[VerificationKey] = None, bank: Address = NO_BANK,
           ledger: Optional[Address] = None, verifier_class: Optional[type[Contract]] = None,
           start_vks: Optional[tuple[VerificationKey, VerificationKey]] = None) -> System:
    """Deploy and link the portal and the output oracle for an L2 starting at ``genesis``, with
    the verifier of ``vk`` (the key of ``Segment(config.segment)``) when games end at segments,
    or ``verifier_class`` instead (a broken verifier, for attack scenarios), and the verifiers of
    ``start_vks`` (the keys of ``TxStart`` and ``DepositStart``) when they may end at a proven
    start of an inbox item (else such a step is re-executed); with a ``bank``,
    the L2's native balance is the bank's asset. Bonds live in ``ledger`` (a new
    :class:`BondLedger` by default)."""
    ledger = ledger or chain.deploy(deployer, BondLedger)[0]
    portal_class, outputs_class = contracts_of(config.scheme)
    portal, _ = chain.deploy(deployer, portal_class, sequencer, bank, config.sequencing_window, ledger,
                             config.fast_exit_min, config.exit_bond_bps)
    world = genesis.world(Executor(config.scheme))
    verifier = NO_VERIFIER
    if config.segment > 1:
        if verifier_class is None and vk is None:
            raise ValueError(f"games ending at {config.segment}-step segments need the segment's verifying key")
        verifier, _ = chain.deploy(deployer, verifier_class or verifier_contract(vk))
    starts = [chain.deploy(deployer, verifier_contract(vk))[0] for vk in start_vks or ()]
    outputs, _ = chain.deploy(deployer, outputs_class, portal, world, config.window, config.clock,
                              config.proposer_bond, config.challenger_bond, config.arity, config.segment, verifier,
                              starts, ledger, gas_limit=1_000_000)
    chain.transact(deployer, portal, "link", outputs)
    return System(chain, portal, outputs, genesis, config, ledger, bool(starts))


def demo_system() -> System:
    """A rollup on a fresh chain with one funded deployer that is also the sequencer."""
    key = Key.from_seed(b"deployer")
    return deploy(Chain({key.address: 100 * ETHER}), key, key.address, Genesis())
