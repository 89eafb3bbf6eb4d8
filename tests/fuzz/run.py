"""Run mutants batch by batch in worker processes and judge them; ``make fuzz`` runs this.

    python -m tests.fuzz.run [FORMAT ...] [--mutants N] [--seed S]

(defaults: every format, ``FUZZ_MUTANTS`` or 3000 mutants each, ``FUZZ_SEED`` or a fresh seed,
printed). A mutant passes if its reader raised the project's error type, or read the very
content of the original when the mutant allows that. A worker that dies or hangs fails the
mutant it was on, and a fresh worker goes on from the next one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.fuzz.corpus import build
from tests.fuzz.targets import TARGETS
from tests.fuzz.worker import SECONDS

ROOT = Path(__file__).resolve().parents[2]
BATCH = 500  # mutants per worker process
STARTUP = 60.0  # seconds a worker may take to import and read the original


@dataclass(frozen=True)
class Result:
    format: str
    index: int
    label: str
    operator: str
    outcome: str
    must_fail: bool = False
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome == "error" or self.outcome == "same" and not self.must_fail

    def __str__(self) -> str:
        expected = "must be refused" if self.must_fail else "refused or read the same"
        return f"{self.format} #{self.index} {self.label}: {self.outcome} ({expected}) {self.detail}".rstrip()


def _batch(name: str, seed: int, start: int, count: int, corpus: Path) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{name}-") as work:  # left behind by a worker that died
        command = [sys.executable, "-m", "tests.fuzz.worker", name, str(seed), str(start), str(count), str(corpus), work]
        try:
            proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=STARTUP + count * SECONDS)
            stdout, death = proc.stdout, f"worker died (exit {proc.returncode}): {proc.stderr.strip()[-300:]}"
        except subprocess.TimeoutExpired as exc:
            stdout, death = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else exc.stdout or "", "hang"
    results, started = [], None
    for line in stdout.splitlines():
        record = json.loads(line)
        if record.pop("start", False):
            started = record
            continue
        results.append(Result(name, record["i"], record["label"], record["operator"], record["outcome"],
                              record["must_fail"], record["detail"]))
        started = None
    if started is not None:
        results.append(Result(name, started["i"], started["label"], started["operator"], death))
    elif len(results) < count:
        raise RuntimeError(f"the {name} worker failed before its first mutant: {death}")
    return results


def fuzz(name: str, seed: int, count: int, corpus: Path) -> list[Result]:
    """The results of mutants 0 .. count - 1 of format ``name``."""
    results: list[Result] = []
    while len(results) < count:
        start = len(results)
        results += _batch(name, seed, start, min(BATCH, count - start), corpus)
    return results


def kind(result: Result) -> str:
    """A failure's class: format, mutator and outcome (a crash's exception type, a death's exit code)."""
    outcome = result.outcome if result.outcome.startswith("crash") else result.outcome.split(":")[0]
    return f"{result.format} {result.operator} -> {outcome}"


def report(results: list[Result], seed: int) -> str:
    failures = [r for r in results if not r.passed]
    lines = [f"seed {seed}: {len(failures)} of {len(results)} mutants failed"]
    for k, n in Counter(kind(r) for r in failures).most_common():
        example = next(r for r in failures if kind(r) == k)
        lines.append(f"  {n:5d} x {k}\n          e.g. {example}")
    lines.append(f"replay one: python -m tests.fuzz.worker FORMAT {seed} INDEX 1 CORPUS_DIR WORK_DIR (a corpus: "
                 f"tests.fuzz.corpus.build)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run")
    parser.add_argument("formats", nargs="*", metavar="FORMAT", help=f"any of {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--mutants", type=int, default=int(os.environ.get("FUZZ_MUTANTS", 3000)))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED") or random.SystemRandom().randrange(2**32)))
    args = parser.parse_args(argv)
    unknown = set(args.formats) - set(TARGETS)
    if unknown:
        parser.error(f"unknown formats {sorted(unknown)}")
    print(f"seed {args.seed}, {args.mutants} mutants per format", flush=True)
    everything = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = build(Path(tmp))
        for name in args.formats or TARGETS:
            results = fuzz(name, args.seed, args.mutants, corpus)
            outcomes = Counter("refused" if r.outcome == "error" else "harmless" if r.passed else "failed" for r in results)
            print(f"{name:7s} {len(results):6d} mutants: {outcomes['refused']:6d} refused, {outcomes['harmless']:5d} "
                  f"harmless, {outcomes['failed']:5d} failed", flush=True)
            everything += results
    print(report(everything, args.seed))
    return 1 if any(not r.passed for r in everything) else 0


if __name__ == "__main__":
    sys.exit(main())
