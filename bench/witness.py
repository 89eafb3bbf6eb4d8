"""``prozchain bench witness``: the DSL's witness solver beside circom's wasm witness calculator,
on the same statements, in the same run.

    prozchain bench witness --cases chain16,chain18,merkle20,batch --runs 5 --states quiet,busy

The cases: a chain of multiplications ``b' = a * b + 3 x + i`` filling a 2^16 or 2^18 domain
(the circuit ``prozchain bench prove`` proves), a Poseidon Merkle inclusion at depth 20 (the
example circuit, against circomlib's Poseidon), and the ZK rollup's batch circuit as
rollup/zk runs it (4 signed transfers, tree depth 8: 65,435 constraints; there is no circom
version of it). The columns, medians of ``--runs``:

- ``ours``: :meth:`~prozchain.circuits.CompiledCircuit.solve_array` in this process, the
  constraints checked, the circuit compiled and its solve program made beforehand;
- ``circom wasm``: the wasm circom compiled, in one node process (``bench/witness_peer.js``:
  instantiated once, one untimed run, then ``calculateWTNSBin``, what ``snarkjs wtns calculate``
  runs);
- ``circom cmd``: ``node generate_witness.js`` as a whole command (node start, wasm load,
  writing the .wtns), the figure issue 26 quotes.

``busy`` runs with every other core spinning (bench/load.py), as on a shared machine. circom,
circomlib and snarkjs come from bench/'s npm lock file; circom's builds are kept under
bench/results/circuits/. A missing peer is reported as missing, never timed; outputs that
differ between the two (the chain's ``y``) make the command exit 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from prozchain.cli import UsageError

from prozchain.bench.load import busy_cores
from prozchain.bench.prove import HERE, RESULTS, machine, npm_tool, run_child

CASES = ("chain16", "chain18", "merkle20", "batch")
STATES = ("quiet", "busy")
PEER_SCRIPT = HERE / "witness_peer.js"

CHAIN_CIRCOM = """pragma circom 2.0.0;
template Chain(n) {
    signal input x;
    signal output y;
    signal v[n + 1];
    v[0] <== x;
    v[1] <== x + 1;
    for (var i = 0; i < n - 1; i++) {
        v[i + 2] <== v[i] * v[i + 1] + 3 * x + i;
    }
    y <== v[n];
}
component main = Chain(N);
"""

MERKLE_CIRCOM = """pragma circom 2.0.0;
include "circomlib/circuits/poseidon.circom";
template MerkleInclusion(depth) {
    signal input root;
    signal input leaf;
    signal input siblings[depth];
    signal input path_bits[depth];
    signal node[depth + 1];
    signal left[depth];
    component hash[depth];
    node[0] <== leaf;
    for (var i = 0; i < depth; i++) {
        path_bits[i] * (path_bits[i] - 1) === 0;
        left[i] <== node[i] + path_bits[i] * (siblings[i] - node[i]);
        hash[i] = Poseidon(2);
        hash[i].inputs[0] <== left[i];
        hash[i].inputs[1] <== node[i] + siblings[i] - left[i];
        node[i + 1] <== hash[i].out;
    }
    root === node[depth];
}
component main {public [root]} = MerkleInclusion(DEPTH);
"""


@dataclass
class WitnessCase:
    """A statement: our compiled circuit and its inputs, and circom's source of the same (or None)."""

    name: str
    compiled: object  # CompiledCircuit
    inputs: dict
    circom: Optional[str]
    n_outputs: int  # public outputs compared between the two witnesses


def chain_case(log_n: int) -> WitnessCase:
    from prozchain.bench.circuit_compile import Chain

    n = (1 << log_n) - 2  # as ``bench prove``'s chain: with snarkjs's extra rows it fills 2^log_n
    return WitnessCase(f"chain 2^{log_n}", Chain(n).compile(), {"x": 5}, CHAIN_CIRCOM.replace("(N)", f"({n})"), 1)


def merkle_case(depth: int = 20) -> WitnessCase:
    from prozchain.circuits.examples.merkle_inclusion import MerkleInclusion, sample_input

    return WitnessCase(f"merkle depth {depth}", MerkleInclusion(depth).compile(), sample_input(depth),
                       MERKLE_CIRCOM.replace("(DEPTH)", f"({depth})"), 0)


