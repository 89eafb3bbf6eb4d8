"""BLAKE-512 (the SHA-3 finalist, not BLAKE2), which circomlibjs uses to derive EdDSA keys and nonces.

Out of circuit only. The constants are computed rather than pasted: the IV is SHA-512's (the
first 64 bits of the fractional parts of the square roots of the first eight primes) and the
sixteen round constants are the first 1024 bits of the fractional part of pi.

>>> blake512(b"").hex()[:32]
'a8cfbbd73726062df0c6864dda65defe'
"""

from __future__ import annotations

from functools import lru_cache
from math import isqrt

MASK = (1 << 64) - 1
ROUNDS = 16
SIGMA = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
]


def _arctan_inverse(x: int, one: int) -> int:
    """arctan(1/x) in fixed point with unit ``one`` (alternating series)."""
    total, term, n, sign = 0, one // x, 1, 1
    while term:
        total += sign * (term // n)
        term //= x * x
        n += 2
        sign = -sign
    return total


@lru_cache(maxsize=None)
def constants() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(iv, c)``: SHA-512's IV and BLAKE-512's 16 constants (digits of pi)."""
    primes = [2, 3, 5, 7, 11, 13, 17, 19]
    iv = tuple(isqrt(p << 128) & MASK for p in primes)
    guard = 64
    one = 1 << (1024 + guard)
    pi = 4 * (4 * _arctan_inverse(5, one) - _arctan_inverse(239, one))  # Machin's formula
    fraction = (pi >> guard) & ((1 << 1024) - 1)
    c = tuple((fraction >> (64 * (15 - i))) & MASK for i in range(16))
    return iv, c


def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (64 - n))) & MASK


def _compress(h: list[int], block: bytes, counter: int) -> list[int]:
    iv, c = constants()
    m = [int.from_bytes(block[8 * i : 8 * i + 8], "big") for i in range(16)]
    t0, t1 = counter & MASK, counter >> 64
    v = h[:] + [c[0], c[1], c[2], c[3], t0 ^ c[4], t0 ^ c[5], t1 ^ c[6], t1 ^ c[7]]
    for r in range(ROUNDS):
        s = SIGMA[r % 10]
        for i, (a, b, cc, d) in enumerate(
            [(0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
             (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14)]
        ):
            x, y = s[2 * i], s[2 * i + 1]
            v[a] = (v[a] + v[b] + (m[x] ^ c[y])) & MASK
            v[d] = _rotr(v[d] ^ v[a], 32)
            v[cc] = (v[cc] + v[d]) & MASK
            v[b] = _rotr(v[b] ^ v[cc], 25)
            v[a] = (v[a] + v[b] + (m[y] ^ c[x])) & MASK
            v[d] = _rotr(v[d] ^ v[a], 16)
            v[cc] = (v[cc] + v[d]) & MASK
            v[b] = _rotr(v[b] ^ v[cc], 11)
    return [h[i] ^ v[i] ^ v[i + 8] for i in range(8)]


def blake512(data: bytes) -> bytes:
    """The 64-byte BLAKE-512 digest of ``data`` (no salt)."""
    iv, _ = constants()
    h = list(iv)
    bits = 8 * len(data)
    # Padding: a 1 bit, zeros, a final 1 bit, then the 128-bit big-endian length; 128-byte blocks.
    padded = bytearray(data) + b"\x80"
    while len(padded) % 128 != 112:
        padded.append(0)
    padded[-1] |= 0x01
    padded += bits.to_bytes(16, "big")
    n_blocks = len(padded) // 128
    for k in range(n_blocks):
        # The counter is the number of message bits up to the end of this block; a block
        # holding only padding counts 0.
        start = 128 * k
        counter = min(bits, 8 * (start + 128)) if 8 * start < bits else 0
        h = _compress(h, bytes(padded[start : start + 128]), counter)
    return b"".join(x.to_bytes(8, "big") for x in h)
