"""The NTT: inverse(forward(x)) == x, agreement with the naive DFT of the reference backend and
with galois (an independent implementation of GF(R)), and coset transforms against evaluation
at the shifted points, for the C and numba kernels."""

from __future__ import annotations

import numpy as np
import pytest

from prozchain import native
from prozchain.native.curve import R
from prozchain.native.kernels import array_to_ints, ints_to_array
from prozchain.native.curve import root_of_unity


@pytest.fixture(scope="module")
def gf():
    import galois  # the test extra pins it: an independent field implementation as the oracle

    return galois.GF(R, primitive_element=5, verify=False)


def rand(rng, n):
    return [rng.randrange(R) for _ in range(n)]


@pytest.mark.parametrize("log", [0, 1, 2, 3, 5, 6])
def test_against_reference_dft(log, c, numba_backend, ref, rng):
    x = rand(rng, 1 << log)
    want = ref.ntt(x)
    assert c.ntt(x) == want
    assert numba_backend.ntt(x) == want
    assert c.ntt(want, inverse=True) == x
    assert numba_backend.ntt(want, inverse=True) == x


@pytest.mark.parametrize("log", [1, 3, 5, 7])
def test_against_galois(log, c, numba_backend, gf, rng):
    """galois's GF(R) as the oracle: polynomial evaluation at w^k (and at shift * w^k for the
    coset form), and Lagrange interpolation for the inverse. (galois.ntt itself would do, but
    builds GF(R) with a primality proof that takes minutes.)"""
    import galois

    n = 1 << log
    x = rand(rng, n)
    w = gf(root_of_unity(log))
    assert w ** n == 1 and (n == 1 or w ** (n // 2) != 1)
    poly = galois.Poly(list(reversed(x)), field=gf)  # coefficients highest degree first
    domain = gf([int(w ** k) for k in range(n)])
    want = [int(v) for v in poly(domain)]
    assert c.ntt(x) == want
    assert numba_backend.ntt(x) == want
    shift = rng.randrange(2, R)
    coset = gf([shift * int(w ** k) % R for k in range(n)])
    assert c.ntt(x, shift=shift) == [int(v) for v in poly(coset)]
    if n <= 32:
        interp = galois.lagrange_poly(coset, gf(x))
        coeffs = [int(v) for v in reversed(interp.coeffs)] + [0] * n
        assert c.ntt(x, inverse=True, shift=shift) == coeffs[:n]


@pytest.mark.parametrize("log", [0, 1, 4, 10, 12, 16])
def test_inverse_of_forward(log, c, numba_backend, rng):
    x = ints_to_array(rand(rng, 1 << log))
    for backend in ([c, numba_backend] if log <= 12 else [c]):
        y = backend.ntt_array(x)
        assert not np.array_equal(y, x) or log == 0
        assert np.array_equal(backend.ntt_array(y, inverse=True), x)
        shift = rng.randrange(1, R)
        assert np.array_equal(backend.ntt_array(backend.ntt_array(x, shift=shift), inverse=True, shift=shift), x)


@pytest.mark.parametrize("log", [0, 2, 4, 6])
def test_coset_is_evaluation_at_shifted_points(log, c, numba_backend, rng):
    n = 1 << log
    coeffs = rand(rng, n)
    shift = rng.choice([7, rng.randrange(2, R)])
    w = root_of_unity(log)
    points = [shift * pow(w, k, R) % R for k in range(n)]
    want = [sum(a * pow(p, j, R) for j, a in enumerate(coeffs)) % R for p in points]
    for backend in (c, numba_backend):
        assert backend.ntt(coeffs, shift=shift) == want
        assert backend.ntt(want, inverse=True, shift=shift) == coeffs


def test_large_sizes_agree_between_backends(c, numba_backend, rng):
    x = ints_to_array(rand(rng, 1 << 12))
    assert np.array_equal(c.ntt_array(x, shift=5), numba_backend.ntt_array(x, shift=5))
    # 2^20 on the C core: linearity against a sparse input whose transform is known
    n = 1 << 20
    a = np.zeros((n, 4), dtype=np.uint64)
    a[1] = ints_to_array([3])[0]
    y = array_to_ints(c.ntt_array(a)[:: n // 8])
    w = root_of_unity(20)
    assert y == [3 * pow(w, k, R) % R for k in range(0, n, n // 8)]


def test_rejects_bad_input(c, numba_backend):
    for backend in (c, numba_backend):
        with pytest.raises(ValueError):
            backend.ntt([1, 2, 3])
        with pytest.raises(native.errors.InvalidFieldElementError):
            backend.ntt_array(ints_to_array([R, 0]))
        with pytest.raises(ValueError):
            backend.ntt([1, 2], shift=R)


# log 11: the block stage alone; 12: one tile group of one stage; 17: a full group of six; 18: two
# tile groups (the plan in native/src/ntt.h)
@pytest.mark.parametrize("log", [11, 12, 13, 17, 18])
def test_blocked_passes_agree_with_numba(log, c, numba_backend):
    rng = np.random.default_rng(log)
    x = rng.integers(0, 1 << 64, size=(1 << log, 4), dtype=np.uint64)
    x[:, 3] &= np.uint64(0x0FFFFFFFFFFFFFFF)  # below R
    for kwargs in ({}, {"inverse": True}, {"shift": 7}, {"inverse": True, "shift": 5}):
        assert np.array_equal(c.ntt_array(x, **kwargs), numba_backend.ntt_array(x, **kwargs)), (log, kwargs)


@pytest.mark.parametrize("log", [0, 1, 2, 5, 11, 12, 13, 18])
def test_fused_quotient_is_the_composed_transforms(log, c, numba_backend):
    """qap_h in C (one pass per stage group over A, B and C together, no permutation) against
    the generic Backend.qap_h on numba: C = A * B, two NTTs per polynomial, A * B - C."""
    from prozchain.native.curve import root_of_unity as root

    rng = np.random.default_rng(100 + log)
    a, b = (rng.integers(0, 1 << 64, size=(1 << log, 4), dtype=np.uint64) for _ in range(2))
    a[:, 3] &= np.uint64(0x0FFFFFFFFFFFFFFF)
    b[:, 3] &= np.uint64(0x0FFFFFFFFFFFFFFF)
    for shift in (root(log + 1), 7):
        assert np.array_equal(c.qap_h(a, b, shift), numba_backend.qap_h(a, b, shift)), (log, shift)
