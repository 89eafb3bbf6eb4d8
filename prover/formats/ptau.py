"""snarkjs's powers-of-tau file ``.ptau`` (iden3 container, magic ``ptau``, version 1): the
parts a Groth16 phase 2 needs.

Section 1: u32 n8 (32), q, u32 power, u32 ceremony power. Points are Montgomery affine like a
zkey's. Sections 2-6 hold tau^i G1 (2^(power+1) - 1 of them), tau^i G2, alpha tau^i G1,
beta tau^i G1 (2^power each) and beta G2; ``snarkjs powersoftau prepare phase2`` adds 12-15:
the same four series in the Lagrange basis, for every domain size 1, 2, 4, ..., 2^power one
after the other (so the basis of size m starts at point m - 1); section 12 goes on to the
domain of 2^(power+1), whose last tau power (absent from section 2) counts as 0.

Only a prepared file will do (phase 2 works in the Lagrange basis). The points read are
validated in bulk (canonical, on the curve, in G2 for the G2 points).

``write_ptau`` streams a file section by section (``stream_container``), so a large ceremony
never sits in memory whole, and a failure leaves no half-written ``.ptau`` behind.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "tiny.ptau")
>>> write_ptau(path, 3, [(7, [b"\\0\\0\\0\\0"])])
>>> box = read_container(path, b"ptau")
>>> box.types(), ptau_header(3) == bytes(box.section(1))
([1, 7], True)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np

from prozchain.native.curve import P, Group
from prozchain.native.kernels import PreparedBases
from prozchain.prover.backend import current_backend
from prozchain.relations.formats.container import (Container, FormatError, Source, read_container, release_pages,
                                                   stream_container)

NAMES = {1: "header", 2: "tau G1", 3: "tau G2", 4: "alpha tau G1", 5: "beta tau G1", 6: "beta G2",
         12: "Lagrange tau G1", 13: "Lagrange tau G2", 14: "Lagrange alpha tau G1", 15: "Lagrange beta tau G1"}
POINT_BYTES = {Group.G1: 64, Group.G2: 128}
MAX_POWER = 27  # a prepared file holds a Lagrange basis of 2^(power+1) points; Fr's 2-adicity is 28


@dataclass(frozen=True)
class PowersOfTau:
    """An open ``.ptau``: its power and the means to take Lagrange series and single points."""

    box: Container
    power: int

    def error(self, section: int, problem: str) -> FormatError:
        return FormatError(f"{self.box.name}: section type {section} ({NAMES[section]}): {problem}")

    def points(self, section: int, group: Group, start: int, count: int) -> PreparedBases:
        """``count`` validated points of a section from point ``start``, in the kernels' layout."""
        raw = self.box.section(section, NAMES[section])
        size = POINT_BYTES[group]
        if (start + count) * size > len(raw):
            raise self.error(section, f"{len(raw)} bytes, too few for points {start}..{start + count}")
        mapped = np.frombuffer(raw, np.uint64, count * size // 8, start * size)
        rows = mapped.reshape(count, -1).copy()
        release_pages(mapped)  # copied: the file's pages need not stay resident (a setup reads series by series)
        found = current_backend().check_points_array(group, rows, mont=True)
        if found is not None:
            raise self.error(section, f"point {start + found[0]}: {found[1]}")
        return PreparedBases(group, rows)

    def lagrange(self, section: int, group: Group, size: int) -> PreparedBases:
        """The Lagrange series of the domain of ``size`` points (a power of two <= 2^power)."""
        if size > 1 << self.power:
            raise self.error(section, f"a domain of {size} needs power {size.bit_length() - 1}, "
                                      f"this ceremony has power {self.power}")
        return self.points(section, group, size - 1, size)


def read_ptau(source: Source, name: Optional[str] = None) -> PowersOfTau:
    """Open a prepared ``.ptau`` (BN254); sections are read and checked when asked for."""
    box = read_container(source, b"ptau", versions={1}, name=name)
    head = bytes(box.section(1, NAMES[1]))
    if len(head) != 4 + 32 + 8 or struct.unpack_from("<I", head)[0] != 32 or int.from_bytes(head[4:36], "little") != P:
        raise FormatError(f"{box.name}: section type 1 (header): not a BN254 header (n8 = 32, q = P, 44 bytes)")
    power, _ = struct.unpack_from("<II", head, 36)
    _check_power(power, f"{box.name}: section type 1 (header): ")
    for section in (12, 13, 14, 15):
        if not box.has(section):
            raise FormatError(f"{box.name}: section type {section} ({NAMES[section]}) is missing: the file is "
                              f"not prepared for phase 2 (snarkjs powersoftau prepare phase2)")
    for section, (group, count) in _section_sizes(power).items():
        if box.has(section) and len(box.section(section, NAMES[section])) != count * POINT_BYTES[group]:
            raise FormatError(f"{box.name}: section type {section} ({NAMES[section]}): "
                              f"{len(box.section(section, NAMES[section]))} bytes, but power {power} means "
                              f"{count} {group.name} points of {POINT_BYTES[group]} bytes")
    return PowersOfTau(box, power)


def _section_sizes(power: int) -> dict[int, tuple[str, int]]:
    """Each point section's group and point count in a prepared file of ``power``: the header's
    power must match the data, or one file could be read as two ceremonies."""
    n = 1 << power
    return {2: (Group.G1, 2 * n - 1), 3: (Group.G2, n), 4: (Group.G1, n), 5: (Group.G1, n), 6: (Group.G2, 1),
            12: (Group.G1, 4 * n - 1), 13: (Group.G2, 2 * n - 1), 14: (Group.G1, 2 * n - 1), 15: (Group.G1, 2 * n - 1)}


def ptau_header(power: int, ceremony_power: Optional[int] = None) -> bytes:
    """Section 1 of a BN254 ``.ptau``: u32 n8 = 32, q, u32 power, u32 ceremony power."""
    _check_power(power)
    ceremony = power if ceremony_power is None else ceremony_power
    return struct.pack("<I", 32) + P.to_bytes(32, "little") + struct.pack("<II", power, ceremony)


def _check_power(power: int, where: str = "") -> None:
    if not 0 <= power <= MAX_POWER:
        raise FormatError(f"{where}power {power} is out of range: BN254 ceremonies have power 0..{MAX_POWER}")


def write_ptau(path: str | Path, power: int, sections: Sequence[tuple[int, Iterable[bytes]]]) -> None:
    """Write a ``.ptau``: the header for ``power``, then each ``(type, chunks)`` in order.

    The chunks of a section are consumed only after every earlier section is on disk, so a
    later section may depend on what producing an earlier one computed (a running hash)."""
    stream_container(path, b"ptau", 1, [(1, [ptau_header(power)]), *sections])
