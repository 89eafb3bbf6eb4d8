"""snarkjs's Groth16 proving key ``.zkey`` (iden3 container, magic ``zkey``, version 1).

Sections (points are affine in Montgomery form, x * 2^256 mod P little-endian, G2 as x.c0,
x.c1, y.c0, y.c1, infinity as zeros: byte for byte the MSM kernels' prepared layout):

====  ============  ========================================================================
 1    header        u32 protocol: 1 = Groth16
 2    groth16       u32 n8q, q, u32 n8r, r, u32 nVars, u32 nPublic, u32 domainSize, then
                    alpha (G1), beta (G1), beta (G2), gamma (G2), delta (G1), delta (G2)
 3    IC            nPublic + 1 G1 points
 4    coefficients  u32 count, then records (u32 matrix 0 = A / 1 = B, u32 constraint row,
                    u32 signal, value = coef * 2^512 mod r): the A and B matrices plus one
                    A row per public signal (wire 0 included) tying it to the proof
 5    A             nVars G1 points
 6    B1            nVars G1 points
 7    B2            nVars G2 points
 8    C             nVars - nPublic - 1 G1 points (private signals only)
 9    H             domainSize G1 points: the odd Lagrange points of the doubled domain
10    contributions the phase-2 MPC record (kept as bytes, checked on reading; see :class:`MPCParams`):
                    the circuit hash (64 bytes), u32 count, then per contribution deltaAfter
                    (G1), its public key g1_s, g1_sx (G1), g2_spx (G2), the 64-byte transcript,
                    u32 type (0 contribution, 1 beacon), u32 length and that many parameter
                    bytes: (1 name: u8 length, UTF-8), (2 beacon iterations exponent: u8),
                    (3 beacon hash: u8 length, bytes), each at most once, in that order
====  ============  ========================================================================

What is checked on reading: sizes of every section against the header; q and r are BN254's;
the domain is a power of two; every coefficient record is in range (matrix, row, signal, value
< r); every coordinate of every point is canonical; the points of section 2 and IC are fully
validated (on the curve, in the subgroup). The big point sections, in bulk in C, by ``check``:

- ``"all"`` (the default): every point of A, B1, C, H (on the curve: G1 has cofactor 1) and of
  B2 (on the twist and in G2: the endomorphism test, a 63-bit multiplication each);
- ``"sample"``: every G1 point, and a fresh random sample of ``SAMPLE`` B2 points. The prover
  also checks that its B2 MSM lands in G2 before it outputs a proof, so a B2 point outside G2
  cannot put a witness-dependent cofactor component into a published pi_b;
- ``"none"``: sizes, ranges and canonical coordinates only (for keys already validated).

>>> import os, tempfile
>>> from prozchain.prover.groth16.setup import dev_setup, toy_r1cs
>>> path = os.path.join(tempfile.mkdtemp(), "t.zkey")
>>> write_zkey(path, dev_setup(toy_r1cs(), seed=1))
>>> key = read_zkey(path)
>>> key.n_vars, key.n_public, key.domain_size, len(key.coefficients)
(4, 1, 4, 6)
"""

from __future__ import annotations

import hashlib
import random
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Literal, Optional, Sequence, Union, get_args

import numpy as np

from prozchain.native.curve import P, R, Field, Group
from prozchain.native.errors import InvalidArgumentError, InvalidPointError
from prozchain.native.kernels import COEF_DTYPE, PreparedBases
from prozchain.prover.backend import current_backend
from prozchain.prover.curve import G1Point, G2Point
from prozchain.relations.formats.container import (Container, FormatError, Source, first_not_below, read_container, release_pages,
                                                   stream_container)
from prozchain.prover.groth16.keys import VerificationKey
from prozchain.prover.formats.mpc_params import contribution_records

NAMES = {1: "header", 2: "groth16 header", 3: "IC", 4: "coefficients", 5: "A", 6: "B1", 7: "B2",
         8: "C", 9: "H", 10: "contributions"}
