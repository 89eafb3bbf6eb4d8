"""Session fixtures for the Groth16 interop tests: circuits compiled by circom2 and keys made by
snarkjs, each built once per session in a temporary directory.

Sizes are kept small because ``snarkjs powersoftau prepare phase2`` costs seconds per power of
two: the snarkjs-made key uses a power-4 ceremony (one contribution) for a 2-constraint circuit;
the Poseidon circuit (517 constraints) is keyed by our development setup instead.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import js_oracles

CUBE = """pragma circom 2.0.0;
template Cube() {
    signal input x;
    signal input k;
    signal output y;
    signal t;
    t <== x * x;
    y <== t * x + k;
}
component main {public [k]} = Cube();
"""

POSEIDON = """pragma circom 2.0.0;
include "circomlib/poseidon.circom";
template Main() {
    signal input a;
    signal input b;
    signal output h;
    component p = Poseidon(2);
    p.inputs[0] <== a;
    p.inputs[1] <== b;
    h <== p.out;
}
component main = Main();
"""


def snarkjs(*args: str, cwd: Path) -> str:
    """Run snarkjs and return its stdout; a failure fails the test with snarkjs's output."""
    result = js_oracles.run("snarkjs", *args, cwd=cwd)
    if result.returncode != 0:
        raise AssertionError(f"snarkjs {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


VERIFY_MANY = """
const snarkjs = require("snarkjs");
(async () => {
  const request = JSON.parse(require("fs").readFileSync(0));
  const answers = [];
  for (const c of request.cases) answers.push(await snarkjs.groth16.verify(request.vk, c.public, c.proof));
  process.stdout.write(JSON.stringify(answers));
})().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
"""


def snarkjs_verify_many(vk: dict, cases: list[tuple[list, dict]]) -> list[bool]:
    """snarkjs's ``groth16.verify`` on many (public, proof) pairs in one node process (each CLI
    call costs a second of start-up)."""
    request = json.dumps({"vk": vk, "cases": [{"public": pub, "proof": proof} for pub, proof in cases]})
    result = subprocess.run(["node", "-e", VERIFY_MANY], cwd=js_oracles.installed().parent, input=request,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


@dataclass(frozen=True)
class Circuit:
    """A compiled circuit in ``dir``: name.r1cs, name_js/name.wasm and name.wtns for ``inputs``."""

    dir: Path
    name: str

    def path(self, suffix: str) -> Path:
        return self.dir / f"{self.name}{suffix}"


def compile_circuit(root: Path, name: str, source: str, inputs: dict) -> Circuit:
    """circom2 runs under WASI and sees only its working directory, so circomlib is copied in."""
    root.mkdir(parents=True, exist_ok=True)
    if "circomlib" in source:
        shutil.copytree(js_oracles.installed() / "circomlib" / "circuits", root / "circomlib", dirs_exist_ok=True)
    (root / f"{name}.circom").write_text(source)
    result = js_oracles.run("circom2", f"{name}.circom", "--r1cs", "--wasm", "-o", ".", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    (root / f"{name}_input.json").write_text(json.dumps(inputs))
    snarkjs("wtns", "calculate", f"{name}_js/{name}.wasm", f"{name}_input.json", f"{name}.wtns", cwd=root)
    return Circuit(root, name)


@pytest.fixture(scope="session")
def cube(tmp_path_factory: pytest.TempPathFactory) -> Circuit:
    """y = x^3 + k with public k, keyed by snarkjs: cube.zkey (ceremony power 4, one
    contribution in each phase) and snarkjs's export cube_vk.json."""
    circuit = compile_circuit(tmp_path_factory.mktemp("cube"), "cube", CUBE, {"x": 3, "k": 5})
    d = circuit.dir
    snarkjs("powersoftau", "new", "bn128", "4", "pot0.ptau", cwd=d)
    snarkjs("powersoftau", "contribute", "pot0.ptau", "pot1.ptau", "--name=tests", "-e=proz tau", cwd=d)
    snarkjs("powersoftau", "prepare", "phase2", "pot1.ptau", "pot.ptau", cwd=d)
    snarkjs("groth16", "setup", "cube.r1cs", "pot.ptau", "cube0.zkey", cwd=d)
    snarkjs("zkey", "contribute", "cube0.zkey", "cube.zkey", "--name=tests", "-e=proz delta", cwd=d)
    snarkjs("zkey", "export", "verificationkey", "cube.zkey", "cube_vk.json", cwd=d)
    return circuit


@pytest.fixture(scope="session")
def poseidon(tmp_path_factory: pytest.TempPathFactory) -> Circuit:
    """circomlib's Poseidon(2) of two private inputs (517 constraints), not yet keyed."""
    return compile_circuit(tmp_path_factory.mktemp("poseidon"), "poseidon", POSEIDON, {"a": 1, "b": 2})
