"""What tests/native/test_builds.py asks tests/native/harness.c, and the answers py_ecc and Python's
ints give (through native/reference.py and tests/oracle.py), by kind: fields, curves, pairing, MSM,
a setup's sparse sums and scaling, NTT and Poseidon (against the circuits' pure-Python permutation).

A case is one command line and the line the harness must print for it. Random inputs come from
the seed given; the edge cases (zero, the moduli, the point at infinity, P + P and P + (-P),
scalars of every length, points off the curve or outside G2) are always there. Expensive answers
come from known discrete logarithms: an MSM over bases l_i G is (sum k_i l_i) G, a pairing of
a G1 and b G2 is e(G1, G2)^(a b), so py_ecc pairs only twice.
"""

from __future__ import annotations

import random
from typing import Callable, NamedTuple, Sequence

from py_ecc import optimized_bn128 as bn

from prozchain.native.backend import fp12_to_tower
from prozchain.native.build import api_constants
from prozchain.native.curve import ATE_X, MODULI, P, R, Field, Group, Point
from prozchain.native.curve import root_of_unity
from prozchain.native.poseidon_numba import poseidon_reference
from prozchain.native.reference import ReferenceBackend, from_py_ecc, to_py_ecc
from prozchain.circuits.gadgets.poseidon import poseidon_hash_python
from prozchain.circuits.gadgets.poseidon_constants import FULL_ROUNDS, partial_rounds, poseidon_parameters
from prozchain.prover.twist import twist_point_outside_g2
from tests import oracle

REF = ReferenceBackend()
API = api_constants()  # the harness passes numbers straight to the core: api.h's
WHICH = {Field.FP: API["PZ_FP"], Field.FR: API["PZ_FR"]}
GROUPS = (Group.G1, Group.G2)
GEN = {group: from_py_ecc(oracle.GENERATOR[group]) for group in GROUPS}
# each bucket strategy of the MSM: no split by scalar size, Jacobian, affine buckets
MSM_FLAGS = (0, API["PZ_MSM_NO_SPLIT"], API["PZ_MSM_JACOBIAN"], API["PZ_MSM_AFFINE"],
             API["PZ_MSM_GLV"] | API["PZ_MSM_JACOBIAN"], API["PZ_MSM_NO_GLV"])

# scalars of every length around the group order; the harness passes each at its own limb count
SCALARS = [0, 1, 2, 2**64 - 1, 2**64, R - 1, R, R + 1, 2 * R, 2**256 - 1, 2**256, 2**520 + 3]
# the cube root of unity mod R that the GLV endomorphism realises (native/gen_constants.py)
GLV_LAMBDA = 36 * ATE_X**3 + 18 * ATE_X**2 + 6 * ATE_X + 1
# the work (terms + sums) above which pz_gN_sparse_sums splits over two threads: api.c's 2 x 8,192
SPARSE_SUMS_SPLIT = 2 * 8192


class Case(NamedTuple):
    command: str
    expected: str


def words(*values: int) -> str:
    return " ".join(format(v, "x") for v in values)


def printed(*values: int) -> str:
    """Field elements as the harness prints them: 64 hex digits each."""
    return " ".join(format(v, "064x") for v in values)


def flag(ok: bool) -> str:
    return "1" if ok else "0"


def coords(group: Group, point: Point) -> list[int]:
    """A point's affine coordinates in the C layout, zeros at infinity."""
    if point is None:
        return [0] * group.coords
    x, y = point
    return [x, y] if group is Group.G1 else [*x, *y]


