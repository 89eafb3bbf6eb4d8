"""The precompiles of the reference L1: ecrecover (0x01) and the BN254 ones of EIP-196 (ecAdd
0x06, ecMul 0x07) and EIP-197 (ecPairing 0x08).

ecrecover reads four words ``hash, v, r, s`` (``v`` is 27 or 28, zero-padded like calldata) and
returns the signer's address left-padded to 32 bytes, or *empty output* when nothing recovers
(bad ``v``, ``r`` or ``s`` out of range, no point): as on Ethereum that is not a failure and the
3,000 gas is spent either way. Unlike transaction signatures (EIP-2), a high ``s`` is accepted.

BN254 input is validated exactly as Ethereum clients do: 32-byte big-endian words; ``(0, 0)`` is the
point at infinity; a coordinate ``>= P``, a point off the curve or (on G2) outside the order-R
subgroup makes the call fail. ecAdd/ecMul pad short input with zeros and ignore extra bytes;
ecPairing needs a multiple of 192 bytes, each pair being G1 ``(x, y)`` then G2
``(x_imaginary, x_real, y_imaginary, y_real)``. Arithmetic goes through
:func:`prozchain.native.get_backend` (the native multi-pairing). Prices are EIP-1108's.

>>> from prozchain.rollup.l1.precompiles import PRECOMPILES
>>> PRECOMPILES[8].gas(b"\\x00" * 384)
113000
>>> from prozchain.rollup.l1.crypto import Key
>>> key, digest = Key.from_seed(b"alice"), b"\\x11" * 32
>>> v, r, s = key.sign(digest)
>>> data = digest + (27 + v).to_bytes(32, "big") + r.to_bytes(32, "big") + s.to_bytes(32, "big")
>>> ecrecover(data, None)[12:].hex() == key.address[2:], ecrecover(data[:32], None)
(True, b'')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from prozchain.native.backend import Backend
from prozchain.native.curve import P, Group
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.l1.crypto import SECP256K1_N, address_bytes, recover_address
from prozchain.rollup.l1.errors import InvalidTransaction, PrecompileFailure

WORD = 32


def _words(data: bytes, count: int) -> list[int]:
    """``count`` words from ``data``, zero-padded on the right as the EVM reads calldata."""
    data = data[:WORD * count].ljust(WORD * count, b"\x00")
    return [int.from_bytes(data[i:i + WORD], "big") for i in range(0, len(data), WORD)]


def ecrecover(data: bytes, backend: Optional[Backend]) -> bytes:
    """The signer of ``hash`` as a 32-byte word, or ``b""`` if the signature recovers nobody."""
    digest, v, r, s = _words(data, 4)
    if v not in (27, 28) or not 0 < r < SECP256K1_N or not 0 < s < SECP256K1_N:
        return b""
    parity = v - 27
    if s > SECP256K1_N // 2:  # (r, s, v) and (r, n - s, 1 - v) recover the same key
        s, parity = SECP256K1_N - s, 1 - parity
    try:
        signer = recover_address(digest.to_bytes(WORD, "big"), (parity, r, s))
    except InvalidTransaction:
        return b""
    return address_bytes(signer).rjust(WORD, b"\x00")


def _coordinate(value: int, where: str) -> int:
    if value >= P:
        raise PrecompileFailure(f"{where} coordinate {value:#x} is not below the field modulus")
    return value


def decode_g1(words: list[int], backend: Backend, where: str):
    """A G1 point from two words; ``(0, 0)`` is infinity (``None``)."""
    x, y = (_coordinate(w, f"{where} {n}") for w, n in zip(words, "xy"))
    if x == 0 and y == 0:
        return None
    if not backend.is_on_curve(Group.G1, (x, y)):
        raise PrecompileFailure(f"{where} ({x:#x}, {y:#x}) is not on the curve")
    return (x, y)


def decode_g2(words: list[int], backend: Backend, where: str):
    """A G2 point from four words in EIP-197 order (imaginary part first)."""
    x_im, x_re, y_im, y_re = (_coordinate(w, f"{where} {n}")
                              for w, n in zip(words, ("x_imaginary", "x_real", "y_imaginary", "y_real")))
    if x_im == x_re == y_im == y_re == 0:
        return None
    point = ((x_re, x_im), (y_re, y_im))
    if not backend.is_on_curve(Group.G2, point):
        raise PrecompileFailure(f"{where} is not on the twist curve")
    if not backend.in_subgroup(Group.G2, point):
        raise PrecompileFailure(f"{where} is on the curve but not in the order-R subgroup")
    return point


def encode_g1(point) -> bytes:
    if point is None:
        return bytes(2 * WORD)
    return point[0].to_bytes(WORD, "big") + point[1].to_bytes(WORD, "big")


def ec_add(data: bytes, backend: Backend) -> bytes:
    words = _words(data, 4)
    a = decode_g1(words[:2], backend, "ecAdd first point")
    b = decode_g1(words[2:], backend, "ecAdd second point")
    return encode_g1(backend.g_add(Group.G1, a, b))


def ec_mul(data: bytes, backend: Backend) -> bytes:
    words = _words(data, 3)
    point = decode_g1(words[:2], backend, "ecMul point")
    return encode_g1(backend.g_mul(Group.G1, point, words[2]))


def ec_pairing(data: bytes, backend: Backend) -> bytes:
    if len(data) % (6 * WORD):
        raise PrecompileFailure(f"ecPairing input length {len(data)} is not a multiple of 192")
    pairs = []
    for k in range(len(data) // (6 * WORD)):
        words = _words(data[6 * WORD * k:], 6)
        p = decode_g1(words[:2], backend, f"ecPairing pair {k} G1")
        q = decode_g2(words[2:], backend, f"ecPairing pair {k} G2")
        if p is not None and q is not None:  # a pair with infinity contributes e = 1
            pairs.append((p, q))
    ok = backend.pairing_check(pairs) if pairs else True
    return int(ok).to_bytes(WORD, "big")


@dataclass(frozen=True)
class Precompile:
    """A precompiled contract: its price for an input, and its function."""

    name: str
    gas: Callable[[bytes], int]
    run: Callable[[bytes, Backend], bytes]


PRECOMPILES: dict[int, Precompile] = {
    1: Precompile("ecrecover", lambda data: G.ECRECOVER, ecrecover),
    6: Precompile("ecAdd", lambda data: G.EC_ADD, ec_add),
    7: Precompile("ecMul", lambda data: G.EC_MUL, ec_mul),
    8: Precompile("ecPairing", lambda data: G.pairing_gas(len(data) // (6 * WORD)), ec_pairing),
}


def precompile_at(address: str) -> Optional[Precompile]:
    """The precompile living at ``address`` (``0x00..01``, ``0x00..06`` to ``0x00..08``), if any."""
    number = int(address, 16)
    return PRECOMPILES.get(number)
