"""``prozchain groth16 prove`` without numpy: the files memory-mapped, the C core's entry points
called on them directly (:mod:`prozchain.native.core`), the proof written as snarkjs writes it.

A small proof's command spent more CPU importing numpy (65-79 ms) than in any one of its MSMs,
so the command takes this path first. It computes with the same C entry points as
:func:`prozchain.prover.groth16.prover.prove` (``qap_abc``, ``qap_h``, the G1 and G2 MSMs, the
points' checks, the pairing check), in the same order, and accepts only inputs that pass at
least the checks the full reader makes (see :mod:`prozchain.prover.formats.zkey`): any header,
size, point, record or witness it does not accept, a B2 result outside G2 or a proof that
fails its self-check makes it answer ``None``, and the command runs the full path, which names the problem exactly as
before (or proves what only it can).

>>> import os, tempfile
>>> from prozchain.prover.formats.zkey import write_zkey
>>> from prozchain.prover.groth16.setup import dev_setup, toy_r1cs
>>> from prozchain.relations.formats.wtns import write_wtns
>>> folder = tempfile.mkdtemp()
>>> zkey, wtns = os.path.join(folder, "toy.zkey"), os.path.join(folder, "toy.wtns")
>>> write_zkey(zkey, dev_setup(toy_r1cs(), seed=1))
>>> _ = write_wtns([1, 27, 3, 9], wtns)  # y = x^3 at x = 3: signals 1, y, x, x^2
>>> proof, public = prove_files(zkey, wtns)
>>> public, proof["protocol"], len(proof["pi_b"])
(['27'], 'groth16', 3)
>>> _ = write_wtns([1, 28, 3, 9], wtns)  # not a witness: the self-check fails, the full path will say so
>>> prove_files(zkey, wtns) is None
True
"""

from __future__ import annotations

import os
import struct

from prozchain.native.core import (ffi, from_limbs, g_add, g_mul, in_subgroup, kernels, lib, msm_batch, pairing_check,
                                   qap_abc_parts)
from prozchain.native.curve import P, R, Group, Point, root_of_unity, unflatten
from prozchain.native.errors import NativeMemoryError
from prozchain.prover.formats.mpc_params import contribution_records
from prozchain.prover.formats.proof_json import proof_json
from prozchain.prover.groth16.profile import Beside, Profile, batch_msms, split_threads
from prozchain.relations.formats.container import Container, read_container, release_pages

SAMPLE = 64  # B2 points checked for G2 membership under check="sample", as the full reader does
MAX_LOG_DOMAIN = 27
R_TOP = R >> 192
PART_BYTES = 2 << 20  # of a section, copied or checked at a time: its pages are then dropped