GROTH16 = 1
SAMPLE = 64
CHUNK = 1 << 16  # points checked or copied at a time while reading a section
MAX_LOG_DOMAIN = 27  # H lives on a coset of the doubled domain; Fr has 2-adicity 28
POINT_BYTES = {Group.G1: 64, Group.G2: 128}
KeyCheck = Literal["all", "sample", "none"]  # how much of the big point sections to validate


@dataclass(frozen=True)
class KeyHead:
    """What a Groth16 proving key holds besides its big point sections and its phase-2 record:
    sections 1-4 (header, IC, coefficient records), what :func:`stream_zkey` writes first."""

    n_vars: int
    n_public: int
    domain_size: int
    alpha1: G1Point
    beta1: G1Point
    beta2: G2Point
    gamma2: G2Point
    delta1: G1Point
    delta2: G2Point
    ic: tuple[G1Point, ...]
    coefficients: Union[np.ndarray, "RecordChunks"]  # COEF_DTYPE records (a ZKey: an array)

    def verification_key(self) -> VerificationKey:
        return VerificationKey(self.alpha1, self.beta2, self.gamma2, self.delta2, self.ic)

    def point_counts(self) -> tuple[int, int, int, int, int]:
        """How many points sections A, B1, B2, C, H hold."""
        return self.n_vars, self.n_vars, self.n_vars, self.n_vars - self.n_public - 1, self.domain_size


@dataclass(frozen=True)
class RecordChunks:
    """Section 4's records for :func:`stream_zkey` to write as they are made: ``count`` records
    in all, which ``chunks()`` yields as ``COEF_DTYPE`` arrays, so no array of them all exists."""

    count: int
    chunks: Callable[[], Iterable[np.ndarray]]

    def __len__(self) -> int:
        return self.count

    def array(self) -> np.ndarray:
        """The records as one array."""
        return np.concatenate([np.zeros(0, COEF_DTYPE), *self.chunks()])


@dataclass(frozen=True)
class ZKey(KeyHead):
    """A Groth16 proving key as snarkjs lays it out; the point sections stay in the MSM
    kernels' prepared layout (numpy arrays, Montgomery form)."""

    a: PreparedBases
    b1: PreparedBases
    b2: PreparedBases
    c: PreparedBases
    h: PreparedBases
    contributions: bytes = b""  # section 10 as written (see MPCParams), or b"" for none

    def mpc_params(self) -> Optional["MPCParams"]:
        """The phase-2 record of section 10, parsed (None if the key has none)."""
        return parse_mpc_params(self.contributions) if self.contributions else None


@dataclass(frozen=True)
class Contribution:
    """One phase-2 contribution as snarkjs records it: the secret delta_i it multiplied delta
    by shows as ``delta_after`` = delta_(i-1) * delta_i, with its proof of knowledge g1_s,
    g1_sx = delta_i g1_s, g2_spx = delta_i g2_sp where g2_sp hashes ``transcript`` to G2, and
    the transcript is H(circuit hash || every earlier contribution's public key || g1_s ||
    g1_sx). A beacon (type 1) also names its hash and iteration exponent."""

    delta_after: G1Point
    g1_s: G1Point
    g1_sx: G1Point
    g2_spx: G2Point
    transcript: bytes
    type: int = 0
    name: str = ""
    iterations_exp: int = 0
    beacon_hash: bytes = b""


