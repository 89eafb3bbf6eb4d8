"""``prozchain serve``: a resident Groth16 prover over local HTTP, on a TCP port or a Unix socket.

A proof of 2^12 constraints costs a fraction of the time of the command that makes it: Python's
start, its imports and reading the key come to more than the proof. A resident prover pays them
once. :class:`Prover` holds keys read and validated once, named by their file and by their content
hash (:func:`prozchain.prover.farm.key_digest`, so an equal key added twice is held once), and
proves witnesses against them; :func:`make_server` puts it behind an HTTP endpoint
(the standard library's threading HTTP server: no dependency, one thread per connection,
and the C core splits one kernel at a time, so concurrent requests share the cores).
With the C core, each held key also gets fixed-base tables (:meth:`Prover.add`'s
``tables_mib``, ``--tables``): every base's multiples 2^(c w) P for each window w, so that each MSM
is one window of buckets with one reduction and no doublings (measured at 2^12 on one thread: a
G1 MSM of 4,096 points 22.4 -> 13.1 ms, the G2 one 53.7 -> 35.5 ms), built once when the key is
added, at about ten MSMs' work.
``--unix PATH`` (:func:`make_unix_server`) serves the same protocol on a Unix socket instead: no
port to choose or guard, only this machine's processes that may open the file (it is made
readable and writable by its owner only), and a connection that skips TCP's loopback stack
(``curl --unix-socket PATH http://localhost/keys``; in Python, :func:`connect`).

The endpoint:

- ``GET /keys``: ``{"keys": [{"name", "digest", "n_vars", "n_public", "domain_size"}, ...]}``;
- ``POST /prove/<name or digest>`` with a witness in the body, either a ``.wtns`` file
  (any content type but JSON) or JSON (``Content-Type: application/json``): the witness values as
  decimal strings, as ``snarkjs wtns export json`` writes them. The answer (200):
  ``{"proof": <proof.json>, "public": <public.json>, "verified": true, "ms": {step: ms}}``. Every
  proof is verified under the key's verification key before it is returned (about four
  pairings: under 1 ms against 100 ms or more for the proof at 2^12).

Errors are JSON ``{"error": "..."}`` with the status saying whose fault: 400 a malformed body or
a witness of the wrong size, above r, or without the constant 1; 404 an unknown key or path;
411 no Content-Length; 413 a body larger than the key's witness can be; 422 a well-formed witness
whose proof does not verify (it does not satisfy the circuit): no proof is returned.

>>> import json, os, tempfile, threading, urllib.request
>>> from prozchain.prover.groth16.setup import dev_setup, toy_r1cs, toy_witness
>>> from prozchain.relations.formats.wtns import write_wtns
>>> from prozchain.native.kernels import array_to_ints
>>> prover = Prover()
>>> name = prover.add(dev_setup(toy_r1cs(), seed=1), "toy").name
>>> server = make_server(prover, "127.0.0.1", 0)
>>> threading.Thread(target=server.serve_forever, daemon=True).start()
>>> url = f"http://127.0.0.1:{server.server_address[1]}/prove/toy"
>>> body = write_wtns(array_to_ints(toy_witness(3)))
>>> answer = json.load(urllib.request.urlopen(urllib.request.Request(url, data=body)))
>>> answer["public"], answer["verified"]
(['27'], True)
>>> server.shutdown(); server.server_close()

The same on a Unix socket, the client connected by :func:`connect`:

>>> path = os.path.join(tempfile.mkdtemp(), "prover.sock")
>>> server = make_unix_server(prover, path)
>>> threading.Thread(target=server.serve_forever, daemon=True).start()
>>> conn = connect(path)
>>> conn.request("POST", "/prove/toy", body=body)
>>> json.load(conn.getresponse())["public"]
['27']
>>> conn.close(); server.shutdown(); server.server_close(); os.path.exists(path)
False
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import stat
import sys
import time
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingUnixStreamServer
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from prozchain.native.errors import ProzError
from prozchain.native.kernels import ints_to_array
from prozchain.prover.farm import key_digest
from prozchain.prover.formats.snarkjs_json import proof_to_json, public_from_json, public_to_json
from prozchain.prover.formats.zkey import KeyCheck, ZKey, read_zkey
from prozchain.prover.groth16.keys import VerificationKey
from prozchain.prover.backend import current_backend
from prozchain.prover.groth16.profile import Profile
from prozchain.prover.groth16.prover import prove
from prozchain.prover.groth16.verifier import pairing_equation_holds
from prozchain.relations.formats.bounded_json import parse_json
from prozchain.relations.errors import WitnessError
from prozchain.relations.formats.wtns import read_wtns_array


class RequestError(ProzError):
    """A request the prover refuses, with the HTTP status that says why."""

    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class HeldKey:
    """A key the prover holds: its name (from the file, or given), its content digest, the key
    and its verification key."""

    name: str
    digest: str
    key: ZKey
    vk: VerificationKey

    def describe(self) -> dict:
        tables = sum(getattr(getattr(self.key, s), "table", None) is not None for s in SECTIONS)
        return {"name": self.name, "digest": self.digest, "n_vars": self.key.n_vars, "n_public": self.key.n_public,
                "domain_size": self.key.domain_size, "tables": tables}

    def max_body(self) -> int:
        """The largest body a witness for this key can be: a .wtns (32 bytes a value and its
        header), or JSON decimal strings of at most 77 digits, quoted and comma-separated."""
        return 4096 + self.key.n_vars * 82


SECTIONS = ("a", "b1", "b2", "c", "h")  # the key's MSM bases
TABLES_MIB = 512


def with_tables(key: ZKey, mib: float) -> ZKey:
    """``key`` with fixed-base tables for its MSM sections (C core only), all of them together
    within ``mib`` MiB: each section's table may hold the same number of rows (multiples of
    its bases), and a section for which no table fits keeps its plain bases."""
    if mib <= 0:
        return key
    sections = {name: getattr(key, name) for name in SECTIONS}
    size = sum(bases.array.nbytes for bases in sections.values())
    rows = int(mib * 2**20 // size) if size else 0
    backend = current_backend()
    return replace(key, **{name: backend.msm_table(bases, rows * len(bases)) for name, bases in sections.items()})


class Prover:
    """Keys held prepared, and proofs against them (see the module's docstring)."""

    def __init__(self, tables_mib: float = TABLES_MIB) -> None:
        self._by_ref: dict[str, HeldKey] = {}
        self._held: list[HeldKey] = []
        self.tables_mib = tables_mib

    def add(self, key: ZKey, name: str) -> HeldKey:
        """Hold ``key`` under ``name`` and its digest, with fixed-base tables of at most the
        prover's ``tables_mib`` (see :func:`with_tables`); an equal key held already is not held
        twice (it gains the name). A name already used for another key is a :class:`ProzError`."""
        digest = key_digest(key)
        held = self._by_ref.get(digest)
        if name in self._by_ref and self._by_ref[name] is not held:
            raise ProzError(f"two different keys are named {name!r}: name them with NAME=FILE.zkey")
        if held is None:
            held = HeldKey(name, digest, with_tables(key, self.tables_mib), key.verification_key())
            self._held.append(held)
            self._by_ref[digest] = held
        self._by_ref[name] = held
        return held

    def add_file(self, path: Union[str, Path], name: Optional[str] = None, check: KeyCheck = "sample") -> HeldKey:
        """Read a ``.zkey`` (validating its points as ``check`` says) and hold it under ``name``
        (default: the file's name without ``.zkey``)."""
        return self.add(read_zkey(path, check=check), name or Path(path).stem)

    def keys(self) -> list[dict]:
        return [held.describe() for held in self._held]

    def max_body(self) -> int:
        """The largest request body any held key accepts (0 when none is held)."""
        return max((held.max_body() for held in self._held), default=0)

    def find(self, ref: str) -> HeldKey:
        """The key named ``ref`` (a name or a digest), or a 404 :class:`RequestError`."""
        if ref not in self._by_ref:
            raise RequestError(HTTPStatus.NOT_FOUND, f"no key {ref!r}; GET /keys lists the keys held")
        return self._by_ref[ref]

    def prove(self, ref: str, body: bytes, is_json: bool) -> dict:
        """The answer to ``POST /prove/<ref>``: the proof, verified, and its public signals."""
        held = self.find(ref)
        witness = witness_from_json(body) if is_json else witness_from_wtns(body)
        profile = Profile()
        try:
            proof, public = prove(held.key, witness, profile=profile)
        except WitnessError as exc:  # the witness's size or constant, as prove checks them
            raise RequestError(HTTPStatus.BAD_REQUEST, f"witness: {exc}") from None
        with profile.step("verify"):
            if not pairing_equation_holds(held.vk, public, proof):
                raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY,
                                   f"the proof did not verify under key {held.name!r}: the witness does not satisfy "
                                   f"its circuit; no proof returned")
        return {"proof": proof_to_json(proof), "public": public_to_json(public), "verified": True,
                "ms": {step: round(seconds * 1000, 3) for step, seconds in profile.items()}}


