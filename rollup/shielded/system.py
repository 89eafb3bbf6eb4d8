"""The shielded pool's wiring: its join-split circuit and Groth16 key, and the deployment of its
verifier and pool contracts beside a ZK rollup (where withdrawals land).

The key is a development key cached on disk by the SHA-256 of the constraint system, as the
ZK rollup's are (:func:`prozchain.rollup.zk.system.proving_key`): for tests and demos only.

>>> from prozchain.rollup.l1 import Chain, Key
>>> from prozchain.rollup.zk.system import demo_rollup
>>> from prozchain.prover.groth16.simulate import toy_key_and_proof
>>> rollup = demo_rollup()
>>> pool = deploy(rollup.chain, Key.from_seed(b"deployer"), toy_key_and_proof()[0], rollup.rollup, depth=4)
>>> pool.chain.view(pool.pool, "state").root == NoteTree(4).root
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from prozchain.circuits.circuit import CompiledCircuit
from prozchain.prover.formats.zkey import ZKey
from prozchain.prover.groth16.keys import VerificationKey
from prozchain.rollup.l1 import Address, Chain, Key
from prozchain.rollup.shielded.circuit import JoinSplit
from prozchain.rollup.shielded.contracts import ShieldedPool
from prozchain.rollup.shielded.notes import NoteTree
from prozchain.rollup.zk.contracts.verifier import verifier_contract
from prozchain.rollup.zk.system import UNIT, proving_key

DEPTH = 16  # 65,536 notes


@dataclass
class Pool:
    """A deployed pool: its chain, contract, verifier, the rollup it pays into, and its depth."""

    chain: Chain
    pool: Address
    verifier: Address
    rollup: Address
    depth: int


@lru_cache(maxsize=None)
def compiled_join_split(depth: int = DEPTH) -> CompiledCircuit:
    return JoinSplit(depth).compile()


def circuit_and_key(depth: int = DEPTH) -> tuple[CompiledCircuit, ZKey]:
    """The join-split of a tree of ``depth``, compiled, and its development key."""
    compiled = compiled_join_split(depth)
    return compiled, proving_key(compiled)


def deploy(chain: Chain, deployer: Key, vk: VerificationKey, rollup: Address, depth: int = DEPTH,
           records_nullifiers: bool = True) -> Pool:
    """Deploy the verifier of ``vk`` and an empty pool of ``depth`` paying withdrawals into the ZK
    rollup at ``rollup`` (whose L2 unit, :data:`~prozchain.rollup.zk.system.UNIT`, it shares).
    ``records_nullifiers=False`` is the deliberately broken pool of ``defense=off``."""
    verifier, _ = chain.deploy(deployer, verifier_contract(vk))
    pool, _ = chain.deploy(deployer, ShieldedPool, verifier, rollup, depth, UNIT, NoteTree(depth).zeros(),
                           records_nullifiers, gas_limit=3_000_000)
    return Pool(chain, pool, verifier, rollup, depth)
