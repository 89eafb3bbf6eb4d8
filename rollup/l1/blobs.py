"""EIP-4844 blobs: a second data-availability lane with its own fee market.

Blob gas is priced by a base fee that rises exponentially while blocks carry more than the
target of three blobs and falls while they carry fewer, independently of execution gas.
Blob fees are burnt. Blob contents live beside the chain (``Chain.blobs``); contracts see
only their versioned hashes (``Contract.blobhash``).

Stand-in: Ethereum commits to a blob with KZG and the versioned hash is
``0x01 || sha256(commitment)[1:]``; here the commitment is ``sha256(blob)`` (no trusted setup,
no point-evaluation precompile).

>>> blob_base_fee(0)
1
>>> blob_base_fee(10 * TARGET_BLOB_GAS_PER_BLOCK) > 1
True
"""

from __future__ import annotations

import hashlib

GAS_PER_BLOB = 2**17
BYTES_PER_BLOB = 4096 * 32
TARGET_BLOB_GAS_PER_BLOCK = 3 * GAS_PER_BLOB
MAX_BLOB_GAS_PER_BLOCK = 6 * GAS_PER_BLOB
MIN_BASE_FEE_PER_BLOB_GAS = 1
BLOB_BASE_FEE_UPDATE_FRACTION = 3_338_477
VERSIONED_HASH_VERSION = b"\x01"


def fake_exponential(factor: int, numerator: int, denominator: int) -> int:
    """EIP-4844's integer approximation of ``factor * e ** (numerator / denominator)``."""
    i, output, accum = 1, 0, factor * denominator
    while accum > 0:
        output += accum
        accum = accum * numerator // (denominator * i)
        i += 1
    return output // denominator


def blob_base_fee(excess_blob_gas: int) -> int:
    return fake_exponential(MIN_BASE_FEE_PER_BLOB_GAS, excess_blob_gas, BLOB_BASE_FEE_UPDATE_FRACTION)


def next_excess_blob_gas(parent_excess: int, parent_blob_gas_used: int) -> int:
    return max(0, parent_excess + parent_blob_gas_used - TARGET_BLOB_GAS_PER_BLOCK)


def versioned_hash(blob: bytes) -> bytes:
    """The 32-byte hash a transaction commits to for ``blob``."""
    commitment = hashlib.sha256(blob).digest()
    return VERSIONED_HASH_VERSION + hashlib.sha256(commitment).digest()[1:]
