"""The pytest plugin of :mod:`prozchain.testing`, loaded by pytest from the ``pytest11`` entry
point once the package is installed (nothing to import or list in ``conftest.py``).

Fixtures (every one but ``assert_rejects`` shares the session's keys, set up once per circuit and
kept under pytest's cache folder, ``.pytest_cache/d/prozchain-keys``, across runs):

- ``groth16_key(circuit) -> ZKey``
- ``assert_proves(circuit, inputs)`` and ``assert_rejects(circuit, bad_inputs, constraint=None)``
- ``verify_batch(vk, spec, batch, proof, root=None)``: with ``--prozchain-evm`` every call also
  checks the proof on py-evm through the exported Solidity verifier (``--prozchain-solc CMD``
  names the compiler)
- ``zk_rig(types=..., slots=2, depth=8, n_users=3) -> Rig``: a fresh rollup on the reference L1
  (its ``verify_batch`` follows ``--prozchain-evm`` too)

Example ``test_mine.py``::

    from prozchain.circuits import Circuit, assert_equal

    class Root(Circuit):
        def define(self):
            x, y = self.private_input("x"), self.public_input("y")
            assert_equal(x * x, y)

    def test_root(assert_proves, assert_rejects):
        assert_proves(Root(), {"x": 3, "y": 9})
        assert assert_rejects(Root(), {"x": 3, "y": 10}).index == 1
"""

from __future__ import annotations

import functools
import shlex
from pathlib import Path
from typing import Callable

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("prozchain", "prozchain: Groth16 keys, proofs and rollup batches")
    group.addoption("--prozchain-evm", action="store_true",
                    help="verify_batch also checks each proof with the exported Solidity verifier on py-evm "
                         "(needs prozchain[evm] and a Solidity compiler)")
    group.addoption("--prozchain-solc", metavar="CMD",
                    help="the Solidity compiler for --prozchain-evm (default: $PROZ_SOLC, else solc or solcjs "
                         "on the PATH)")


@pytest.fixture(scope="session")
def prozchain_key_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's development keys are kept: pytest's cache folder, or a temporary
    folder when the cache is off (``-p no:cacheprovider``)."""
    cache = getattr(request.config, "cache", None)
    return Path(cache.mkdir("prozchain-keys")) if cache is not None else tmp_path_factory.mktemp("prozchain-keys")


@pytest.fixture(scope="session")
def groth16_key(prozchain_key_dir: Path) -> Callable:
    from prozchain.testing.proofs import groth16_key

    return functools.partial(groth16_key, directory=prozchain_key_dir)


@pytest.fixture(scope="session")
def assert_proves(prozchain_key_dir: Path) -> Callable:
    from prozchain.testing.proofs import assert_proves

    return functools.partial(assert_proves, directory=prozchain_key_dir)


@pytest.fixture(scope="session")
def assert_rejects() -> Callable:
    from prozchain.circuits.testing import assert_rejects

    return assert_rejects


@pytest.fixture(scope="session")
def verify_batch(request: pytest.FixtureRequest) -> Callable:
    from prozchain.testing.batches import verify_batch

    return functools.partial(verify_batch, **_evm_options(request.config))


@pytest.fixture(scope="session")
def zk_rig(request: pytest.FixtureRequest, prozchain_key_dir: Path) -> Callable:
    from prozchain.testing.rig import make_rig

    return functools.partial(make_rig, key_dir=prozchain_key_dir, **_evm_options(request.config))


def _evm_options(config: pytest.Config) -> dict:
    solc = config.getoption("prozchain_solc")
    return {"evm": config.getoption("prozchain_evm"), "solc": shlex.split(solc) if solc else None}
