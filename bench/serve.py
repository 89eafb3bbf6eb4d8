"""``prozchain bench serve``: proofs per second from the resident prover against one command per proof.

    prozchain bench serve --sizes 10,12,14 --proofs 10 --clients 1,2

For each generated chain circuit (``prozchain.bench.prove.chain_case``), the same witness is
proved ``--proofs`` times:

- as whole commands, one after the other: ``prozchain groth16 prove`` (and rapidsnark's prover
  when it is on the PATH, see ``prozchain.bench.prove.rapidsnark_command``), each proof verified
  by us before it counts;
- by ``prozchain serve``, started once for each ``--tables`` size (its start-up, reading and
  validating the key and building its fixed-base tables, is reported apart as ``ready_s``), with
  the proofs posted by each number of concurrent ``--clients``, over TCP or (``--unix``) a Unix
  socket.

The rate is proofs over the wall time of all of them. The server verifies every proof before
answering; its own split (``ms`` in each answer) gives the share of that verification. Results go
to ``--json`` (rows, plus the machine and the load average before and after each size).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

from prozchain.bench.prove import (Case, chain_case, log_sizes, machine, peer_proof, prozchain_command,
                                   rapidsnark_command, run_child)
from prozchain.cli import NegativeAnswer, UsageError


def commands_rate(command: list[str], case: Case, proofs: int, vk) -> dict:
    """Proofs per second of ``command zkey wtns proof.json public.json``, run once per proof."""
    from prozchain.prover.formats.snarkjs_json import read_public
    from prozchain.prover.groth16.verifier import pairing_equation_holds

    seconds = []
    with tempfile.TemporaryDirectory() as tmp:
        proof, public = Path(tmp, "proof.json"), Path(tmp, "public.json")
        for _ in range(proofs):
            run = run_child([*command, str(case.zkey), str(case.witness), str(proof), str(public)])
            if run.returncode != 0 or not pairing_equation_holds(vk, read_public(public), peer_proof(proof)):
                raise NegativeAnswer(f"{case.name}: {command[0]} gave no valid proof: {run.output[-300:]}")
            seconds.append(run.seconds)
    return {"proofs_per_s": proofs / sum(seconds), "median_s": statistics.median(seconds)}


def post(address, name: str, body: bytes) -> tuple[float, dict]:
    """One proof from the server at ``address`` (a port, or a Unix socket's path): its wall
    seconds and the answer."""
    from prozchain.prover.serve import connect

    start = time.perf_counter()
    conn = connect(address)
    conn.request("POST", f"/prove/{name}", body=body)
    response = conn.getresponse()
    answer = json.loads(response.read())
    conn.close()
    if response.status != 200:
        raise NegativeAnswer(f"the server refused the witness ({response.status}): {answer.get('error')}")
    return time.perf_counter() - start, answer


def serve_rates(case: Case, proofs: int, clients: list[int], vk, tables: float = 0,
                unix: Optional[Path] = None) -> list[dict]:
    """Start ``prozchain serve`` on the case's key (``tables`` MiB of fixed-base tables; on the
    Unix socket ``unix``, else a free port), then prove with each number of clients."""
    from prozchain.prover.formats.snarkjs_json import proof_from_json
    from prozchain.prover.groth16.verifier import pairing_equation_holds

    start = time.perf_counter()
    where = ["--unix", str(unix)] if unix else ["--port", "0"]
    child = subprocess.Popen([*prozchain_command(), "serve", f"bench={case.zkey}", *where, "--tables", str(tables),
                              "--quiet"], stdout=subprocess.PIPE, text=True)
    try:
        line = ""
        while "serving" not in line:
            line = child.stdout.readline()
            if not line:
                raise NegativeAnswer(f"{case.name}: prozchain serve stopped before serving (exit {child.wait()})")
        ready = time.perf_counter() - start
        address = str(unix) if unix else int(line.split("http://127.0.0.1:")[1].split()[0])
        body = case.witness.read_bytes()
        rows = []
        for count in clients:
            began = time.perf_counter()
            with ThreadPoolExecutor(max_workers=count) as pool:
                answers = list(pool.map(lambda _: post(address, "bench", body), range(proofs)))
            wall = time.perf_counter() - began
            for _, answer in answers:  # the server verified it; so do we, as for the commands
                public = [int(v) for v in answer["public"]]
                if not pairing_equation_holds(vk, public, proof_from_json(answer["proof"])):
                    raise NegativeAnswer(f"{case.name}: the server's proof does not verify")
            verify = statistics.median(a["ms"]["verify"] for _, a in answers)
            proving = statistics.median(sum(v for k, v in a["ms"].items() if k != "verify") for _, a in answers)
            rows.append({"clients": count, "tables_mib": tables, "proofs_per_s": proofs / wall, "ready_s": ready,
                         "median_request_s": statistics.median(s for s, _ in answers),
                         "verify_ms": verify, "prove_ms": proving})
        return rows
    finally:
        child.terminate()
        child.wait(timeout=60)


def circom_case(log_n: int) -> Case:
    """bench prove --circom's case: the chain compiled by circom, keyed by snarkjs."""
    from prozchain.bench.prove import circom_chain_case, npm_tool, snarkjs_command

    snarkjs, missing = snarkjs_command()
    circom, circom_missing = npm_tool("circom2")
    if not (snarkjs and circom):
        raise UsageError(f"--circom needs circom2 and snarkjs from bench/'s lock file: {missing or circom_missing}")
    return circom_chain_case(log_n, snarkjs, circom)


