"""``prozchain bench prove``: our prover and ``snarkjs groth16 prove`` on the same files, one run.

    prozchain bench prove circuit.zkey witness.wtns --runs 3 --json out.json

Both are timed as a user runs them, as whole commands (process start, reading the key and the
witness, writing proof.json and public.json). Our runs use ``--profile``, so the table also splits
our time into read, A/B/C evaluations, NTTs (H) and each MSM. Every proof is verified (by us,
against the key's verification key) before its time counts. snarkjs comes from bench/'s npm lock
file; when node or snarkjs is missing it is reported as missing, never timed.

>>> parse_profile("[INFO] read 1.0 ms  ntt 2.5 ms  total 3.5 ms")
{'read': 0.001, 'ntt': 0.0025, 'total': 0.0035}
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent


def parse_profile(line: str) -> dict[str, float]:
    """The step times (seconds) of a ``--profile`` line: ``name value ms`` pairs."""
    words = line.replace("[INFO]", "").split()
    return {words[i]: float(words[i + 1]) / 1000 for i in range(0, len(words) - 2, 3) if words[i + 2] == "ms"}


def snarkjs_command() -> tuple[Optional[list[str]], Optional[str]]:
    """The snarkjs command from bench/'s lock file (installing it once), or why it cannot run."""
    if not shutil.which("node"):
        return None, "node is not installed"
    binary = HERE / "node_modules" / ".bin" / "snarkjs"
    if not binary.exists():
        if not shutil.which("npm"):
            return None, "snarkjs is not installed in bench/ and npm is missing"
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, capture_output=True)
        if not binary.exists():
            return None, "`npm ci` in bench/ did not install snarkjs"
    return [str(binary)], None


def timed_run(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def run_prove(args: argparse.Namespace) -> int:
    from prover.formats.snarkjs_json import read_proof, read_public
    from prover.formats.zkey import read_zkey
    from prover.groth16.verifier import verify

    vk = read_zkey(args.zkey, check="none").verification_key()
    snarkjs, missing = snarkjs_command()

    def command(impl: str, proof: Path, public: Path) -> list[str]:
        files = [args.zkey, args.witness, str(proof), str(public)]
        if impl == "prozchain":
            return [sys.executable, "-m", "prover.cli", "groth16", "prove", *files, "--profile"]
        return [*snarkjs, "groth16", "prove", *files]

    rows, splits, failures = [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for impl in ["prozchain"] + (["snarkjs"] if snarkjs else []):
            times = []
            for run in range(args.runs):
                proof, public = Path(tmp, f"{impl}{run}.json"), Path(tmp, f"{impl}{run}.public.json")
                seconds, proc = timed_run(command(impl, proof, public))
                if proc.returncode != 0 or not verify(vk, read_public(public), read_proof(proof)):
                    failures += 1
                    print(f"{impl} run {run}: no valid proof (exit {proc.returncode}) {proc.stderr.strip()[-300:]}")
                    continue
                times.append(seconds)
                if impl == "prozchain":
                    splits.append(parse_profile(proc.stderr.strip().splitlines()[-1]))
            if times:
                rows.append({"impl": impl, "median_s": statistics.median(times), "min_s": min(times), "runs": len(times)})
    base = next((r["median_s"] for r in rows if r["impl"] == "prozchain"), None)
    print(f"{'impl':<12}{'min':>9}{'median':>9}{'vs prozchain':>14}")
    for r in rows:
        ratio = f"{r['median_s'] / base:.2f}x" if base else "-"
        print(f"{r['impl']:<12}{r['min_s']:>8.3f}s{r['median_s']:>8.3f}s{ratio:>14}")
    if missing:
        print(f"missing: snarkjs: {missing}")
    if splits:
        split = {k: statistics.median(s.get(k, 0.0) for s in splits) for k in splits[0]}
        print("prozchain split (median): " + "  ".join(f"{k} {v:.3f}s" for k, v in split.items()))
        rows.append({"impl": "prozchain-split", **split})
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 1 if failures else 0


def register(sub: argparse._SubParsersAction) -> None:
    prove = sub.add_parser("prove", help="groth16 prove: prozchain beside snarkjs on the same .zkey and .wtns")
    prove.add_argument("zkey", help="circuit.zkey (snarkjs's or ours)")
    prove.add_argument("witness", help="witness.wtns")
    prove.add_argument("--runs", type=int, default=3, help="timed runs of each prover (default 3)")
    prove.add_argument("--json", help="write the rows to this JSON file")
    prove.set_defaults(func=run_prove)
