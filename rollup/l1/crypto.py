"""Hashing, RLP and secp256k1 keys for the reference L1 (Ethereum's formats).

>>> keccak256(b"").hex()[:16]
'c5d2460186f7233c'
>>> key = Key.from_seed(b"alice")
>>> recover_address(b"\\x11" * 32, key.sign(b"\\x11" * 32)) == key.address
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType, Sequence, Union

import coincurve
from Crypto.Hash import keccak as _keccak

from prozchain.rollup.l1.errors import EncodingError, InvalidTransaction

Address = NewType("Address", str)
"""A 20-byte account address as ``0x`` + 40 lowercase hex digits."""

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def keccak256(data: bytes) -> bytes:
    """Ethereum's keccak-256 (not NIST SHA3-256)."""
    return _keccak.new(digest_bits=256, data=data).digest()


def to_address(value: Union[str, bytes, int]) -> Address:
    """Normalise a hex string, 20 bytes or an int to the canonical :data:`Address` form.

    >>> to_address(8)
    '0x0000000000000000000000000000000000000008'
    """
    if isinstance(value, int):
        raw = value.to_bytes(20, "big")
    elif isinstance(value, bytes):
        raw = value
    else:
        raw = bytes.fromhex(value[2:] if value.startswith("0x") else value)
    if len(raw) != 20:
        raise EncodingError(f"an address has 20 bytes, got {len(raw)}: {value!r}")
    return Address("0x" + raw.hex())


def address_bytes(address: str) -> bytes:
    """The 20 raw bytes of an address."""
    return bytes.fromhex(address[2:])


RLPItem = Union[bytes, int, Sequence["RLPItem"]]


def rlp_encode(item: RLPItem) -> bytes:
    """Recursive-length-prefix encoding; ints are big-endian without leading zeros.

    >>> rlp_encode([b"cat", b"dog"]).hex()
    'c88363617483646f67'
    """
    if isinstance(item, int):
        if item < 0:
            raise EncodingError("RLP encodes non-negative integers only")
        item = item.to_bytes((item.bit_length() + 7) // 8, "big")
    if isinstance(item, bytes):
        if len(item) == 1 and item[0] < 0x80:
            return item
        return _rlp_length(len(item), 0x80) + item
    payload = b"".join(rlp_encode(x) for x in item)
    return _rlp_length(len(payload), 0xC0) + payload


def _rlp_length(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes([offset + length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(raw)]) + raw


def contract_address(sender: str, nonce: int) -> Address:
    """The address a CREATE from ``sender`` at ``nonce`` gets: keccak(rlp([sender, nonce]))[12:]."""
    return to_address(keccak256(rlp_encode([address_bytes(sender), nonce]))[12:])


@dataclass(frozen=True)
class Key:
    """A secp256k1 private key of an externally owned account."""

    secret: bytes

    @classmethod
    def from_seed(cls, seed: bytes) -> "Key":
        """A deterministic key derived from ``seed`` (for tests and simulations)."""
        return cls(keccak256(b"prozchain-key:" + seed))

    @property
    def address(self) -> Address:
        public = coincurve.PrivateKey(self.secret).public_key.format(compressed=False)
        return to_address(keccak256(public[1:])[12:])

    def sign(self, digest: bytes) -> tuple[int, int, int]:
        """Sign a 32-byte digest; returns ``(y_parity, r, s)`` with low ``s`` (EIP-2)."""
        sig = coincurve.PrivateKey(self.secret).sign_recoverable(digest, hasher=None)
        return sig[64], int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big")


def recover_address(digest: bytes, signature: tuple[int, int, int]) -> Address:
    """The address whose key signed ``digest``; :class:`InvalidTransaction` if none did."""
    y_parity, r, s = signature
    if y_parity not in (0, 1) or not (0 < r < SECP256K1_N) or not (0 < s <= SECP256K1_N // 2):
        raise InvalidTransaction(f"malformed signature (v={y_parity}, r={r:#x}, s={s:#x})")
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([y_parity])
    try:
        public = coincurve.PublicKey.from_signature_and_message(raw, digest, hasher=None)
    except Exception as exc:  # coincurve raises plain Exception for unrecoverable signatures
        raise InvalidTransaction(f"signature does not recover a key: {exc}") from exc
    return to_address(keccak256(public.format(compressed=False)[1:])[12:])
