"""``prozchain circuit new-txtype NAME``: a new transaction type's module and its test.

``NAME.py`` registers a working type (the signer of account ``from`` pays ``amount`` to account
``to`` and ``fee`` to the aggregator) to edit; ``test_NAME.py`` takes it from registration to a
proven batch verified on the reference L1 and a node rebuilt from L1 data, and passes with
``pytest test_NAME.py`` as written (pytest puts the folder on ``sys.path``, so the test imports
``NAME``; give the folder no ``__init__.py``, or change the import to your package's path).

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> [p.name for p in new_txtype("tip", folder)]
['tip.py', 'test_tip.py']
>>> new_txtype("Tip!", folder)
Traceback (most recent call last):
...
prozchain.circuits.txtypes.registry.RegistryError: type name 'Tip!': use lowercase letters, digits and _, starting with a letter (it names a Python module)
"""

from __future__ import annotations

import hashlib
import importlib.util
import keyword
import re
from pathlib import Path

from prozchain.circuits.txtypes.registry import BUILTIN_IDS, REGISTRY, RegistryError

MODULE = '''"""The {name!r} transaction type of the ZK rollup: the signer of account ``from`` pays
``amount`` to account ``to`` and ``fee`` to the aggregator (on L1). Edit the fields and the
updates; the rules, checked when it registers, are in ``prozchain.circuits.txtypes``:

- the framework bumps the signer's nonce (replay protection): an update leaves it alone;
- an update must accept all-zero inputs (it runs gated to zero in other types' slots);
- type ids are unique, 0-4 are taken; account fields are 4-byte indices, 1-based in deposit order;
- more accounts go in ``more=(("to2", update), ...)`` and fields are as many as you need: a type
  beyond 2 accounts or 4 data elements fills more slots of a batch (``TX_TYPE.n_slots``).

Every process that sequences, proves or replays batches with this type imports this module
(importing it again is harmless).
"""

from prozchain.circuits.txtypes import BALANCE_BITS, TxType, register

TYPE_ID = {type_id}  # unique among your rollup's types; 0-4 are noop, deposit, transfer, withdraw, full_exit


def pay(checks, fields, account):
    """Account ``from`` (it signs): works on ints and on circuit variables alike."""
    left = account.balance - fields["amount"] - fields["fee"]
    checks.range(left, BALANCE_BITS, "the balance does not cover amount + fee")
    return account.replace(balance=left)


def receive(checks, fields, account):
    """Account ``to``: it must exist (hold a key)."""
    checks.nonzero(account.ax, "the receiver account does not exist (no key)")
    checks.range(account.balance + fields["amount"], BALANCE_BITS, "the receiver's balance would overflow")
    return account.replace(balance=account.balance + fields["amount"])


TX_TYPE = register(TxType("{name}", TYPE_ID, (("from", 4), ("to", 4), ("amount", 8), ("fee", 4)),
                          a="from", b="to", signers=1, update_a=pay, update_b=receive, fee="fee"))
'''

TEST = '''"""{name!r}: registered, in a proven batch verified on the reference L1, and rebuilt by a node."""

from prozchain.testing import make_rig

import {name}  # registers the type

TYPE = {name}.TX_TYPE.name


def test_{name}_is_proven_verified_on_l1_and_rebuilt():
    # deposit must be among the types (the L1 deposit queue); small slots and depth keep it fast
    rig = make_rig(("noop", "deposit", TYPE), slots=1, depth=2, n_users=2)
    for user in (0, 1):  # L2 accounts 1 and 2, in deposit order
        assert rig.deposit(user, 100).status
        assert rig.pipeline.run_batch()[1].status  # the deposit, proven and verified on L1

    tx = rig.sign(TYPE, {{"from": 1, "to": 2, "amount": 30, "fee": 1}}, signers=[0])
    assert rig.pipeline.accept(tx) is None  # None: accepted; else the reason it was refused
    batch, receipt, proof = rig.pipeline.run_batch()  # witness, Groth16 proof, verified by the L1 contract
    assert receipt.status and batch.txs[0].type == TYPE
    assert rig.verify_batch(batch, proof) == batch.public  # the contract's checks, off-chain
    assert "already used" in rig.pipeline.accept(tx)  # a replay is refused

    node = rig.node()  # the state rebuilt from L1 data alone
    assert node.tree.root == rig.state().root
    assert [node.tree.get(i).balance for i in (1, 2)] == [69, 130]
'''

NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


def new_txtype(name: str, directory: Path | str = ".") -> tuple[Path, Path]:
    """Write ``directory/NAME.py`` and ``directory/test_NAME.py`` (see the module doc) and
    return their paths. :class:`RegistryError` for a name that cannot be a module or is a
    registered type's; :class:`FileExistsError` rather than overwrite a file."""
    if not NAME.match(name) or keyword.iskeyword(name):
        raise RegistryError(f"type name {name!r}: use lowercase letters, digits and _, starting with a letter "
                            "(it names a Python module)")
    if name in REGISTRY:
        raise RegistryError(f"type name {name!r} is already registered")
    folder = Path(directory)
    paths = folder / f"{name}.py", folder / f"test_{name}.py"
    for path in paths:
        if path.exists():
            raise FileExistsError(f"{path} exists; not overwritten")
    if importlib.util.find_spec(name) is not None:  # the test's ``import NAME`` would find that one
        raise RegistryError(f"type name {name!r} is an importable module's name already; choose another")
    taken = set(BUILTIN_IDS) | {t.type_id for t in REGISTRY.values()}
    start = int.from_bytes(hashlib.sha256(name.encode()).digest()[:2], "big")  # different names, likely different ids
    type_id = next(i for i in (16 + (start + k) % 240 for k in range(240)) if i not in taken)
    folder.mkdir(parents=True, exist_ok=True)
    paths[0].write_text(MODULE.format(name=name, type_id=type_id))
    paths[1].write_text(TEST.format(name=name))
    return paths
