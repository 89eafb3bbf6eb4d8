"""32-byte words as the contracts store them."""

from __future__ import annotations


def word(value: bytes) -> int:
    return int.from_bytes(value, "big")


def b32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def addr(value: int) -> str:
    return f"0x{value:040x}"
