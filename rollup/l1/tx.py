"""Signed transactions in Ethereum's EIP-1559 (type 2) and EIP-4844 (type 3) formats.

The signing payload is ``type || rlp(fields)`` exactly as on Ethereum, so the sender is whoever
recovers from the secp256k1 signature over its keccak.

>>> from prozchain.rollup.l1.crypto import Key
>>> key = Key.from_seed(b"alice")
>>> tx = Transaction(chain_id=1, nonce=0, to="0x" + "22" * 20, value=5).sign(key)
>>> tx.sender == key.address
True
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Optional

from prozchain.rollup.common.units import GWEI
from prozchain.rollup.l1 import blobs as blob_rules
from prozchain.rollup.l1.crypto import Address, Key, address_bytes, keccak256, recover_address, rlp_encode
from prozchain.rollup.l1.errors import InvalidTransaction



@dataclass(frozen=True)
class Transaction:
    """A transaction; ``to=None`` creates a contract, ``blobs`` makes it a type-3 blob carrier."""

    chain_id: int
    nonce: int
    to: Optional[str]
    value: int = 0
    data: bytes = b""
    gas_limit: int = 100_000
    max_fee_per_gas: int = 10 * GWEI
    max_priority_fee_per_gas: int = GWEI
    max_fee_per_blob_gas: int = 0
    blobs: tuple[bytes, ...] = ()
    signature: Optional[tuple[int, int, int]] = field(default=None, compare=False)

    @property
    def tx_type(self) -> int:
        return 3 if self.blobs else 2

    @property
    def blob_versioned_hashes(self) -> list[bytes]:
        return [blob_rules.versioned_hash(b) for b in self.blobs]

    @property
    def blob_gas(self) -> int:
        return blob_rules.GAS_PER_BLOB * len(self.blobs)

    def _fields(self) -> list:
        to = address_bytes(self.to) if self.to is not None else b""
        fields = [self.chain_id, self.nonce, self.max_priority_fee_per_gas, self.max_fee_per_gas,
                  self.gas_limit, to, self.value, self.data, []]
        if self.blobs:
            fields += [self.max_fee_per_blob_gas, self.blob_versioned_hashes]
        return fields

    def signing_hash(self) -> bytes:
        return keccak256(bytes([self.tx_type]) + rlp_encode(self._fields()))

    def sign(self, key: Key) -> "Transaction":
        """A copy of this transaction signed by ``key``."""
        return replace(self, signature=key.sign(self.signing_hash()))

    @cached_property
    def hash(self) -> bytes:
        if self.signature is None:
            raise InvalidTransaction("an unsigned transaction has no hash")
        return keccak256(bytes([self.tx_type]) + rlp_encode(self._fields() + list(self.signature)))

    @cached_property
    def sender(self) -> Address:
        """The signer, recovered from the signature; :class:`InvalidTransaction` if unsigned."""
        if self.signature is None:
            raise InvalidTransaction("transaction is not signed")
        return recover_address(self.signing_hash(), self.signature)