def witness_from_wtns(body: bytes) -> np.ndarray:
    """A witness sent as the bytes of a ``.wtns`` file, or a 400 :class:`RequestError`."""
    try:
        return read_wtns_array(body, name="request body (.wtns)")
    except ProzError as exc:
        raise RequestError(HTTPStatus.BAD_REQUEST, str(exc)) from None


def witness_from_json(body: bytes) -> np.ndarray:
    """A witness sent as JSON decimal strings, or a 400 :class:`RequestError`.

    >>> witness_from_json(b'["1", "27"]').shape
    (2, 4)
    >>> witness_from_json(b'["1", 27]')
    Traceback (most recent call last):
    ...
    prozchain.prover.serve.RequestError: request body (JSON witness): [1]: expected a decimal string, got 27
    """
    source = "request body (JSON witness)"
    try:
        values = public_from_json(parse_json(body, source), source)
    except ProzError as exc:
        raise RequestError(HTTPStatus.BAD_REQUEST, str(exc)) from None
    return ints_to_array(values) if values else np.zeros((0, 4), dtype=np.uint64)


class Handler(BaseHTTPRequestHandler):
    """One HTTP exchange with the :class:`Prover` of its server."""

    server: "ProverServer"
    protocol_version = "HTTP/1.1"  # keep-alive: a client proving many witnesses keeps its connection

    def do_GET(self) -> None:
        if self.path.rstrip("/") != "/keys":
            return self._error(RequestError(HTTPStatus.NOT_FOUND, f"no such path {self.path}; GET /keys, POST "
                                                                  f"/prove/<key>"))
        self._send(HTTPStatus.OK, {"keys": self.server.prover.keys()})

    def do_POST(self) -> None:
        prefix = "/prove/"
        self._unread = True
        try:
            if not self.path.startswith(prefix):
                raise RequestError(HTTPStatus.NOT_FOUND, f"no such path {self.path}; POST /prove/<key>")
            held = self.server.prover.find(self.path[len(prefix):])
            body = self._body(held.max_body())
            is_json = self.headers.get("Content-Type", "").split(";")[0].strip() == "application/json"
            start = time.perf_counter()
            answer = self.server.prover.prove(held.digest, body, is_json)
            self.server.log(f"proved with {held.name} in {(time.perf_counter() - start) * 1000:.1f} ms")
            self._send(HTTPStatus.OK, answer)
        except RequestError as exc:
            self._error(exc)

    def _body(self, limit: int) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "a witness needs a Content-Length")
        if int(length) > limit:
            raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                               f"a body of {length} bytes; a witness for this key is at most {limit}")
        self._unread = False
        return self.rfile.read(int(length))

    def _error(self, exc: RequestError) -> None:
        self.server.log(f"{exc.status.value} {self.command} {self.path}: {exc}")
        self.close_connection = True  # the body may be unread: the connection cannot carry another request
        if self.command == "POST" and self._unread:
            try:  # a body of a size some key takes is read first, or its sender meets a closed socket mid-send
                self._body(self.server.prover.max_body())
            except RequestError:
                pass  # no length, or too long for any key: refused from the headers alone
        self._send(exc.status, {"error": str(exc)})

    def _send(self, status: HTTPStatus, obj: Any) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are logged by the handler itself, one line each (see ProverServer.log)."""


class _Holding:
    """What both servers add to the standard library's: the :class:`Prover` and the log."""

    prover: Prover
    quiet: bool

    def log(self, line: str) -> None:
        if not self.quiet:
            print(f"[INFO] {line}", file=sys.stderr, flush=True)


