"""The C core's portable path (no ADX/BMI2 assembly) computes the same values.

The installed build uses -march=native, which on this machine selects the x86-64 assembly; a user
on another machine may get the plain C fallbacks instead. This compiles the core once more for
baseline x86-64 in a scratch copy and checks it against py_ecc in a subprocess.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NATIVE = Path(__file__).resolve().parents[2] / "native"

CHECK = """
import random
from py_ecc import optimized_bn128 as ob
import native.c_backend as cb
from native.backend import P, R
b, rng = cb.CBackend(), random.Random(5)
assert cb.__file__.startswith({root!r}), cb.__file__
for _ in range(200):
    x, y = rng.randrange(P), rng.randrange(P)
    assert b.mul("fp", x, y) == x * y % P and b.inv("fp", x) == pow(x, -1, P)
    assert b.mul("fr", x % R, y % R) == x * y % R
for x in (0, 1, P - 1):
    for y in (0, 1, P - 1):
        assert b.mul("fp", x, y) == x * y % P
k1, k2 = rng.randrange(R), rng.randrange(R)
p = b.g_mul("g1", (1, 2), k1)
q = b.g_mul("g2", b.g2_generator(), k2)
expected = ob.pairing(ob.multiply(ob.G2, k2), ob.multiply(ob.G1, k1))
assert b.pairing(p, q) == tuple(int(c) for c in expected.coeffs)
print("portable build agrees")
"""


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the assembly paths exist on x86-64 only")
def test_portable_build_matches_py_ecc(tmp_path):
    shutil.copytree(NATIVE, tmp_path / "native", ignore=shutil.ignore_patterns("*.so", "*.o", "_bn254.c"))
    env = dict(os.environ, PROZ_CFLAGS="-march=x86-64")
    subprocess.run([sys.executable, "native/build.py"], cwd=tmp_path, env=env, check=True,
                   capture_output=True)
    result = subprocess.run([sys.executable, "-c", CHECK.format(root=str(tmp_path))], cwd=tmp_path,
                            env=dict(env, PYTHONPATH=str(tmp_path)), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "portable build agrees" in result.stdout