def batch_case(slots: int = 4, depth: int = 8) -> WitnessCase:
    """The rollup's batch circuit as ``make demo`` proves it: ``slots`` signed transfers."""
    from prozchain.circuits.gadgets.eddsa import public_key
    from prozchain.circuits.txtypes import Account, AccountTree, BatchCircuit, Tx, apply_tx, sign_tx

    spec = BatchCircuit(slots=slots, depth=depth)
    keys = [bytes([65 + i]) * 32 for i in range(slots)]
    tree = AccountTree(depth)
    for i, key in enumerate(keys):
        tree.set(i + 1, Account(*public_key(key), 1000, 0))
    old = tree.root
    applied = [apply_tx(tree, sign_tx(Tx("transfer", {"from": i + 1, "to": (i + 1) % slots + 1, "amount": 7 + i,
                                                      "fee": 1}), [key], [0])) for i, key in enumerate(keys)]
    return WitnessCase(f"batch {slots}x{depth}", spec.compile(), spec.inputs(old, tree.root, applied), None, 0)


def make_case(name: str) -> WitnessCase:
    """The case a ``--cases`` word names: ``chainK`` (2^K domain, K >= 2), ``merkleD`` (depth D >= 3)
    or ``batch``; a :class:`UsageError` for any other."""
    match = re.fullmatch(r"(chain|merkle)(\d+)", name)
    if name == "batch":
        return batch_case()
    if match and int(match[2]) >= (2 if match[1] == "chain" else 3):
        return chain_case(int(match[2])) if match[1] == "chain" else merkle_case(int(match[2]))
    raise UsageError(f"--cases: unknown case {name!r} (chainK for a 2^K chain, merkleD for depth D, or batch)")


# ---- circom ---------------------------------------------------------------------------------------
@dataclass
class CircomBuild:
    folder: Path
    name: str
    constraints: int

    @property
    def js(self) -> Path:
        return self.folder / f"{self.name}_js"

    @property
    def wasm(self) -> Path:
        return self.js / f"{self.name}.wasm"


def circom_build(case: WitnessCase, circom: list[str], workdir: Path = RESULTS / "circuits") -> CircomBuild:
    """circom's wasm of ``case`` (compiled once, reused while its source is unchanged)."""
    name = case.name.replace(" ", "_").replace("^", "")
    folder = workdir / f"circom-{name}"
    source, record = folder / f"{name}.circom", folder / "constraints.json"
    if source.exists() and source.read_text() == case.circom and record.exists():
        return CircomBuild(folder, name, json.loads(record.read_text())["constraints"])
    folder.mkdir(parents=True, exist_ok=True)
    # circom runs under WASI and sees only its working folder: circomlib is copied, not linked
    shutil.copytree(HERE / "node_modules" / "circomlib" / "circuits", folder / "circomlib" / "circuits",
                    dirs_exist_ok=True)
    source.write_text(case.circom)
    # circom's witness_calculator.js is CommonJS; bench/package.json makes .js files modules
    (folder / "package.json").write_text('{"type": "commonjs"}\n')
    proc = subprocess.run([*circom, source.name, "--r1cs", "--wasm", "-o", "."], cwd=folder, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"circom failed on {source}: {(proc.stdout + proc.stderr)[-500:]}")
    counts = [int(line.split(":")[1]) for line in proc.stdout.splitlines()
              if line.strip().startswith(("non-linear constraints", "linear constraints"))]
    record.write_text(json.dumps({"constraints": sum(counts)}))
    return CircomBuild(folder, name, sum(counts))


