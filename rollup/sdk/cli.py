"""``prozchain tx status [TX] --db FILE [--db FILE ...] [--json]``: a transaction's stages, read
(read-only) from SQLite stores from any process: the stage store an SDK
:class:`~prozchain.rollup.sdk.client.Platform` (or ``prozchain demo --db FILE``) writes, or an
agent's own store (the optimistic sequencer's, the ZK operator's, a sidechain validator's, a
channel party's: :mod:`~prozchain.rollup.sdk.stores`); without ``TX``, one line per transaction
they show. When several stores show the transaction, the one that shows it furthest answers.

Exit 0 when a store shows the transaction (whatever its stage), 1 when none shows it by that
id or the layer refused it, 2 for a missing store or a malformed id.
"""

from __future__ import annotations

import argparse
import json
import os
import re

from prozchain.cli import NegativeAnswer, UsageError
from prozchain.rollup.sdk.stages import TxStatus
from prozchain.rollup.sdk.stores import keep_furthest, records

TX_ID = re.compile(r"0x[0-9a-fA-F]{64}")


def register(parser: argparse.ArgumentParser) -> None:
    """The ``tx`` command group."""
    what = parser.add_subparsers(dest="tx_what", required=True)
    status = what.add_parser("status", help="the stages a transaction reached (submitted .. final), with timestamps")
    status.add_argument("tx", nargs="?", help="the transaction's id (0x and 64 hex digits); omit to list them all")
    status.add_argument("--db", required=True, action="append",
                        help="an SQLite store: the SDK's stage store, or an agent's own (repeat for several)")
    status.add_argument("--json", action="store_true", help="print the record as JSON")
    status.set_defaults(func=_status)


def _status(args: argparse.Namespace) -> int:
    for db in args.db:
        if not os.path.isfile(db):
            raise UsageError(f"{db}: no such stage store")
    if args.tx is not None and not TX_ID.fullmatch(args.tx):
        raise UsageError(f"{args.tx}: a transaction id is 0x and 64 hex digits")
    found: dict[str, TxStatus] = {}
    for db in args.db:
        for status in records(db).values():
            keep_furthest(found, status)
    if args.tx is None:
        records_ = [found[tx] for tx in sorted(found)]
        if args.json:
            print(json.dumps([r.to_json() for r in records_], indent=2))
        for r in [] if args.json else records_:
            print(f"{r.tx}  {r.kind:<9} {r.layer:<24} {'FAILED' if r.failed else r.current}")
        return 0
    record = found.get(args.tx.lower())
    if record is None:
        raise NegativeAnswer(f"no transaction {args.tx.lower()} in {', '.join(args.db)}")
    print(json.dumps(record.to_json(), indent=2) if args.json else "\n".join(record.lines()))
    if record.failed:
        raise NegativeAnswer(f"{record.tx}: the {record.layer} refused it: {record.failed}")
    return 0
