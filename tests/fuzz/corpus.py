"""The valid files every mutant starts from: one small circuit carried through every format
(.r1cs, input JSON, .wtns, .ptau, .zkey with a phase-2 contribution, proof, public and
verification-key JSON), made deterministically so that a seed replays the same mutants."""

from __future__ import annotations

import json
import random
from pathlib import Path

from prozchain.circuits import Circuit
from prozchain.native.kernels import ints_to_array
from prozchain.prover.formats.ptau import read_ptau
from prozchain.relations.formats.r1cs import write_r1cs
from prozchain.prover.formats.snarkjs_json import proof_to_json, public_to_json, verification_key_to_json
from prozchain.relations.formats.bounded_json import write_json
from prozchain.relations.formats.wtns import write_wtns
from prozchain.prover.formats.zkey import write_zkey
from prozchain.prover.groth16.prover import prove
from prozchain.prover.groth16.ptau_dev import write_dev_ptau
from prozchain.prover.groth16.setup import constraint_system, ptau_setup

PTAU_POWER = 5  # phase 2 needs twice the domain: 16 rows for Sample's 6 constraints and 3 public rows
INPUTS = {"x": "3", "k": "5", "v": [["1", "2"], ["3", "4"]]}
FILES = {"r1cs": "sample.r1cs", "wtns": "sample.wtns", "zkey": "sample.zkey", "ptau": "sample.ptau",
         "proof": "proof.json", "public": "public.json", "vk": "vk.json", "input": "input.json"}


class Sample(Circuit):
    """A scalar, a public and a 2x2 array input (the nesting an input JSON can get wrong)."""

    def define(self) -> None:
        x, k = self.private_input("x"), self.public_input("k")
        v = self.private_input("v", (2, 2))
        self.output("y", x * x * x + k * (v[0][0] * v[1][1] + v[0][1] * v[1][0]))


def build(folder: Path) -> Path:
    """Write every original into ``folder`` (once: an existing corpus is reused)."""
    if (folder / FILES["input"]).exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    compiled = Sample().compile()
    write_r1cs(compiled.r1cs, folder / FILES["r1cs"])
    witness = compiled.solve(INPUTS)
    write_wtns(witness, folder / FILES["wtns"])
    write_dev_ptau(folder / FILES["ptau"], PTAU_POWER, seed=1)
    key = ptau_setup(constraint_system(compiled.r1cs), read_ptau(folder / FILES["ptau"]), seed=2)
    write_zkey(folder / FILES["zkey"], key)
    proof, public = prove(key, ints_to_array(witness), rng=random.Random(3))
    write_json(folder / FILES["proof"], proof_to_json(proof))
    write_json(folder / FILES["public"], public_to_json(public))
    write_json(folder / FILES["vk"], verification_key_to_json(key.verification_key()))
    (folder / FILES["input"]).write_text(json.dumps(INPUTS))  # written last: it marks a finished corpus
    return folder
