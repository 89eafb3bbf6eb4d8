"""What each reader makes of a file, as a value two files can be compared by ("the same
statement"), and where a format keeps its numbers, field elements and points (for the mutators).

A reader's *content* is everything a consumer of the file can use: an R1CS's sizes and
matrices, a witness's values, a key's sizes, coefficients and points, a ceremony's power and
the series a phase 2 of its largest domain reads, a JSON file's values as the verifier takes
them (public signals checked against the key's count). Bytes no consumer reads are not content,
nor is a key's phase-2 record (section 10: validated when present, but no part of what a proof
proves).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from prozchain.native.curve import P, R, Group
from tests.fuzz.container import section, sections

G1, G2 = Group.G1, Group.G2
POINT_BYTES = {G1: 64, G2: 128}


@dataclass(frozen=True)
class Slot:
    """A place in a binary file: a size or count (any other value may be checked only
    against the data), an index (small changes make another valid file, so only huge values
    are tried), a field element below ``modulus``, a prime naming the field, or a point
    (Montgomery affine coordinates) of ``group``."""

    kind: str  # "size", "index", "field", "prime", "point"
    offset: int
    width: int = 4  # bytes, for "size" and "index"
    modulus: int = R  # for "field" and "prime"
    group: Group = G1  # for "point"


@dataclass(frozen=True)
class Target:
    name: str
    file: str  # key into corpus.FILES
    binary: bool
    read: Callable[[Path, Path], Any]  # (the file, the corpus folder) -> content
    slots: Callable[[bytes], list[Slot]] = lambda blob: []
    number_modulus: Callable[[tuple], int] = lambda path: R  # JSON: the bound of the number at a path
    strict_numbers: bool = True  # JSON: only canonical decimal strings are accepted
    points: Callable[[Any], list[tuple[tuple, str]]] = lambda obj: []  # JSON: (path, group) of points
    degenerate: Callable[[Any], list[tuple[str, Any]]] = lambda obj: []  # JSON: keys that must be refused
    unread: tuple[str, ...] = ()  # JSON: top-level keys no reader uses


# -- binary readers -------------------------------------------------------------------------
def read_r1cs(path: Path, corpus: Path):
    from prozchain.relations.formats.r1cs import read_r1cs as read

    r = read(path)
    table = np.array(r.coeffs, dtype=object)
    return (r.n_wires, r.n_outputs, r.n_public, r.n_private,
            [(m.indptr.tolist(), m.wires.tolist(), table[m.coeff_ids].tolist()) for m in (r.A, r.B, r.C)])


def read_wtns(path: Path, corpus: Path):
    from prozchain.relations.formats.wtns import read_wtns_array

    return read_wtns_array(path).tobytes()


def read_zkey(path: Path, corpus: Path):
    from prozchain.prover.formats.zkey import read_zkey as read

    k = read(path, check="all")
    return (k.n_vars, k.n_public, k.domain_size, k.alpha1, k.beta1, k.beta2, k.gamma2, k.delta1, k.delta2, k.ic,
            k.coefficients.tobytes(), *(b.array.tobytes() for b in (k.a, k.b1, k.b2, k.c, k.h)))


def read_ptau(path: Path, corpus: Path):
    """What phase 2 reads for the largest domain the ceremony allows (2^(power - 1))."""
    from prozchain.prover.formats.ptau import read_ptau as read

    t = read(path)
    if not t.power:
        return 0, []  # no domain at all
    n = 1 << (t.power - 1)
    series = [t.lagrange(12, G1, 2 * n), t.lagrange(12, G1, n), t.lagrange(13, G2, n), t.lagrange(14, G1, n),
              t.lagrange(15, G1, n), t.points(2, G1, 0, 2 * n - 1), *(t.points(s, G1, 0, 1) for s in (4, 5)),
              t.points(6, G2, 0, 1)]
    return t.power, [s.array.tobytes() for s in series]


def _u32(blob: bytes, at: int) -> int:
    return struct.unpack_from("<I", blob, at)[0]


def _points(start: int, count: int, group: Group) -> list[Slot]:
    return [Slot("point", start + i * POINT_BYTES[group], group=group) for i in range(count)]


def r1cs_slots(blob: bytes) -> list[Slot]:
    head, cons = section(blob, 1).start, section(blob, 2).start
    out = [Slot("size", head), Slot("prime", head + 4, modulus=R), Slot("size", head + 52, width=8)]
    out += [Slot("size", head + at) for at in (36, 60)]
    # nPubOut, nPubIn, nPrvIn: moved within nWires they describe another valid circuit, which no
    # reader can tell from this one; beyond it they must be refused
    out += [Slot("index", head + at) for at in (40, 44, 48)]
    pos = cons
    for _ in range(3 * _u32(blob, head + 60)):  # A, B, C of each constraint: a term count, then terms
        count = _u32(blob, pos)
        out.append(Slot("index", pos))  # a smaller or larger count can parse as another valid system
        out += [Slot("field", pos + 4 + 36 * t + 4) for t in range(count)]
        out += [Slot("index", pos + 4 + 36 * t) for t in range(count)]  # the wire
        pos += 4 + 36 * count
    return out


def wtns_slots(blob: bytes) -> list[Slot]:
    head, values = section(blob, 1).start, section(blob, 2)
    return ([Slot("size", head), Slot("prime", head + 4, modulus=R), Slot("size", head + 36)]
            + [Slot("field", at) for at in range(values.start, values.end, 32)])


def zkey_slots(blob: bytes) -> list[Slot]:
    kinds = {s.type: s for s in sections(blob)}
    head = kinds[2].start
    n_vars, n_public, domain = struct.unpack_from("<III", blob, head + 72)
    out = [Slot("size", kinds[1].start), Slot("size", head), Slot("prime", head + 4, modulus=P),
           Slot("size", head + 36), Slot("prime", head + 40, modulus=R), *(Slot("size", head + at) for at in (72, 76, 80))]
    out += [Slot("point", head + at, group=g) for at, g in ((84, G1), (148, G1), (212, G2), (340, G2), (468, G1),
                                                             (532, G2))]
    out += _points(kinds[3].start, n_public + 1, G1)
    coefficients = kinds[4].start
    out.append(Slot("size", coefficients))
    for k in range(_u32(blob, coefficients)):  # matrix, row, signal, value
        record = coefficients + 4 + 44 * k
        out += [Slot("index", record), Slot("index", record + 4), Slot("index", record + 8), Slot("field", record + 12)]
    for kind, group, count in ((5, G1, n_vars), (6, G1, n_vars), (7, G2, n_vars), (8, G1, n_vars - n_public - 1),
                               (9, G1, domain)):
        out += _points(kinds[kind].start, count, group)
    mpc = kinds[10].start
    out.append(Slot("size", mpc + 64))
    if _u32(blob, mpc + 64):  # the first contribution's points, its type and parameter length
        out += _points(mpc + 68, 3, G1) + _points(mpc + 68 + 192, 1, G2)
        out += [Slot("index", mpc + 68 + 384), Slot("size", mpc + 68 + 388)]
    return out


PTAU_SERIES = {2: G1, 3: G2, 4: G1, 5: G1, 6: G2, 12: G1, 13: G2, 14: G1, 15: G1}


def ptau_slots(blob: bytes) -> list[Slot]:
    head = section(blob, 1).start
    out = [Slot("size", head), Slot("prime", head + 4, modulus=P), Slot("size", head + 36), Slot("size", head + 40)]
    for s in sections(blob):
        if s.type in PTAU_SERIES:
            group = PTAU_SERIES[s.type]
            out += _points(s.start, s.size // POINT_BYTES[group], group)
    return out


# -- JSON readers ---------------------------------------------------------------------------
def read_proof(path: Path, corpus: Path):
    from prozchain.prover.formats.snarkjs_json import read_proof as read

    return read(path)


def read_public(path: Path, corpus: Path):
    """public.json as ``groth16 verify`` takes it: read, then checked against the key's count."""
    from prozchain.prover.formats.snarkjs_json import read_public as read, read_verification_key
    from tests.fuzz.corpus import FILES
    from prozchain.prover.groth16.verifier import check_public_inputs

    return check_public_inputs(read_verification_key(corpus / FILES["vk"]), read(path))