@dataclass(frozen=True)
class MPCParams:
    """Section 10 of a snarkjs ``.zkey``: the circuit hash (snarkjs's ``csHash``) and the
    contributions in order.

    >>> g1 = G1Point.generator()
    >>> c = Contribution(g1 * 2, g1 * 3, g1 * 6, G2Point.generator() * 2, bytes(64), name="me")
    >>> raw = MPCParams(bytes(64), (c,)).to_bytes()
    >>> len(raw), parse_mpc_params(raw).contributions[0] == c
    (464, True)
    """

    cs_hash: bytes
    contributions: tuple[Contribution, ...] = ()

    def to_bytes(self) -> bytes:
        """The section payload, laid out as snarkjs's ``writeMPCParams``."""
        out = [self.cs_hash, struct.pack("<I", len(self.contributions))]
        for c in self.contributions:
            out += [_mont_rows(Group.G1, [c.delta_after, c.g1_s, c.g1_sx]).tobytes(),
                    _mont_rows(Group.G2, [c.g2_spx]).tobytes(),
                    c.transcript, struct.pack("<I", c.type)]
            params = b""
            if c.name:
                name = c.name[:64].encode()  # snarkjs keeps the first 64 characters
                params += bytes([1, len(name)]) + name
            if c.type == 1:
                params += bytes([2, c.iterations_exp, 3, len(c.beacon_hash)]) + c.beacon_hash
            out += [struct.pack("<I", len(params)), params]
        return b"".join(out)


class _Sections:
    """The zkey's sections by type, with errors that name the file, the section and the problem."""

    def __init__(self, box: Container):
        self.box = box

    def error(self, section: int, problem: str) -> FormatError:
        return FormatError(f"{self.box.name}: section type {section} ({NAMES[section]}): {problem}")

    def raw(self, section: int) -> memoryview:
        return self.box.section(section, NAMES[section])

    def expect_size(self, section: int, size: int, what: str) -> None:
        actual = len(self.raw(section))
        if actual != size:
            raise self.error(section, f"{actual} bytes, expected {size} ({what})")

    def array(self, section: int, dtype, shape: tuple[int, ...], start: int = 0) -> np.ndarray:
        """Part of a section copied into a fresh, aligned array (the payload may be unaligned)."""
        count = int(np.prod(shape, dtype=np.int64))
        raw = self.raw(section)
        if start + np.dtype(dtype).itemsize * count > len(raw):
            raise self.error(section, f"{len(raw)} bytes, too few for {shape} items from byte {start}")
        return np.frombuffer(raw, dtype, count, start).reshape(shape).copy()


def _points_from_mont(f: _Sections, section: int, group: Group, rows: np.ndarray, labels: Sequence[str]) -> list:
    """A few Montgomery points (header, IC) as validated point objects; errors use ``labels``."""
    return _decode_points(group, rows, labels, lambda problem: f.error(section, problem))


