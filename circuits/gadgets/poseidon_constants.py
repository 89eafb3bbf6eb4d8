"""Poseidon round constants and MDS matrices, derived exactly as circomlib's were.

circomlib took them from the Poseidon authors' reference script (hadeshash,
``generate_parameters_grain.sage 1 0 254 t 8 R_P <R>``): a Grain LFSR seeded with the parameters
produces the round constants (254-bit samples, rejected when >= R), then the x's and y's of a
Cauchy matrix ``M[i][j] = 1 / (x_i + y_j)``. Regenerating them here, instead of pasting tables,
keeps them checkable; the tests compare them with circomlibjs's tables.

>>> c, m = poseidon_parameters(3)
>>> len(c), len(m), hex(c[0])[:10]
(195, 3, '0xee9a592b')
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from prozchain.native.curve import R
from prozchain.native.errors import InvalidArgumentError

FULL_ROUNDS = 8
PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68]  # t = 2..17
FIELD_BITS = 254


def partial_rounds(t: int) -> int:
    return PARTIAL_ROUNDS[t - 2]


def _grain(t: int, full: int, partial: int) -> Iterator[int]:
    """The self-shrinking Grain LFSR of the reference script, as a bit stream."""
    # 80-bit seed: field type 1 (prime), S-box 0 (x^alpha), field size, t, R_F, R_P, then ones.
    seed = f"{1:02b}{0:04b}{FIELD_BITS:012b}{t:012b}{full:010b}{partial:010b}" + "1" * 30
    state = [int(c) for c in seed]

    def step() -> int:
        bit = state[62] ^ state[51] ^ state[38] ^ state[23] ^ state[13] ^ state[0]
        state.pop(0)
        state.append(bit)
        return bit

    for _ in range(160):
        step()
    while True:
        # Self-shrinking: bits come in pairs; a pair starting with 1 emits its second bit.
        if step():
            yield step()
        else:
            step()


def _sample(bits: Iterator[int]) -> int:
    value = 0
    for _ in range(FIELD_BITS):
        value = (value << 1) | next(bits)
    return value


@lru_cache(maxsize=None)
def poseidon_parameters(t: int) -> tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """``(round_constants, mds)`` for state width ``t`` (2..17): (8 + R_P) * t constants, t x t MDS."""
    if not 2 <= t <= 17:
        raise InvalidArgumentError(f"Poseidon is defined here for t = 2..17 (1 to 16 inputs), not t = {t}")
    bits = _grain(t, FULL_ROUNDS, partial_rounds(t))
    constants: list[int] = []
    while len(constants) < (FULL_ROUNDS + partial_rounds(t)) * t:
        value = _sample(bits)
        if value < R:
            constants.append(value)
    while True:
        xy = [_sample(bits) % R for _ in range(2 * t)]
        if len(set(xy)) == 2 * t and all((x + y) % R for x in xy[:t] for y in xy[t:]):
            break
    xs, ys = xy[:t], xy[t:]
    mds = tuple(tuple(pow(x + y, -1, R) for y in ys) for x in xs)
    return tuple(constants), mds
