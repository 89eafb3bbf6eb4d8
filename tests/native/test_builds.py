"""The C core as every supported compiler, target and set of flags builds it, against py_ecc.

Issue 19's CI builds: gcc with the default flags, for the baseline x86-64 (no ADX), x86-64-v3
and x86-64-v4 (AVX-512) targets, at -O0 and -Og and with AddressSanitizer and UBSan; clang with
the default flags and for x86-64-v4; and aarch64 through the cross compiler and qemu-user. Each
build compiles every arithmetic path of its target (tests/native/builds.py), and each path runs
the field, curve, pairing, MSM, sparse sums, scaling, NTT and Poseidon cases
(tests/native/harness_cases.py) through tests/native/harness.c on one thread and on two. The installed build runs the rest of the suite.

The cases are drawn from PROZ_SEED (default 19) and printed with a failure.
"""

from __future__ import annotations

import os
import random
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import pytest

from tests.native.builds import BUILDS, REQUIRED, Binary, compile_harness, cpu_flags, missing_tools, prepare_sources, unrunnable
from tests.native.harness_cases import KINDS, Case

SEED = int(os.environ.get("PROZ_SEED") or 19)
THREADS = (1, 2)
RUNS = [(build, path) for build in BUILDS for path in build.paths]
RUN_IDS = [f"{build.name}/{path}" for build, path in RUNS]
CPU = cpu_flags()


@pytest.fixture(autouse=True)
def seed(request: pytest.FixtureRequest) -> None:
    request.node.proz_seed = SEED  # tests/conftest.py prints it with a failure


@lru_cache(maxsize=None)
def cases(kind: str) -> list[Case]:
    return KINDS[kind](random.Random(f"{SEED}-{kind}"))


@pytest.fixture(scope="session")
def binaries(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every available build's harness binaries, compiled in parallel at first use, by
    (build name, path); a build this machine lacks the tools for maps to the reason."""
    folder = tmp_path_factory.mktemp("builds")
    src = folder / "src"
    src.mkdir()
    prepare_sources(src)
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        missing = dict(zip(BUILDS, pool.map(missing_tools, BUILDS)))
        runs = [(build, path) for build, path in RUNS if missing[build] is None]
        made = pool.map(lambda run: compile_harness(*run, src, folder / f"{run[0].name}-{run[1]}"), runs)
        out = {(build.name, path): missing[build] for build, path in RUNS}
        out.update({(binary.build.name, binary.path): binary for binary in made})
    return out


def binary_of(binaries: dict, build, path: str) -> Binary:
    binary = binaries[build.name, path]
    if isinstance(binary, str):
        (pytest.fail if REQUIRED else pytest.skip)(f"{build.name}: {binary}")
    return binary


@pytest.mark.parametrize("build, path", RUNS, ids=RUN_IDS)
def test_compiles(binaries, build, path):
    binary = binary_of(binaries, build, path)
    assert binary.ok, binary.log


def describe(wrong: list[tuple[Case, str]], total: int) -> str:
    lines = [f"{len(wrong)} of {total} answers differ from py_ecc's; the first ones:"]
    for case, got in wrong[:3]:
        expected, answer = case.expected.split(), got.split()
        at = next((i for i, (e, a) in enumerate(zip(expected, answer)) if e != a), min(len(expected), len(answer)))
        lines.append(f"  {case.command[:200]}{'...' if len(case.command) > 200 else ''}\n"
                     f"    word {at}: expected {expected[at:at + 2]}, got {answer[at:at + 2]}")
    return "\n".join(lines)


@pytest.mark.parametrize("threads", THREADS, ids=[f"{t}thread" for t in THREADS])
@pytest.mark.parametrize("build, path", RUNS, ids=RUN_IDS)
@pytest.mark.parametrize("kind", KINDS)
def test_matches_py_ecc(binaries, kind, build, path, threads):
    binary = binary_of(binaries, build, path)
    if not binary.ok:
        pytest.skip("not compiled: see test_compiles")
    reason = unrunnable(build, path, CPU)
    if reason:
        pytest.skip(reason)
    todo = cases(kind)
    done = binary.run(threads, "".join(case.command + "\n" for case in todo), timeout=300)
    answers = done.stdout.splitlines()
    if done.returncode or len(answers) != len(todo):
        stuck = todo[min(len(answers), len(todo) - 1)].command
        pytest.fail(f"exit status {done.returncode} after {len(answers)} of {len(todo)} answers, at "
                    f"{stuck[:200]}\n{done.stderr[-3000:]}")
    wrong = [(case, got) for case, got in zip(todo, answers) if got != case.expected]
    assert not wrong, describe(wrong, len(todo))
