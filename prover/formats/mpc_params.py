"""The records of a ``.zkey``'s section 10 (phase-2 contributions, laid out in
:mod:`prozchain.prover.formats.zkey`), walked without numpy: the full reader and the one-shot
prover (:mod:`prozchain.prover.groth16.oneshot`) check the same structure, each decoding or
checking the points its own way.

>>> def points(group, data, labels):
...     return [bytes(data[i * 32 * group.coords:(i + 1) * 32 * group.coords]) for i in range(len(labels))]
>>> contribution_records(bytes(64) + (0).to_bytes(4, "little"), ValueError, points)
[]
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence

from prozchain.native.curve import Group

TYPE_CHECKING = False  # typing's flag without importing typing (3 ms of a one-shot proof's start)
if TYPE_CHECKING:
    from typing import Any

CONTRIBUTION_BYTES = 3 * 64 + 128 + 64 + 4  # deltaAfter, g1_s, g1_sx, g2_spx, transcript, type
Points = Callable[[Group, memoryview, Sequence[str]], list]  # (group, raw points, labels) -> one value each


def contribution_records(raw: bytes, error: Callable[[str], Exception], points: Points) -> list[tuple]:
    """Each contribution of section 10's payload as (three G1 values, one G2 value, transcript,
    type, parameters), its points passed through ``points`` (deltaAfter, g1_s, g1_sx, then
    g2_spx, with their labels); a malformed record raises ``error(problem)``."""
    if len(raw) < 68:
        raise error(f"{len(raw)} bytes, too few for the 64-byte circuit hash and the u32 count")
    (count,) = struct.unpack_from("<I", raw, 64)
    view = memoryview(raw)
    pos, records = 68, []
    for i in range(count):
        if pos + CONTRIBUTION_BYTES + 4 > len(raw):
            raise error(f"contribution {i} of {count}: the section ends at byte {len(raw)}, before its "
                        f"{CONTRIBUTION_BYTES + 4} fixed bytes")
        label = f"contribution {i}: "
        g1 = points(Group.G1, view[pos:pos + 192], [label + n for n in ("deltaAfter", "g1_s", "g1_sx")])
        (g2_spx,) = points(Group.G2, view[pos + 192:pos + 320], [label + "g2_spx"])
        transcript = bytes(raw[pos + 320:pos + 384])
        kind, size = struct.unpack_from("<II", raw, pos + 384)
        if kind not in (0, 1):
            raise error(f"{label}type {kind} is neither 0 (contribution) nor 1 (beacon)")
        pos += CONTRIBUTION_BYTES + 4
        if pos + size > len(raw):
            raise error(f"{label}{size} parameter bytes run past the end of the section")
        params = _contribution_params(bytes(raw[pos:pos + size]), lambda problem: error(label + problem))
        pos += size
        if kind == 1 and not {"iterations_exp", "beacon_hash"} <= set(params):
            raise error(f"{label}a beacon without its hash and iteration exponent")
        records.append((g1, g2_spx, transcript, kind, params))
    if pos != len(raw):
        raise error(f"{len(raw) - pos} bytes after the {count} contributions")
    return records


def _contribution_params(raw: bytes, error: Callable[[str], Exception]) -> dict:
    """A contribution's optional parameters (name, beacon exponent, beacon hash) by field name."""
    params: dict[str, Any] = {}
    pos, last = 0, 0
    while pos < len(raw):
        kind = raw[pos]
        if kind not in (1, 2, 3):
            raise error(f"parameter type {kind} at byte {pos} is not 1 (name), 2 (iterations) or 3 (beacon hash)")
        if kind <= last:
            raise error(f"parameter type {kind} at byte {pos} is out of order (types must increase)")
        length = 1 if kind == 2 else (raw[pos + 1] if pos + 1 < len(raw) else -1)
        start = pos + (1 if kind == 2 else 2)
        if length < 0 or start + length > len(raw):
            raise error(f"parameter type {kind} at byte {pos} runs past its {len(raw)} parameter bytes")
        value = raw[start:start + length]
        if kind == 1:
            try:
                params["name"] = value.decode()
            except UnicodeDecodeError:
                raise error(f"the name {value!r} is not UTF-8") from None
        elif kind == 2:
            params["iterations_exp"] = value[0]
        else:
            params["beacon_hash"] = value
        pos, last = start + length, kind
    return params
