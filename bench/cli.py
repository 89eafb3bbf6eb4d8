"""``prozchain bench msm``: our MSM kernels beside snarkjs's own engine, on the same inputs.

    prozchain bench msm --sizes 12,16,20 --json out.json

For each size 2^k it builds G1 bases (k, via the C progression helper: points (a + i d) G) and
random scalars below R, times the native (C) kernel, the numba kernel and the reference backend
(the slow ones only up to ``--numba-max`` / ``--reference-max``), and ffjavascript's
``G1.multiExpAffine`` through ``bench/msm_peer.js`` (node; ``npm ci`` is run in bench/ when its
node_modules are missing). Every implementation's result is checked against the native one.
A peer that cannot run is reported as missing, never timed or faked.

The JSON file is a list: a header object (``{"header": true, "cpu", "threads", "commit", ...}``)
then one row per kernel, size and implementation:
``{"kernel": "msm_g1", "size": 1048576, "impl": "native", "median_s": ..., "min_s": ..., "runs": 3}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from prozchain.bench import prove, rollup, serve, witness

from prozchain.native.curve import R, Group

HERE = Path(__file__).resolve().parent
PEER_SCRIPT = HERE / "msm_peer.js"


# ---- inputs shared by the CLI and the pytest-benchmark suites ---------------------------------
def backend_for(impl: str):
    """The backend behind an implementation name of the tables: native, numba or reference."""
    from prozchain import native

    return native.get_backend("c" if impl == "native" else impl)


def bench_bases(group: Group, log_n: int, seed: int = 2024):
    """2^log_n prepared bases (a + i d) * G, built in C in well under a second at 2^20."""
    from prozchain.native.c_backend import CBackend
    from prozchain.native.core import check_alloc, ffi, kernels, to_limbs

    c = CBackend()
    n = 1 << log_n
    rng = np.random.default_rng(seed + log_n)
    a, d = (int(rng.integers(1, 2**62)) for _ in range(2))
    coords = np.empty((n, 4 * group.coords), dtype=np.uint64)
    gen = [1, 2] if group is Group.G1 else [c for pair in c.g2_generator() for c in pair]
    status = kernels.group(group).progression(ffi.from_buffer("uint64_t[]", coords), to_limbs(gen), to_limbs([a], R),
                                              to_limbs([d], R), n)
    check_alloc(status, f"pz_{group}_progression", n, "points")
    return c.msm_prepare_array(group, coords)


def bench_scalars(log_n: int, seed: int = 7) -> np.ndarray:
    """2^log_n random scalars below R, as (n, 4) limbs (top limb capped below R's)."""
    rng = np.random.default_rng(seed + log_n)
    k = rng.integers(0, 2**64, size=(1 << log_n, 4), dtype=np.uint64)
    k[:, 3] &= np.uint64(0x2FFFFFFFFFFFFFFF)
    return k


def bench_fr_vector(log_n: int, seed: int = 11) -> np.ndarray:
    return bench_scalars(log_n, seed)


def machine_info() -> dict:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from prozchain.native.core import lib, path_summary

    commit = "?"
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True, text=True,
                                timeout=10).stdout.strip() or "?"
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=HERE, capture_output=True, text=True,
                               timeout=10).stdout.strip()
        if dirty and commit != "?":
            commit += " (dirty)"
    except (OSError, subprocess.SubprocessError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "threads": lib.pz_num_threads(), "native_path": path_summary(),
            "commit": commit, "python": platform.python_version()}


def _time(fn: Callable[[], object], runs: int):
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


# ---- the peer ----------------------------------------------------------------------------------
def peer_status() -> Optional[str]:
    """None when ffjavascript can run, else why not (and try `npm ci` once if only that is missing)."""
    node = shutil.which("node")
    if not node:
        return "node is not installed"
    if not (HERE / "node_modules" / "ffjavascript").is_dir():
        npm = shutil.which("npm")
        if not npm:
            return "ffjavascript is not installed in bench/ and npm is missing"
        proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True)
        if proc.returncode != 0 or not (HERE / "node_modules" / "ffjavascript").is_dir():
            return f"`npm ci` in bench/ failed: {proc.stderr.strip()[-300:]}"
    return None


