"""Deploying the ZK rollup: its verifier contract (one per verification key) and state contract.

>>> system = demo_rollup()
>>> root, batches, served, queued, entries, frozen = system.chain.view(system.rollup, "state")
>>> root == AccountTree(system.depth).root, batches, frozen
(True, 0, 0)
"""

from __future__ import annotations

from dataclasses import dataclass

from prozchain.circuits.txtypes import AccountTree, BatchCircuit
from prozchain.prover.groth16.keys import VerificationKey
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Address, Chain, Key
from prozchain.rollup.zk.verifier import verifier_contract

UNIT = 10**9  # one L2 balance unit is one gwei
DEADLINE = 3_600  # seconds a queued deposit may wait before anyone can freeze the rollup


@dataclass
class System:
    chain: Chain
    rollup: Address
    verifier: Address
    spec: BatchCircuit
    operator: Key

    @property
    def depth(self) -> int:
        return self.spec.depth


def deploy(chain: Chain, deployer: Key, operator: Key, spec: BatchCircuit, vk: VerificationKey,
           deadline: int = DEADLINE, checks_proofs: bool = True) -> System:
    """Deploy the verifier of ``vk`` and a rollup for ``spec``'s batches starting from an empty tree."""
    from prozchain.rollup.zk.contract import ZkRollup

    verifier, _ = chain.deploy(deployer, verifier_contract(vk))
    rollup, _ = chain.deploy(deployer, ZkRollup, verifier, operator.address, AccountTree(spec.depth).root,
                             spec.depth, spec.slots, spec.n_elements, UNIT, deadline, checks_proofs,
                             gas_limit=1_000_000)
    return System(chain, rollup, verifier, spec, operator)


def demo_rollup() -> System:
    """A rollup on a fresh chain whose verifier holds a toy key (no batch proves under it):
    enough for deposits, views and exits in examples, without a setup."""
    from prozchain.prover.groth16.simulate import toy_key_and_proof

    deployer = Key.from_seed(b"deployer")
    chain = Chain({deployer.address: 100 * ETHER})
    return deploy(chain, deployer, deployer, BatchCircuit(slots=2, depth=8), toy_key_and_proof()[0])
