"""The list tree: a binary Merkle tree over leaf hashes padded with zero words to a power of
two. Its hash is a parameter, so a contract passes its metered keccak (each node charged as
the EVM would) and off-chain code a plain or counted one.

>>> from hashlib import sha256
>>> h = lambda data: sha256(data).digest()
>>> list_root([], h) == EMPTY
True
>>> list_root([b"a" * 32], h) == b"a" * 32
True
>>> list_root([b"a" * 32] * 3, h) == h(h(b"a" * 64) + h(b"a" * 32 + EMPTY))
True
"""

from __future__ import annotations

from typing import Callable, Sequence

EMPTY = bytes(32)

Hasher = Callable[[bytes], bytes]


def list_levels(leaves: Sequence[bytes], hasher: Hasher) -> list[list[bytes]]:
    """Every level of the tree over ``leaves``, the padded leaves first and the root last."""
    size = 1
    while size < len(leaves):
        size *= 2
    level = list(leaves) + [EMPTY] * (size - len(leaves))
    levels = [level]
    while len(level) > 1:
        level = [hasher(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
        levels.append(level)
    return levels


def list_root(leaves: Sequence[bytes], hasher: Hasher) -> bytes:
    """The root of the tree over ``leaves``; :data:`EMPTY` for no leaves."""
    return list_levels(leaves, hasher)[-1][0] if leaves else EMPTY