def _limbs(data, count: int):
    """``count`` 32-byte elements of ``data`` as a C array: in place when ``data`` (a slice of
    the file's mapping) is 8-byte aligned, else copied into aligned memory part by part, each
    part's mapped pages dropped once copied (only the copy counts toward peak memory)."""
    view = ffi.from_buffer("uint64_t[]", data[:32 * count]) if count else None
    if view is not None and int(ffi.cast("uintptr_t", view)) % 8 == 0:
        return view
    out = ffi.new("uint64_t[]", max(1, 4 * count))
    for start in range(0, 32 * count, PART_BYTES):
        part = data[start:min(32 * count, start + PART_BYTES)]
        ffi.memmove(out + start // 8, part, len(part))
        release_pages(data[:start + len(part)])  # all copied so far: see release_pages
    return out


def _checked(group: Group, data, count: int, upto: int):
    """The points of ``data`` (Montgomery, the zkey's layout) in aligned C memory, or None if one
    fails the checks up to ``upto`` (``lib.PZ_CHECK_*``)."""
    if len(data) != 32 * group.coords * count:
        return None
    points = _limbs(data, count * group.coords)
    code = ffi.new("int *")
    ok = kernels.group(group).check(points, count, upto, 1, code) < 0
    release_pages(data)  # checked (or copied): its MSM reads the pages back, so the sections never all stay resident
    return points if ok else None


def _valid(group: Group, data, count: int, upto: int) -> bool:
    """Whether a section's ``count`` points pass the checks up to ``upto``, checked part by part
    (:func:`_checked`): an unaligned section is never copied whole for it."""
    width, part = 32 * group.coords, PART_BYTES // (32 * group.coords)
    if len(data) != width * count:
        return False
    for lo in range(0, count, part):
        if _checked(group, data[width * lo:width * min(count, lo + part)], min(part, count - lo), upto) is None:
            return False
        release_pages(data[:width * min(count, lo + part)])  # all checked so far: see release_pages
    return True


def _affine(group: Group, points, count: int) -> list[Point] | None:
    """Checked Montgomery points as affine tuples of canonical ints (None at infinity)."""
    n = group.coords
    canonical = ffi.new("uint64_t[]", max(1, 4 * n * count))
    kernels.from_mont(lib.PZ_FP, canonical, points, n * count)
    flat = from_limbs(canonical, n * count)
    return [unflatten(group, flat[i * n:(i + 1) * n]) for i in range(count)]


class _Rejected(Exception):
    """An input this path does not accept: the full path will judge it."""


def _check_points(group: Group, data, labels) -> list:
    """Section 10's points, checked as the full reader checks them (canonical, on the curve, in
    the subgroup), or :class:`_Rejected`."""
    if _checked(group, data, len(labels), lib.PZ_CHECK_SUBGROUP) is None:
        raise _Rejected()
    return [None] * len(labels)


def _below(n: int) -> int:
    """A draw from [0, n) by the OS's randomness, 256 bits more than n's width reduced modulo n
    (off uniform by less than 2^-256). Neither random nor secrets: a one-shot proof's start
    would import them (with math, bisect, hashlib) for two scalars and a sample."""
    return int.from_bytes(os.urandom((n.bit_length() + 7) // 8 + 32), "little") % n


def _section(box: Container, kind: int):
    found = [p for t, p in box.sections if t == kind]
    return found[0] if len(found) == 1 else None


def _witness(path: str | os.PathLike, n_vars: int):
    """The witness as aligned canonical limbs, or None unless it has n_vars values below R, the
    first being 1."""
    box = read_container(path, b"wtns", versions={2})
    header, values = _section(box, 1), _section(box, 2)
    if header is None or values is None or len(header) < 40:
        return None
    n8, prime, count = struct.unpack_from("<I", header)[0], int.from_bytes(header[4:36], "little"), \
        struct.unpack_from("<I", header, 36)[0]
    if (n8, prime, count) != (32, R, n_vars) or len(values) != 32 * count or count == 0:
        return None
    tops = values.cast("B").cast("Q")[3::4] if len(values) % 8 == 0 else None
    if tops is None or max(tops) >= R_TOP and any(
            int.from_bytes(values[32 * i:32 * i + 32], "little") >= R for i, top in enumerate(tops) if top >= R_TOP):
        return None
    if int.from_bytes(values[:32], "little") != 1:
        return None
    return _limbs(values, count)


def prove_files(zkey: str | os.PathLike, witness: str | os.PathLike, check: str = "sample",
                self_check: bool = True, profile: Profile | None = None, overlap: bool = True) -> tuple[dict, list[str]] | None:
    """proof.json's and public.json's contents for ``witness`` under ``zkey``, or None when the
    files need the full path's judgement (see the module's docstring). ``check`` is the zkey
    reader's: "all", "sample" or "none"; ``overlap``: the G2 MSM on half the threads beside
    the rest, as :func:`prozchain.prover.groth16.prover.prove` runs it."""
    profile = profile if profile is not None else Profile()
    with profile.step("read"):
        key = _read_key(zkey, check)
        w = _witness(witness, key["n_vars"]) if key else None
    if w is None:
        return None
    try:
        pa, pb1, pb2, pc, ph = _msms(key, w, profile, overlap)
    except _Rejected:
        return None
    if pb2 is not None and not in_subgroup(kernels, Group.G2, pb2):
        return None
    with profile.step("combine"):
        g1 = lambda *points: _sum(Group.G1, points)  # noqa: E731
        r, s = _below(R), _below(R)
        alpha1, beta1, beta2, gamma2, delta1, delta2 = key["header"]
        pi_a = g1(pa, alpha1, g_mul(kernels, Group.G1, delta1, r))
        pi_b = _sum(Group.G2, (pb2, beta2, g_mul(kernels, Group.G2, delta2, s)))
        b1 = g1(pb1, beta1, g_mul(kernels, Group.G1, delta1, s))
        pi_c = g1(pc, ph, g_mul(kernels, Group.G1, pi_a, s), g_mul(kernels, Group.G1, b1, r),
                  g_mul(kernels, Group.G1, delta1, -(r * s % R)))
        public = from_limbs(key["witness"] + 4, key["n_public"])
    if self_check:
        with profile.step("verify"):
            vk_x = g1(key["ic"][0], *(g_mul(kernels, Group.G1, p, x) for p, x in zip(key["ic"][1:], public)))
            neg_a = None if pi_a is None else (pi_a[0], (P - pi_a[1]) % P)
            if not pairing_check(kernels, [(neg_a, pi_b), (alpha1, beta2), (vk_x, gamma2), (pi_c, delta2)]):
                return None
    return proof_json(pi_a, pi_b, pi_c), [str(v) for v in public]


def _msm(group: Group, key: dict, name: str, scalars, count: int) -> Point:
    """The MSM of section ``name``'s points, in place or from an aligned copy made just now (the
    full path's order: no section is copied before its turn); its pages go once it is done."""
    out = ffi.new("uint64_t[]", 4 * group.coords)
    section = key["sections"][name]
    if count and kernels.group(group).msm(out, _limbs(section, count * group.coords), scalars, count, 0, 0) != 0:
        raise _Rejected()  # out of memory: the full path names the kernel
    release_pages(section)
    return unflatten(group, from_limbs(out, group.coords)) if count else None


def _msms(key: dict, w, profile: Profile, overlap: bool) -> tuple[Point, ...]:
    """The QAP, its H, and the MSMs A, B1, B2, C, H: all five in one batch for a small domain
    (:func:`batch_msms`), else the G2 one beside the rest when :func:`split_threads` says so,
    else first (:class:`_Rejected` if a kernel refuses).

    The order bounds the peak memory: the G2 MSM's section, the largest, is resident beside
    the witness alone, never beside H and the transforms' twiddles, and H goes right after its
    MSM, before the other G1 sections come in. A batch holds them all at once, as only a small
    key's sections are small enough to."""
    key["witness"] = w
    n_vars, n_public, n = key["n_vars"], key["n_public"], key["domain"]
    c_scalars, n_c = w + 4 * (n_public + 1), n_vars - n_public - 1
    if batch_msms(n):
        h = _h(key, w, profile, lambda: None)
        with profile.step("msms"):
            pb2, ph, pa, pb1, pc = _msm_batch(key, ((Group.G2, "b2", w, n_vars), (Group.G1, "h", h, n),
                                                    (Group.G1, "a", w, n_vars), (Group.G1, "b1", w, n_vars),
                                                    (Group.G1, "c", c_scalars, n_c)))
        return pa, pb1, pb2, pc, ph

    def b2_msm() -> Point:
        with profile.step("msm_b2", background=g2_threads > 0):
            return _msm(Group.G2, key, "b2", w, n_vars)

    g1_threads, g2_threads = split_threads(overlap)
    b2 = Beside(b2_msm, g2_threads, g1_threads) if g2_threads else None
    step_done = b2.step_done if b2 else (lambda: None)
    try:
        pb2 = b2_msm() if b2 is None else None
        h = _h(key, w, profile, step_done)
        with profile.step("msm_h"):
            ph = _msm(Group.G1, key, "h", h, n)
        del h
        points = []
        for name, bases, scalars, count in (("msm_a", "a", w, n_vars), ("msm_b1", "b1", w, n_vars),
                                            ("msm_c", "c", c_scalars, n_c)):
            step_done()
            with profile.step(name):
                points.append(_msm(Group.G1, key, bases, scalars, count))
        if b2 is not None:
            with profile.step("wait_b2"):
                pb2 = b2.result()
    finally:
        if b2 is not None:
            b2.close()
    pa, pb1, pc = points
    return pa, pb1, pb2, pc, ph


def _h(key: dict, w, profile: Profile, step_done):
    """H's coefficients (C limbs): the QAP's A and B evaluations from the records, then the
    transforms (``qap_h``); ``step_done`` after each step (:meth:`Beside.step_done`)."""
    n_vars, n = key["n_vars"], key["domain"]
    with profile.step("abc"):
        a, b = ffi.new("uint64_t[]", 4 * n), ffi.new("uint64_t[]", 4 * n)
        if qap_abc_parts(kernels, a, b, key["records"], w, n_vars, n, release_pages) >= 0:
            raise _Rejected()
    step_done()
    with profile.step("ntt"):
        h = ffi.new("uint64_t[]", 4 * n)
        shift = ffi.new("uint64_t[4]")
        ffi.memmove(shift, root_of_unity(n.bit_length()).to_bytes(32, "little"), 32)
        if kernels.qap_h(h, a, b, n.bit_length() - 1, shift) != 0:
            raise _Rejected()
    step_done()
    return h


def _msm_batch(key: dict, jobs) -> list[Point]:
    """The MSMs of ``jobs`` (group, section name, scalars, count) in one call (:func:`msm_batch`),
    each section's pages dropped after."""
    sections = key["sections"]
    try:
        points = msm_batch(kernels, [(group, _limbs(sections[name], count * group.coords), scalars, count)
                                     for group, name, scalars, count in jobs])
    except NativeMemoryError:
        raise _Rejected() from None  # the full path names the kernel
    for _, name, _, _ in jobs:
        release_pages(sections[name])
    return points


def _sum(group: Group, points) -> Point:
    total = None
    for point in points:
        total = g_add(kernels, group, total, point)
    return total


def _read_key(path: str | os.PathLike, check: str) -> dict | None:
    """The key's header values, checked header points, coefficient records and checked point
    sections (aligned C arrays), or None when it is not a key this path accepts."""
    box = read_container(path, b"zkey", versions={1})
    if len(box.types()) != len(set(box.types())):
        return None
    sections = {kind: _section(box, kind) for kind in range(1, 11)}
    if any(sections[k] is None for k in range(1, 10)) or len(sections[1]) != 4 or struct.unpack("<I", sections[1])[0] != 1:
        return None
    if sections[10] is not None:
        try:
            contribution_records(sections[10], _Rejected, _check_points)
        except _Rejected:
            return None
    head = sections[2]
    if len(head) != 84 + 3 * 64 + 3 * 128:
        return None
    n8q, q = struct.unpack_from("<I", head, 0)[0], int.from_bytes(head[4:36], "little")
    n8r, r = struct.unpack_from("<I", head, 36)[0], int.from_bytes(head[40:72], "little")
    n_vars, n_public, domain = struct.unpack_from("<III", head, 72)
    log = domain.bit_length() - 1
    if (n8q, q, n8r, r) != (32, P, 32, R) or domain < 1 or domain != 1 << log or log > MAX_LOG_DOMAIN \
            or n_vars < n_public + 1:
        return None
    full = lib.PZ_CHECK_SUBGROUP
    header_points = []
    for group, start, count in ((Group.G1, 84, 2), (Group.G2, 212, 2), (Group.G1, 468, 1), (Group.G2, 532, 1)):
        points = _checked(group, head[start:start + 32 * group.coords * count], count, full)
        if points is None:
            return None
        header_points += _affine(group, points, count)
    alpha1, beta1, beta2, gamma2, delta1, delta2 = header_points
    ic = _checked(Group.G1, sections[3], n_public + 1, full)
    coefficients = sections[4]
    if ic is None or len(coefficients) < 4 or len(coefficients) != 4 + 44 * struct.unpack_from("<I", coefficients)[0]:
        return None
    g1_level = lib.PZ_CHECK_CANONICAL if check == "none" else full
    g2_level = full if check == "all" else lib.PZ_CHECK_CANONICAL
    key = {"n_vars": n_vars, "n_public": n_public, "domain": domain, "records": coefficients[4:], "sections": {},
           "header": (alpha1, beta1, beta2, gamma2, delta1, delta2), "ic": _affine(Group.G1, ic, n_public + 1)}
    for name, kind, group, count in (("a", 5, Group.G1, n_vars), ("b1", 6, Group.G1, n_vars), ("b2", 7, Group.G2, n_vars),
                                     ("c", 8, Group.G1, n_vars - n_public - 1), ("h", 9, Group.G1, domain)):
        if not _valid(group, sections[kind], count, g1_level if group is Group.G1 else g2_level):
            return None
        key["sections"][name] = sections[kind]
    if check == "sample" and n_vars:
        picked = set()  # unpredictable
        while len(picked) < min(SAMPLE, n_vars):
            picked.add(_below(n_vars))
        index = sorted(picked)
        sample, b2 = ffi.new("uint64_t[]", 16 * len(index)), sections[7]
        for i, j in enumerate(index):
            ffi.memmove(sample + 16 * i, b2[128 * j:128 * (j + 1)], 128)
        release_pages(b2)  # the sampled points' pages, and the folios around them
        if kernels.g2.check(sample, len(index), full, 1, ffi.new("int *")) >= 0:
            return None
    return key
