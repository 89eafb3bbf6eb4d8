"""``prozchain tx status [TX] --db FILE [--json]``: a transaction's stages, read from the SQLite
store an SDK :class:`~prozchain.rollup.sdk.client.Platform` (or ``prozchain demo --db FILE``)
writes, from any process; without ``TX``, one line per transaction of the store.

Exit 0 when the store holds the transaction (whatever its stage), 1 when it holds none by that
id or the layer refused it, 2 for a missing store or a malformed id.
"""

from __future__ import annotations

import argparse
import json
import os
import re

from prozchain.cli import NegativeAnswer, UsageError
from prozchain.rollup.sdk.errors import UnknownTransaction
from prozchain.rollup.sdk.stages import StageStore

TX_ID = re.compile(r"0x[0-9a-fA-F]{64}")


def register(subparsers: argparse._SubParsersAction) -> None:
    """The ``tx`` command group."""
    parser = subparsers.add_parser("tx", help="a transaction's way through the layers, from an SDK's stage store")
    what = parser.add_subparsers(dest="tx_what", required=True)
    status = what.add_parser("status", help="the stages a transaction reached (submitted .. final), with timestamps")
    status.add_argument("tx", nargs="?", help="the transaction's id (0x and 64 hex digits); omit to list them all")
    status.add_argument("--db", required=True, help="the SQLite stage store the SDK wrote")
    status.add_argument("--json", action="store_true", help="print the record as JSON")
    status.set_defaults(func=_status)


def _status(args: argparse.Namespace) -> int:
    if not os.path.isfile(args.db):
        raise UsageError(f"{args.db}: no such stage store")
    if args.tx is not None and not TX_ID.fullmatch(args.tx):
        raise UsageError(f"{args.tx}: a transaction id is 0x and 64 hex digits")
    store = StageStore(args.db)
    try:
        if args.tx is None:
            records = store.all()
            if args.json:
                print(json.dumps([r.to_json() for r in records], indent=2))
            for r in [] if args.json else records:
                print(f"{r.tx}  {r.kind:<9} {r.layer:<24} {'FAILED' if r.failed else r.current}")
            return 0
        try:
            record = store.get(args.tx.lower())
        except UnknownTransaction as exc:
            raise NegativeAnswer(str(exc)) from exc
    finally:
        store.close()
    print(json.dumps(record.to_json(), indent=2) if args.json else "\n".join(record.lines()))
    if record.failed:
        raise NegativeAnswer(f"{record.tx}: the {record.layer} refused it: {record.failed}")
    return 0