def field_cases(rng: random.Random) -> list[Case]:
    cases = []
    for name, which in WHICH.items():
        m = MODULI[name]
        values = oracle.field_edge_values(name) + [rng.randrange(m) for _ in range(12)]
        others = rng.sample(values, len(values))
        exponents = [0, 1, 2, m - 2, m - 1, m, 2**256 - 1, rng.getrandbits(64), rng.getrandbits(700)]
        for i, (a, b) in enumerate(zip(values, others)):
            for op in ("add", "sub", "mul"):
                cases.append(Case(f"{op} {words(which, a, b)}", printed(getattr(REF, op)(name, a, b))))
            cases.append(Case(f"neg {words(which, a)}", printed(REF.neg(name, a))))
            cases.append(Case(f"sqr {words(which, a)}", printed(REF.sqr(name, a))))
            cases.append(Case(f"inv {words(which, a)}", printed(REF.inv(name, a)) if a else "-"))
            e = exponents[i % len(exponents)]
            cases.append(Case(f"pow {words(which, a, e)}", printed(REF.pow(name, a, e))))
            if name is Field.FP:
                for v in (a, a * a % P):
                    root = REF.sqrt(v)
                    cases.append(Case(f"sqrt {words(v)}", "-" if root is None else printed(root)))
    return cases


def off_curve(group: Group, point: Point) -> Point:
    x, y = point
    return (x, (y + 1) % P) if group is Group.G1 else (x, ((y[0] + 1) % P, y[1]))


def point_case(group: Group, op: str, points: Sequence[Point], expected: str, *scalars: int) -> Case:
    args = [c for pt in points for c in coords(group, pt)]
    return Case(f"{group}_{op} {words(*args, *scalars)}", expected)


def curve_cases(rng: random.Random) -> list[Case]:
    cases = []
    for group in GROUPS:
        gen, p, q = GEN[group], oracle.random_point(group, rng), oracle.random_point(group, rng)
        neg_p = REF.g_neg(group, p)
        # G1 is the whole curve; the twist has points of other orders
        strangers = [twist_point_outside_g2(rng)] if group is Group.G2 else []
        for a, b in [(p, q), (p, p), (p, neg_p), (p, None), (None, q), (None, None), (gen, p), *((s, p) for s in strangers)]:
            cases.append(point_case(group, "add", [a, b], printed(*coords(group, REF.g_add(group, a, b)))))
        for a in [gen, p, q, neg_p, None, off_curve(group, p), *strangers]:
            on_curve = REF.is_on_curve(group, a)
            cases.append(point_case(group, "on_curve", [a], flag(on_curve)))
            if not on_curve:
                continue  # the group law and the subgroup are not defined there
            cases.append(point_case(group, "in_subgroup", [a], flag(REF.in_subgroup(group, a))))
            cases.append(point_case(group, "double", [a], printed(*coords(group, REF.g_double(group, a)))))
            cases.append(point_case(group, "neg", [a], printed(*coords(group, REF.g_neg(group, a)))))
        scalars = SCALARS + [rng.randrange(R), rng.getrandbits(256), rng.getrandbits(300)]
        for a in (gen, p, None, *strangers):
            for k in scalars:
                cases.append(point_case(group, "mul", [a], printed(*coords(group, REF.g_mul(group, a, k))), k))
    return cases


def pairing_cases(rng: random.Random) -> list[Case]:
    """Pairings and pairing checks of points with known logs, answered as powers of
    e(G1, G2); that one and the pairing of one random pair come straight from py_ecc."""
    base = oracle.pairing(GEN[Group.G1], GEN[Group.G2])

    def command(op: str, logs: Sequence[tuple[int, int]]) -> str:
        g1s = [c for a, _ in logs for c in coords(Group.G1, REF.g_mul(Group.G1, GEN[Group.G1], a))]
        g2s = [c for _, b in logs for c in coords(Group.G2, REF.g_mul(Group.G2, GEN[Group.G2], b))]
        return f"{op} {words(len(logs), *g1s, *g2s)}"

    a, b, c, d = (rng.randrange(1, R) for _ in range(4))
    p, q = REF.g_mul(Group.G1, GEN[Group.G1], a), REF.g_mul(Group.G2, GEN[Group.G2], b)
    cases = [Case(f"pairing 1 {words(*coords(Group.G1, p), *coords(Group.G2, q))}",
                  printed(*fp12_to_tower(oracle.pairing(p, q))))]
    for logs in ([(1, 1)], [(a, b)], [(a, b), (c, d), (0, d)], [(a, 0), (c, d)], [(a, b), (a, b), (c, d)]):
        exponent = sum(x * y for x, y in logs) % R
        cases.append(Case(command("pairing", logs), printed(*fp12_to_tower(oracle.gt_pow(base, exponent)))))
    for logs, ok in (([(a, b), (-a * b % R, 1)], True), ([(a, b), (c, d), (-(a * b + c * d) % R, 1)], True),
                     ([(a, b), ((1 - a * b) % R, 1)], False), ([(0, b)], True), ([(a, b)], False),
                     ([(a, b), (c, 0), (R - a, b)], True)):
        cases.append(Case(command("pairing_check", logs), flag(ok)))
    return cases


