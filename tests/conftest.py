"""Fixtures shared by the whole suite: one run per backend, and seeded randomness.

``backend`` runs a test once per backend with its own arithmetic (``FULL_BACKENDS``). A missing C build skips
the "c" runs, unless ``PROZ_REQUIRE_C`` is set (CI sets it), where it is an error.

``rng`` is a ``random.Random`` seeded from the test's id, or from ``$PROZ_SEED``; a failing
test reports its seed.

``make test`` runs the suite on pytest-xdist workers with ``--dist loadgroup``, which here sends
each test file whole to one worker, so that module and session fixtures are built once, and
every file marked ``pytest.mark.xdist_group(NAME)`` to the same worker as the others of NAME:
files sharing something a second worker must not build or change at the same time (a folder that
``npm ci`` rewrites). Anything else a test writes goes under ``tmp_path``, and a server listens
on port 0.
"""

from __future__ import annotations

import os
import random
import zlib

import pytest

from prozchain import native
from prozchain import prover
from prozchain.native.backend import Backend


# numba adds only MSM and NTT kernels to the reference: tests/native/test_msm.py and test_ntt.py
# cover it; running every other test a third time would re-test the reference. Where the C core
# runs the x86-64 assembly, its portable path (every other machine's) runs the tests too.
FULL_BACKENDS = ("c", "reference")


def _c_paths() -> tuple[str, ...]:
    try:
        from prozchain.native.core import PATH, runnable_paths
    except ImportError:
        return ()
    return tuple(f"c:{path}" for path in runnable_paths() if path != PATH)


FULL_BACKENDS += _c_paths()


@pytest.fixture(scope="session", params=FULL_BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    try:
        return native.get_backend(request.param)
    except native.BackendUnavailable as exc:
        if not request.param.startswith("c") or "PROZ_REQUIRE_C" in os.environ:
            raise
        pytest.skip(f"C backend not built: {exc}")


@pytest.fixture
def prover_backend(backend: Backend):
    """``backend``, made the one the prover's types compute with for this test."""
    prover.set_backend(backend.name)
    yield backend
    prover.set_backend(None)


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    seed = int(os.environ.get("PROZ_SEED") or zlib.crc32(request.node.nodeid.encode()))
    request.node.proz_seed = seed
    return random.Random(seed)


@pytest.fixture(params=[1, 2], ids=["1-thread", "2-threads"])
def threads(request: pytest.FixtureRequest) -> int:
    """The C core's OpenMP threads set to 1, then 2, for the test (restored after)."""
    from prozchain.native.core import lib

    before = lib.pz_num_threads()
    lib.pz_set_threads(request.param)
    yield request.param
    lib.pz_set_threads(before)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadgroup`` with a test file as the unit of work where no group is named (xdist's
    own makes each unmarked test its own unit, rebuilding module fixtures on every worker)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class FileOrGroup(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            group = super()._split_scope(nodeid)
            return group if group != nodeid else nodeid.split("::", 1)[0]

    return FileOrGroup(config, log)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    seed = getattr(item, "proz_seed", None)
    if report.failed and seed is not None:
        report.sections.append(("random seed", f"seed {seed}; rerun with PROZ_SEED={seed}"))
    return report
