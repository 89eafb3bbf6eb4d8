"""``prozchain bench prove``: our prover and ``snarkjs groth16 prove`` on the same files, one run.

    prozchain bench prove --sizes 10,12,14,16 --runs 3      # generated circuits, 2^10 .. 2^16
    prozchain bench prove --circom --sizes 10,12 --snarkjs-max 12  # the same, compiled by circom
    prozchain bench prove circuit.zkey witness.wtns --runs 3  # your own key and witness

Every prover is timed as a user runs it, as a whole command (process start, reading the key and
the witness, writing proof.json and public.json), with its CPU time and peak resident memory
(``wait4``'s ``ru_utime + ru_stime`` and ``ru_maxrss`` of that child alone, read by a small
launcher process). The provers run interleaved, one run of each in turn after an untimed
warm-up round, and the load average is recorded around them: on a shared machine the wall
times move with the load, the CPU times much less. Our runs pass ``--profile``, so the table also splits our
time into read, A/B/C evaluations, NTTs (H) and each MSM, and our peak RSS as it stood after each
step (``peak_rss_after_step_mib`` in the JSON: which step set the peak). Every proof is verified by us against
the key's verification key before its time counts, and one proof of ours per circuit is also
given to ``snarkjs groth16 verify``. snarkjs comes from bench/'s npm lock file; when node or
snarkjs is missing it is reported as missing, never timed. rapidsnark joins as a peer when its
binary is on the PATH (``rapidsnark``, or ``prover`` as its build names it); the project never
installs it, and says so when it is absent.

``--circom`` takes the same chains compiled by circom, keyed by ``snarkjs groth16 setup`` on a
development powers of tau and witnessed by circom's wasm (:func:`circom_chain_case`).
Generated circuits are chains of multiplications (``prozchain.bench.circuit_compile.Chain``) that fill a
domain of 2^k exactly (2^k - 2 constraints and one public output), compiled by our DSL and set
up once by the development setup (one party, insecure: for benchmarks only); files are kept in
``bench/results/circuits/`` and reused. ``--numba`` adds the numba backend for sizes up to
``--numba-max`` (its MSM is single-threaded). Our prover runs as the installed ``prozchain``
command, the one beside this Python (or ``--prozchain COMMAND``'s), never as an import path that
the current folder could shadow; the report says which kind of install that command is
(``install`` in the JSON): an editable one (a development checkout's ``pip install -e``) pays
setuptools' import hook at every start, about 10 ms that a regular ``pip install .`` does not.
The results go to ``--out`` (default: the current folder): ``prove.json`` (rows with medians,
ratios, RSS and the split, plus the machine) and ``prove.png`` (time against constraints,
log-log, one line per prover; for a single circuit, bars with the ratio).

>>> parse_profile("[INFO] read 1.0 ms  ntt 2.5 ms  total 3.5 ms")
{'read': 0.001, 'ntt': 0.0025, 'total': 0.0035}
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from prozchain.cli import UsageError
from prozchain.native.curve import Field, Group

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DEFAULT_SIZES = "10,12,14,16"


@dataclass
class Case:
    """One circuit's files, as both provers read them."""

    name: str
    constraints: int
    zkey: Path
    witness: Path


@dataclass
class Run:
    seconds: float
    peak_rss_mib: float
    returncode: int
    cpu_seconds: float  # user + system time of the child and its threads: what load does not stretch
    output: str  # what the child printed, both streams (the CLI's errors, our --profile line)


def parse_profile(line: str) -> dict[str, float]:
    """The step times (seconds) of a ``--profile`` line: ``name value ms`` pairs."""
    words = line.replace("[INFO]", "").split()
    return {words[i]: float(words[i + 1]) / 1000 for i in range(0, len(words) - 2, 3) if words[i + 2] == "ms"}


def parse_memory(line: str) -> dict[str, float]:
    """The peak RSS (MiB) after each step of a ``--profile`` memory line, and the process's.

    >>> parse_memory("[INFO] peak RSS MiB: read 61  abc 64  process 74")
    {'read': 61.0, 'abc': 64.0, 'process': 74.0}
    """
    words = line.split("peak RSS MiB:", 1)[1].split()
    return {words[i]: float(words[i + 1]) for i in range(0, len(words) - 1, 2)}


