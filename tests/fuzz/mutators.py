"""Mutants of a valid file: mutant ``index`` of a format under ``seed`` is always the same, so
any failure replays from (format, seed, index).

Binary files (iden3 containers): truncation, byte flips in the file header and the section
table, huge and "negative" (two's complement) sizes and counts, duplicated, missing, reordered
and unknown sections, field elements at and above their modulus, a wrong prime, points off the
curve, with a coordinate not below P, and G2 points outside the subgroup.

JSON files: truncation, bad bytes, non-canonical spellings of a number, numbers at and above
their modulus, 5,000-digit numbers, 100,000-deep nesting, wrong types, missing, extra and
repeated keys, lists one too short or too long, points off the curve or outside G2, points
rescaled in Jacobian coordinates, degenerate verification keys, a directory for a file.

A mutant passes if its reader raises the project's error type, or reads the very content of
the original ("harmless": the mutated bytes are not part of the statement). A few mutants
``must_fail`` even then: a number spelled other than as snarkjs writes it would let one
statement be written as many texts.
"""

from __future__ import annotations

import json
import random
import struct
from dataclasses import dataclass, replace
from typing import Any, Callable, Optional

from prozchain.native.curve import P, R, Group
from prozchain.prover.twist import twist_point_outside_g2
from tests.fuzz.container import ENTRY, HEADER, payloads, rebuild, sections
from tests.fuzz.targets import G2, Slot, Target

MONT = 1 << 256
DEEP = 100_000
DIGITS = 5_000


@dataclass(frozen=True)
class Mutant:
    label: str
    data: Optional[bytes]  # None: the file is a directory
    must_fail: bool = False
    operator: str = ""  # the mutator's name, to sum failures up by kind


def mutant(target: Target, original: bytes, seed: int, index: int) -> Mutant:
    rng = random.Random(f"{seed}/{target.name}/{index}")
    operators = BINARY if target.binary else JSON_OPERATORS
    operator = rng.choice(operators)
    return replace(operator(rng, target, original), operator=operator.__name__)


# -- any file -------------------------------------------------------------------------------
def _put(blob: bytes, at: int, value: int, width: int) -> bytes:
    return blob[:at] + (value % (1 << 8 * width)).to_bytes(width, "little") + blob[at + width:]


def truncate(rng: random.Random, target: Target, data: bytes) -> Mutant:
    at = rng.randrange(len(data))
    return Mutant(f"truncated to {at} of {len(data)} bytes", data[:at])


def directory(rng: random.Random, target: Target, data: bytes) -> Mutant:
    return Mutant("a directory where the file should be", None)


# -- binary ---------------------------------------------------------------------------------
def flip_file_header(rng: random.Random, target: Target, blob: bytes) -> Mutant:
    at, mask = rng.randrange(HEADER), rng.randrange(1, 256)
    return Mutant(f"file header byte {at} ^= {mask:#04x}", _put(blob, at, blob[at] ^ mask, 1))


def flip_section_entry(rng: random.Random, target: Target, blob: bytes) -> Mutant:
    s = rng.choice(sections(blob))
    at, mask = s.entry + rng.randrange(ENTRY), rng.randrange(1, 256)
    return Mutant(f"section type {s.type} entry byte {at - s.entry} ^= {mask:#04x}", _put(blob, at, blob[at] ^ mask, 1))


def section_size(rng: random.Random, target: Target, blob: bytes) -> Mutant:
    s = rng.choice(sections(blob))
    size = rng.choice([2**64 - 1, 2**63, 2**64 - s.size, 2**64 - 1 - s.size, 2**32 - 1, 2**32 + s.size, s.size + 1,
                       max(s.size - 1, 0), 0, len(blob)])
    return Mutant(f"section type {s.type} size {s.size} -> {size}", _put(blob, s.entry + 4, size, 8))


def section_count(rng: random.Random, target: Target, blob: bytes) -> Mutant:
    (count,) = struct.unpack_from("<I", blob, 8)
    value = rng.choice([0, count - 1, count + 1, 2**32 - 1, 2**31])
    return Mutant(f"section count {count} -> {value}", _put(blob, 8, value, 4))


def duplicate_section(rng: random.Random, target: Target, blob: bytes) -> Mutant:
    parts = payloads(blob)
    i = rng.randrange(len(parts))
    at = rng.randrange(len(parts) + 1)
    return Mutant(f"section type {parts[i][0]} duplicated at position {at}", rebuild(blob, parts[:at] + [parts[i]] + parts[at:]))


def remove_section(rng: random.Random, target: Target, blob: bytes) -> Mutant:
    parts = payloads(blob)
    i = rng.randrange(len(parts))
    return Mutant(f"section type {parts[i][0]} removed", rebuild(blob, parts[:i] + parts[i + 1:]))


