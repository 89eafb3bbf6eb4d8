"""Batch circuits compiled once per process and their Groth16 keys set up once per machine.

``circuit_and_key(types, slots, depth)`` compiles the :class:`~circuits.txtypes.BatchCircuit`
(cached in memory) and returns the development proving key for its R1CS, cached on disk as a
``.zkey`` named by the SHA-256 of the constraint system (under ``$PROZ_ZK_KEYS`` or the temp
directory), so tests, scenarios and the demo share one setup per circuit. A development setup
knows its toxic waste: these keys are for tests and demos only.

>>> from prozchain.circuits.examples.merkle_inclusion import MerkleInclusion
>>> a, b = (MerkleInclusion(depth=d).compile().r1cs for d in (1, 2))
>>> cs_hash(a) == cs_hash(MerkleInclusion(depth=1).compile().r1cs), cs_hash(a) == cs_hash(b)
(True, False)
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from prozchain.circuits.circuit import CompiledCircuit
from prozchain.circuits.txtypes import BatchCircuit
from prozchain.native import get_backend
from prozchain.prover.formats.zkey import ZKey, read_zkey, write_zkey
from prozchain.prover.groth16.setup import constraint_system, dev_setup

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


def proving_key(compiled: CompiledCircuit) -> ZKey:
    """The development key of ``compiled``: from memory, from disk, or set up now and saved."""
    digest = cs_hash(compiled.r1cs)
    if digest in _keys:
        return _keys[digest]
    path = key_dir() / f"{digest}.zkey"
    if path.exists():
        key = read_zkey(path, check="sample")
    else:
        key = dev_setup(constraint_system(compiled.r1cs), backend=get_backend("c"))
        partial = path.with_suffix(f".{os.getpid()}.part")
        write_zkey(partial, key)
        os.replace(partial, path)  # atomic: a concurrent reader never sees half a key
    _keys[digest] = key
    return key


def circuit_and_key(types: Sequence[str] = DEFAULT_TYPES, slots: int = 2,
                    depth: int = 8) -> tuple[BatchCircuit, CompiledCircuit, ZKey]:
    spec, compiled = compiled_batch(tuple(types), slots, depth)
    return spec, compiled, proving_key(compiled)