def npm_tool(name: str) -> tuple[Optional[list[str]], Optional[str]]:
    """The command of an npm binary from bench/'s lock file (installing it once), or why it cannot run."""
    if not shutil.which("node"):
        return None, "node is not installed"
    binary = HERE / "node_modules" / ".bin" / name
    if not binary.exists():
        if not shutil.which("npm"):
            return None, f"{name} is not installed in bench/ and npm is missing"
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, capture_output=True)
        if not binary.exists():
            return None, f"`npm ci` in bench/ did not install {name}"
    return [str(binary)], None


def snarkjs_command() -> tuple[Optional[list[str]], Optional[str]]:
    """The snarkjs command from bench/'s lock file (installing it once), or why it cannot run."""
    return npm_tool("snarkjs")


def rapidsnark_command() -> tuple[Optional[list[str]], Optional[str]]:
    """rapidsnark's prover from the PATH (``rapidsnark``, else ``prover`` if it answers with
    rapidsnark's usage line), or why it cannot run: the project never installs it."""
    for name in ("rapidsnark", "prover"):
        found = shutil.which(name)
        if not found:
            continue
        usage = subprocess.run([found], capture_output=True, text=True, errors="replace", timeout=30)
        if name == "rapidsnark" or "zkey" in usage.stdout + usage.stderr:
            return [found], None
    return None, "no rapidsnark (or rapidsnark's prover) on the PATH; build github.com/iden3/rapidsnark to compare"


# The child is started by a small launcher process, which times it and reads its peak RSS from
# wait4: on Linux a process's ru_maxrss starts from the memory of the process it was forked
# from, so forking the prover straight from this (large) process would inflate its figure.
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\n[LAUNCHER] {time.perf_counter() - start} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_child(command: list[str], env: Optional[dict] = None) -> Run:
    """Wall time, exit code, output and peak RSS of one child process (see LAUNCHER)."""
    proc = subprocess.run([sys.executable, "-c", LAUNCHER, *command], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env, text=True, errors="replace")
    stderr, _, report = proc.stderr.rstrip().rpartition("\n[LAUNCHER] ")
    seconds, rss_kib, cpu = report.split()
    return Run(float(seconds), int(rss_kib) / 1024, proc.returncode, float(cpu), (proc.stdout + stderr).strip())


def prozchain_command(given: Optional[str] = None) -> list[str]:
    """The ``prozchain`` script to time: ``given`` (a path, or a name on the PATH), else the
    installed one of this Python's environment."""
    if given is not None:
        found = given if Path(given).is_file() else shutil.which(given)
        if found is None:
            raise UsageError(f"--prozchain {given}: no such command")
        return [found]
    beside = Path(sys.executable).with_name("prozchain")
    found = str(beside) if beside.exists() else shutil.which("prozchain")
    if found is None:
        raise UsageError("the prozchain command is not installed beside this Python (pip install .)")
    return [found]


# Run by the timed command's own Python: how its prozchain was installed (PEP 610's
# direct_url.json: pip writes it for a folder or URL, with "editable" for `pip install -e`).
INSTALL_KIND = """
import json
from importlib.metadata import distribution
dist = distribution("prozchain")
url = json.loads(dist.read_text("direct_url.json") or "{}")
editable = url.get("dir_info", {}).get("editable", False)
print(json.dumps({"kind": "editable" if editable else "regular", "from": url.get("url"),
                  "location": str(dist.locate_file(""))}))
"""


def install_kind(command: list[str]) -> dict:
    """How the ``prozchain`` script ``command`` was installed: ``kind`` "editable" (``pip install
    -e``: every start runs setuptools' import hook, about 10 ms) or "regular" (``pip install .``
    or a wheel), ``from`` (the folder it was installed from, if any) and ``location``; asked of
    the Python named on the script's first line."""
    first = Path(command[0]).read_bytes()[:512].split(b"\n", 1)[0].decode(errors="replace")
    python = first[2:].strip().split()[0] if first.startswith("#!") else sys.executable
    # from the script's folder, as the script's own start sees it (never the current folder's packages)
    found = subprocess.run([python, "-c", INSTALL_KIND], capture_output=True, text=True, cwd=Path(command[0]).parent)
    if found.returncode != 0:
        return {"command": command[0], "kind": "unknown", "why": found.stderr.strip()[-200:]}
    return {"command": command[0], **json.loads(found.stdout)}