def swap_sections(rng: random.Random, target: Target, blob: bytes) -> Mutant:
    parts = payloads(blob)
    i, j = rng.sample(range(len(parts)), 2)
    parts[i], parts[j] = parts[j], parts[i]
    return Mutant(f"sections types {parts[j][0]} and {parts[i][0]} swapped", rebuild(blob, parts))


def unknown_section(rng: random.Random, target: Target, blob: bytes) -> Mutant:
    parts = payloads(blob)
    kind = rng.choice([0, 99, 2**32 - 1])
    at = rng.randrange(len(parts) + 1)
    extra = (kind, rng.randbytes(rng.randrange(65)))
    return Mutant(f"unknown section type {kind} inserted at position {at}", rebuild(blob, parts[:at] + [extra] + parts[at:]))


def _slot(rng: random.Random, target: Target, blob: bytes, kinds: tuple[str, ...]) -> Optional[Slot]:
    slots = [s for s in target.slots(blob) if s.kind in kinds]
    return rng.choice(slots) if slots else None


def number(rng: random.Random, target: Target, blob: bytes) -> Mutant:
    """A size, count or index set to a huge, "negative", zero or off-by-one value."""
    slot = _slot(rng, target, blob, ("size", "index"))
    old = int.from_bytes(blob[slot.offset:slot.offset + slot.width], "little")
    top = 1 << 8 * slot.width
    choices = [top - 1, top // 2, top // 2 + old]
    if slot.kind == "size":
        choices += [0, old + 1, old - 1, 2 * old, old + 2**16]
    value = rng.choice(choices) % top
    return Mutant(f"{slot.kind} at byte {slot.offset} {old} -> {value}", _put(blob, slot.offset, value, slot.width))


def field_element(rng: random.Random, target: Target, blob: bytes) -> Mutant:
    """A field element at or above its modulus, or the field's prime replaced."""
    slot = _slot(rng, target, blob, ("field", "prime"))
    old = int.from_bytes(blob[slot.offset:slot.offset + 32], "little")
    if slot.kind == "field":
        value = rng.choice([slot.modulus, slot.modulus + 1, MONT - 1, slot.modulus + old]) % MONT
    else:
        value = rng.choice([P + R - slot.modulus, slot.modulus + 1, slot.modulus - 1, 0, MONT - 1])
    return Mutant(f"{slot.kind} at byte {slot.offset} -> {value:#x}", _put(blob, slot.offset, value, 32))


def _mont(values: list[int]) -> bytes:
    return b"".join((v * MONT % P).to_bytes(32, "little") for v in values)


def point(rng: random.Random, target: Target, blob: bytes) -> Mutant:
    """A point off the curve, with a coordinate not below P, or (G2) on the twist outside G2."""
    slot = _slot(rng, target, blob, ("point",))
    if slot is None:  # a format without points
        return field_element(rng, target, blob)
    coordinate = slot.offset + 32 * rng.randrange(4 if slot.group == G2 else 2)
    how = rng.choice(["off the curve", "coordinate >= P"] + (["outside G2"] if slot.group == G2 else []))
    if how == "off the curve":
        data = _put(blob, coordinate, rng.randrange(P), 32)
    elif how == "coordinate >= P":
        data = _put(blob, coordinate, rng.choice([P, P + 1, MONT - 1]), 32)
    else:
        (x0, x1), (y0, y1) = twist_point_outside_g2(rng)
        data = blob[:slot.offset] + _mont([x0, x1, y0, y1]) + blob[slot.offset + 128:]
    return Mutant(f"{slot.group} point at byte {slot.offset} {how}", data)


BINARY: list[Callable[[random.Random, Target, bytes], Mutant]] = [
    truncate, flip_file_header, flip_section_entry, section_size, section_count, duplicate_section, remove_section,
    swap_sections, unknown_section, number, field_element, point, directory]


# -- JSON -----------------------------------------------------------------------------------
PLACEHOLDER = "\u0000fuzz\u0000"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into ``obj`` (the root is ``()``)."""
    out = [prefix]
    children = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else []
    for key, value in children:
        out += _paths(value, prefix + (key,))
    return out


def _get(obj: Any, path: tuple) -> Any:
    for key in path:
        obj = obj[key]
    return obj


def _set(obj: Any, path: tuple, value: Any) -> Any:
    """A copy of ``obj`` with the value at ``path`` replaced."""
    if not path:
        return value
    copy = dict(obj) if isinstance(obj, dict) else list(obj)
    copy[path[0]] = _set(obj[path[0]], path[1:], value)
    return copy


def _text(obj: Any, raw: str = "") -> bytes:
    """``obj`` as JSON, with the placeholder string (if any) replaced by the raw text ``raw``."""
    return json.dumps(obj, indent=1).replace(json.dumps(PLACEHOLDER), raw).encode()


def _where(path: tuple) -> str:
    return "/".join(map(str, path)) or "the root"


def _numbers(obj: Any) -> list[tuple]:
    return [p for p in _paths(obj) if isinstance(_get(obj, p), str) and _get(obj, p).isascii() and _get(obj, p).isdigit()]


def _pick(rng: random.Random, paths: list[tuple]) -> Optional[tuple]:
    return rng.choice(paths) if paths else None


def bad_bytes(rng: random.Random, target: Target, data: bytes) -> Mutant:
    at = rng.randrange(len(data))
    how, mutated = rng.choice([("a UTF-8 BOM before the text", b"\xef\xbb\xbf" + data),
                               (f"byte 0xff inserted at {at}", data[:at] + b"\xff" + data[at:]),
                               ("an empty file", b"")])
    return Mutant(how, mutated)


def noncanonical_number(rng: random.Random, target: Target, data: bytes) -> Mutant:
    """The same value spelled another way. snarkjs writes plain decimal strings; which other
    spellings it reads (JSON numbers, 0x) is left open, the rest must be refused."""
    obj = json.loads(data)
    path = _pick(rng, _numbers(obj))
    if path is None:
        return retype(rng, target, data)
    s = _get(obj, path)
    strict = [f"+{s}", f" {s}", f"{s} ", f"0{s}", s.translate(FULLWIDTH), f"{s}.0"]
    strict += [f"{s[0]}_{s[1:]}"] if len(s) > 1 else []
    strict += ["-0"] if s == "0" else []
    spelling = rng.choice(strict + ["hex", "JSON number"])
    if spelling == "hex":
        return Mutant(f"{_where(path)} {s} as {hex(int(s))}", _text(_set(obj, path, hex(int(s)))))
    if spelling == "JSON number":
        return Mutant(f"{_where(path)} {s} as a JSON number", _text(_set(obj, path, PLACEHOLDER), s))
    return Mutant(f"{_where(path)} {s} spelled {spelling!r}", _text(_set(obj, path, spelling)),
                  must_fail=target.strict_numbers and path[0] not in target.unread)


def out_of_range(rng: random.Random, target: Target, data: bytes) -> Mutant:
    obj = json.loads(data)
    path = _pick(rng, _numbers(obj))
    if path is None:
        return retype(rng, target, data)
    m = target.number_modulus(path)
    choices = [m, m + 1, 2**256, m + int(_get(obj, path))]
    value = str(rng.choice(choices)) if not target.strict_numbers else rng.choice([str(v) for v in choices] + ["-1"])
    return Mutant(f"{_where(path)} -> {value}", _text(_set(obj, path, value)))


def huge_number(rng: random.Random, target: Target, data: bytes) -> Mutant:
    obj = json.loads(data)
    path = rng.choice(_numbers(obj) or _paths(obj))
    digits = "9" * DIGITS
    if rng.random() < 0.5:
        return Mutant(f"{_where(path)} a {DIGITS}-digit string", _text(_set(obj, path, digits)))
    return Mutant(f"{_where(path)} a {DIGITS}-digit JSON number", _text(_set(obj, path, PLACEHOLDER), digits))


def deep_nesting(rng: random.Random, target: Target, data: bytes) -> Mutant:
    obj = json.loads(data)
    path = rng.choice(_paths(obj))
    return Mutant(f"{_where(path)} nested {DEEP} lists deep", _text(_set(obj, path, PLACEHOLDER), "[" * DEEP + "]" * DEEP))


def retype(rng: random.Random, target: Target, data: bytes) -> Mutant:
    obj = json.loads(data)
    path = rng.choice(_paths(obj))
    # circom's input JSON takes true and false for 1 and 0: there a boolean is a value, not a wrong type
    value = rng.choice([None, 1.5, {}, [], "x", [[]]] + ([True] if target.strict_numbers else []))
    return Mutant(f"{_where(path)} -> {json.dumps(value)}", _text(_set(obj, path, value)))


def drop_key(rng: random.Random, target: Target, data: bytes) -> Mutant:
    obj = json.loads(data)
    keyed = [p + (k,) for p in _paths(obj) if isinstance(_get(obj, p), dict) for k in _get(obj, p)]
    if not keyed:
        return list_length(rng, target, data)
    path = rng.choice(keyed)
    parent = dict(_get(obj, path[:-1]))
    del parent[path[-1]]
    return Mutant(f"{_where(path)} removed", _text(_set(obj, path[:-1], parent)))


def extra_key(rng: random.Random, target: Target, data: bytes) -> Mutant:
    obj = json.loads(data)
    dicts = [p for p in _paths(obj) if isinstance(_get(obj, p), dict)]
    if not dicts:
        return list_length(rng, target, data)
    path = rng.choice(dicts)
    return Mutant(f"{_where(path)} gets a key 'fuzz'", _text(_set(obj, path, {**_get(obj, path), "fuzz": "1"})))


def repeated_key(rng: random.Random, target: Target, data: bytes) -> Mutant:
    """A key written twice with the same value: JSON parsers keep one, so the content is the same."""
    obj = json.loads(data)
    if not isinstance(obj, dict) or not obj:
        return list_length(rng, target, data)
    key = rng.choice(list(obj))
    text = _text(obj).decode()
    return Mutant(f"key {key!r} written twice", text.replace("{", "{" + json.dumps(key) + ": " + json.dumps(obj[key]) + ",",
                                                           1).encode())


def list_length(rng: random.Random, target: Target, data: bytes) -> Mutant:
    obj = json.loads(data)
    lists = [p for p in _paths(obj) if isinstance(_get(obj, p), list) and _get(obj, p)]
    path = rng.choice(lists)
    items = _get(obj, path)
    i = rng.randrange(len(items))
    if rng.random() < 0.5:
        return Mutant(f"{_where(path)} loses item {i}", _text(_set(obj, path, items[:i] + items[i + 1:])))
    return Mutant(f"{_where(path)} repeats item {i}", _text(_set(obj, path, items[:i + 1] + items[i:])))


def _json_point(rng: random.Random, target: Target, obj: Any, groups: tuple[str, ...]) -> Optional[tuple[tuple, str]]:
    points = [(p, g) for p, g in target.points(obj) if g in groups]
    return rng.choice(points) if points else None


def _replace_point(rng: random.Random, target: Target, data: bytes, groups: tuple[str, ...], what: str,
                   value_of: Callable[[str, Any], Any], fallback: Callable[..., Mutant]) -> Mutant:
    """One point of ``groups`` replaced by ``value_of(group, coordinates)``; ``fallback`` where
    the file has no such point or ``value_of`` gives None."""
    obj = json.loads(data)
    found = _json_point(rng, target, obj, groups)
    value = value_of(found[1], _get(obj, found[0])) if found else None
    if value is None:
        return fallback(rng, target, data)
    return Mutant(f"{_where(found[0])} {what}", _text(_set(obj, found[0], value)))


def point_off_curve(rng: random.Random, target: Target, data: bytes) -> Mutant:
    def moved(group: Group, point: Any) -> Any:
        x, y, _ = point
        if group == G2:
            return [x, [str((int(y[0]) + 1) % P), y[1]], ["1", "0"]]
        return [x, str((int(y) + 1) % P), "1"]
    return _replace_point(rng, target, data, (Group.G1, G2), "moved off the curve", moved, out_of_range)


def point_outside_g2(rng: random.Random, target: Target, data: bytes) -> Mutant:
    def outside(group: Group, point: Any) -> Any:
        (x0, x1), (y0, y1) = twist_point_outside_g2(rng)
        return [[str(x0), str(x1)], [str(y0), str(y1)], ["1", "0"]]
    return _replace_point(rng, target, data, (G2,), "on the twist outside G2", outside, out_of_range)


def jacobian(rng: random.Random, target: Target, data: bytes) -> Mutant:
    """A point written with z = 2 (x z^2, y z^3, z): the same point, as ffjavascript reads it."""
    def scaled(group: Group, point: Any) -> Any:
        x, y, z = point
        if group == G2:
            if z == ["0", "0"]:
                return None
            return [[str(int(c) * 4 % P) for c in x], [str(int(c) * 8 % P) for c in y], ["2", "0"]]
        if z == "0":
            return None
        return [str(int(x) * 4 % P), str(int(y) * 8 % P), "2"]
    return _replace_point(rng, target, data, (Group.G1, G2), "in Jacobian coordinates with z = 2", scaled, retype)


def degenerate(rng: random.Random, target: Target, data: bytes) -> Mutant:
    obj = json.loads(data)
    cases = target.degenerate(obj)
    if not cases:
        return point_off_curve(rng, target, data)
    label, (path, value) = rng.choice(cases)
    return Mutant(label, _text(_set(obj, path, value)))


JSON_OPERATORS: list[Callable[[random.Random, Target, bytes], Mutant]] = [
    truncate, bad_bytes, noncanonical_number, out_of_range, huge_number, deep_nesting, retype, drop_key, extra_key,
    repeated_key, list_length, point_off_curve, point_outside_g2, jacobian, degenerate, directory]
