"""The ZK rollup's wiring: the batch circuit and its Groth16 key, and the deployment of its
verifier contract (one per verification key) and state contract.

``circuit_and_key(types, slots, depth)`` compiles the :class:`~prozchain.circuits.txtypes.BatchCircuit`
(cached in memory) and returns the development proving key for its R1CS
(:func:`~prozchain.rollup.common.keys.proving_key`, cached on disk by circuit hash), so tests,
scenarios and the demo share one setup per circuit.

>>> system = demo_rollup()
>>> state = system.chain.view(system.rollup, "state")
>>> state.root == AccountTree(system.depth).root, state.batches, state.frozen
(True, 0, 0)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from prozchain.circuits.circuit import CompiledCircuit
from prozchain.circuits.txtypes import AccountTree, BatchCircuit
from prozchain.prover.formats.zkey import ZKey
from prozchain.prover.groth16.keys import VerificationKey
from prozchain.rollup.common.keys import proving_key
from prozchain.rollup.common.units import ETHER, Unit
from prozchain.rollup.l1 import Address, Chain, Key
from prozchain.rollup.l1.groth16 import verifier_contract
from prozchain.rollup.zk.contracts.rollup import ZkRollup

UNIT = 10**9  # one L2 balance unit is one gwei
L2_UNIT = Unit("gwei", "L2 units", UNIT)  # what L2 balances count, for results and their text
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


# -- the batch circuit and its key ------------------------------------------------------------------
DEFAULT_TYPES = ("noop", "deposit", "transfer", "withdraw")


@lru_cache(maxsize=None)
def compiled_batch(types: tuple[str, ...], slots: int, depth: int) -> tuple[BatchCircuit, CompiledCircuit]:
    spec = BatchCircuit(types, slots, depth)
    return spec, spec.compile()


def circuit_and_key(types: Sequence[str] = DEFAULT_TYPES, slots: int = 2, depth: int = 8,
                    directory: Path | None = None) -> tuple[BatchCircuit, CompiledCircuit, ZKey]:
    """The batch circuit of ``types`` (``deposit`` among them), compiled, and its development key
    (see :func:`proving_key`)."""
    spec, compiled = compiled_batch(tuple(types), slots, depth)
    return spec, compiled, proving_key(compiled, directory)