class ProverServer(_Holding, ThreadingHTTPServer):
    """A threading HTTP server that holds a :class:`Prover`."""

    daemon_threads = True

    def __init__(self, prover: Prover, address: tuple[str, int], quiet: bool = True):
        super().__init__(address, Handler)
        self.prover, self.quiet = prover, quiet


class UnixProverServer(_Holding, ThreadingUnixStreamServer):
    """The same HTTP exchanges on a Unix socket; closing the server removes its file."""

    daemon_threads = True

    def __init__(self, prover: Prover, path: str, quiet: bool = True):
        self.prover, self.quiet = prover, quiet
        _clear_stale_socket(path)
        super().__init__(path, Handler)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)  # a proof reveals nothing, but the cores are ours

    def server_close(self) -> None:
        super().server_close()
        if os.path.exists(self.server_address):
            os.unlink(self.server_address)


def _clear_stale_socket(path: str) -> None:
    """Remove a socket file no server listens on (left by a killed one); refuse a live one or a
    file that is no socket, with a :class:`ProzError`."""
    if not os.path.lexists(path):
        return
    if not stat.S_ISSOCK(os.lstat(path).st_mode):
        raise ProzError(f"{path} exists and is not a socket; choose another --unix path")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except ConnectionRefusedError:
        os.unlink(path)
        return
    finally:
        probe.close()
    raise ProzError(f"{path}: a server is already listening there")