def run_peer(group: Group, bases, scalars: np.ndarray, runs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        bpath, spath = Path(tmp) / "bases.bin", Path(tmp) / "scalars.bin"
        np.ascontiguousarray(bases.array[: len(scalars)]).tofile(bpath)
        np.ascontiguousarray(scalars).tofile(spath)
        proc = subprocess.run(["node", str(PEER_SCRIPT), "--group", group, "--bases", str(bpath),
                               "--scalars", str(spath), "--repeat", str(runs)],
                              cwd=HERE, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"msm_peer.js failed: {proc.stderr.strip()[-500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _point_ints(point) -> list[int]:
    if point is None:
        return []
    if isinstance(point[0], tuple):
        return [*point[0], *point[1]]
    return list(point)


# ---- the command -------------------------------------------------------------------------------
def run_msm(args: argparse.Namespace) -> int:
    from prozchain import native
    from prozchain.native.c_backend import CBackend

    sizes = prove.log_sizes(args.sizes)
    impls = [s.strip() for s in args.impls.split(",") if s.strip()]
    header = {"header": True, **machine_info(), "command": "prozchain bench msm " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k in ("sizes", "impls", "runs")),
        "missing": {}}
    rows: list[dict] = []
    c = CBackend()
    backends: dict[str, object] = {"native": c}
    if "numba" in impls:
        try:
            from prozchain.native.numba_backend import NumbaBackend

            backends["numba"] = NumbaBackend()
        except ImportError as exc:
            header["missing"]["numba"] = f"numba is not installed ({exc})"
    if "reference" in impls:
        backends["reference"] = native.get_backend("reference")
    peer = None
    if "ffjavascript" in impls:
        peer = peer_status()
        if peer:
            header["missing"]["ffjavascript"] = peer
    limits = {"native": 99, "numba": args.numba_max, "reference": args.reference_max}
    print(f"# {header['cpu']}, {header['threads']} threads, C core path {header['native_path']}, commit {header['commit']}")
    print(f"{'kernel':<8}{'size':>10}  {'impl':<14}{'min':>10}{'median':>10}{'vs native':>11}  check")
    failures = 0
    for log_n in sizes:
        n = 1 << log_n
        bases, scalars = bench_bases(Group.G1, log_n), bench_scalars(log_n)
        native_median, want = None, None
        for impl in ["native", "numba", "reference", "ffjavascript"]:
            if impl not in impls or impl in header["missing"]:
                continue
            if impl != "ffjavascript" and log_n > limits[impl]:
                continue
            if impl == "ffjavascript":
                out = run_peer(Group.G1, bases, scalars, args.runs)
                times = out["times_s"]
                got = [int(v) for v in out["result"]]
                extra = {"version": out.get("version"), "peer_threads": out.get("threads")}
            else:
                b = backends[impl]
                runs = args.runs if impl != "reference" else 1
                times, point = _time(lambda: b.msm_prepared(bases, scalars), runs)
                got = _point_ints(point)
                extra = {}
            if impl == "native":
                want = got
            ok = got == want
            failures += not ok
            med = statistics.median(times)
            if impl == "native":
                native_median = med
            rows.append({"kernel": "msm_g1", "size": n, "impl": impl, "median_s": med, "min_s": min(times),
                         "runs": len(times), "result_matches_native": ok, **extra})
            ratio = f"{med / native_median:.2f}x" if native_median else "-"
            print(f"{'msm_g1':<8}{n:>10}  {impl:<14}{min(times):>9.3f}s{med:>9.3f}s{ratio:>11}  "
                  f"{'ok' if ok else 'MISMATCH'}", flush=True)
    for impl, why in header["missing"].items():
        print(f"missing: {impl}: {why}")
    if args.json:
        Path(args.json).write_text(json.dumps([header, *rows], indent=2) + "\n")
        print(f"wrote {args.json}")
    return 1 if failures else 0


def register(parser: argparse.ArgumentParser) -> None:
    """The ``bench`` command group (listed in :data:`prozchain.cli.GROUPS`)."""
    sub = parser.add_subparsers(dest="bench_command", required=True)
    msm = sub.add_parser("msm", help="G1 MSM: native, numba, reference and ffjavascript (snarkjs)")
    msm.add_argument("--sizes", default="12,16,20", help="comma-separated log2 sizes (default 12,16,20)")
    msm.add_argument("--json", help="write the rows (with a header object) to this JSON file")
    msm.add_argument("--runs", type=int, default=3, help="timed runs per implementation (default 3)")
    msm.add_argument("--impls", default="native,numba,reference,ffjavascript",
                     help="comma-separated, from native, numba, reference, ffjavascript (default: all four)")
    msm.add_argument("--numba-max", type=int, default=12, help="largest log2 size for numba (default 12)")
    msm.add_argument("--reference-max", type=int, default=8, help="largest log2 size for the reference (default 8)")
    msm.set_defaults(func=run_msm)
    prove.register(sub)
    rollup.register(sub)
    serve.register(sub)
    witness.register(sub)
