"""The iden3 binary container behind ``.r1cs``, ``.wtns``, ``.zkey`` and ``.ptau``.

Layout (little-endian): 4-byte magic, u32 version, u32 section count, then each section as
u32 type, u64 size, and ``size`` bytes of payload. Readers look sections up by type and ignore
types they do not know, so a format can grow. Payloads are ``memoryview`` slices of the file's
bytes: large sections (a ``.zkey``'s points) are never copied until parsed.

>>> blob = write_container(b"demo", 1, [(1, b"abc"), (7, b"skipped by readers that ignore 7")])
>>> box = read_container(blob, b"demo", versions={1})
>>> bytes(box.section(1)), box.types()
(b'abc', [1, 7])
>>> read_container(blob[:-3], b"demo", name="x.demo")
Traceback (most recent call last):
...
prozchain.relations.errors.FormatError: x.demo: section 1 (type 7) claims 32 bytes but only 29 remain
"""

from __future__ import annotations

import mmap
import os
import struct
from collections import namedtuple
from collections.abc import Iterable, Sequence

from prozchain.native.curve import R
from prozchain.relations.errors import FormatError

TYPE_CHECKING = False  # typing's flag without importing typing (3 ms of a one-shot proof's start)
if TYPE_CHECKING:
    import numpy as np

# a path is a str or an os.PathLike (pathlib's Path among them): a one-shot proof imports no pathlib
Source = bytes | bytearray | memoryview | str | os.PathLike


def first_not_below(values: np.ndarray, modulus: int) -> int:
    """The index of the first row of an ``(n, 4)`` limb array that is >= modulus, or -1."""
    import numpy as np  # here and below, not at the top: parsing a container needs none

    limbs = [np.uint64((modulus >> (64 * k)) & (2**64 - 1)) for k in range(4)]
    ge = np.ones(len(values), dtype=bool)  # from the lowest limb up: all limbs equal means ">="
    for k in range(4):
        ge = (values[:, k] > limbs[k]) | ((values[:, k] == limbs[k]) & ge)
    bad = np.flatnonzero(ge)
    return int(bad[0]) if len(bad) else -1


