"""Journey 3, verifying proofs and batches in your own test suite (README, "Verifying proofs and
batches in your own tests", and docs/zk-rollup.md, "Testing your own transaction types"): the
README's ``test_root.py`` as shown, and a test of a ZK rollup batch with the ``zk_rig`` and
``verify_batch`` fixtures, run by ``pytest`` in the user's folder with nothing but the installed
plugin (no conftest)."""

from __future__ import annotations

from tests.journeys.conftest import block_after, run

BATCHES = '''
import pytest

from prozchain.testing import BatchRejected


def test_a_batch_verifies_as_on_l1(zk_rig, verify_batch):
    rig = zk_rig(slots=1, depth=2, n_users=2)
    assert rig.deposit(0, 500).status and rig.deposit(1, 80).status
    for _ in range(2):
        batch, receipt, proof = rig.pipeline.run_batch()
        assert receipt.status
    assert rig.pipeline.accept(rig.transfer(0, 1, 100)) is None
    batch, receipt, proof = rig.pipeline.run_batch()
    assert receipt.status
    vk = rig.pipeline.zkey.verification_key()
    assert verify_batch(vk, rig.system.spec, batch, proof, root=batch.old_root) == batch.public
    with pytest.raises(BatchRejected) as refused:
        verify_batch(vk, rig.system.spec, batch, proof, root=batch.new_root)
    assert refused.value.check == "old root"
    assert rig.node().tree.get(2).balance == 180
'''


def test_your_own_tests_use_the_plugin(folder):
    (folder / "test_root.py").write_text(block_after("README.md", "Put this in a `test_root.py`", "python"))
    (folder / "test_batches.py").write_text(BATCHES)
    done = run(folder, "pytest", "-q", "test_root.py", "test_batches.py")
    assert "3 passed" in done.stdout, done.stdout
    assert list((folder / ".pytest_cache" / "d" / "prozchain-keys").glob("*.zkey"))  # kept for the next run