def make_server(prover: Prover, host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> ProverServer:
    """The HTTP server of ``prover`` bound to ``host:port`` (port 0: any free one; read it from
    ``server.server_address``); run it with ``serve_forever``."""
    return ProverServer(prover, (host, port), quiet)


def make_unix_server(prover: Prover, path: Union[str, Path], quiet: bool = True) -> UnixProverServer:
    """The HTTP server of ``prover`` on a Unix socket at ``path`` (a stale socket file there is
    replaced; a live one or another file is a :class:`ProzError`); run it with ``serve_forever``."""
    return UnixProverServer(prover, os.fspath(path), quiet)


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def connect(address: Union[int, str, Path], timeout: float = 600) -> http.client.HTTPConnection:
    """A client connection to a prover: ``address`` is a port on 127.0.0.1 (an ``int``) or the
    path of a Unix socket (see :func:`make_unix_server`)."""
    if isinstance(address, int):
        return http.client.HTTPConnection("127.0.0.1", address, timeout=timeout)
    return _UnixConnection(os.fspath(address), timeout)


def serve_command(args: argparse.Namespace) -> int:
    from prozchain.cli import UsageError

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: a port is 0 (any free one) to 65535")
    if args.tables < 0:
        raise UsageError(f"--tables {args.tables}: a size in MiB, 0 for none")
    prover = Prover(args.tables)
    for given in args.zkeys:
        name, _, path = given.rpartition("=") if "=" in given else ("", "", given)
        try:
            held = prover.add_file(path, name or None, check=args.check)
        except ProzError as exc:
            raise UsageError(f"{path}: {exc}" if path not in str(exc) else str(exc)) from None
        print(f"[INFO] key {held.name}: {held.digest[:16]}... nVars {held.key.n_vars}, domain {held.key.domain_size}, "
              f"fixed-base tables for {held.describe()['tables']} of 5 MSMs")
    if args.unix:
        try:
            server = make_unix_server(prover, args.unix, quiet=args.quiet)
        except (ProzError, OSError) as exc:
            raise UsageError(f"--unix {args.unix}: {exc}") from None
        where = f"unix:{args.unix}"
    else:
        server = make_server(prover, args.host, args.port, quiet=args.quiet)
        where = "http://{}:{}".format(*server.server_address[:2])
    print(f"[INFO] serving {len(prover.keys())} key(s) on {where} (POST /prove/<key>, GET /keys)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def register(serve: argparse.ArgumentParser) -> None:
    """The ``serve`` command (listed in :data:`prozchain.cli.GROUPS`)."""
    serve.add_argument("zkeys", nargs="+", metavar="[NAME=]circuit.zkey",
                       help="the keys to hold, each named by its file (without .zkey) or NAME, and by its digest")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    serve.add_argument("--port", type=int, default=8545, help="port (default 8545; 0: any free port, printed)")
    serve.add_argument("--unix", metavar="PATH",
                       help="serve on a Unix socket at PATH instead of a TCP port (readable by its owner only; a "
                            "stale socket there is replaced)")
    serve.add_argument("--tables", type=float, default=TABLES_MIB, metavar="MIB",
                       help=f"memory for each key's fixed-base tables, which make its MSMs about 1.5x faster (default "
                            f"{TABLES_MIB}; 0: none)")
    serve.add_argument("--check", choices=("all", "sample", "none"), default="sample",
                       help="which of the keys' points to validate when reading them (as groth16 prove --check)")
    serve.add_argument("--quiet", action="store_true", help="no line per request on stderr")
    serve.set_defaults(func=serve_command)