def constraints_of(key) -> int:
    """A key's constraint count: its A coefficients reach row nConstraints + nPublic, the rows
    snarkjs adds to tie the public inputs."""
    rows = key.coefficients["constraint"]
    return int(rows.max()) + 1 - (key.n_public + 1) if len(rows) else 0


def chain_case(log_n: int, workdir: Path = RESULTS / "circuits") -> Case:
    """The chain circuit filling a domain of 2^log_n, its witness and a development key (made
    once, then reused from ``workdir``)."""
    from prozchain.bench.circuit_compile import Chain
    from prozchain.relations.formats.r1cs import write_r1cs
    from prozchain.relations.formats.wtns import write_wtns
    from prozchain.prover.groth16.setup import constraint_system, write_dev_setup

    n = (1 << log_n) - 2
    folder = workdir / f"chain{log_n}"
    case = Case(f"chain 2^{log_n}", n, folder / "circuit.zkey", folder / "witness.wtns")
    if case.zkey.exists() and case.witness.exists():
        return case
    folder.mkdir(parents=True, exist_ok=True)
    compiled = Chain(n).compile()
    write_r1cs(compiled.r1cs, folder / "circuit.r1cs")
    write_wtns(compiled.solve({"x": 5}), case.witness)
    write_dev_setup(case.zkey, constraint_system(compiled.r1cs))  # via a .partial file: never half-written
    return case


def circom_chain_case(log_n: int, snarkjs: list[str], circom: list[str], workdir: Path = RESULTS / "circuits") -> Case:
    """The same chain compiled by circom, keyed by ``snarkjs groth16 setup`` on a development
    powers of tau of 2^log_n (``prozchain ptau dev``: insecure, for benchmarks only), its witness
    from circom's wasm by ``snarkjs wtns calculate``; made once, then reused from ``workdir``.
    These are the files rapidsnark users have."""
    from prozchain.bench.witness import CHAIN_CIRCOM, WitnessCase, circom_build
    from prozchain.prover.groth16.ptau_dev import write_dev_ptau

    n = (1 << log_n) - 2
    build = circom_build(WitnessCase(f"chain 2^{log_n}", None, {"x": 5}, CHAIN_CIRCOM.replace("(N)", f"({n})"), 1),
                         circom, workdir)
    case = Case(f"circom 2^{log_n}", build.constraints, build.folder / "snarkjs.zkey", build.folder / "witness.wtns")
    if case.zkey.exists() and case.witness.exists():
        return case
    ptau = build.folder / "dev.ptau"
    if not ptau.exists():
        write_dev_ptau(ptau, log_n, seed=log_n)
    steps = [["groth16", "setup", f"{build.name}.r1cs", ptau.name, "snarkjs.zkey.partial"],
             ["wtns", "calculate", str(build.wasm.relative_to(build.folder)), "input.json", "witness.wtns"]]
    (build.folder / "input.json").write_text('{"x": "5"}')
    for step in steps:
        proc = subprocess.run([*snarkjs, *step], cwd=build.folder, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"snarkjs {' '.join(step)} failed: {(proc.stdout + proc.stderr)[-500:]}")
    (build.folder / "snarkjs.zkey.partial").replace(case.zkey)  # a half-written key is never taken for a whole one
    return case


