"""The C core's Fp12 squarings, final exponentiation and one-thread pairing, against py_ecc.

fp12_mul, fp12_sqr and the line products keep Fp2 products as unreduced 512-bit values and
reduce once per coefficient (native/src/tower.h); the extremes in the core's own tower
coordinates are where those sums, and the multiplications of them by xi = 9 + u, overflow first.
"""

from __future__ import annotations

from py_ecc import optimized_bn128 as bn

from prozchain.native.backend import fp12_from_tower, fp12_to_tower
from prozchain.native.curve import P, Group
from prozchain.native.c_backend import CBackend
from prozchain.native.core import ffi, from_limbs, kernels, lib, pair_limbs, to_limbs
from tests import oracle


def fp12_values(rng):
    edge = [fp12_from_tower([v] * 12) for v in (P - 1, P - 2, 1)]
    edge += [fp12_from_tower([P - 1, 0] * 6), fp12_from_tower([0, P - 1] * 6)]
    edge += [fp12_from_tower([P - 1 if i % 3 else 0 for i in range(12)])]
    return edge + [tuple(rng.randrange(P) for _ in range(12)) for _ in range(8)]


def c_fp12(fn, *args):
    out = ffi.new("uint64_t[48]")
    fn(out, *(to_limbs(fp12_to_tower(a)) for a in args))
    return fp12_from_tower(from_limbs(out, 12))


def test_fp12_sqr_matches_py_ecc(rng):
    for a in fp12_values(rng):
        assert c_fp12(kernels.fp12_sqr, a) == oracle.gt_mul(a, a), a


def test_cyclotomic_sqr_matches_py_ecc_in_gt(rng):
    g = oracle.pairing(*[oracle.random_point(group, rng) for group in (Group.G1, Group.G2)])
    for _ in range(4):
        assert c_fp12(kernels.fp12_cyclotomic_sqr, g) == oracle.gt_mul(g, g)
        g = oracle.gt_mul(g, g)


def one_thread(fn):
    threads = lib.pz_num_threads()
    try:
        lib.pz_set_threads(1)
        return fn()
    finally:
        lib.pz_set_threads(threads)


def test_one_thread_miller_loop_gives_the_same_pairings(rng):
    """With two threads one computes the lines and then the loop's last steps while the other
    multiplies the first steps into f; where they split depends on the number of pairs. With one
    thread, the same loop runs in turn."""
    c = CBackend()
    pairs = [(oracle.random_point(Group.G1, rng), oracle.random_point(Group.G2, rng)) for _ in range(5)]
    for count in range(1, 6):
        some = pairs[:count]
        one = one_thread(lambda: c.multi_pairing(some))
        assert one == c.multi_pairing(some), count
        if count <= 2:
            expected = oracle.pairing(*some[0])
            if count == 2:
                expected = oracle.gt_mul(expected, oracle.pairing(*some[1]))
            assert one == expected, count


def test_raw_miller_loop_then_final_exponentiation_is_the_pairing(rng):
    """A pairing applies the final exponentiation's easy part to each thread's half of the Miller
    loop; pz_miller_loop returns the plain product, which pz_final_exp must take to the same
    value, on two threads and on one."""
    c = CBackend()
    pairs = [(oracle.random_point(Group.G1, rng), oracle.random_point(Group.G2, rng)) for _ in range(3)]

    def raw_then_final(some):
        out = ffi.new("uint64_t[48]")
        kernels.miller_loop(out, *pair_limbs(some))
        return c_fp12(kernels.final_exp, fp12_from_tower(from_limbs(out, 12)))

    for count in (1, 3):
        some = pairs[:count]
        expected = c.multi_pairing(some)
        assert raw_then_final(some) == expected, count
        assert one_thread(lambda: raw_then_final(some)) == expected, count


def test_final_exponentiation_matches_py_ecc(rng):
    """The hard part's three exponentiations by x square on one thread and multiply on the
    other (or both in turn on one thread); either way the exact (p^12 - 1)/r power."""
    values = fp12_values(rng)[3:9]
    expected = [tuple(bn.final_exponentiate(bn.FQ12(list(a))).coeffs) for a in values]
    assert [c_fp12(kernels.final_exp, a) for a in values] == expected
    assert one_thread(lambda: [c_fp12(kernels.final_exp, a) for a in values]) == expected
