"""``prozchain serve``: proofs through the resident prover, judged by our verifier and by snarkjs,
on a key made by snarkjs, over TCP and over a Unix socket; bad requests refused with the status
that names the fault; and the command itself, started as a user starts it."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from prozchain.native.curve import R
from prozchain.prover.formats.snarkjs_json import proof_from_json, read_verification_key
from prozchain.prover.groth16 import verify
from prozchain.native.errors import ProzError
from prozchain.prover.serve import Prover, connect, make_server, make_unix_server
from prozchain.prover.groth16.prover import prove
from prozchain.relations.formats.wtns import read_wtns, read_wtns_array, write_wtns
from tests.prover.conftest import Circuit, snarkjs, snarkjs_verify_many


def request(address, method: str, path: str, body: bytes = b"", json_body: bool = False) -> tuple[int, dict]:
    """One exchange with the server at ``address``: a port, or a Unix socket's path."""
    conn = connect(address, timeout=120)
    headers = {"Content-Type": "application/json"} if json_body else {}
    conn.request(method, path, body=body if method == "POST" else None, headers=headers)
    response = conn.getresponse()
    answer = response.status, json.loads(response.read())
    conn.close()
    return answer


@pytest.fixture(scope="module", params=["tcp", "unix"])
def served(request, cube: Circuit, tmp_path_factory):
    """The cube circuit's snarkjs key, held under its file's name, behind a server on a free port
    or on a Unix socket; yields the address a client connects to."""
    prover = Prover()
    prover.add_file(cube.path(".zkey"))
    prover.add_file(cube.path(".zkey"), name="again")  # an equal key: held once, under both names
    if request.param == "unix":
        path = tmp_path_factory.mktemp("sock") / "prover.sock"
        server = make_unix_server(prover, path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # only its owner may connect
        address = str(path)
    else:
        server = make_server(prover)
        address = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield address, prover
    server.shutdown()
    server.server_close()
    assert request.param == "tcp" or not os.path.exists(address)  # the socket file goes with the server


def test_round_trip_verified_by_us_and_snarkjs(served, cube: Circuit, tmp_path):
    address, prover = served
    vk = read_verification_key(cube.path("_vk.json"))
    wtns = cube.path(".wtns").read_bytes()
    snarkjs("wtns", "export", "json", str(cube.path(".wtns")), str(tmp_path / "w.json"), cwd=tmp_path)
    as_json = (tmp_path / "w.json").read_bytes()
    status, keys = request(address, "GET", "/keys")
    assert status == 200 and [k["name"] for k in keys["keys"]] == ["cube"] and len(keys["keys"][0]["digest"]) == 64
    answers = []
    for ref, body, is_json in (("cube", wtns, False), ("again", as_json, True), (keys["keys"][0]["digest"], wtns, False)):
        status, answer = request(address, "POST", f"/prove/{ref}", body, is_json)
        assert status == 200 and answer["verified"] is True, answer
        public = [int(v) for v in answer["public"]]
        assert public == read_wtns(wtns)[1:1 + keys["keys"][0]["n_public"]] and verify(vk, public, proof_from_json(answer["proof"]))
        answers.append((answer["public"], answer["proof"]))
    assert answers[0][1] != answers[1][1]  # fresh blinding each time
    assert snarkjs_verify_many(json.loads(cube.path("_vk.json").read_text()), answers) == [True] * 3


def test_bad_requests_refused(served, cube: Circuit):
    address, _ = served
    witness = read_wtns(cube.path(".wtns"))
    wrong = list(witness)
    wrong[1] = (wrong[1] + 1) % R  # a public output the circuit does not give: the proof cannot verify
    cases = [
        ("POST", "/prove/cube", write_wtns(wrong), False, 422, "does not satisfy"),
        ("POST", "/prove/cube", b"garbage", False, 400, "request body (.wtns)"),
        ("POST", "/prove/cube", write_wtns(witness[:-1]), False, 400, "the key has nVars"),
        ("POST", "/prove/cube", write_wtns([2] + witness[1:]), False, 400, "not the constant 1"),
        ("POST", "/prove/cube", json.dumps([str(v) for v in witness[:-1]] + [str(R)]).encode(), True, 400,
         "not below the modulus"),
        ("POST", "/prove/cube", b'{"not": "a list"}', True, 400, "expected a list"),
        ("POST", "/prove/cube", b"[" * 40 + b"]" * 40, True, 400, "nested deeper"),
        ("POST", "/prove/nokey", write_wtns(witness), False, 404, "no key 'nokey'"),
        ("POST", "/verify", b"", False, 404, "no such path"),
        ("GET", "/prove/cube", b"", False, 404, "no such path"),
    ]
    for method, path, body, is_json, want, says in cases:
        status, answer = request(address, method, path, body, is_json)
        assert (status, says in answer.get("error", "")) == (want, True), (path, answer)
    for length, want in (("1000000000", 413), ("", 411)):  # refused from the headers, the body never read
        conn = connect(address, timeout=60)
        conn.putrequest("POST", "/prove/cube")
        if length:
            conn.putheader("Content-Length", length)
        conn.endheaders()
        response = conn.getresponse()
        assert response.status == want, json.loads(response.read())
        conn.close()
    assert request(address, "POST", "/prove/cube", cube.path(".wtns").read_bytes())[0] == 200  # still serving


def test_two_keys_under_one_name_refused(cube: Circuit, tmp_path):
    from prozchain.prover.groth16.setup import dev_setup, toy_r1cs

    prover = Prover()
    prover.add_file(cube.path(".zkey"), name="k")
    with pytest.raises(ProzError, match="two different keys are named 'k'"):
        prover.add(dev_setup(toy_r1cs(), seed=1), "k")


def test_the_command(cube: Circuit):
    """``prozchain serve`` as a user runs it: it prints its port, proves, and a bad key file is
    exit 2 before it serves."""
    command = [str(Path(sys.executable).with_name("prozchain")), "serve"]
    child = subprocess.Popen([*command, f"c={cube.path('.zkey')}", "--port", "0", "--quiet"], stdout=subprocess.PIPE,
                             text=True)
    try:
        lines = [child.stdout.readline() for _ in range(2)]
        assert lines[0].startswith("[INFO] key c: "), lines
        port = int(lines[1].split("http://127.0.0.1:")[1].split()[0])
        status, answer = request(port, "POST", "/prove/c", cube.path(".wtns").read_bytes())
        assert status == 200 and answer["verified"], answer
    finally:
        child.terminate()
        child.wait(timeout=30)
    path = cube.dir / "cmd.sock"
    child = subprocess.Popen([*command, f"c={cube.path('.zkey')}", "--unix", str(path), "--quiet"],
                             stdout=subprocess.PIPE, text=True)
    try:
        lines = [child.stdout.readline() for _ in range(2)]
        assert f"on unix:{path} " in lines[1], lines
        status, answer = request(str(path), "POST", "/prove/c", cube.path(".wtns").read_bytes())
        assert status == 200 and answer["verified"], answer
    finally:
        child.terminate()
        child.wait(timeout=30)
    bad = subprocess.run([*command, str(cube.path(".wtns")), "--port", "0"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "cube.wtns" in bad.stderr, bad.stderr


def test_fixed_base_tables_within_their_memory(cube: Circuit):
    """Each held key gets tables for its five MSMs when they fit the memory given, none with 0;
    the proofs verify either way (the round trips above prove through the tables)."""
    described = {}
    for mib in (0, 1e-3, 512):
        prover = Prover(tables_mib=mib)
        held = prover.add_file(cube.path(".zkey"))
        described[mib] = held.describe()["tables"]
        proof, public = prove(held.key, read_wtns_array(cube.path(".wtns")))
        assert verify(held.vk, public, proof)
    assert described == {0: 0, 1e-3: 0, 512: 5}


def test_unix_socket_path_refusals(cube: Circuit, tmp_path):
    """A stale socket file (its server killed) is replaced; a live server's socket and a file that
    is no socket are refused, and left in place."""
    prover = Prover()
    prover.add_file(cube.path(".zkey"))
    stale = tmp_path / "stale.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(stale))
    dead.close()  # bound, never listening: what a killed server leaves
    server = make_unix_server(prover, stale)
    try:
        with pytest.raises(ProzError, match="already listening"):
            make_unix_server(prover, stale)
        assert stale.exists()
    finally:
        server.server_close()
    plain = tmp_path / "notes.txt"
    plain.write_text("mine")
    with pytest.raises(ProzError, match="is not a socket"):
        make_unix_server(prover, plain)
    assert plain.read_text() == "mine"
