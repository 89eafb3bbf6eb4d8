"""snarkjs's ``.wtns`` witness files.

Container magic ``wtns``, version 2. Section 1: u32 n8, the prime (n8 bytes), u32 witness
count. Section 2: the values, n8 bytes each, little-endian, standard form.

>>> read_wtns(write_wtns([1, 33, 3, 11]))
[1, 33, 3, 11]
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Sequence

import numpy as np

from prozchain.native.curve import R
from prozchain.native.kernels import array_to_ints
from prozchain.relations.formats.container import (FormatError, Source, first_not_below, read_container, release_pages,
                                                  write_container)

MAGIC = b"wtns"
HEADER, VALUES = 1, 2
N8 = 32


def write_wtns(witness: Sequence[int], path: str | Path | None = None) -> bytes:
    """The ``.wtns`` bytes of ``witness``; also written to ``path`` if given."""
    for i, v in enumerate(witness):
        if not 0 <= v < R:
            raise FormatError(f"witness value {i} ({v}) is not a canonical field element")
    header = struct.pack("<I", N8) + R.to_bytes(N8, "little") + struct.pack("<I", len(witness))
    values = b"".join(int(v).to_bytes(N8, "little") for v in witness)
    blob = write_container(MAGIC, 2, [(HEADER, header), (VALUES, values)])
    if path is not None:
        Path(path).write_bytes(blob)
    return blob


def read_wtns_array(source: Source, name: str | None = None) -> np.ndarray:
    """The witness values of a ``.wtns`` file (path or bytes) as an ``(n, 4)`` uint64 limb
    array, with no Python int per value (what the prover takes)."""
    box = read_container(source, MAGIC, versions={2}, name=name)
    h = box.reader(HEADER, "header")
    h.scalar_field()
    count = h.u32("the witness count")
    data = box.section(VALUES, "values")
    if len(data) != count * N8:
        raise FormatError(f"{box.name}: section type 2 (values) holds {len(data)} bytes, {count} values need {count * N8}")
    values = np.frombuffer(data, "<u8").reshape(count, 4).astype(np.uint64)
    release_pages(data)  # copied: the file's pages need not stay resident beside the copy
    bad = first_not_below(values, R)
    if bad >= 0:
        raise FormatError(f"{box.name}: witness value {bad} ({array_to_ints(values[bad:bad + 1])[0]}) is not below the prime")
    return values


def read_wtns(source: Source, name: str | None = None) -> list[int]:
    """The witness values of a ``.wtns`` file (path or bytes)."""
    return array_to_ints(read_wtns_array(source, name))
