"""Bulk data for the MSM and NTT kernels: numpy layouts shared by every backend.

- Fr vectors (scalars, NTT input and output) are ``uint64`` arrays of shape ``(n, 4)``: each row
  one canonical value as little-endian 64-bit limbs. Rows may hold any value below 2^256; MSM
  scalars are taken modulo R, NTT inputs must be below R.
- MSM bases are :class:`PreparedBases`: affine points whose coordinates are already in the
  kernels' Montgomery form (x * 2^256 mod P), shape ``(n, 8)`` on G1 (x, y) and ``(n, 16)`` on
  G2 (x.c0, x.c1, y.c0, y.c1), the point at infinity as a zero row. This is byte for byte the
  layout of a snarkjs ``.zkey`` point section, so a proving key converts once and every MSM
  reuses it.

>>> import numpy as np
>>> a = ints_to_array([1, 2**64 + 3])
>>> a.shape, a.dtype, array_to_ints(a)
((2, 4), dtype('uint64'), [1, 18446744073709551619])
>>> b = prepare_bases(Group.G1, [(1, 2), None])
>>> b.group, len(b), bases_to_points(b)
(<Group.G1: 'g1'>, 2, [(1, 2), None])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from prozchain.native.curve import P, R, Group, Point
from prozchain.native.errors import InvalidArgumentError, InvalidFieldElementError

# One sparse QAP coefficient as a snarkjs .zkey stores it (44 bytes, unaligned): matrix (0 A,
# 1 B), constraint row, signal, value (coef * 2^512 mod R, little-endian limbs).
COEF_DTYPE = np.dtype([("matrix", "<u4"), ("constraint", "<u4"), ("signal", "<u4"), ("value", "<u8", (4,))])
MONT = 1 << 256
MONT_INV_P = pow(MONT, -1, P)
TWO_ADICITY = 28
NTT_GENERATOR = 5  # the least non-residue mod R; w_n = 5^((R-1)/n), as snarkjs uses


def ints_to_array(values: Sequence[int], modulus: Optional[int] = None) -> np.ndarray:
    """Ints in [0, 2^256) (or [0, modulus) when given) as an ``(n, 4)`` uint64 array."""
    bound = modulus if modulus is not None else 1 << 256
    values = list(values)
    for i, v in enumerate(values):
        if not 0 <= v < bound:
            raise InvalidFieldElementError(f"value {i} ({v}) is not in [0, {bound})")
    data = b"".join(v.to_bytes(32, "little") for v in values)
    return np.frombuffer(data, dtype="<u8").reshape(len(values), 4).astype(np.uint64)


def array_to_ints(arr: np.ndarray) -> list[int]:
    """The rows of an ``(n, 4)`` limb array (or a flat array of 4n limbs) as ints."""
    data = np.ascontiguousarray(arr, dtype="<u8").tobytes()
    return [int.from_bytes(data[i:i + 32], "little") for i in range(0, len(data), 32)]


def scalars_array(scalars: Sequence[int]) -> np.ndarray:
    """MSM scalars (any ints, negative included) reduced modulo R, as an ``(n, 4)`` array."""
    return ints_to_array([k % R for k in scalars])


def check_fr_array(arr: np.ndarray, what: str = "array") -> np.ndarray:
    """``arr`` as a C-contiguous ``(n, 4)`` uint64 array, or a clear error."""
    a = np.ascontiguousarray(arr, dtype=np.uint64)
    if a.ndim != 2 or a.shape[1] != 4:
        raise InvalidArgumentError(f"{what} must have shape (n, 4) (uint64 limbs), not {arr.shape}")
    return a


@dataclass(frozen=True)
class PreparedBases:
    """MSM bases in the kernels' layout (see the module doc); build with ``prepare_bases`` or a
    backend's ``msm_prepare`` once, then pass to ``msm_prepared`` any number of times."""

    group: Group
    array: np.ndarray

    def __len__(self) -> int:
        return self.array.shape[0]


def _flatten(group: Group, point: Point) -> list[int]:
    if point is None:
        return [0] * group.coords
    if group is Group.G1:
        return [point[0], point[1]]
    (x0, x1), (y0, y1) = point
    return [x0, x1, y0, y1]


def points_to_array(group: Group, points: Sequence[Point]) -> np.ndarray:
    """Affine points as canonical coordinate limbs, shape ``(n, 4 * coords)``."""
    coords = [c for p in points for c in _flatten(group, p)]
    return ints_to_array(coords, P).reshape(len(points), 4 * group.coords)


def prepare_bases(group: Group, points: Sequence[Point]) -> PreparedBases:
    """Pure-Python conversion to the prepared layout (the C backend has a faster one)."""
    coords = [c for p in points for c in _flatten(group, p)]
    for c in coords:
        if not 0 <= c < P:
            raise InvalidFieldElementError(f"coordinate {c} is not < P")
    mont = ints_to_array([c * MONT % P for c in coords])
    return PreparedBases(group, mont.reshape(len(points), 4 * group.coords))


def bases_to_points(bases: PreparedBases) -> list[Point]:
    """The affine points behind prepared bases (for tests and the reference backend)."""
    k = bases.group.coords
    coords = [c * MONT_INV_P % P for c in array_to_ints(bases.array)]
    out: list[Point] = []
    for i in range(len(bases)):
        c = coords[k * i: k * i + k]
        if not any(c):
            out.append(None)
        elif k == 2:
            out.append((c[0], c[1]))
        else:
            out.append(((c[0], c[1]), (c[2], c[3])))
    return out


def root_of_unity(log_n: int) -> int:
    """The primitive 2^log_n-th root of unity the NTT uses: 5^((R-1) / 2^log_n)."""
    if not 0 <= log_n <= TWO_ADICITY:
        raise InvalidArgumentError(f"NTT size 2^{log_n} exceeds Fr's 2-adicity {TWO_ADICITY}")
    return pow(NTT_GENERATOR, (R - 1) >> log_n, R)


def ntt_log(n: int) -> int:
    """log2(n) for an NTT length n, or a ValueError."""
    if n <= 0 or n & (n - 1):
        raise InvalidArgumentError(f"NTT length must be a power of two, not {n}")
    log = n.bit_length() - 1
    if log > TWO_ADICITY:
        raise InvalidArgumentError(f"NTT size 2^{log} exceeds Fr's 2-adicity {TWO_ADICITY}")
    return log
