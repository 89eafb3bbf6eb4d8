"""BN254's numbers and names: the two fields, the two groups, their moduli and generators.

Everything above the backends that needs a modulus or a generator takes it from here, and every
backend method names its field or group with :class:`Field` or :class:`Group` (never a string),
so the interface is checked where it is typed. The members' values are the short names the
C core and the files use ("fp", "g1"): ``Group("g1")`` reads one back, ``str(Group.G1)`` writes
it. Members are not strings, so a string passed where a member belongs fails at once (a
``KeyError`` in the backend's tables) rather than working by accident in one backend only.

>>> Field.FR.modulus == R, Group.G2.coords, str(Group.G1)
(True, 4, 'g1')
>>> Group("g2") is Group.G2
True
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from prozchain.native.errors import InvalidArgumentError

P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
ATE_X = 4965661367192848881  # the BN parameter x: P and R are polynomials in it


class Field(Enum):
    """A prime field of BN254: the base field Fp (curve coordinates) or the scalar field Fr."""

    FP = "fp"
    FR = "fr"

    @property
    def modulus(self) -> int:
        return P if self is Field.FP else R

    def __str__(self) -> str:
        return self.value

    # Members are singletons (unpickling returns them too): hashing by identity, in C, keeps the
    # backends' per-call table lookups as cheap as they were with strings (Enum's own hash is Python)
    __hash__ = object.__hash__


class Group(Enum):
    """A group of BN254: G1 over Fp, or G2 (the order-R subgroup of the twist) over Fp2."""

    G1 = "g1"
    G2 = "g2"

    @property
    def coords(self) -> int:
        """Fp coordinates per affine point: 2 on G1 (x, y), 4 on G2 (x.c0, x.c1, y.c0, y.c1)."""
        return 2 if self is Group.G1 else 4

    def __str__(self) -> str:
        return self.value

    __hash__ = Field.__hash__


MODULI = {Field.FP: P, Field.FR: R}

# builtin generics, not typing's: a one-shot proof imports no typing (3 ms of its start)
Fp2 = tuple[int, int]
Fp12 = tuple[int, ...]
G1 = tuple[int, int] | None
G2 = tuple[Fp2, Fp2] | None
Point = object  # G1 or G2, depending on the Group passed alongside

G1_GENERATOR: G1 = (1, 2)
G2_GENERATOR: G2 = (
    (
        10857046999023057135944570762232829481370756359578518086990519993285655852781,
        11559732032986387107991004021392285783925812861821192530917403151452391805634,
    ),
    (
        8495653923123431417604973247489272438418190587263600148770280649306958101930,
        4082367875863433681332203403145435568316851327593401208105741076214120093531,
    ),
)
GENERATORS = {Group.G1: G1_GENERATOR, Group.G2: G2_GENERATOR}
GT_ONE: Fp12 = (1,) + (0,) * 11

TWO_ADICITY = 28
NTT_GENERATOR = 5  # the least non-residue mod R; w_n = 5^((R-1)/n), as snarkjs uses


def root_of_unity(log_n: int) -> int:
    """The primitive 2^log_n-th root of unity the NTT uses: 5^((R-1) / 2^log_n)."""
    if not 0 <= log_n <= TWO_ADICITY:
        raise InvalidArgumentError(f"NTT size 2^{log_n} exceeds Fr's 2-adicity {TWO_ADICITY}")
    return pow(NTT_GENERATOR, (R - 1) >> log_n, R)


def flatten(group: Group, point: Point) -> list[int]:
    """Affine point to its Fp coordinates; infinity is all zeros."""
    if point is None:
        return [0] * group.coords
    if group is Group.G1:
        return [point[0], point[1]]
    (x0, x1), (y0, y1) = point
    return [x0, x1, y0, y1]


def unflatten(group: Group, coords: Sequence[int]) -> Point:
    """Fp coordinates to an affine point; all zeros is infinity."""
    if not any(coords):
        return None
    if group is Group.G1:
        return (coords[0], coords[1])
    return ((coords[0], coords[1]), (coords[2], coords[3]))
