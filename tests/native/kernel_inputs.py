"""MSM inputs with known discrete logs, so that any size has an O(n) oracle:
sum k_i * (l_i G) = (sum k_i l_i mod R) G, one py_ecc multiplication."""

from __future__ import annotations

import random

import numpy as np
from py_ecc import optimized_bn128 as bn

from prozchain.native.curve import P, R, Group
from prozchain.native.c_backend import CBackend
from prozchain.native.core import check_alloc, ffi, kernels, to_limbs
from prozchain.native.kernels import bases_to_points
from prozchain.native.reference import from_py_ecc
from tests.oracle import GENERATOR, multiply

_C = CBackend()


def neg(group: Group, point):
    if point is None:
        return None
    x, y = point
    if group is Group.G1:
        return (x, (P - y) % P)
    return (x, ((P - y[0]) % P, (P - y[1]) % P))


def bases_with_logs(group: Group, n: int, rng: random.Random):
    """n points l_i * G and their logs. Small n: py_ecc; larger: the C progression helper
    (a + i d) G, spot-checked against py_ecc."""
    if n <= 24:
        logs = [rng.randrange(1, R) for _ in range(n)]
        return [from_py_ecc(bn.multiply(GENERATOR[group], l)) for l in logs], logs
    a, d = rng.randrange(1, R), rng.randrange(1, R)
    coords = np.empty((n, 4 * group.coords), dtype=np.uint64)
    gen_canon = [1, 2] if group is Group.G1 else [c for pair in from_py_ecc(GENERATOR[group]) for c in pair]
    status = kernels.group(group).progression(ffi.from_buffer("uint64_t[]", coords), to_limbs(gen_canon),
                                              to_limbs([a], R), to_limbs([d], R), n)
    check_alloc(status, f"pz_{group}_progression", n, "points")
    points = bases_to_points(_C.msm_prepare_array(group, coords))
    logs = [(a + i * d) % R for i in range(n)]
    for i in (0, n // 2, n - 1):
        assert points[i] == multiply(group, from_py_ecc(GENERATOR[group]), logs[i]), "progression helper is wrong"
    return points, logs


def with_edge_cases(group: Group, points: list, logs: list, rng: random.Random):
    """Copies with bases at infinity, repeated bases and P/-P pairs mixed in (n >= 8)."""
    points, logs = list(points), list(logs)
    n = len(points)
    for i in rng.sample(range(n), max(1, n // 16)):
        points[i], logs[i] = None, 0
    for _ in range(max(1, n // 16)):
        i, j = rng.randrange(n), rng.randrange(n)
        points[j], logs[j] = points[i], logs[i]
    for _ in range(max(1, n // 16)):
        i, j = rng.randrange(n), rng.randrange(n)
        points[j], logs[j] = neg(group, points[i]), (-logs[i]) % R
    return points, logs


def edge_scalars(n: int, rng: random.Random) -> list[int]:
    """A mix of zero, one, small, full-size, >= R and up to 2^256 - 1."""
    pool = [lambda: 0, lambda: 1, lambda: 2, lambda: rng.randrange(2**16), lambda: rng.randrange(2**64),
            lambda: rng.randrange(R), lambda: R - 1, lambda: R, lambda: R + rng.randrange(2**64),
            lambda: rng.randrange(R, 2**256), lambda: 2**256 - 1]
    return [rng.choice(pool)() for _ in range(n)]


def expected(group: Group, logs: list, scalars: list):
    total = sum(k * l for k, l in zip(scalars, logs)) % R
    return multiply(group, from_py_ecc(GENERATOR[group]), total)