def _decode_points(group: Group, rows: np.ndarray, labels: Sequence[str], error: Callable[[str], Exception]) -> list:
    cls = G1Point if group is Group.G1 else G2Point
    canonical = current_backend().from_mont_array(Field.FP, rows.reshape(-1, 4)).reshape(rows.shape)
    out = []
    for label, row in zip(labels, canonical):
        c = [int.from_bytes(row[4 * k: 4 * k + 4].astype("<u8").tobytes(), "little") for k in range(len(row) // 4)]
        try:
            if not any(c):
                out.append(cls.infinity())
            elif group is Group.G1:
                out.append(cls.from_affine(c[0], c[1]))
            else:
                out.append(cls.from_affine((c[0], c[1]), (c[2], c[3])))
        except InvalidPointError as exc:
            raise error(f"{label}: {exc}") from None
    return out


def _bases(f: _Sections, section: int, group: Group, count: int, check: KeyCheck, in_place: bool) -> PreparedBases:
    """A point section in the kernels' layout, validated as ``check`` says (see the module doc).
    snarkjs stores exactly that layout (Montgomery affine, (0, 0) at infinity), so an aligned
    section is used in place, from the file's mapping, with no copy. An unaligned one (after an
    odd number of coefficient records) is copied into aligned memory unless ``in_place``.
    Either way the section is checked and copied ``CHUNK`` points at a time, each chunk's mapped
    pages dropped once done: reading never holds more than a chunk of a section resident."""
    f.expect_size(section, POINT_BYTES[group] * count, f"{count} {group.name} points")
    rows = np.frombuffer(f.raw(section), np.uint64).reshape(count, 4 * group.coords)
    unaligned = rows.ctypes.data % 8 != 0
    copy = np.empty_like(rows) if unaligned and not in_place else None
    backend = current_backend()
    level = "canonical" if check == "none" or group is Group.G2 and check == "sample" else "subgroup"
    for start in range(0, count, CHUNK):
        chunk = rows[start:start + CHUNK]
        aligned = chunk if not unaligned else chunk.copy() if copy is None else copy[start:start + CHUNK]
        if copy is not None:
            aligned[:] = chunk
        found = backend.check_points_array(group, aligned, upto=level, mont=True)
        if found is not None:
            raise f.error(section, f"point {start + found[0]}: {found[1]}")
        release_pages(rows[:start + CHUNK])  # checked: not resident until its MSM (see release_pages)
    if check == "sample" and level == "canonical" and count:
        index = np.array(sorted(random.SystemRandom().sample(range(count), min(SAMPLE, count))))  # unpredictable
        found = backend.check_points_array(group, rows[index], mont=True)
        if found is not None:
            raise f.error(section, f"point {int(index[found[0]])}: {found[1]}")
    release_pages(rows)  # the sample's pages
    return PreparedBases(group, rows if copy is None else copy)


def aligned(bases: PreparedBases) -> PreparedBases:
    """``bases`` with its array 8-byte aligned, as the kernels need: itself, or a copy when a key
    read ``in_place`` left an unaligned section in the file's mapping (the copy's source pages
    are dropped as it is made, so only the copy counts toward peak memory)."""
    rows = bases.array
    if rows.ctypes.data % 8 == 0:
        return bases
    out = np.empty_like(rows)
    for start in range(0, len(rows), CHUNK):
        out[start:start + CHUNK] = rows[start:start + CHUNK]
        release_pages(rows[:start + CHUNK])  # all done so far: see release_pages
    return PreparedBases(bases.group, out)


def _read_coefficients(f: _Sections, n_vars: int, domain_size: int) -> np.ndarray:
    if len(f.raw(4)) < 4:
        raise f.error(4, "too short for the record count")
    (count,) = struct.unpack_from("<I", f.raw(4))
    f.expect_size(4, 4 + COEF_DTYPE.itemsize * count, f"{count} records of {COEF_DTYPE.itemsize} bytes")
    records = np.frombuffer(f.raw(4), COEF_DTYPE, count, 4)  # read in place: the kernel reads bytes
    step = 16 * CHUNK  # records checked at a time, their mapped pages dropped after
    for start in range(0, count, step):
        part = records[start:start + step]
        problems = ((part["matrix"] > 1, "matrix is not 0 (A) or 1 (B)"),
                    (part["constraint"] >= domain_size, f"row is not below the domain size {domain_size}"),
                    (part["signal"] >= n_vars, f"signal is not below nVars {n_vars}"))
        for mask, what in problems:
            bad = np.flatnonzero(mask)
            if len(bad):
                raise f.error(4, f"record {start + int(bad[0])}: {what}")
        bad = first_not_below(part["value"], R)
        if bad >= 0:
            raise f.error(4, f"record {start + bad}: value is not below r")
        release_pages(records[:start + step])  # all done so far: see release_pages
    return records


def read_zkey(source: Source, check: KeyCheck = "all", name: Optional[str] = None, in_place: bool = False) -> ZKey:
    """Read and validate a snarkjs Groth16 ``.zkey`` (path or bytes); ``check`` is "all",
    "sample" or "none" for the big point sections (header and IC points are always checked).
    ``in_place``: leave every point section in the file's mapping even when it is not 8-byte
    aligned (snarkjs's keys with an odd number of coefficient records), for a caller that
    passes each through :func:`aligned` just before its MSM (the prover does), so that a key
    used once never holds copies of all its sections at the same time."""
    if check not in get_args(KeyCheck):
        raise InvalidArgumentError(f"check must be 'all', 'sample' or 'none', not {check!r}")
    f = _Sections(read_container(source, b"zkey", versions={1}, name=name))
    f.expect_size(1, 4, "u32 protocol")
    (protocol,) = struct.unpack("<I", f.raw(1))
    if protocol != GROTH16:
        raise f.error(1, f"protocol {protocol} is not Groth16 (1)")
    f.expect_size(2, 84 + 3 * 64 + 3 * 128, "BN254 Groth16 header")
    head = bytes(f.raw(2)[:84])
    n8q, q = struct.unpack_from("<I", head, 0)[0], int.from_bytes(head[4:36], "little")
    n8r, r = struct.unpack_from("<I", head, 36)[0], int.from_bytes(head[40:72], "little")
    if (n8q, q, n8r, r) != (32, P, 32, R):
        raise f.error(2, "the curve is not BN254 (q, r and their sizes must be BN254's)")
    n_vars, n_public, domain_size = struct.unpack_from("<III", head, 72)
    log = domain_size.bit_length() - 1
    if domain_size < 1 or domain_size != 1 << log or log > MAX_LOG_DOMAIN:
        raise f.error(2, f"domain size {domain_size} is not a power of two up to 2^{MAX_LOG_DOMAIN}")
    if n_vars < n_public + 1:
        raise f.error(2, f"nVars {n_vars} < nPublic {n_public} + 1")
    alpha1, beta1 = _points_from_mont(f, 2, Group.G1, f.array(2, np.uint64, (2, 8), start=84), ["alpha1", "beta1"])
    beta2, gamma2 = _points_from_mont(f, 2, Group.G2, f.array(2, np.uint64, (2, 16), start=84 + 128),
                                      ["beta2", "gamma2"])
    (delta1,) = _points_from_mont(f, 2, Group.G1, f.array(2, np.uint64, (1, 8), start=84 + 384), ["delta1"])
    (delta2,) = _points_from_mont(f, 2, Group.G2, f.array(2, np.uint64, (1, 16), start=84 + 448), ["delta2"])
    f.expect_size(3, 64 * (n_public + 1), f"{n_public + 1} G1 points")
    ic = _points_from_mont(f, 3, Group.G1, f.array(3, np.uint64, (n_public + 1, 8)),
                           [f"point {i}" for i in range(n_public + 1)])
    return ZKey(
        n_vars, n_public, domain_size, alpha1, beta1, beta2, gamma2, delta1, delta2, tuple(ic),
        _read_coefficients(f, n_vars, domain_size),
        _bases(f, 5, Group.G1, n_vars, check, in_place),
        _bases(f, 6, Group.G1, n_vars, check, in_place),
        _bases(f, 7, Group.G2, n_vars, check, in_place),
        _bases(f, 8, Group.G1, n_vars - n_public - 1, check, in_place),
        _bases(f, 9, Group.G1, domain_size, check, in_place),
        _read_contributions(f),
    )


def parse_mpc_params(raw: bytes, where: str = "contributions") -> MPCParams:
    """Section 10's payload as :class:`MPCParams`, every point validated; a malformed record
    raises ``FormatError`` starting with ``where`` and naming the contribution and the problem."""

    def error(problem: str) -> FormatError:
        return FormatError(f"{where}: {problem}")

    def points(group: Group, data: memoryview, labels: Sequence[str]) -> list:
        rows = np.frombuffer(data, np.uint64).reshape(len(labels), 4 * group.coords)
        return _decode_points(group, rows, labels, error)

    records = contribution_records(raw, error, points)
    return MPCParams(bytes(raw[:64]), tuple(Contribution(*g1, g2_spx, transcript, kind, **params)
                                            for g1, g2_spx, transcript, kind, params in records))


def _read_contributions(f: _Sections) -> bytes:
    """Section 10 as bytes, once :func:`parse_mpc_params` accepted it (b"" if absent)."""
    if not f.box.has(10):
        return b""
    raw = bytes(f.raw(10))
    parse_mpc_params(raw, f"{f.box.name}: section type 10 ({NAMES[10]})")
    return raw


def _mont_rows(group: Group, points) -> np.ndarray:
    return current_backend().msm_prepare(group, [p.affine for p in points]).array


def write_zkey(path: Union[str, Path], key: ZKey, circuit_hash: Optional[bytes] = None) -> None:
    """Write ``key`` as snarkjs lays it out. Section 10 gets ``key.contributions`` if set,
    else ``circuit_hash`` (64 bytes; default a BLAKE2b of our point sections, which is not
    snarkjs's circuit hash) and no contributions."""
    stream_zkey(path, key, [[key.a.array], [key.b1.array], [key.b2.array], [key.c.array], [key.h.array]],
                key.contributions, circuit_hash)


POINT_SECTIONS = (5, 6, 7, 8, 9)  # A, B1, B2, C, H


def _record_section(records: Union[np.ndarray, RecordChunks]) -> Iterable[bytes]:
    """Section 4's bytes: the count, then the records (a whole array, or chunks as they come);
    a count that the chunks do not add up to raises ``FormatError``."""
    yield struct.pack("<I", len(records))
    written = 0
    for chunk in records.chunks() if isinstance(records, RecordChunks) else [records]:
        chunk = np.ascontiguousarray(chunk, COEF_DTYPE)
        written += len(chunk)
        yield chunk.view(np.uint8)
    if written != len(records):
        raise FormatError(f"coefficients: {written} records written, {len(records)} announced")


def stream_zkey(path: Union[str, Path], head: KeyHead, points: Sequence[Iterable[np.ndarray]],
                contributions: Union[bytes, Callable[[], bytes]] = b"", circuit_hash: Optional[bytes] = None) -> None:
    """Write a ``.zkey`` whose point sections A, B1, B2, C, H come as ``points``: for each, an
    iterable of chunks in the prepared layout, consumed in file order, each chunk written as it
    comes, so a setup holds one chunk of points at a time (:func:`write_zkey` passes each
    section whole). Section 10 is ``contributions`` if set (or what calling it returns, once
    the point sections are written: a record hashed from them), else ``circuit_hash`` or the
    BLAKE2b of the point sections (IC, A, B1, B2, C, H) with no contributions. A section with
    the wrong number of points raises ``FormatError`` (and no file is left)."""
    head_bytes = struct.pack("<I", 32) + P.to_bytes(32, "little") + struct.pack("<I", 32) + R.to_bytes(32, "little")
    head_bytes += struct.pack("<III", head.n_vars, head.n_public, head.domain_size)
    head_bytes += _mont_rows(Group.G1, [head.alpha1, head.beta1]).tobytes()
    head_bytes += _mont_rows(Group.G2, [head.beta2, head.gamma2]).tobytes()
    head_bytes += _mont_rows(Group.G1, [head.delta1]).tobytes() + _mont_rows(Group.G2, [head.delta2]).tobytes()
    records = head.coefficients
    digest = hashlib.blake2b(digest_size=64)

    def hashed(chunks: Iterable[np.ndarray]) -> Iterable[np.ndarray]:
        for chunk in chunks:
            raw = np.ascontiguousarray(chunk, dtype="<u8")  # written and hashed as a buffer: no copy
            digest.update(raw)
            yield raw

    def section10() -> Iterable[bytes]:  # consumed after every point section went through `hashed`
        record = contributions() if callable(contributions) else contributions
        yield record or (circuit_hash or digest.digest()) + struct.pack("<I", 0)

    stream_container(path, b"zkey", 1, [
        (1, [struct.pack("<I", GROTH16)]), (2, [head_bytes]),
        (3, hashed([_mont_rows(Group.G1, head.ic)])),
        (4, _record_section(records)),
        *((kind, hashed(chunks)) for kind, chunks in zip(POINT_SECTIONS, points)),
        (10, section10()),
    ])
