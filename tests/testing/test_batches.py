"""``verify_batch`` off-chain and on py-evm, one check at a time, on a real proven batch."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from prozchain.native.curve import R
from prozchain.prover.solidity import proof_words
from prozchain.rollup.zk.agents import Batch
from prozchain.testing import BatchRejected, make_rig
from prozchain.testing import batches
from tests import js_oracles


@pytest.fixture(scope="module")
def proven():
    rig = make_rig(n_users=2)
    assert rig.deposit(0, 500).status and rig.deposit(1, 80).status
    batch, receipt, proof = rig.pipeline.run_batch()
    assert receipt.status, receipt.error
    return rig, batch, proof


def rejected(call) -> BatchRejected:
    with pytest.raises(BatchRejected) as caught:
        call()
    return caught.value


def test_a_proven_batch_passes_every_check_with_the_proof_or_its_words(proven):
    rig, batch, proof = proven
    assert rig.verify_batch(batch, proof) == rig.verify_batch(batch, proof_words(proof)) == batch.public


def test_each_failed_check_is_named(proven):
    rig, batch, proof = proven
    vk, spec = rig.pipeline.zkey.verification_key(), rig.system.spec
    assert rejected(lambda: batches.verify_batch(vk, spec, batch, proof, root=batch.new_root)).check == "old root"
    assert rejected(lambda: rig.verify_batch(replace(batch, new_root=R), proof)).check == "new root"
    short = rejected(lambda: rig.verify_batch(replace(batch, txs=batch.txs[:1]), proof))
    assert (short.check, short.reason) == ("posted data", "batch data holds 1 transactions, a batch has 2")
    other = Batch(batch.number, batch.txs[::-1], batch.old_root, batch.new_root, public=batch.public)
    assert rejected(lambda: rig.verify_batch(other, proof)).check == "public inputs"
    unproven = Batch(batch.number, batch.txs[::-1], batch.old_root, batch.new_root)  # no claim: the proof judges
    assert rejected(lambda: rig.verify_batch(unproven, proof)).check == "proof"
    words = proof_words(proof)
    words[0] += 1   # A off the curve
    bad = rejected(lambda: rig.verify_batch(batch, words))
    assert bad.check == "proof" and "no proof" in bad.reason


def test_the_evm_check_runs_the_exported_verifier(proven, monkeypatch):
    pytest.importorskip("eth", reason="py-evm is a test dependency")
    rig, batch, proof = proven
    solc = js_oracles.tool("solcjs")
    vk = rig.pipeline.zkey.verification_key()
    assert batches.verify_batch(vk, rig.system.spec, batch, proof, evm=True, solc=solc) == batch.public
    forged = type(proof)(proof.c, proof.b, proof.a)
    monkeypatch.setattr(batches, "verify", lambda *args: True)   # only the EVM is left to refuse it
    failure = rejected(lambda: batches.verify_batch(vk, rig.system.spec, batch, forged, evm=True, solc=solc))
    assert failure.check == "proof on the EVM"


def test_the_package_imports_without_pytest():
    code = "import sys; sys.modules['pytest'] = None; import prozchain.testing; print('ok')"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.stdout.strip() == "ok", run.stderr[-2000:]
