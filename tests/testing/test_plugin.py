"""The installed pytest plugin, as a user meets it: a suite in a fresh folder outside the source
tree, no conftest, run by pytest in a subprocess. Its fixtures prove a small DSL circuit and a
batch of a transaction type the suite registers itself, on the reference L1 and (with
``--prozchain-evm``) through the exported Solidity verifier on py-evm; its failures name the
constraint a wrong witness breaks and the check a tampered batch fails."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from prozchain.rollup.common.keys import key_dir
from tests import js_oracles

ROOT = Path(__file__).resolve().parents[2]


def readme_test_file() -> str:
    """The README's example ``test_root.py``, as written."""
    text = (ROOT / "README.md").read_text()
    block = text[text.index("Put this in a `test_root.py`"):]
    block = block[block.index("```python\n") + len("```python\n"):]
    return block[:block.index("```")]


CIRCUIT_TESTS = readme_test_file() + '''

def test_proving_a_wrong_witness_fails(assert_proves):
    assert_proves(Root(), {"x": 3, "y": 10})
'''

BATCH_TESTS = '''
import pytest

from prozchain.circuits.txtypes import BALANCE_BITS, Tx, TxType, register
from prozchain.rollup.zk.agents import Batch
from prozchain.testing import BatchRejected


def burn(checks, fields, account):
    checks.range(account.balance - fields["amount"], BALANCE_BITS, "the balance does not cover the burn")
    return account.replace(balance=account.balance - fields["amount"], nonce=account.nonce + 1)


register(TxType("burn", 120, (("from", 4), ("amount", 8)), a="from", signers=1, update_a=burn))


@pytest.fixture(scope="module")
def burnt(zk_rig):
    rig = zk_rig(("noop", "deposit", "burn"), slots=1, depth=4, n_users=1)
    assert rig.deposit(0, 500).status
    assert rig.pipeline.run_batch()[1].status
    assert rig.pipeline.accept(rig.sign("burn", {"from": 1, "amount": 200}, [0])) is None
    batch, receipt, proof = rig.pipeline.run_batch()
    assert receipt.status, receipt.error
    return rig, batch, proof


def test_a_burn_is_proven_and_verified(burnt, verify_batch):
    rig, batch, proof = burnt
    assert verify_batch(rig.pipeline.zkey.verification_key(), rig.system.spec, batch, proof) == batch.public
    assert rig.verify_batch(batch, proof) == batch.public
    assert rig.node().tree.get(1).balance == 300


def test_other_posted_data_is_named(burnt):
    rig, batch, proof = burnt
    forged = Batch(batch.number, [Tx("burn", {"from": 1, "amount": 20}, batch.txs[0].sigs, batch.txs[0].nonces)],
                   batch.old_root, batch.new_root, public=batch.public)
    with pytest.raises(BatchRejected) as caught:
        rig.verify_batch(forged, proof)
    assert caught.value.check == "public inputs" and "data hash" in caught.value.reason


def test_a_tampered_proof_fails(burnt, verify_batch):
    rig, batch, proof = burnt
    tampered = type(proof)(proof.c, proof.b, proof.a)
    verify_batch(rig.pipeline.zkey.verification_key(), rig.system.spec, batch, tampered)
'''


@pytest.fixture(scope="module")
def user_run(tmp_path_factory) -> subprocess.CompletedProcess:
    folder = tmp_path_factory.mktemp("user-suite")
    assert ROOT not in folder.parents
    (folder / "test_circuit.py").write_text(CIRCUIT_TESTS)
    (folder / "test_batch.py").write_text(BATCH_TESTS)
    env = dict(os.environ, PROZ_SOLC=" ".join(js_oracles.tool("solcjs")))
    # pytest's cache folder, where the plugin keeps keys, is shared across runs of this test
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "--prozchain-evm", "-o",
                           f"cache_dir={key_dir() / 'user-suite-cache'}", "."],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=1_800)


def outcome(run: subprocess.CompletedProcess, test: str) -> str:
    found = re.search(rf"^(PASSED|FAILED) \S*::{test}\b", run.stdout, re.M)
    assert found, run.stdout[-4000:] + run.stderr[-2000:]
    return found.group(1)


def test_the_user_suite_runs_on_the_installed_plugin(user_run):
    assert user_run.returncode == 1, user_run.stdout[-4000:] + user_run.stderr[-2000:]
    assert re.search(r"\b2 failed, 4 passed\b", user_run.stdout), user_run.stdout[-4000:]


@pytest.mark.parametrize("test", ["test_a_good_witness_proves", "test_a_wrong_witness_is_rejected_by_the_square",
                                  "test_a_burn_is_proven_and_verified", "test_other_posted_data_is_named"])
def test_passing_cases_pass(user_run, test):
    assert outcome(user_run, test) == "PASSED"


def test_a_wrong_witness_fails_naming_the_constraint(user_run):
    assert outcome(user_run, "test_proving_a_wrong_witness_fails") == "FAILED"
    assert re.search(r"Root: the inputs are not a valid witness: constraint 1 fails \(Root at \S*test_circuit.py:\d+\)",
                     user_run.stdout), user_run.stdout[-4000:]


def test_a_tampered_batch_fails_naming_the_check(user_run):
    assert outcome(user_run, "test_a_tampered_proof_fails") == "FAILED"
    assert "batch 1 fails the 'proof' check: the Groth16 proof does not verify" in user_run.stdout, \
        user_run.stdout[-4000:]
