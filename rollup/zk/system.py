"""The ZK rollup's wiring: the batch circuit and its Groth16 key, and the deployment of its
verifier contract (one per verification key) and state contract.

``circuit_and_key(types, slots, depth)`` compiles the :class:`~prozchain.circuits.txtypes.BatchCircuit`
(cached in memory) and returns the development proving key for its R1CS, cached on disk as a
``.zkey`` named by the SHA-256 of the constraint system (under ``$PROZ_ZK_KEYS`` or the temp
directory), so tests, scenarios and the demo share one setup per circuit. A development setup
knows its toxic waste: these keys are for tests and demos only.

>>> from prozchain.circuits.examples.merkle_inclusion import MerkleInclusion
>>> a, b = (MerkleInclusion(depth=d).compile().r1cs for d in (1, 2))
>>> cs_hash(a) == cs_hash(MerkleInclusion(depth=1).compile().r1cs), cs_hash(a) == cs_hash(b)
(True, False)
>>> system = demo_rollup()
>>> state = system.chain.view(system.rollup, "state")
>>> state.root == AccountTree(system.depth).root, state.batches, state.frozen
(True, 0, 0)
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from prozchain.circuits.circuit import CompiledCircuit
from prozchain.circuits.txtypes import AccountTree, BatchCircuit
from prozchain.native import get_backend
from prozchain.prover.formats.zkey import ZKey, read_zkey, write_zkey
from prozchain.prover.groth16.keys import VerificationKey
from prozchain.prover.groth16.setup import constraint_system, dev_setup
from prozchain.rollup.common.units import ETHER, Unit
from prozchain.rollup.l1 import Address, Chain, Key
from prozchain.rollup.zk.contracts.registry import types_mask
from prozchain.rollup.zk.contracts.rollup import ZkRollup
from prozchain.rollup.l1.verifier import verifier_contract
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

    @property
    def depth(self) -> int:
        return self.spec.depth


def deploy(chain: Chain, deployer: Key, operator: Key, spec: BatchCircuit, vk: VerificationKey,
           deadline: int = DEADLINE, checks_proofs: bool = True, governance: Address | None = None,
           upgrade_delay: int = UPGRADE_DELAY) -> System:
    """Deploy the verifier of ``vk`` and a rollup for ``spec``'s batches (its version 1) starting
    from an empty tree; ``governance`` (by default the deployer) may add verifier versions with
    ``upgrade_delay`` seconds' notice."""
    verifier, _ = chain.deploy(deployer, verifier_contract(vk))
    rollup, _ = chain.deploy(deployer, ZkRollup, verifier, operator.address, AccountTree(spec.depth).root,
                             spec.depth, spec.slots, spec.n_elements, types_mask(spec.types), UNIT, deadline,
                             checks_proofs, governance or deployer.address, upgrade_delay, gas_limit=1_000_000)
    return System(chain, rollup, verifier, spec, operator)


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


def key_dir() -> Path:
    path = Path(os.environ.get("PROZ_ZK_KEYS") or Path(tempfile.gettempdir()) / "prozchain-zk-keys")
    path.mkdir(parents=True, exist_ok=True)
    return path


def cs_hash(r1cs) -> str:
    """SHA-256 of a constraint system: sizes and every (matrix, row, signal, value) term."""
    cs = constraint_system(r1cs)
    digest = hashlib.sha256(f"{cs.n_vars}/{cs.n_public}/{cs.n_constraints}/".encode())
    digest.update(cs.terms.tobytes())
    return digest.hexdigest()


@lru_cache(maxsize=None)
def compiled_batch(types: tuple[str, ...], slots: int, depth: int) -> tuple[BatchCircuit, CompiledCircuit]:
    spec = BatchCircuit(types, slots, depth)
    return spec, spec.compile()


_keys: dict[str, ZKey] = {}


def proving_key(compiled: CompiledCircuit, directory: Path | None = None) -> ZKey:
    """The development key of ``compiled``: from memory, from disk (``directory``, by default
    :func:`key_dir`), or set up now and saved there."""
    digest = cs_hash(compiled.r1cs)
    if digest in _keys:
        return _keys[digest]
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    path = (directory or key_dir()) / f"{digest}.zkey"
    if path.exists():
        key = read_zkey(path, check="sample")
    else:
        key = dev_setup(constraint_system(compiled.r1cs), backend=get_backend("c"))
        partial = path.with_suffix(f".{os.getpid()}.part")
        write_zkey(partial, key)
        os.replace(partial, path)  # atomic: a concurrent reader never sees half a key
    _keys[digest] = key
    return key


def circuit_and_key(types: Sequence[str] = DEFAULT_TYPES, slots: int = 2, depth: int = 8,
                    directory: Path | None = None) -> tuple[BatchCircuit, CompiledCircuit, ZKey]:
    """The batch circuit of ``types`` (``deposit`` among them), compiled, and its development key
    (see :func:`proving_key`)."""
    spec, compiled = compiled_batch(tuple(types), slots, depth)
    return spec, compiled, proving_key(compiled, directory)
