"""The layout of an iden3 container (magic, u32 version, u32 count, then u32 type, u64 size,
payload per section), as offsets into the file: where the mutators aim."""

from __future__ import annotations

import struct
from dataclasses import dataclass

HEADER = 12  # magic, version, section count
ENTRY = 12  # u32 type, u64 size


@dataclass(frozen=True)
class Section:
    type: int
    entry: int  # offset of the (type, size) entry
    start: int  # offset of the payload
    size: int

    @property
    def end(self) -> int:
        return self.start + self.size


def sections(blob: bytes) -> list[Section]:
    """The sections of a well-formed container, in file order."""
    (count,) = struct.unpack_from("<I", blob, 8)
    out, pos = [], HEADER
    for _ in range(count):
        kind, size = struct.unpack_from("<IQ", blob, pos)
        out.append(Section(kind, pos, pos + ENTRY, size))
        pos += ENTRY + size
    assert pos == len(blob), "not a well-formed container"
    return out


def section(blob: bytes, kind: int) -> Section:
    return next(s for s in sections(blob) if s.type == kind)


def rebuild(blob: bytes, parts: list[tuple[int, bytes]]) -> bytes:
    """``blob``'s magic and version with ``parts`` as its (type, payload) sections."""
    body = b"".join(struct.pack("<IQ", kind, len(payload)) + payload for kind, payload in parts)
    return blob[:8] + struct.pack("<I", len(parts)) + body


def payloads(blob: bytes) -> list[tuple[int, bytes]]:
    return [(s.type, blob[s.start:s.end]) for s in sections(blob)]