def run_serve_bench(args: argparse.Namespace) -> int:
    from prozchain.prover.formats.zkey import read_zkey

    try:
        clients = [int(c) for c in args.clients.split(",") if c.strip()]
    except ValueError:
        raise UsageError(f"--clients {args.clients!r}: expected comma-separated counts such as 1,2") from None
    try:
        tables = [float(t) for t in args.tables.split(",") if t.strip()]
    except ValueError:
        raise UsageError(f"--tables {args.tables!r}: expected comma-separated sizes in MiB such as 0,512") from None
    rapidsnark, missing = rapidsnark_command()
    rows = []
    print(f"{'circuit':<12}{'prover':<34}{'proofs/s':>10}{'vs command':>12}  notes")
    for log_n in log_sizes(args.sizes):
        case = circom_case(log_n) if args.circom else chain_case(log_n)
        vk = read_zkey(case.zkey, check="none").verification_key()
        load = [os.getloadavg()[0]]
        peers = {"prozchain groth16 prove": [*prozchain_command(), "groth16", "prove"]}
        if rapidsnark:
            peers["rapidsnark"] = rapidsnark
        measured = {name: commands_rate(command, case, args.proofs, vk) for name, command in peers.items()}
        with tempfile.TemporaryDirectory() as tmp:
            unix = Path(tmp, "s") if args.unix else None
            served = [row for mib in tables for row in serve_rates(case, args.proofs, clients, vk, mib, unix)]
        load.append(os.getloadavg()[0])
        base = measured["prozchain groth16 prove"]["proofs_per_s"]
        for name, result in measured.items():
            rows.append({"circuit": case.name, "constraints": case.constraints, "prover": name, **result, "load": load})
            print(f"{case.name:<12}{name:<34}{result['proofs_per_s']:>10.2f}{result['proofs_per_s'] / base:>11.2f}x  "
                  f"median {result['median_s']:.3f} s a command")
        for result in served:
            name = (f"prozchain serve, {result['clients']} client{'s' if result['clients'] > 1 else ''}, "
                    f"tables {result['tables_mib']:g} MiB")
            rows.append({"circuit": case.name, "constraints": case.constraints, "prover": name, **result, "load": load})
            print(f"{case.name:<12}{name:<34}{result['proofs_per_s']:>10.2f}{result['proofs_per_s'] / base:>11.2f}x  "
                  f"ready in {result['ready_s']:.2f} s; verify {result['verify_ms']:.1f} ms of "
                  f"{result['prove_ms'] + result['verify_ms']:.0f} ms a proof")
        print(f"{'':<12}load average {load[0]:.1f} before, {load[1]:.1f} after")
    if missing:
        print(f"missing: rapidsnark: {missing}")
    if args.json:
        Path(args.json).write_text(json.dumps({"options": {k: v for k, v in vars(args).items() if k != "func"},
                                               "machine": machine(), "rows": rows}, indent=2) + "\n")
        print(f"[INFO] wrote {args.json}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="proofs per second: prozchain serve against one groth16 prove per proof")
    serve.add_argument("--sizes", default="10,12,14", help="log2 domain sizes of generated chain circuits "
                                                          "(default 10,12,14)")
    serve.add_argument("--proofs", type=int, default=10, help="proofs per prover and size (default 10)")
    serve.add_argument("--clients", default="1,2", help="numbers of concurrent clients of the server (default 1,2)")
    serve.add_argument("--tables", default="0,512", help="fixed-base table sizes (MiB) to run the server with, "
                                                        "comma-separated (default 0,512: without and with)")
    serve.add_argument("--unix", action="store_true", help="post over a Unix socket (serve --unix) instead of TCP")
    serve.add_argument("--circom", action="store_true", help="the chains compiled by circom and keyed by snarkjs, "
                                                             "as bench prove --circom")
    serve.add_argument("--json", help="write the rows, the machine and the load to this JSON file")
    serve.set_defaults(func=run_serve_bench)
