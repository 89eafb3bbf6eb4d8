"""The stages a transaction reached as any SQLite store shows them: an SDK
:class:`~.stages.StageStore` (its records as written), or an agent's own store (read-only,
:func:`~prozchain.rollup.sim.store.read_rows`), which shows what that agent did:

- the optimistic sequencer's ``tx/<hash>``: accepted and stored before its acknowledgement
  (``executed``); an optimistic wallet's ``sent/<tx>``: sent (``submitted``), acknowledged
  (``executed``);
- the ZK operator's ``mempool`` (validated, ``executed``) and ``batch/<n>`` (sealed in batch
  ``n``, ``in a batch``);
- a sidechain validator's ``block/<height>`` (``in a batch``; with its ``cert/<height>``, the
  certificate that committed it);
- a channel party's ``ch/.../cosigned`` (the latest co-signed state, ``final`` for both parties).

An agent keeps no clock in its store, so those stages have no time (``at`` None); what L1 did
with a batch is in L1, not in the agent's store. Ids are the explorer's: the keccak of an L2
transaction's or a channel state's encoding (the SDK's ids for them too), and of a ZK
transaction's stored record.

>>> import os, tempfile
>>> from prozchain.rollup.sim.store import SqliteStore
>>> path = os.path.join(tempfile.mkdtemp(), "opt-sequencer.sqlite")
>>> store = SqliteStore(path)
>>> raw = bytes.fromhex("c0ffee")  # what the sequencer keeps: its order and the raw transaction
>>> store.put("tx/" + tx_hash(raw)[2:], [0, raw.hex()])
>>> store.close()
>>> found = records(path)[tx_hash(raw)]
>>> found.layer, [(m.stage, m.at) for m in found.marks]
('optimistic', [('submitted', None), ('executed', None)])
"""

from __future__ import annotations

from typing import Any, Mapping

from prozchain.rollup.l1.crypto import keccak256
from prozchain.rollup.sdk.stages import EXECUTED, FINAL, IN_BATCH, PREFIX, STAGES, SUBMITTED, Mark, TxStatus
from prozchain.rollup.sim.store import read_rows


def tx_hash(encoded: bytes) -> str:
    """The id of an L2 transaction or a channel state: the keccak of its encoding."""
    return "0x" + keccak256(encoded).hex()


def zk_tx_hash(doc: Mapping[str, Any]) -> str:
    """The id of a ZK rollup transaction as its operator stores it (its JSON record)."""
    return tx_hash(repr(doc).encode())


def keep_furthest(found: dict[str, TxStatus], status: TxStatus) -> None:
    """Keep ``status`` in ``found`` unless ``found`` shows its transaction as far already."""
    have = found.get(status.tx)
    if have is None or STAGES.index(have.current) < STAGES.index(status.current):
        found[status.tx] = status


def records(path: str) -> dict[str, TxStatus]:
    """Every transaction the SQLite store at ``path`` shows, by id (see the module doc); empty
    for a store that shows none."""
    rows = read_rows(path)
    out: dict[str, TxStatus] = {}

    def reached(tx: str, layer: str, kind: str, stage: str, note: str) -> None:
        upto = STAGES[1:STAGES.index(stage) + 1]
        keep_furthest(out, TxStatus(tx, layer, kind, [Mark(STAGES[0], None)] + [Mark(s, None, note) for s in upto]))

    for key, value in rows.items():
        kind = key.split("/", 1)[0]
        if key.startswith(PREFIX) and isinstance(value, dict) and "marks" in value:
            out[value["tx"]] = TxStatus.from_json(value)
        elif kind == "tx" and isinstance(value, list) and len(value) == 2:
            reached(tx_hash(bytes.fromhex(value[1])), "optimistic", "l2 tx", EXECUTED,
                    f"accepted by the sequencer (number {value[0]} in its order), stored before its acknowledgement")
        elif kind == "sent" and isinstance(value, dict) and "acked" in value:
            acked = value["acked"]
            reached(tx_hash(bytes.fromhex(key[len("sent/"):])), "optimistic", "l2 tx", EXECUTED if acked else SUBMITTED,
                    "acknowledged by the sequencer" if acked else "sent by the wallet, not acknowledged yet")
        elif key == "mempool" and isinstance(value, list):
            for _, doc in value:
                reached(zk_tx_hash(doc), "zk", doc.get("type", ""), EXECUTED, "validated by the operator, in its mempool")
        elif kind == "batch" and isinstance(value, dict) and "txs" in value:
            for doc in value["txs"]:
                if doc.get("type") != "noop":
                    reached(zk_tx_hash(doc), "zk", doc["type"], IN_BATCH,
                            f"sealed in batch {value['number']} by the operator")
        elif kind == "block" and isinstance(value, dict) and "header" in value:
            height = int(key.split("/", 1)[1])
            signers = len(rows.get(f"cert/{key.split('/', 1)[1]}") or [])
            for raw in value["txs"]:
                reached(tx_hash(bytes.fromhex(raw)), "sidechain", "l2 tx", IN_BATCH,
                        f"sidechain block {height}" + (f", committed by {signers} validators' signatures" if signers else ""))
        elif kind == "ch" and key.endswith("/cosigned") and isinstance(value, list):
            reached(tx_hash(bytes.fromhex(value[0])), "channel", "state", FINAL,
                    f"the latest state co-signed in {key[:-len('/cosigned')]}: final for both parties")
    return out