def machine() -> dict:
    """What the numbers were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    from prozchain.native.core import path_summary

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True)
    return {"cpu": cpu, "cores": os.cpu_count(), "threads": os.environ.get("PROZ_THREADS", str(os.cpu_count())),
            "native_path": path_summary(), "python": platform.python_version(),
            "commit": commit.stdout.strip() or f"prozchain {_installed_version()} (installed, not a checkout)"}


def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("prozchain")
    except PackageNotFoundError:
        return "?"


def msm_mults(group: Group, n: int, nbits: int = 254) -> float:
    """Field multiplications (over Fp) of an MSM of n points, by the C core's cost model: per
    window one bucket addition per point (6.5 in affine batches, 11 in Jacobian) and 27 per
    bucket to reduce; a G2 operation costs about three times a G1 one (Fp2 products)."""
    from prozchain.native.core import GROUP, ffi, kernels

    affine = ffi.new("int *")
    c = kernels.msm_window(GROUP[group], n, nbits, affine)
    windows = nbits // c + 1
    per_point = 6.5 if affine[0] else 11.0
    return windows * (n * per_point + (1 << (c - 1)) * 27.0) * (1 if group is Group.G1 else 3)


def proof_mults(n_vars: int, n_public: int, domain: int) -> dict[str, float]:
    """Field multiplications of one proof with full-size witness values (no small scalars):
    the four G1 MSMs, the G2 MSM, and the H computation (three inverse and three coset NTTs
    and the products: about 3.5 n log2 n)."""
    log = domain.bit_length() - 1
    g1 = sum(msm_mults(Group.G1, m) for m in (n_vars, n_vars, n_vars - n_public - 1, domain))
    return {"msm_g1": g1, "msm_g2": msm_mults(Group.G2, n_vars), "ntt": 3.5 * domain * log + 6 * domain}


def mults_per_second() -> float:
    """The machine's Montgomery multiplications per second on all its threads: one thread's rate
    times the thread count. One thread's rate is the C core's bulk product over 2^10 elements
    that stay in cache (a size the core keeps on one thread), repeated for about 50 ms, best of
    5 (two multiplications an element: the product and the conversion back out of Montgomery
    form). Measured on one thread, another process's load on the other cores does not lower it,
    as a burst on every thread would."""
    import numpy as np

    from prozchain.native.core import WHICH, ffi, kernels

    a = np.random.default_rng(1).integers(0, 2**62, size=(1 << 10, 4), dtype=np.uint64)
    out = np.empty_like(a)
    pa, po = ffi.from_buffer("uint64_t[]", a), ffi.from_buffer("uint64_t[]", out)
    once = lambda: kernels.mul_many(WHICH[Field.FP], po, pa, pa, len(a))  # noqa: E731
    repeats = max(1, int(0.05 / max(_timed(once), 1e-6)))
    best = min(_timed(lambda: [once() for _ in range(repeats)]) for _ in range(5))
    threads = int(os.environ.get("PROZ_THREADS") or os.cpu_count() or 1)
    return 2 * len(a) * repeats / best * threads


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def peer_proof(path: Path):
    """A proof.json as snarkjs or rapidsnark writes it: rapidsnark leaves out ``"curve"``, which
    our reader requires (it is always bn128 there)."""
    from prozchain.prover.formats.snarkjs_json import proof_from_json
    from prozchain.relations.formats.bounded_json import read_json

    return proof_from_json({"curve": "bn128", **read_json(path)}, str(path))


def time_case(case: Case, runs: int, backends: list[str], snarkjs: Optional[list[str]],
              rapidsnark: Optional[list[str]] = None,
              prozchain: Optional[list[str]] = None) -> tuple[list[dict], list[str]]:
    """Rows (one per prover) for one circuit, and the failures seen; ``prozchain``: the command
    timed as ours (default :func:`prozchain_command`)."""
    prozchain = prozchain or prozchain_command()
    from prozchain.prover.formats.snarkjs_json import read_public, verification_key_to_json
    from prozchain.relations.formats.bounded_json import write_json
    from prozchain.prover.formats.zkey import read_zkey
    from prozchain.prover.groth16.verifier import pairing_equation_holds

    key = read_zkey(case.zkey, check="none")
    vk = key.verification_key()
    mults = proof_mults(key.n_vars, key.n_public, key.domain_size)
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as tmp:
        peers = {"snarkjs": snarkjs, "rapidsnark": rapidsnark}
        provers = [(f"prozchain-{b}", b) for b in backends] + [(name, None) for name, cmd in peers.items() if cmd]
        times, cpus, rss, splits, memory = ({impl: [] for impl, _ in provers} for _ in range(5))
        loads = [os.getloadavg()[0]]
        # Interleaved, one run of each prover in turn, so that a change in the machine's load
        # touches all alike. Run -1 is an untimed warm-up: the files in the page cache for every
        # prover, and our modules' bytecode written as pip writes it at install (the warm-up
        # runs without PYTHONDONTWRITEBYTECODE; later runs read the bytecode whatever it says).
        for run in range(-1, runs):
            for impl, backend in provers:
                proof, public = Path(tmp, f"{impl}{run}.json"), Path(tmp, f"{impl}{run}.public.json")
                files = [str(case.zkey), str(case.witness), str(proof), str(public)]
                if backend:
                    command = [*prozchain, "groth16", "prove", *files, "--profile"]
                    env = {k: v for k, v in os.environ.items() if run >= 0 or k != "PYTHONDONTWRITEBYTECODE"}
                    result = run_child(command, {**env, "PROZ_BACKEND": backend})
                elif impl == "snarkjs":
                    result = run_child([*snarkjs, "groth16", "prove", *files])
                else:
                    result = run_child([*rapidsnark, *files])
                # the proof against the key's equation: a snarkjs key before its contribution
                # proves, though no verifier should trust it
                if result.returncode != 0 or not pairing_equation_holds(vk, read_public(public), peer_proof(proof)):
                    failures.append(f"{case.name} {impl} run {run}: no valid proof (exit {result.returncode}): "
                                    f"{result.output[-300:] or 'no output'}")
                    continue
                if run < 0:
                    continue
                times[impl].append(result.seconds)
                cpus[impl].append(result.cpu_seconds)
                rss[impl].append(result.peak_rss_mib)
                if backend:
                    lines = result.output.splitlines()
                    splits[impl].append(parse_profile(lines[-1]))
                    memory[impl].append(parse_memory(next(line for line in lines if "peak RSS MiB:" in line)))
            loads.append(os.getloadavg()[0])
        for impl, _ in provers:
            if not times[impl]:
                continue
            row = {"circuit": case.name, "constraints": case.constraints, "impl": impl,
                   "median_s": statistics.median(times[impl]), "min_s": min(times[impl]), "runs": len(times[impl]),
                   "median_cpu_s": statistics.median(cpus[impl]),
                   "peak_rss_mib": max(rss[impl]), "load_1min": [min(loads), max(loads)], "field_mults": mults}
            if splits[impl]:
                row["split_s"] = {k: statistics.median(s.get(k, 0.0) for s in splits[impl]) for k in splits[impl][0]}
                row["peak_rss_after_step_mib"] = {k: max(m.get(k, 0.0) for m in memory[impl])
                                                  for k in memory[impl][0]}
            rows.append(row)
        if snarkjs and any(r["impl"].startswith("prozchain") for r in rows):
            write_json(Path(tmp, "vk.json"), verification_key_to_json(vk))
            ours = next(Path(tmp).glob("prozchain-*0.json"))
            check = subprocess.run([*snarkjs, "groth16", "verify", str(Path(tmp, "vk.json")),
                                    str(ours.with_suffix(".public.json")), str(ours)], capture_output=True, text=True)
            for row in rows:
                if row["impl"].startswith("prozchain"):
                    row["snarkjs_verifies_ours"] = check.returncode == 0
            if check.returncode != 0:
                failures.append(f"{case.name}: snarkjs groth16 verify refused our proof: {check.stdout.strip()[-200:]}")
    for name in peers:
        peer = next((r["median_s"] for r in rows if r["impl"] == name), None)
        for row in rows:
            row[f"{name}_over_this"] = peer / row["median_s"] if peer else None
    return rows, failures


def print_table(rows: list[dict]) -> None:
    print(f"{'circuit':<14}{'constraints':>12}  {'impl':<17}{'median':>9}{'min':>9}{'CPU':>9}{'peak RSS':>10}"
          f"{'snarkjs/this':>14}{'rapidsnark/this':>17}")
    for r in rows:
        ratios = [f"{r[k]:.2f}x" if r.get(k) else "-" for k in ("snarkjs_over_this", "rapidsnark_over_this")]
        print(f"{r['circuit']:<14}{r['constraints']:>12,}  {r['impl']:<17}{r['median_s']:>8.3f}s{r['min_s']:>8.3f}s"
              f"{r['median_cpu_s']:>8.3f}s"
              f"{r['peak_rss_mib']:>7.0f} MiB{ratios[0]:>14}{ratios[1]:>17}")
    for r in rows:
        if "split_s" in r:
            print(f"{r['circuit']} {r['impl']} split (median): "
                  + "  ".join(f"{k} {v:.3f}s" for k, v in r["split_s"].items()))
            print(f"{r['circuit']} {r['impl']} peak RSS after each step (MiB, max): "
                  + "  ".join(f"{k} {v:.0f}" for k, v in r["peak_rss_after_step_mib"].items()))


def print_limits(rows: list[dict], rate: float) -> None:
    """The physical limit of each circuit, against every prover: the proof's field
    multiplications (:func:`proof_mults`, our kernels' cost model, which no prover here beats
    by much: the MSMs' bucket additions dominate) at this machine's measured rate on all
    threads, with nothing else (no process start, no reading, no thread start-up). Each row
    gains ``limit_s``; our rows also show the compute part of the command (total minus read)."""
    print(f"field multiplications: {rate / 1e6:.1f} M/s on all threads (one thread's rate, in cache, times the threads)")
    for circuit in dict.fromkeys(r["circuit"] for r in rows):
        mine = [r for r in rows if r["circuit"] == circuit]
        mults = mine[0]["field_mults"]
        limit = sum(mults.values()) / rate
        share = "  ".join(f"{k} {v / sum(mults.values()):.0%}" for k, v in mults.items())
        print(f"{circuit}: {sum(mults.values()) / 1e6:,.0f} M mults ({share}) -> limit {limit:.3f} s")
        for r in mine:
            r["limit_s"] = limit
            compute = (f" (compute {r['split_s']['total'] - r['split_s'].get('read', 0):.3f} s)"
                       if "split_s" in r else "")
            print(f"  {r['impl']:<16} whole command {r['median_s']:.3f} s = {r['median_s'] / limit:.1f}x the "
                  f"limit{compute}")


def plot(rows: list[dict], path: Path) -> None:
    """Time against constraints, log-log, one line per prover; for one circuit, a bar per
    prover with snarkjs's time over its own."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    if len({r["circuit"] for r in rows}) == 1:
        bars = ax.bar([r["impl"] for r in rows], [r["median_s"] for r in rows])
        ax.bar_label(bars, [f"{r['median_s']:.3f} s" + (f"\nsnarkjs/this {r['snarkjs_over_this']:.2f}x"
                                                        if r.get("snarkjs_over_this") else "") for r in rows])
        ax.set_title(f"Groth16 prove: {rows[0]['circuit']} ({rows[0]['constraints']:,} constraints)")
    else:
        for impl in dict.fromkeys(r["impl"] for r in rows):
            points = sorted((r["constraints"], r["median_s"]) for r in rows if r["impl"] == impl)
            ax.loglog(*zip(*points), marker="o", label=impl)
        ax.set_xlabel("constraints")
        ax.set_title("Groth16 prove on BN254: prozchain and snarkjs, same files, same run")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    ax.set_ylabel("groth16 prove, whole command (s, median)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def log_sizes(text: str) -> list[int]:
    """The log2 sizes of a ``--sizes`` option (``"12,16,20"``); a :class:`UsageError` names a
    value that is no integer.

    >>> log_sizes("12, 16")
    [12, 16]
    """
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise UsageError(f"--sizes {text!r}: expected comma-separated log2 sizes such as 12,16,20") from None


def run_prove(args: argparse.Namespace) -> int:
    if bool(args.zkey) != bool(args.witness):
        raise UsageError("give both circuit.zkey and witness.wtns, or neither (then --sizes picks generated circuits)")
    if args.zkey and args.sizes:
        raise UsageError("--sizes picks generated circuits; it does not apply to your own .zkey and .wtns")
    snarkjs, missing = snarkjs_command()
    rapidsnark, rapidsnark_missing = rapidsnark_command()
    prozchain = prozchain_command(args.prozchain)
    install = install_kind(prozchain)
    print(f"[INFO] timing {prozchain[0]} ({install['kind']} install" + (
        ": each start runs setuptools' import hook, which `pip install .` does not have)"
        if install["kind"] == "editable" else ")"))
    if args.zkey:
        from prozchain.prover.formats.zkey import read_zkey

        key = read_zkey(args.zkey, check="none")
        cases = [Case(Path(args.zkey).name, constraints_of(key), Path(args.zkey), Path(args.witness))]
    else:
        sizes = log_sizes(args.sizes or DEFAULT_SIZES)
        if args.circom:
            circom, circom_missing = npm_tool("circom2")
            if not (circom and snarkjs):
                raise UsageError(f"--circom needs circom2 and snarkjs from bench/'s lock file: "
                                 f"{circom_missing or missing}")
            cases = [circom_chain_case(k, snarkjs, circom) for k in sizes]
        else:
            cases = [chain_case(k) for k in sizes]
    rows, failures = [], []
    for case in cases:
        log_n = (case.constraints + 2).bit_length() - 1
        backends = ["c"] + (["numba"] if args.numba and log_n <= args.numba_max else [])
        js = snarkjs if args.snarkjs_max is None or log_n <= args.snarkjs_max else None
        case_rows, case_failures = time_case(case, args.runs, backends, js, rapidsnark, prozchain)
        rows += case_rows
        failures += case_failures
    print_table(rows)
    rate = mults_per_second()
    print_limits(rows, rate)
    for failure in failures:
        print(f"[ERROR] {failure}")
    if missing:
        print(f"missing: snarkjs: {missing}")
    if rapidsnark_missing:
        print(f"missing: rapidsnark: {rapidsnark_missing}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    options = {k: v for k, v in vars(args).items() if k != "func"}
    report = {"options": options, "machine": {**machine(), "field_mults_per_s": rate}, "install": install,
              "rows": rows}
    (out / "prove.json").write_text(json.dumps(report, indent=2) + "\n")
    if rows and not args.no_plot:
        plot(rows, out / "prove.png")
    print(f"[INFO] wrote {out / 'prove.json'}" + ("" if args.no_plot else f" and {out / 'prove.png'}"))
    return 1 if failures else 0


def register(sub: argparse._SubParsersAction) -> None:
    prove = sub.add_parser("prove", help="groth16 prove: prozchain beside snarkjs on the same .zkey and .wtns")
    prove.add_argument("zkey", nargs="?", help="circuit.zkey (snarkjs's or ours); omit to use generated circuits")
    prove.add_argument("witness", nargs="?", help="witness.wtns")
    prove.add_argument("--sizes", help=f"log2 domain sizes of generated chain circuits (default {DEFAULT_SIZES}; "
                                        "not with your own files)")
    prove.add_argument("--runs", type=int, default=3, help="timed runs of each prover (default 3)")
    prove.add_argument("--circom", action="store_true",
                       help="the generated chains compiled by circom, keyed by snarkjs (on a development ptau) and "
                            "witnessed by circom's wasm: the files rapidsnark users have")
    prove.add_argument("--snarkjs-max", type=int, help="largest log2 size to time snarkjs at (default: every size)")
    prove.add_argument("--numba", action="store_true", help="also time the numba backend")
    prove.add_argument("--numba-max", type=int, default=14, help="largest log2 size for the numba backend (default 14)")
    prove.add_argument("--prozchain", metavar="COMMAND",
                       help="the prozchain command to time (default: the one beside this Python), e.g. a regular "
                            "install's venv/bin/prozchain beside a development checkout's editable one")
    prove.add_argument("--out", default=".", help="folder for prove.json and prove.png (default: the current folder)")
    prove.add_argument("--no-plot", action="store_true", help="skip the plot")
    prove.set_defaults(func=run_prove)
