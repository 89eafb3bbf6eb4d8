"""BN254 kernels of the C backend against py_ecc.optimized_bn128, in one run.

Each operation is one benchmark group holding a "c" and a "py_ecc" row; the summary printed at
the end gives py_ecc's median over the native one per group.

    pytest bench --benchmark-only

This machine switches between a fast and a slow state (about 1.6x apart for the C core) many times
a second and for seconds at a stretch. The "c" and "py_ecc" rows of a group run one after the
other, and a py_ecc pairing (0.4 s) averages over many switches while one native pairing (0.3 ms)
samples a single instant, so their medians can come from different states. The
"pairing_paired" group compares like with like: it alternates one timed py_ecc pairing with a
loop of native pairings lasting about as long, and divides the medians of the two kinds of
window (py_ecc's time, the loop's time per pairing).

Every timed call's result is compared with the other implementation's, so a fast wrong kernel
cannot post a good number.
"""

from __future__ import annotations

import random
import statistics
import time

import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn
from py_ecc.optimized_bn128.optimized_pairing import cast_point_to_fq12, miller_loop

from prozchain import native
from prozchain.native.curve import P, R, Field, Group
from prozchain.native.kernels import array_to_ints, ints_to_array
from prozchain.native.reference import from_py_ecc, to_py_ecc

rng = random.Random(2024)
A, B = rng.randrange(P), rng.randrange(P)
FA, FB = bn.FQ(A), bn.FQ(B)  # py_ecc's own representation, as its users hold field elements
K = rng.randrange(R)
N_BULK = 4096
XS, YS = [rng.randrange(P) for _ in range(N_BULK)], [rng.randrange(P) for _ in range(N_BULK)]
FXS, FYS = [bn.FQ(x) for x in XS], [bn.FQ(y) for y in YS]
XA, YA = ints_to_array(XS), ints_to_array(YS)
G1S = [from_py_ecc(bn.multiply(bn.G1, rng.randrange(1, R))) for _ in range(4)]
G2S = [from_py_ecc(bn.multiply(bn.G2, rng.randrange(1, R))) for _ in range(4)]
PAIRS = list(zip(G1S, G2S))


def py_ecc_multi_pairing(pairs):
    """py_ecc has no multi-pairing: multiply the Miller loops, then exponentiate once."""
    f = bn.FQ12.one()
    for p, q in pairs:
        f = f * miller_loop(bn.twist(q), cast_point_to_fq12(p), final_exponentiate=False)
    return bn.final_exponentiate(f)


def gt(f):
    return tuple(f.coeffs)


# group -> (native call on a backend, py_ecc call, py_ecc result in the interface's convention)
P1, Q1 = to_py_ecc(Group.G1, G1S[0]), to_py_ecc(Group.G2, G2S[0])
PY_PAIRS = [(to_py_ecc(Group.G1, p), to_py_ecc(Group.G2, q)) for p, q in PAIRS]
KERNELS = {
    # one multiplication through Python: dominated by the call, not by the arithmetic
    "fp_mul": (lambda c: c.mul(Field.FP, A, B), lambda: FA * FB, int),
    # 4096 multiplications in one bulk call, against py_ecc multiplying its own FQ objects
    "fp_mul_x4096": (
        lambda c: c.mul_array(Field.FP, XA, YA),
        lambda: [x * y for x, y in zip(FXS, FYS)],
        lambda products: [int(v) for v in products],
    ),
    "g1_mul": (lambda c: c.g_mul(Group.G1, G1S[0], K), lambda: bn.multiply(P1, K), from_py_ecc),
    "g2_mul": (lambda c: c.g_mul(Group.G2, G2S[0], K), lambda: bn.multiply(Q1, K), from_py_ecc),
    "pairing": (lambda c: c.pairing(*PAIRS[0]), lambda: bn.pairing(Q1, P1), gt),
    "pairing_x4": (
        lambda c: c.multi_pairing(PAIRS),
        lambda: py_ecc_multi_pairing(PY_PAIRS),
        gt,
    ),
}
SLOW = {"pairing", "pairing_x4"}  # py_ecc needs seconds here: a few rounds say enough


@pytest.fixture(scope="module")
def c():
    return native.get_backend("c")


@pytest.mark.parametrize("impl", ["c", "py_ecc"])
@pytest.mark.parametrize("group", KERNELS)
def test_kernel(timed, c, group, impl):
    native_call, py_ecc_call, convert = KERNELS[group]
    timed.group = group
    if impl == "c":
        result = comparable(timed(native_call, c))
    elif group in SLOW:
        result = convert(timed.pedantic(py_ecc_call, rounds=3, iterations=1))
    else:
        result = convert(timed(py_ecc_call))
    assert result == comparable(native_call(c))


PAIRED_ROUNDS = 7
NATIVE_LOOP = 1000  # about as long as one py_ecc pairing


@pytest.mark.parametrize("impl", ["py_ecc"])
def test_pairing_paired(timed, c, medians, impl):
    """py_ecc's pairing timed by pytest-benchmark, each round preceded (untimed by it) by a loop
    of native pairings timed as a whole; the group's native figure is the median over rounds of
    the loop's time per pairing."""
    per_pairing, native_results = [], []

    def native_loop():
        start = time.perf_counter()
        for _ in range(NATIVE_LOOP):
            result = c.pairing(*PAIRS[0])
        per_pairing.append((time.perf_counter() - start) / NATIVE_LOOP)
        native_results.append(result)

    timed.group = "pairing_paired"
    expected = gt(timed.pedantic(lambda: bn.pairing(Q1, P1), setup=native_loop, rounds=PAIRED_ROUNDS,
                                 iterations=1))
    assert native_results and all(r == expected for r in native_results)
    medians[("pairing_paired", "c")] = statistics.median(per_pairing)


def comparable(value):
    """Bulk results come back as limb arrays; compare them as ints, outside the timing."""
    return array_to_ints(value) if isinstance(value, np.ndarray) else value