def release_pages(data: np.ndarray | memoryview) -> None:
    """Drop the pages behind ``data`` from this process's resident memory when ``data`` lies in
    a file's read-only memory map (they are read back from the file if touched again); no-op for
    anything else. Lets a prover copy or use one large section at a time without the whole
    file counting against its peak memory. Only the whole pages inside ``data``'s own bytes go
    (a slice of a section releases that slice), and a non-contiguous array releases nothing.
    ``data`` is a section's memoryview, a numpy array over one (the one-shot prover, which
    imports no numpy, passes the former), or a memoryview over such an array.

    A loop over a section's parts releases everything done so far (``section[:end]``), not just
    the part: the kernel maps a file's large folios whole, so touching a part maps pages on both
    sides of it, and releasing each 2 MiB part alone left 60% of a 64 MiB section resident
    (ext4, Linux 6.18). Zapping the pages already gone costs almost nothing."""
    view = data
    while not (isinstance(view, memoryview) and isinstance(view.obj, mmap.mmap)):
        # a chain of numpy views and memoryviews over them ends at the section's memoryview
        view = view.obj if isinstance(view, memoryview) else getattr(view, "base", None)
        if view is None:
            return
    if not data.nbytes:
        return
    if not memoryview(data).c_contiguous:
        return
    start = _address(data) - _address(view.obj)
    first = -(-start // mmap.PAGESIZE) * mmap.PAGESIZE
    last = (start + data.nbytes) // mmap.PAGESIZE * mmap.PAGESIZE
    if last > first:
        view.obj.madvise(mmap.MADV_DONTNEED, first, last - first)


def _address(buffer) -> int:
    """Where a buffer's bytes start in memory (cffi reads read-only buffers, as a file's mapping is)."""
    from prozchain.native.core import ffi

    return int(ffi.cast("uintptr_t", ffi.from_buffer(buffer)))


# namedtuple rather than typing.NamedTuple, which makes each field's annotation (a string here) a
# ForwardRef that typing compiles at import: a process's first compile costs 1 ms.
class Container(namedtuple("Container", "name magic version sections")):
    """A parsed container: its name (``str``, for messages), ``magic`` (``bytes``), ``version``
    (``int``) and ``sections``, a list of ``(type, payload)``: ``(int, memoryview)``."""

    __slots__ = ()

    def types(self) -> list[int]:
        return [t for t, _ in self.sections]

    def has(self, section_type: int) -> bool:
        return any(t == section_type for t, _ in self.sections)

    def section(self, section_type: int, what: str = "") -> memoryview:
        """The payload of the one section of ``section_type``; an error if missing or repeated."""
        found = [p for t, p in self.sections if t == section_type]
        label = f"section type {section_type}" + (f" ({what})" if what else "")
        if not found:
            raise FormatError(f"{self.name}: {label} is missing")
        if len(found) > 1:
            raise FormatError(f"{self.name}: {label} appears {len(found)} times")
        return found[0]

    def reader(self, section_type: int, what: str = "") -> "Reader":
        label = f"section type {section_type}" + (f" ({what})" if what else "")
        return Reader(self.section(section_type, what), f"{self.name}: {label}")


class Reader:
    """A cursor over one payload; reading past its end is a ``FormatError`` naming the section."""

    def __init__(self, data: memoryview, where: str):
        self.data = data
        self.pos = 0
        self.where = where

    def take(self, n: int, what: str) -> memoryview:
        if self.pos + n > len(self.data):
            raise FormatError(f"{self.where}: ends inside {what} (needs {n} bytes at offset {self.pos}, size {len(self.data)})")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def u32(self, what: str) -> int:
        return struct.unpack("<I", self.take(4, what))[0]

    def u64(self, what: str) -> int:
        return struct.unpack("<Q", self.take(8, what))[0]

    def integer(self, n8: int, what: str) -> int:
        return int.from_bytes(self.take(n8, what), "little")

    def scalar_field(self) -> None:
        """Read the (u32 n8, prime) pair that .r1cs and .wtns headers open with; it must name
        BN254's scalar field, 32-byte elements modulo R."""
        n8 = self.u32("the field size")
        if n8 != 32:
            raise FormatError(f"{self.where}: field elements of {n8} bytes, expected 32 (BN254)")
        prime = self.integer(n8, "the prime")
        if prime != R:
            raise FormatError(f"{self.where}: prime {prime} is not BN254's scalar field order")

    def expect_end(self) -> None:
        if self.pos != len(self.data):
            raise FormatError(f"{self.where}: {len(self.data) - self.pos} unexpected bytes after the content")


def _load(source: Source) -> tuple[memoryview, str]:
    """The bytes behind a source: a file is memory-mapped read-only, so a large ``.zkey`` is
    neither read nor copied up front and its pages count once, however its sections are used."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        try:
            with open(path, "rb") as f:
                if os.fstat(f.fileno()).st_size == 0:
                    return memoryview(b""), path
                return memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)), path
        except OSError as exc:
            raise FormatError(f"{path}: cannot read ({exc.strerror})") from exc
    return memoryview(bytes(source)), "<bytes>"


def read_container(source: Source, magic: bytes, versions: Iterable[int] | None = None, name: str | None = None) -> Container:
    """Parse a container from a path or bytes, checking its magic and (if given) its version."""
    data, default_name = _load(source)
    name = name or default_name
    if len(data) < 12:
        raise FormatError(f"{name}: {len(data)} bytes is too short for a header (magic, version, section count)")
    if bytes(data[:4]) != magic:
        raise FormatError(f"{name}: magic is {bytes(data[:4])!r}, expected {magic!r}")
    version, count = struct.unpack_from("<II", data, 4)
    if versions is not None and version not in set(versions):
        raise FormatError(f"{name}: version {version} is not supported (supported: {sorted(set(versions))})")
    view = data
    pos, sections = 12, []
    for i in range(count):
        if pos + 12 > len(data):
            raise FormatError(f"{name}: section {i} header is cut off at offset {pos}")
        section_type, size = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if pos + size > len(data):
            raise FormatError(f"{name}: section {i} (type {section_type}) claims {size} bytes but only {len(data) - pos} remain")
        sections.append((section_type, view[pos : pos + size]))
        pos += size
    if pos != len(data):
        raise FormatError(f"{name}: {len(data) - pos} bytes after the last section")
    return Container(name, magic, version, sections)


def write_container(magic: bytes, version: int, sections: list[tuple[int, bytes]]) -> bytes:
    """Serialize sections (in the order given) into one container."""
    if len(magic) != 4:
        raise FormatError(f"magic must be 4 bytes, got {magic!r}")
    parts = [magic, struct.pack("<II", version, len(sections))]
    for section_type, payload in sections:
        parts.append(struct.pack("<IQ", section_type, len(payload)))
        parts.append(bytes(payload))
    return b"".join(parts)


def stream_container(path: str | os.PathLike, magic: bytes, version: int,
                     sections: Sequence[tuple[int, Iterable[bytes]]]) -> None:
    """Write a container to ``path`` section by section, each ``(type, chunks)`` in order (chunks: bytes-like), each
    section's size patched in once its chunks are written (as snarkjs does), so a large file
    never sits in memory whole. The chunks of a section are consumed only after every earlier
    section is on disk, so a later section may depend on what producing an earlier one
    computed (a running hash). It writes beside the target and renames: a failure leaves no
    half-written file behind.

    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "x.demo"
    >>> stream_container(path, b"demo", 1, [(1, [b"ab", b"c"]), (7, iter([b"z"]))])
    >>> path.read_bytes() == write_container(b"demo", 1, [(1, b"abc"), (7, b"z")])
    True
    """
    if len(magic) != 4:
        raise FormatError(f"magic must be 4 bytes, got {magic!r}")
    path = os.fspath(path)
    partial = path + ".partial"
    try:
        f = open(partial, "wb")
    except OSError as exc:
        raise FormatError(f"{path}: cannot write ({exc.strerror})") from exc
    try:
        with f:
            f.write(magic + struct.pack("<II", version, len(sections)))
            for section_type, chunks in sections:
                f.write(struct.pack("<I", section_type))
                start = f.tell()
                f.write(struct.pack("<Q", 0))
                for chunk in chunks:
                    f.write(chunk)
                end = f.tell()
                f.seek(start)
                f.write(struct.pack("<Q", end - start - 8))
                f.seek(end)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