def read_vk(path: Path, corpus: Path):
    from prozchain.prover.formats.snarkjs_json import read_verification_key

    return read_verification_key(path)


def read_input(path: Path, corpus: Path):
    """An input JSON as ``prozchain circuit witness`` takes it: parsed, then solved."""
    from prozchain.circuits.cli import _solve
    from tests.fuzz.corpus import Sample

    return _solve(Sample().compile(), str(path))


def g1_g2(obj: Any, keys: dict[str, str]) -> list[tuple[tuple, str]]:
    out = []
    for key, group in keys.items():
        value = obj.get(key)
        if key == "IC" and isinstance(value, list):
            out += [(("IC", i), G1) for i in range(len(value))]
        elif value is not None:
            out.append(((key,), group))
    return out


def coordinate_modulus(path: tuple) -> int:
    return P  # every number in a proof or key is a coordinate


def vk_degenerate(obj: Any) -> list[tuple[str, Any]]:
    """Keys that verify what they should not: a point at infinity, or gamma = delta."""
    infinity = {G1: ["0", "1", "0"], G2: [["0", "0"], ["1", "0"], ["0", "0"]]}
    out = [(f"{'/'.join(map(str, path))} at infinity", (path, infinity[group])) for path, group in vk_points(obj)]
    return out + [("gamma = delta", (("vk_delta_2",), obj["vk_gamma_2"]))]


def vk_points(obj: Any) -> list[tuple[tuple, str]]:
    return g1_g2(obj, {"vk_alpha_1": G1, "vk_beta_2": G2, "vk_gamma_2": G2, "vk_delta_2": G2, "IC": G1})


TARGETS = {t.name: t for t in [
    Target("r1cs", "r1cs", True, read_r1cs, r1cs_slots),
    Target("wtns", "wtns", True, read_wtns, wtns_slots),
    Target("zkey", "zkey", True, read_zkey, zkey_slots),
    Target("ptau", "ptau", True, read_ptau, ptau_slots),
    Target("proof", "proof", False, read_proof, number_modulus=coordinate_modulus,
           points=lambda obj: g1_g2(obj, {"pi_a": G1, "pi_b": G2, "pi_c": G1})),
    Target("public", "public", False, read_public),
    Target("vk", "vk", False, read_vk, number_modulus=coordinate_modulus, points=vk_points, degenerate=vk_degenerate,
           unread=("vk_alphabeta_12",)),
    Target("input", "input", False, read_input, strict_numbers=False),
]}