def circom_in_process(build: CircomBuild, input_file: Path, runs: int, n_outputs: int) -> dict:
    proc = subprocess.run(["node", str(PEER_SCRIPT), "--js", str(build.js), "--wasm", str(build.wasm),
                           "--input", str(input_file), "--repeat", str(runs), "--outputs", str(n_outputs)],
                          cwd=HERE, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"witness_peer.js failed: {proc.stderr.strip()[-500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def circom_command(build: CircomBuild, input_file: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        out = input_file.with_suffix(".wtns")
        run = run_child(["node", str(build.js / "generate_witness.js"), str(build.wasm), str(input_file), str(out)])
        if run.returncode != 0:
            raise RuntimeError(f"generate_witness.js failed: {run.output[-500:]}")
        times.append(run.seconds)
    return times


# ---- ours -----------------------------------------------------------------------------------------
def time_ours(case: WitnessCase, runs: int) -> tuple[list[float], list[int]]:
    """Medians come from ``runs`` checked solves; the first solve (which makes the solve program)
    is not timed. Returns the times and the public outputs."""
    witness = case.compiled.solve_array(case.inputs)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        case.compiled.solve_array(case.inputs)
        times.append(time.perf_counter() - start)
    from prozchain.native.kernels import array_to_ints

    return times, array_to_ints(witness[1: 1 + case.n_outputs])


def _json_value(value):
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def write_input(case: WitnessCase, path: Path) -> Path:
    """``case``'s inputs as circom's input JSON (numbers as decimal strings)."""
    path.write_text(json.dumps(_json_value(case.inputs)))
    return path


def run_witness(args: argparse.Namespace) -> int:
    names = [c.strip() for c in args.cases.split(",") if c.strip()]
    states = [s.strip() for s in args.states.split(",") if s.strip()]
    for bad in [s for s in states if s not in STATES]:
        raise UsageError(f"--states: unknown state {bad!r}; choose from {', '.join(STATES)}")
    if args.runs < 1:
        raise UsageError("--runs must be at least 1")
    circom, missing = npm_tool("circom2")
    info = machine()
    print(f"# {info.get('cpu', '?')}, commit {info.get('commit', '?')}; medians of {args.runs} runs")
    print(f"{'case':<16}{'constraints':>12}{'circom':>9}  {'state':<6}{'ours':>10}{'circom wasm':>13}"
          f"{'circom cmd':>12}{'wasm/ours':>11}  check")
    rows, failures = [], 0
    for name in names:
        case = make_case(name)
        build = circom_build(case, circom) if circom and case.circom else None
        with tempfile.TemporaryDirectory() as tmp:
            input_file = write_input(case, Path(tmp) / "input.json")
            for state in states:
                with busy_cores(max(1, (os.cpu_count() or 2) - 1)) if state == "busy" else contextlib.nullcontext():
                    ours, outputs = time_ours(case, args.runs)
                    peer = circom_in_process(build, input_file, args.runs, case.n_outputs) if build else None
                    command = circom_command(build, input_file, args.runs) if build else None
                row = {"case": case.name, "state": state, "constraints": case.compiled.r1cs.n_constraints,
                       "circom_constraints": build.constraints if build else None,
                       "ours_s": statistics.median(ours), "ours_min_s": min(ours),
                       "circom_wasm_s": statistics.median(peer["times_s"]) if peer else None,
                       "circom_command_s": statistics.median(command) if command else None}
                check = "no circom version" if case.circom is None else ("circom missing" if not build else "")
                if peer is not None:
                    same = [int(v) for v in peer["outputs"]] == outputs
                    failures += not same
                    check = ("outputs equal" if case.n_outputs else "both accept") if same else "OUTPUTS DIFFER"
                row["check"] = check
                rows.append(row)
                ratio = f"{row['circom_wasm_s'] / row['ours_s']:.1f}x" if peer else "-"
                print(f"{case.name:<16}{row['constraints']:>12,}{build.constraints if build else '-':>9}  {state:<6}"
                      f"{_ms(row['ours_s']):>10}{_ms(row['circom_wasm_s']):>13}{_ms(row['circom_command_s']):>12}"
                      f"{ratio:>11}  {check}", flush=True)
    if missing:
        print(f"missing: circom: {missing}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "runs": args.runs, "rows": rows}, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 1 if failures else 0


def _ms(seconds: Optional[float]) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.3g} ms"


def register(sub: argparse._SubParsersAction) -> None:
    witness = sub.add_parser("witness", help="witness solving: the DSL's solver beside circom's wasm witness")
    witness.add_argument("--cases", default=",".join(CASES),
                         help=f"comma-separated: chainK, merkleD, batch (default {','.join(CASES)})")
    witness.add_argument("--states", default="quiet", help="comma-separated machine states: quiet, busy "
                                                           "(every other core spinning); default quiet")
    witness.add_argument("--runs", type=int, default=5, help="timed runs per implementation (default 5)")
    witness.add_argument("--json", help="write the rows (with the machine) to this JSON file")
    witness.set_defaults(func=run_witness)
