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
from prozchain.rollup.economics.bonds import BondLedger
from prozchain.rollup.l1 import Address, Chain, Key
from prozchain.rollup.l1.groth16 import verifier_contract
from prozchain.rollup.l1.token import NO_BANK
from prozchain.rollup.zk.contracts.registry import types_mask
from prozchain.rollup.zk.contracts.rollup import ZkRollup
from prozchain.rollup.zk.errors import ZkRollupError

UNIT = 10**9  # one L2 balance unit is one gwei
L2_UNIT = Unit("gwei", "L2 units", UNIT)  # what L2 balances count, for results and their text
DEADLINE = 3_600  # seconds a queued deposit may wait before anyone can freeze the rollup
# notice of a verifier version change: longer than the deadline, so a user who distrusts it can
# force the rollup to serve or freeze, and exit, before it applies
UPGRADE_DELAY = 24 * DEADLINE


@dataclass
class System:
    """A deployed rollup; ``verifier`` and ``spec`` are version 1's (see :func:`propose_version`)."""

    chain: Chain
    rollup: Address
    verifier: Address
    spec: BatchCircuit
    operator: Key
    ledger: Address  # the bond ledger holding the operator's bond

    @property
    def depth(self) -> int:
        return self.spec.depth


def deploy(chain: Chain, deployer: Key, operator: Key, spec: BatchCircuit, vk: VerificationKey,
           deadline: int = DEADLINE, checks_proofs: bool = True, governance: Address | None = None,
           upgrade_delay: int = UPGRADE_DELAY, bank: Address = NO_BANK, unit: int = UNIT,
           ledger: Address | None = None, operator_bond: int = 0) -> System:
    """Deploy the verifier of ``vk`` and a rollup for ``spec``'s batches (its version 1) starting
    from an empty tree; ``governance`` (by default the deployer) may add verifier versions with
    ``upgrade_delay`` seconds' notice. With a ``bank``, the rollup carries the bank's asset,
    ``unit`` base units an L2 unit. The operator posts ``operator_bond`` wei (if any) in
    ``ledger`` (a new :class:`BondLedger` by default)."""
    verifier, _ = chain.deploy(deployer, verifier_contract(vk))
    ledger = ledger or chain.deploy(deployer, BondLedger)[0]
    rollup, _ = chain.deploy(deployer, ZkRollup, verifier, operator.address, AccountTree(spec.depth).root,
                             spec.depth, spec.slots, spec.n_elements, types_mask(spec.types), unit, deadline,
                             checks_proofs, governance or deployer.address, upgrade_delay, bank, ledger,
                             gas_limit=1_000_000)
    if operator_bond:
        receipt = chain.transact(operator, rollup, "post_bond", value=operator_bond, gas_limit=300_000)
        if not receipt.status:
            raise ZkRollupError(f"posting the operator bond: {receipt.error}")
    return System(chain, rollup, verifier, spec, operator, ledger)


def propose_version(system: System, governance: Key, spec: BatchCircuit, vk: VerificationKey) -> tuple[int, int]:
    """Deploy the verifier of ``vk`` and propose it, with ``spec``'s shape, as the rollup's next
    version (``governance`` signs both): ``(version, activation time)``. ``spec`` must have the
    rollup's depth; its types may differ (a new type needs its own version)."""
    if spec.depth != system.depth:
        raise ZkRollupError(f"a version's circuit has the rollup's depth {system.depth}, not {spec.depth}")
    chain = system.chain
    verifier, _ = chain.deploy(governance, verifier_contract(vk))
    version = chain.view(system.rollup, "next_version")
    receipt = chain.transact(governance, system.rollup, "propose_version", version, verifier, spec.slots,
                             spec.n_elements, types_mask(spec.types), gas_limit=300_000)
    if not receipt.status:
        raise ZkRollupError(f"proposing version {version}: {receipt.error}")
    return version, receipt.return_value


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
