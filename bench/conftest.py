"""Collects each benchmark's median by (group, implementation) and prints the speed-ups.

pytest-benchmark prints one table per group; the summary added here divides the py_ecc median
by the native one in each group, which is the number the issue asks about.
"""

from __future__ import annotations

import os
from typing import Optional

import pytest

MEDIANS = pytest.StashKey[dict]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[MEDIANS] = {}


def pytest_collection_modifyitems(items: list) -> None:
    """Every quiet run before every busy one (bench/load.py): after busy cores the kernels work
    alone for up to a second before they split again, which would bias a quiet run that follows."""
    items.sort(key=lambda item: getattr(item, "callspec", None) is not None
               and item.callspec.params.get("state") == "busy")


@pytest.fixture
def timed(benchmark, request: pytest.FixtureRequest):
    """``benchmark``, whose median is recorded under (group, ``impl`` parameter) at teardown."""
    yield benchmark
    if benchmark.stats:  # None when benchmarks are disabled or skipped
        key = (benchmark.group, request.node.callspec.params["impl"])
        request.config.stash[MEDIANS][key] = benchmark.stats.stats.median


@pytest.fixture
def medians(request: pytest.FixtureRequest) -> dict:
    """The (group, implementation) -> median seconds table the summary reads, for a benchmark
    that times one side itself."""
    return request.config.stash[MEDIANS]


def _time(seconds: Optional[float]) -> str:
    if seconds is None:
        return "-"
    for unit, scale in [("s", 1), ("ms", 1e-3), ("us", 1e-6)]:
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _ratio(native: Optional[float], py_ecc: Optional[float]) -> str:
    if native is None or py_ecc is None:
        return "-"
    ratio = py_ecc / native
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2f}x"


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    medians = config.stash[MEDIANS]
    groups = sorted({group for group, _ in medians})
    if not groups:
        return
    commit = config.hook.pytest_benchmark_generate_commit_info(config=config)
    cpu = config.hook.pytest_benchmark_generate_machine_info(config=config)["cpu"]
    threads = os.environ.get("PROZ_THREADS") or f"{os.cpu_count()} (all cores)"
    write = terminalreporter.write_line
    terminalreporter.section("native vs py_ecc.optimized_bn128 (medians)")
    from prozchain.native.core import path_summary

    write(f"commit {commit['id'][:12]}{' (dirty)' if commit['dirty'] else ''}, "
          f"CPU {cpu.get('brand_raw', '?')}, PROZ_THREADS {threads}, C core path {path_summary()}")
    write(f"{'group':<12}{'native (c)':>14}{'py_ecc':>14}{'py_ecc / c':>14}")
    for group in groups:
        c, py = medians.get((group, "c")), medians.get((group, "py_ecc"))
        write(f"{group:<12}{_time(c):>14}{_time(py):>14}{_ratio(c, py):>14}")