def progression(group: Group, start: int, step: int, n: int) -> list[Point]:
    """(start + i step) G for i < n, by additions: cheap bases with known logs."""
    point, delta = (to_py_ecc(group, REF.g_mul(group, GEN[group], k)) for k in (start, step))
    out = []
    for _ in range(n):
        out.append(from_py_ecc(point))
        point = bn.add(point, delta)
    return out


def msm_inputs(group: Group, n: int, rng: random.Random) -> tuple[list[Point], list[int], list[int]]:
    """n bases with their logs and n scalars: zero, reduced and repeated scalars, repeated,
    opposite and infinite bases among them."""
    start, step = rng.randrange(R), rng.randrange(R)
    logs = [(start + i * step) % R for i in range(n)]
    bases = progression(group, start, step, n)
    scalars = [rng.getrandbits(256) for _ in range(n)]
    for i in range(0, n, 5):  # every fifth: an edge of some kind
        kind = (i // 5) % 5
        if kind == 0:
            scalars[i] = rng.choice([0, 1, R - 1, R, R + 1, 2**256 - 1])
        elif kind == 1:
            bases[i], logs[i] = None, 0
        elif kind in (2, 3) and i:
            j = rng.randrange(i)
            bases[i], logs[i] = (bases[j], logs[j]) if kind == 2 else (REF.g_neg(group, bases[j]), -logs[j] % R)
            scalars[i] = scalars[j] if kind == 2 else scalars[i]
    return bases, logs, scalars


def msm_sum(group: Group, logs: Sequence[int], scalars: Sequence[int]) -> Point:
    return REF.g_mul(group, GEN[group], sum(k * log for k, log in zip(scalars, logs)) % R)


def msm_cases(rng: random.Random) -> list[Case]:
    """MSMs with the edge cases of msm_inputs under each bucket strategy (MSM_FLAGS)."""
    cases = []
    for group, sizes in ((Group.G1, (1, 2, 7, 64, 300, 1100)), (Group.G2, (1, 5, 64, 200))):
        for n in sizes:
            cases += msm_modes(group, *msm_inputs(group, n, rng))
        # one bucket hit again and again: the affine batches' conflict queue overflows
        base = REF.g_mul(group, GEN[group], 7)
        cases += msm_modes(group, [base] * 600, [7] * 600, [rng.getrandbits(256)] * 600)
    return cases


def msm_modes(group: Group, bases: Sequence[Point], logs: Sequence[int], scalars: Sequence[int]) -> list[Case]:
    expected = printed(*coords(group, msm_sum(group, logs, scalars)))
    args = [c for pt in bases for c in coords(group, pt)]
    return [Case(f"{group}_msm {words(window, flags, len(bases), *args, *scalars)}", expected)
            for window, flags in [(0, flags) for flags in MSM_FLAGS] + [(3, 0)]]


def msm_batch_cases(rng: random.Random) -> list[Case]:
    """Batches of MSMs (pz_msm_batch) mixing the groups, sizes 0 to 1,100 and msm_inputs' edge
    cases: enough points that two threads take a job each, and batches of one or none."""
    cases = []
    for sizes in (((Group.G1, 1100), (Group.G2, 300), (Group.G1, 600), (Group.G1, 0), (Group.G2, 1), (Group.G1, 2)),
                  ((Group.G2, 64), (Group.G1, 7)), ((Group.G1, 300),), ()):
        words_, expected = [len(sizes)], []
        for group, n in sizes:
            bases, logs, scalars = msm_inputs(group, n, rng)
            words_ += [API["PZ_G1"] if group is Group.G1 else API["PZ_G2"], n,
                       *(c for point in bases for c in coords(group, point)), *scalars]
            expected += coords(group, msm_sum(group, logs, scalars))
        cases.append(Case(f"msm_batch {words(*words_)}", printed(*expected)))
    return cases


def point_at(group: Group, log: int, known: dict[int, Point]) -> Point:
    """(log) G: from known (logs to points, kept), its negation's, or one multiplication."""
    if log not in known:
        opposite = -log % R
        known[log] = REF.g_neg(group, known[opposite]) if opposite in known else REF.g_mul(group, GEN[group], log)
    return known[log]


def edge_bases(group: Group, start: int, step: int, n: int, rng: random.Random) -> tuple[list[Point], list[int]]:
    """The progression's n bases and their logs, every seventh one from the fourth on at infinity,
    a repeat of an earlier one or its negation instead."""
    bases, logs = progression(group, start, step, n), [(start + i * step) % R for i in range(n)]
    for i in range(3, n, 7):
        kind, j = (i // 7) % 3, rng.randrange(i)
        if kind == 0:
            bases[i], logs[i] = None, 0
        elif kind == 1:
            bases[i], logs[i] = bases[j], logs[j]
        else:
            bases[i], logs[i] = REF.g_neg(group, bases[j]), -logs[j] % R
    return bases, logs


def sparse_sums_command(group: Group, bases: Sequence[Point], ptr: Sequence[int], rows: Sequence[int],
                        ids: Sequence[int], table: Sequence[int]) -> str:
    args = [c for point in bases for c in coords(group, point)]
    return f"{group}_sparse_sums {words(len(bases), len(ptr) - 1, len(table), *args, *ptr, *rows, *ids, *table)}"


def sparse_sums_case(group: Group, bases: Sequence[Point], logs: Sequence[int],
                     sums: Sequence[Sequence[tuple[int, int]]], table: Sequence[int], known: dict[int, Point]) -> Case:
    """The sums of (row, id) terms in the core's CSR layout, each answered as (sum of
    table[id] logs[row]) G (point_at, known)."""
    ptr = [0]
    for terms in sums:
        ptr.append(ptr[-1] + len(terms))
    expected = [c for terms in sums
                for c in coords(group, point_at(group, sum(table[i] * logs[row] for row, i in terms) % R, known))]
    rows, ids = ([term[k] for terms in sums for term in terms] for k in (0, 1))
    return Case(sparse_sums_command(group, bases, ptr, rows, ids, table), printed(*expected))


def sparse_sums_cases(rng: random.Random) -> list[Case]:
    """pz_gN_sparse_sums (a setup's key points from a ceremony's) over P, Q, -P, infinity, P again
    and S, with every coefficient its scalar rule tells apart (0, 1, r - 1, one limb, small
    negatives, long, >= r taken mod r) and every way a sum meets infinity (empty, P - P,
    P + (r - 1) P, r P, a base at infinity); one sum, none, sums over no bases, terms before
    ptr[0]; refusals ("-": a row or an id out of range, ptr descending). Then 512, 513 and 1,100
    sums (a chunk of outputs, one more, several) over edge_bases, two threads' worth
    (progression_sums: the answers cost an addition each)."""
    cases = []
    for group in GROUPS:
        start, step = rng.randrange(R), rng.randrange(R)
        p, q, s = progression(group, start, step, 3)
        bases, logs = [p, q, REF.g_neg(group, p), None, p, s], [start, start + step, -start, 0, start, start + 2 * step]
        # coefficients of a few bits (mod r, up to sign) first, the cheap ones, then longer ones
        table = [0, 1, R - 1, 2, R - 5, R, R + 1,
                 2**64 - 1, 2**64, R - 2**70, 2**256 - 1, rng.randrange(R), rng.randrange(R, 2**256)]
        cheap = 7
        known: dict[int, Point] = {0: None}
        sums = [[], [(0, 1), (2, 1)], [(0, 1), (0, 2)], [(0, 1), (4, 1)], [(0, 3), (2, 1)], [(0, 0)], [(3, 11)],
                [(0, 5)], [(0, 6)], [(0, 1), (1, 10), (5, 7), (3, 2), (2, 8)],
                *([(1, i)] for i in range(len(table))),
                *([(rng.randrange(len(bases)), rng.randrange(len(table))) for _ in range(rng.randrange(9))]
                  for _ in range(6))]
        cases += [sparse_sums_case(group, bases, logs, sums, table, known),
                  sparse_sums_case(group, bases, logs, sums[3:4], table, known),
                  sparse_sums_case(group, bases, logs, [], table, known),
                  sparse_sums_case(group, [], [], [[], []], table, known),
                  Case(sparse_sums_command(group, bases, [2, 3, 3], [5, 5, 0], [1, 1, 3], table),
                       printed(*coords(group, point_at(group, 2 * start % R, known)), *coords(group, None)))]
        for ptr, rows, ids in (([0, 1], [len(bases)], [0]), ([0, 1], [0], [len(table)]), ([0, 2, 1], [0], [0])):
            cases.append(Case(sparse_sums_command(group, bases, ptr, rows, ids, table), "-"))

        bases, logs = edge_bases(group, rng.randrange(R), rng.randrange(R), 64, rng)
        for n in (512, 513, 1100):
            cases.append(sparse_sums_case(group, bases, logs, *progression_sums(group, logs, table[:cheap], n, rng)))
    return cases


def progression_sums(group: Group, logs: Sequence[int], cheap: Sequence[int], n: int,
                     rng: random.Random) -> tuple[list[list[tuple[int, int]]], list[int], dict[int, Point]]:
    """n sums over bases of these logs, with terms enough that two threads share them: each sum
    random terms with the cheap coefficients (a table's first ones) and one more whose own
    coefficient (long, >= r for every fourth sum) brings the sum's log to the next of a random
    progression, or to 0 (every ninth sum; every ninth another is empty). Returns the sums, their
    table and the progression's points by log (with 0: None)."""
    start, step = rng.randrange(R), rng.randrange(R)
    known = {0: None, **{(start + i * step) % R: point for i, point in enumerate(progression(group, start, step, n))}}
    nonzero = [row for row, log in enumerate(logs) if log]
    sums, table = [], list(cheap)
    for i in range(n):
        if i % 9 == 4:
            sums.append([])
            continue
        terms = [(rng.randrange(len(logs)), rng.randrange(len(cheap)))
                 for _ in range(rng.randrange(int(3 * SPARSE_SUMS_SPLIT / n)))]
        target = 0 if i % 9 == 7 else (start + i * step) % R
        row = rng.choice(nonzero)
        k = (target - sum(cheap[c] * logs[b] for b, c in terms)) * pow(logs[row], -1, R) % R
        terms.insert(rng.randrange(len(terms) + 1), (row, len(table)))
        table.append(k + R if k < 2**256 - R and i % 4 == 0 else k)
        sums.append(terms)
    assert sum(map(len, sums)) + n >= SPARSE_SUMS_SPLIT
    return sums, table, known


def scale_cases(rng: random.Random) -> list[Case]:
    """pz_g1_scale (every point times one k, by the GLV split) over edge_bases, for k whose
    halves take every sign and size (0, 1, r - 1, lambda, r - lambda, one limb, 2^127, 2^128,
    (r -+ 1) / 2, random) and k >= r (the split takes any 256-bit k, test_msm checks it), on 0, 1
    and 7 points; and around the 512 outputs of a chunk (the kernel's) and past them, where two
    threads share the chunks. The answers: (k log) G from a progression of k times the bases'."""
    group, cases = Group.G1, []
    ks = [0, 1, 2, R - 1, R - 2, GLV_LAMBDA, R - GLV_LAMBDA, GLV_LAMBDA + 1, 12345, R - 12345, 2**64, 2**127,
          2**128 - 1, 2**128, (R - 1) // 2, (R + 1) // 2, rng.randrange(R), R, R + 1, 2**256 - 1]
    for n, scalars in ((0, [0, 1]), (1, ks), (7, ks), (511, [rng.randrange(R)]), (512, [R - 1]),
                       (513, [rng.randrange(R)]), (1100, [GLV_LAMBDA, rng.randrange(R)])):
        start, step = rng.randrange(R), rng.randrange(R)
        bases, logs = edge_bases(group, start, step, n, rng)
        args = [c for point in bases for c in coords(group, point)]
        for k in scalars:
            scaled = progression(group, k * start % R, k * step % R, n)
            known = {0: None, **{k * (start + i * step) % R: point for i, point in enumerate(scaled)}}
            expected = [c for log in logs for c in coords(group, point_at(group, k * log % R, known))]
            cases.append(Case(f"g1_scale {words(k, n, *args)}", printed(*expected)))
    return cases


def evaluations(coeffs: Sequence[int], points: Sequence[int]) -> list[int]:
    """The polynomial at each point, by Horner's rule over its nonzero-length prefix."""
    while coeffs and not coeffs[-1]:
        coeffs = coeffs[:-1]
    out = []
    for x in points:
        acc = 0
        for c in reversed(coeffs):
            acc = (acc * x + c) % R
        out.append(acc)
    return out


def ntt_cases(rng: random.Random) -> list[Case]:
    """Forward NTTs (evaluations at shift * w^k) and inverse ones (back to coefficients), dense
    at small sizes; at 2^14 (past the in-cache blocks, with stages big enough to split over
    threads) of a degree-16 polynomial, so the Python answer stays cheap while every output is
    dense."""
    cases = []
    for log, degree in ((0, 1), (1, 2), (3, 8), (5, 32), (14, 16)):
        n, w = 1 << log, root_of_unity(log)
        coeffs = [rng.randrange(R) for _ in range(degree)] + [0] * (n - degree)
        coeffs[0] = R - 1
        for shift in (0, rng.randrange(1, R)):
            g = shift or 1
            values = evaluations(coeffs, [g * pow(w, k, R) % R for k in range(n)])
            cases.append(Case(f"ntt {words(log, 0, shift, *coeffs)}", printed(*values)))
            cases.append(Case(f"ntt {words(log, 1, shift, *values)}", printed(*coeffs)))
    cases.extend(qap_h_cases(rng))
    return cases


def _sparse_at(poly: dict[int, int], x: int) -> int:
    """The polynomial {exponent: coefficient} at x."""
    return sum(c * pow(x, e, R) for e, c in poly.items()) % R


def qap_h_cases(rng: random.Random) -> list[Case]:
    """Groth16's quotient values: A and B the evaluations on the domain of sparse polynomials a
    and b, so that on the coset A * B - C is a b - (a b mod x^n - 1), a few terms to evaluate. At
    2^13 the passes work on tiles, the first forming C and the last A * B - C."""
    cases = []
    for log in (0, 3, 13):
        n, w = 1 << log, root_of_unity(log)
        terms = [{rng.randrange(n): rng.randrange(R) for _ in range(3)} for _ in range(2)]
        terms[0][n - 1] = R - 1   # the product wraps around x^n - 1
        product: dict[int, int] = {}
        for ea, ca in terms[0].items():
            for eb, cb in terms[1].items():
                product[ea + eb] = (product.get(ea + eb, 0) + ca * cb) % R
        over = {e - n: c for e, c in product.items() if e >= n}   # a b - (a b mod x^n - 1) = over * (x^n - 1)

        domain = [pow(w, k, R) for k in range(n)]
        a, b = ([_sparse_at(poly, x) for x in domain] for poly in terms)
        for shift in (root_of_unity(log + 1), rng.randrange(2, R)):
            g_n = pow(shift, n, R)
            want = [_sparse_at(over, shift * x % R) * (g_n - 1) % R for x in domain]
            cases.append(Case(f"qap_h {words(log, shift, *a, *b)}", printed(*want)))
    return cases


def poseidon_command(t: int, full: int, partial: int, ark: Sequence[int], mds: Sequence[Sequence[int]],
                     rows: Sequence[Sequence[int]]) -> str:
    return f"poseidon {words(t, full, partial, len(rows), *ark, *(m for row in mds for m in row), *(x for row in rows for x in row))}"


def poseidon_cases(rng: random.Random) -> list[Case]:
    """circomlib's Poseidon at widths 2, 3, 5 and 17 (the core's widest) on rows of zeros, of
    r - 1, of both mixed and of random elements, one batch long enough to split over two threads;
    inputs not below r refused with the index of the first (the core's status, one-based);
    widths and round counts the core has no Poseidon for; and toy parameters with no rounds, only
    full ones and only partial ones (the last round keeps one row of its product)."""
    cases = []
    for t in (2, 3, 5, 17):
        ark, mds = poseidon_parameters(t)
        k, partial = t - 1, partial_rounds(t)
        rows = [[0] * k, [R - 1] * k, [R - 1 if i % 2 else 0 for i in range(k)], [1] + [R - 1] * (k - 1)]
        rows += [[rng.randrange(R) for _ in range(k)] for _ in range(130 if t == 2 else 3)]
        cases.append(Case(poseidon_command(t, FULL_ROUNDS, partial, ark, mds, rows),
                          printed(*(poseidon_hash_python(row) for row in rows))))
        for bad in (R, 2**256 - 1):
            at = rng.randrange(2 * k)
            refused = [x for row in rows[:2] for x in row]
            refused[at] = bad
            cases.append(Case(poseidon_command(t, FULL_ROUNDS, partial, ark, mds, [refused[:k], refused[k:]]),
                              f"- {at + 1}"))
    for t, full in ((1, 8), (18, 8), (3, 7)):
        toy_ark, toy_mds = [1] * ((full + 3) * t), [[1] * t for _ in range(t)]
        cases.append(Case(poseidon_command(t, full, 3, toy_ark, toy_mds, [[2] * (t - 1)]), "- -1"))
    for t, full, partial in ((3, 0, 0), (3, 2, 0), (3, 0, 3), (4, 4, 1)):
        toy_ark = [rng.randrange(R) for _ in range((full + partial) * t)]
        toy_mds = [[rng.randrange(R) for _ in range(t)] for _ in range(t)]
        rows = [[0] * (t - 1), [R - 1] * (t - 1), [rng.randrange(R) for _ in range(t - 1)]]
        cases.append(Case(poseidon_command(t, full, partial, toy_ark, toy_mds, rows),
                          printed(*(poseidon_reference(row, toy_ark, toy_mds, full, partial) for row in rows))))
    return cases


KINDS: dict[str, Callable[[random.Random], list[Case]]] = {
    "field": field_cases,
    "curve": curve_cases,
    "pairing": pairing_cases,
    "msm": msm_cases,
    "msm_batch": msm_batch_cases,
    "sparse_sums": sparse_sums_cases,
    "scale": scale_cases,
    "ntt": ntt_cases,
    "poseidon": poseidon_cases,
}
