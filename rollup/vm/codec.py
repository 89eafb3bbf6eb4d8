"""RLP decoding (encoding is :func:`prozchain.rollup.l1.crypto.rlp_encode`) and the batch codec.

A batch on L1 is ``zlib(rlp([tx, ...]))``: zlib is in every standard library and its
format is frozen (RFC 1950/1951), so anyone can rebuild the L2 from L1 data alone.

>>> decode_rlp(rlp_encode([b"cat", [1, b""]]))
[b'cat', [b'\\x01', b'']]
>>> unpack_batch(pack_batch([b"tx1", b"tx2"]))
[b'tx1', b'tx2']
"""

from __future__ import annotations

import zlib
from typing import Union

from prozchain.rollup.l1.crypto import rlp_encode
from prozchain.rollup.vm.errors import DecodeError

__all__ = ["decode_rlp", "pack_batch", "rlp_encode", "to_int", "unpack_batch"]

Item = Union[bytes, list]
MAX_BATCH_BYTES = 1 << 20


def decode_rlp(data: bytes) -> Item:
    """Decode one RLP item that spans all of ``data``; :class:`DecodeError` otherwise."""
    item, end = _item(data, 0)
    if end != len(data):
        raise DecodeError(f"{len(data) - end} trailing bytes after the RLP item")
    return item


def _length(data: bytes, at: int, size: int) -> int:
    if at + size > len(data):
        raise DecodeError("RLP length runs past the end")
    return int.from_bytes(data[at:at + size], "big")


def _item(data: bytes, at: int) -> tuple[Item, int]:
    if at >= len(data):
        raise DecodeError("RLP item runs past the end")
    prefix = data[at]
    if prefix < 0x80:
        return data[at:at + 1], at + 1
    if prefix < 0xC0:
        if prefix <= 0xB7:
            start, length = at + 1, prefix - 0x80
        else:
            start = at + 1 + prefix - 0xB7
            length = _length(data, at + 1, prefix - 0xB7)
        if start + length > len(data):
            raise DecodeError("RLP string runs past the end")
        return data[start:start + length], start + length
    if prefix <= 0xF7:
        start, length = at + 1, prefix - 0xC0
    else:
        start = at + 1 + prefix - 0xF7
        length = _length(data, at + 1, prefix - 0xF7)
    end, items, cursor = start + length, [], start
    if end > len(data):
        raise DecodeError("RLP list runs past the end")
    while cursor < end:
        item, cursor = _item(data, cursor)
        items.append(item)
    if cursor != end:
        raise DecodeError("RLP list items overrun the list")
    return items, end


def to_int(item: Item) -> int:
    if not isinstance(item, bytes) or (item[:1] == b"\x00"):
        raise DecodeError(f"not a canonical RLP integer: {item!r}")
    return int.from_bytes(item, "big")


def pack_batch(txs: list[bytes]) -> bytes:
    """The compressed L1 payload of a batch of encoded transactions."""
    return zlib.compress(rlp_encode(list(txs)), 9)


def unpack_batch(data: bytes) -> list[bytes]:
    """The encoded transactions of an L1 payload; :class:`DecodeError` if malformed."""
    try:
        raw = zlib.decompressobj().decompress(data, MAX_BATCH_BYTES)
    except zlib.error as exc:
        raise DecodeError(f"batch is not zlib data: {exc}") from exc
    items = decode_rlp(raw)
    if not isinstance(items, list) or not all(isinstance(i, bytes) for i in items):
        raise DecodeError("batch is not a list of encoded transactions")
    return items
