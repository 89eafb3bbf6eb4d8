"""The example circuits solve their sample inputs, and the samples are the ones their generators make."""

from __future__ import annotations

import json
from pathlib import Path

from prozchain.circuits.examples import eddsa_transfer, merkle_inclusion
from prozchain.circuits.testing import check_circuit


def test_merkle_inclusion_example_and_sample_input():
    sample_path = Path(merkle_inclusion.__file__).with_name("merkle_inclusion.input.json")
    sample = json.loads(sample_path.read_text())
    assert sample == merkle_inclusion.sample_input()
    compiled = merkle_inclusion.MerkleInclusion(depth=4).compile()
    wrong_leaf = dict(sample, leaf="123456790")
    check_circuit(compiled, valid=[sample], invalid=[wrong_leaf])
    assert compiled.r1cs.n_public == 1 and compiled.r1cs.n_private == 1 + 4 + 4


def test_eddsa_transfer_example_accepts_the_sample_and_refuses_cheats():
    sample_path = Path(eddsa_transfer.__file__).with_name("eddsa_transfer.input.json")
    sample = json.loads(sample_path.read_text())
    assert sample == eddsa_transfer.sample_input()
    compiled = eddsa_transfer.EddsaTransfer(depth=4).compile()
    overspend = eddsa_transfer.sample_input(amount=1500)  # signed and consistent, but balance is 1000
    cheats = [
        dict(sample, amount="251"),  # not what was signed
        dict(sample, to_balance=str(int(sample["to_balance"]) + 1)),  # a receiver balance the tree lacks
        dict(sample, new_root=sample["old_root"]),
        overspend,
    ]
    check_circuit(compiled, valid=[sample], invalid=cheats)
