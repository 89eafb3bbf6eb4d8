"""Development Groth16 keys for the rooms that prove on the reference L1 (the ZK rollup's
batches, the sidechain's light client), cached by circuit.

:func:`proving_key` returns the key of a compiled circuit from memory, from disk as a ``.zkey``
named by the SHA-256 of the constraint system (:func:`cs_hash`, under ``$PROZ_ZK_KEYS`` or the
temp directory: :func:`key_dir`), or sets it up now and saves it there, so tests, scenarios
and demos share one setup per circuit, also when several processes ask for one key at once (one
sets it up, the others wait for it). A development setup knows its toxic waste: these keys are
for tests and demos only.

>>> from prozchain.circuits.examples.merkle_inclusion import MerkleInclusion
>>> a, b = (MerkleInclusion(depth=d).compile().r1cs for d in (1, 2))
>>> cs_hash(a) == cs_hash(MerkleInclusion(depth=1).compile().r1cs), cs_hash(a) == cs_hash(b)
(True, False)
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

from prozchain.circuits.circuit import CompiledCircuit
from prozchain.native import get_backend
from prozchain.prover.formats.zkey import ZKey, read_zkey, write_zkey
from prozchain.prover.groth16.setup import constraint_system, dev_setup
from prozchain.relations.r1cs import R1CS

HASH_CHUNK = 1 << 22  # entries of a CSR array converted to a fixed dtype at a time


def key_dir() -> Path:
    """Where development keys are kept: ``$PROZ_ZK_KEYS``, or a folder in the temp directory."""
    path = Path(os.environ.get("PROZ_ZK_KEYS") or Path(tempfile.gettempdir()) / "prozchain-zk-keys")
    path.mkdir(parents=True, exist_ok=True)
    return path


def cs_hash(r1cs: R1CS) -> str:
    """SHA-256 of a constraint system: sizes, the coefficient table and each matrix's CSR arrays
    (row bounds, signals, coefficient ids), hashed as they are, without a copy of the terms."""
    cs = constraint_system(r1cs)
    digest = hashlib.sha256(f"{cs.n_vars}/{cs.n_public}/{cs.n_constraints}/".encode())
    digest.update(np.ascontiguousarray(cs.table, "<u8"))
    for matrix in cs.matrices:
        for array, dtype in ((matrix.indptr, "<i8"), (matrix.wires, "<u4"), (matrix.coeff_ids, "<u4")):
            for lo in range(0, len(array), HASH_CHUNK):
                digest.update(np.ascontiguousarray(array[lo:lo + HASH_CHUNK], dtype))
    return digest.hexdigest()


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
    if not path.exists():
        # a setup takes up to minutes: a second process (a pytest-xdist worker, a CLI run) asking
        # meanwhile waits for this one's key instead of making its own
        with open(path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.exists():
                _keys[digest] = dev_setup(constraint_system(compiled.r1cs), backend=get_backend("c"))
                partial = path.with_suffix(f".{os.getpid()}.part")
                write_zkey(partial, _keys[digest])
                os.replace(partial, path)  # atomic: a reader that takes no lock never sees half a key
    if digest not in _keys:
        _keys[digest] = read_zkey(path, check="sample")
    return _keys[digest]
