"""Bulk operations over numpy arrays: the C kernels against the per-element reference."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from prozchain.native import get_backend
from prozchain.native.curve import G2_GENERATOR, MODULI, P, Field, Group
from prozchain.native.errors import InvalidFieldElementError
from prozchain.native.kernels import array_to_ints, ints_to_array
from prozchain.prover.twist import twist_point_outside_g2


def edge_and_random(rng, modulus: int, n: int) -> list[int]:
    edges = [0, 1, 2, modulus - 1, modulus - 2, (1 << 64) - 1, 1 << 192]
    return edges + [rng.randrange(modulus) for _ in range(n)]


@pytest.mark.parametrize("field", [Field.FP, Field.FR])
def test_mul_array_matches_ints(backend, rng, field):
    m = MODULI[field]
    xs, ys = edge_and_random(rng, m, 300), edge_and_random(rng, m, 300)[::-1]
    out = backend.mul_array(field, ints_to_array(xs), ints_to_array(ys))
    assert out.dtype == np.uint64 and out.shape == (len(xs), 4)
    assert array_to_ints(out) == [x * y % m for x, y in zip(xs, ys)]


@pytest.mark.parametrize("field", [Field.FP, Field.FR])
def test_inv_array_matches_ints_and_refuses_zero(backend, rng, field):
    m = MODULI[field]
    xs = [x for x in edge_and_random(rng, m, 200) if x]
    assert array_to_ints(backend.inv_array(field, ints_to_array(xs))) == [pow(x, -1, m) for x in xs]
    with pytest.raises(ZeroDivisionError, match=r"values\[2\] is 0"):
        backend.inv_array(field, ints_to_array([1, 2, 0, 3]))


def test_bulk_refuses_non_canonical_rows(backend):
    bad = ints_to_array([1, P, 2])
    with pytest.raises(InvalidFieldElementError):
        backend.mul_array(Field.FP, bad, bad)


def g2_rows(points) -> np.ndarray:
    coords = [c for (x0, x1), (y0, y1) in points for c in (x0, x1, y0, y1)]
    return ints_to_array(coords).reshape(len(points), 16)


def test_check_points_array_names_the_first_bad_point(backend, rng):
    good = [(1, 2), (1, P - 2)]
    rows = ints_to_array([c for pt in good for c in pt] + [0, 0]).reshape(3, 8)
    assert backend.check_points_array(Group.G1, rows) is None  # the zero row is infinity
    off_curve = ints_to_array([1, 2, 1, 3, 5, 5]).reshape(3, 8)
    assert backend.check_points_array(Group.G1, off_curve) == (1, "not on the curve")
    too_big = ints_to_array([1, 2, 1 + P, 2]).reshape(2, 8)
    assert backend.check_points_array(Group.G1, too_big) == (1, "a coordinate is not below P")
    outside = twist_point_outside_g2(rng)
    assert backend.check_points_array(Group.G2, g2_rows([G2_GENERATOR, G2_GENERATOR])) is None
    assert backend.check_points_array(Group.G2, g2_rows([G2_GENERATOR, outside, outside])) == (
        1, "not in the subgroup of order R")


def mont(rows: np.ndarray) -> np.ndarray:
    return ints_to_array([c * 2**256 % P for c in array_to_ints(rows)]).reshape(rows.shape)


@pytest.mark.parametrize("name", ["c", "reference", "numba"])
def test_check_points_array_on_montgomery_rows_and_levels(name, rng):
    """As a .zkey stores points (Montgomery form), with each level of checks: a twist point
    outside G2 passes "curve" and fails "subgroup"; an off-curve point passes "canonical"."""
    backend = get_backend(name)
    outside = twist_point_outside_g2(rng)
    rows = mont(g2_rows([G2_GENERATOR, outside]))
    assert backend.check_points_array(Group.G2, rows, mont=True) == (1, "not in the subgroup of order R")
    assert backend.check_points_array(Group.G2, rows, upto="curve", mont=True) is None
    off_curve = mont(ints_to_array([0, 0, 1, 3]).reshape(2, 8))
    assert backend.check_points_array(Group.G1, off_curve, mont=True) == (1, "not on the curve")
    assert backend.check_points_array(Group.G1, off_curve, upto="canonical", mont=True) is None
    assert backend.check_points_array(Group.G1, ints_to_array([P, 0]).reshape(1, 8), upto="canonical",
                                      mont=True) == (0, "a coordinate is not below P")


def test_native_calls_release_the_gil():
    """While one thread is inside a long C call, another keeps running Python."""
    c = get_backend("c")
    rows = g2_rows([G2_GENERATOR] * 6000)  # ~0.05 ms of subgroup checking each
    window = {}

    def work():
        window["start"] = time.perf_counter()
        c.check_points_array(Group.G2, rows)
        window["end"] = time.perf_counter()

    ticks = []
    worker = threading.Thread(target=work)
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    inside = sum(window["start"] < t < window["end"] for t in ticks)
    assert inside > 1000, f"only {inside} Python steps ran during the native call: the GIL was held"
