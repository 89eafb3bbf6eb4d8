"""32-byte words as contracts store them: big-endian integers, and addresses kept as integers.

>>> word(b32(7))
7
>>> addr(0xAB)
'0x00000000000000000000000000000000000000ab'
"""

from __future__ import annotations


def word(value: bytes) -> int:
    """The integer a big-endian byte string (a hash, a root) stores as."""
    return int.from_bytes(value, "big")


def b32(value: int) -> bytes:
    """``value`` as a 32-byte big-endian word: the inverse of :func:`word`."""
    return value.to_bytes(32, "big")


def addr(value: int) -> str:
    """The ``0x`` address of a storage word that holds one."""
    return f"0x{value:040x}"
