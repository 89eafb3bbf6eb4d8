"""A subset of the Solidity ABI: head/tail encoding of the types L2 contracts pass around.

Supported: ``uint256``, ``bool``, ``address``, ``bytes32``, ``bytes``, ``string`` and dynamic
arrays ``T[]`` of any of them. Calldata built here has the exact bytes (and so the exact
EIP-2028 gas) a Solidity contract would receive.

>>> encode(["uint256", "bytes"], [1, b"ab"]).hex()[-64:]
'6162000000000000000000000000000000000000000000000000000000000000'
>>> decode(["uint256", "bytes"], encode(["uint256", "bytes"], [1, b"ab"]))
(1, b'ab')
>>> selector("transfer", ["address", "uint256"]).hex()
'a9059cbb'
"""

from __future__ import annotations

from typing import Any, Sequence

from prozchain.rollup.l1.crypto import keccak256, to_address
from prozchain.rollup.l1.errors import ABIError

WORD = 32
_STATIC = ("uint256", "bool", "address", "bytes32")


def selector(name: str, types: Sequence[str]) -> bytes:
    """The 4-byte function selector of ``name(types...)``."""
    return keccak256(f"{name}({','.join(types)})".encode())[:4]


def is_dynamic(typ: str) -> bool:
    return typ not in _STATIC


def encode(types: Sequence[str], values: Sequence[Any]) -> bytes:
    """ABI-encode ``values`` as the tuple ``(types...)``."""
    if len(types) != len(values):
        raise ABIError(f"{len(types)} types but {len(values)} values")
    heads, tails = [], []
    offset = WORD * len(types)
    for typ, value in zip(types, values):
        data = _encode_one(typ, value)
        if is_dynamic(typ):
            heads.append(offset.to_bytes(WORD, "big"))
            tails.append(data)
            offset += len(data)
        else:
            heads.append(data)
    return b"".join(heads) + b"".join(tails)


def _encode_one(typ: str, value: Any) -> bytes:
    if typ.endswith("[]"):
        return len(value).to_bytes(WORD, "big") + encode([typ[:-2]] * len(value), value)
    if typ == "uint256":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**256:
            raise ABIError(f"uint256 out of range: {value!r}")
        return value.to_bytes(WORD, "big")
    if typ == "bool":
        return int(bool(value)).to_bytes(WORD, "big")
    if typ == "address":
        return bytes(12) + bytes.fromhex(to_address(value)[2:])
    if typ == "bytes32":
        if not isinstance(value, bytes) or len(value) != WORD:
            raise ABIError(f"bytes32 needs exactly 32 bytes, got {value!r}")
        return value
    if typ in ("bytes", "string"):
        raw = value.encode() if typ == "string" else bytes(value)
        padded = raw + bytes(-len(raw) % WORD)
        return len(raw).to_bytes(WORD, "big") + padded
    raise ABIError(f"unsupported ABI type {typ!r}")


def decode(types: Sequence[str], data: bytes) -> tuple:
    """Decode ``data`` as the tuple ``(types...)``; :class:`ABIError` on malformed input."""
    return tuple(_decode_at(typ, data, WORD * i) for i, typ in enumerate(types))


def _word(data: bytes, at: int) -> int:
    if at < 0 or at + WORD > len(data):
        raise ABIError(f"calldata too short: need a word at byte {at}, have {len(data)} bytes")
    return int.from_bytes(data[at:at + WORD], "big")


def _decode_at(typ: str, data: bytes, head: int) -> Any:
    if not is_dynamic(typ):
        return _decode_static(typ, data, head)
    body = data[_word(data, head):]
    if typ.endswith("[]"):
        count = _word(body, 0)
        elements = body[WORD:]
        if count * WORD > len(elements):
            raise ABIError(f"array length {count} exceeds the calldata")
        return [_decode_at(typ[:-2], elements, WORD * i) for i in range(count)]
    length = _word(body, 0)
    if WORD + length > len(body):
        raise ABIError(f"{typ} length {length} exceeds the calldata")
    raw = body[WORD:WORD + length]
    return raw.decode() if typ == "string" else raw


def _decode_static(typ: str, data: bytes, at: int) -> Any:
    value = _word(data, at)
    if typ == "uint256":
        return value
    if typ == "bool":
        if value > 1:
            raise ABIError(f"bool word is {value}")
        return bool(value)
    if typ == "address":
        if value >> 160:
            raise ABIError(f"address word has dirty high bytes: {value:#x}")
        return to_address(value)
    return data[at:at + WORD]  # bytes32
