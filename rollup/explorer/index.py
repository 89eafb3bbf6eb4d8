"""The explorer's index: one SQLite file of what the pages show, rebuilt from a run at any time.

It is no second source of truth. The recorder (:mod:`~prozchain.rollup.explorer.record`) fills
it from the L1 chain of each simulation and from the agents' own SQLite stores (read through
read-only connections); running the same scenario with the same seed writes the same rows.
The pages read it through the query helpers below, each on a connection of its own, so the web
server's threads read while the simulation's thread writes (WAL mode).

Rows keep every amount as text (amounts pass 2**63) and every structured field as JSON.

>>> import os, tempfile
>>> index = Index(os.path.join(tempfile.mkdtemp(), "explorer.sqlite"))
>>> index.put_blocks([Block("l1", 0, 1, "0xab", 12, 1, 21000)])
>>> index.put_txs([Tx("0x01", "l1", 0, 1, "0xaa", "0xbb", "transfer", "5", "", "ok", 21000, {})])
>>> [b.hash for b in index.blocks("l1")], [t.hash for t in index.search("0xbb")]
(['0xab'], ['0x01'])
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field, fields
from typing import Any, Iterable, Optional

from prozchain.native.errors import ProzError
from prozchain.rollup.sdk.stages import FINAL, POSTED, PREFIX, STATE_UPDATED, VERIFIED, TxStatus
from prozchain.rollup.sim.store import read_rows

LAYERS = {"l1": "L1", "zk": "ZK rollup", "optimistic": "optimistic rollup", "channel": "channels",
          "sidechain": "sidechain"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (layer TEXT, sim INTEGER, number INTEGER, hash TEXT, time INTEGER,
    txs INTEGER, gas INTEGER, detail TEXT, PRIMARY KEY (layer, sim, number));
CREATE TABLE IF NOT EXISTS txs (hash TEXT, layer TEXT, sim INTEGER, block INTEGER, sender TEXT, recipient TEXT,
    method TEXT, value TEXT, calldata TEXT, status TEXT, gas INTEGER, detail TEXT, PRIMARY KEY (layer, sim, hash));
CREATE TABLE IF NOT EXISTS events (sim INTEGER, block INTEGER, tx TEXT, idx INTEGER, contract TEXT,
    contract_name TEXT, name TEXT, args TEXT, PRIMARY KEY (sim, tx, idx));
CREATE INDEX IF NOT EXISTS events_by_name ON events (name);
CREATE TABLE IF NOT EXISTS stages (tx TEXT PRIMARY KEY, record TEXT);
"""

# The views over L1 events: which events (by contract class and event name) each page lists.
BATCH_EVENTS = {("ZkRollup", "BatchVerified"): "zk", ("Portal", "BatchPosted"): "optimistic",
                ("Bridge", "CheckpointSubmitted"): "sidechain"}
DISPUTE_EVENTS = {"Challenged", "Bisected", "Chosen", "GameOver", "Deleted"}
DISPUTE_CONTRACT = "Outputs"
CHANNEL_CONTRACTS = {"Adjudicator", "AppAdjudicator"}
TRANSFER_EVENTS = {"Deposited", "Withdrawn", "Credited", "Claimed", "Exited", "Escrowed", "Released", "Locked",
                   "Refunded", "TokenDeposited", "TokenWithdrawn", "WithdrawalProven", "TokenWithdrawalProven"}
MESSAGE_EVENTS = {"Relayed", "Forwarded"}
BOND_EVENTS = {"Bonded", "Unbonding", "Slashed", "Proposed", "Finalized", "Penalized"}

# The stage (the SDK's stage model) a transfer or message event puts it in.
EVENT_STAGES = {"Deposited": POSTED, "Escrowed": POSTED, "Locked": POSTED, "TokenDeposited": POSTED,
                "Credited": STATE_UPDATED, "WithdrawalProven": VERIFIED, "TokenWithdrawalProven": VERIFIED,
                "Claimed": FINAL, "Withdrawn": FINAL, "TokenWithdrawn": FINAL, "Released": FINAL, "Exited": FINAL,
                "Refunded": FINAL, "Relayed": FINAL, "Forwarded": FINAL}


class IndexError_(ProzError):
    """The file is not an explorer index (or cannot be read as one)."""


@dataclass(frozen=True)
class Block:
    """A block of one layer (an L2 batch for the rollups, a sidechain block, a channel version)."""

    layer: str
    sim: int
    number: int
    hash: str
    time: int
    txs: int
    gas: int
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Tx:
    """A transaction of one layer; ``detail`` holds its decoded arguments, error or payment."""

    hash: str
    layer: str
    sim: int
    block: Optional[int]
    sender: str
    recipient: str
    method: str
    value: str
    calldata: str
    status: str
    gas: int
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    """An L1 event with the contract (and its class) that emitted it and its readable args."""

    sim: int
    block: int
    tx: str
    idx: int
    contract: str
    contract_name: str
    name: str
    args: list

    @property
    def stage(self) -> str:
        return EVENT_STAGES.get(self.name, "")


def jsonable(value: Any) -> Any:
    """``value`` with bytes as 0x-hex and tuples as lists, for the JSON columns."""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


class Index:
    """The index file at ``path``; ``read_only`` opens an existing one for the pages."""

    def __init__(self, path: str, read_only: bool = False) -> None:
        self.path = path
        if read_only:
            with closing(self._connect()) as db:
                try:
                    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                except sqlite3.DatabaseError as exc:
                    raise IndexError_(f"{path}: not an explorer index ({exc})") from exc
            if not {"meta", "blocks", "txs", "events"} <= tables:
                raise IndexError_(f"{path}: not an explorer index (no explorer tables)")
            return
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")  # a rebuildable index needs no fsync per write
        self._db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        try:
            return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        except sqlite3.OperationalError as exc:
            raise IndexError_(f"{self.path}: cannot open ({exc})") from exc

    def _query(self, sql: str, args: Iterable[Any] = ()) -> list[tuple]:
        with closing(self._connect()) as db:
            return db.execute(sql, tuple(args)).fetchall()

    # -- writing (the recorder) ---------------------------------------------------------------
    def put_meta(self, **values: Any) -> None:
        self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                             [(k, json.dumps(jsonable(v))) for k, v in values.items()])

    def put_blocks(self, blocks: Iterable[Block]) -> None:
        self._db.executemany("INSERT OR REPLACE INTO blocks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             [_row(b) for b in blocks])

    def put_txs(self, txs: Iterable[Tx]) -> None:
        self._db.executemany("INSERT OR REPLACE INTO txs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             [_row(t) for t in txs])

    def put_events(self, events: Iterable[Event]) -> None:
        self._db.executemany("INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             [_row(e) for e in events])

    def put_stages(self, records: Iterable[TxStatus]) -> None:
        """The stage records of transactions an SDK client sent (see :meth:`Recorder.recording
        <prozchain.rollup.explorer.record.Recorder.recording>`)."""
        self._db.executemany("INSERT OR REPLACE INTO stages VALUES (?, ?)",
                             [(r.tx, json.dumps(r.to_json())) for r in records])

    def close(self) -> None:
        if hasattr(self, "_db"):
            self._db.close()

    # -- reading (the pages) ------------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self._query("SELECT key, value FROM meta")}

    def counts(self) -> dict[str, dict[str, int]]:
        """Blocks and transactions per layer."""
        out = {layer: {"blocks": 0, "txs": 0} for layer in LAYERS}
        for table in ("blocks", "txs"):
            for layer, n in self._query(f"SELECT layer, COUNT(*) FROM {table} GROUP BY layer"):
                out.setdefault(layer, {"blocks": 0, "txs": 0})[table] = n
        return out

    def blocks(self, layer: str, limit: int = 200) -> list[Block]:
        rows = self._query("SELECT * FROM blocks WHERE layer = ? ORDER BY sim DESC, number DESC LIMIT ?",
                           (layer, limit))
        return [_block(r) for r in rows]

    def block(self, layer: str, sim: int, number: int) -> Optional[Block]:
        rows = self._query("SELECT * FROM blocks WHERE layer = ? AND sim = ? AND number = ?", (layer, sim, number))
        return _block(rows[0]) if rows else None

    def txs(self, layer: str, sim: Optional[int] = None, block: Optional[int] = None, limit: int = 200) -> list[Tx]:
        where, args = "layer = ?", [layer]
        if block is not None:
            where, args = where + " AND sim = ? AND block = ?", args + [sim, block]
        rows = self._query(f"SELECT * FROM txs WHERE {where} ORDER BY sim DESC, block DESC, hash LIMIT ?",
                           args + [limit])
        return [_tx(r) for r in rows]

    def tx(self, layer: str, sim: int, hash: str) -> Optional[Tx]:
        rows = self._query("SELECT * FROM txs WHERE layer = ? AND sim = ? AND hash = ?", (layer, sim, hash))
        return _tx(rows[0]) if rows else None

    def events(self, names: Optional[set[str]] = None, contracts: Optional[set[str]] = None,
               tx: Optional[str] = None) -> list[Event]:
        """L1 events, oldest first, filtered by event name, emitting contract class or transaction."""
        where, args = ["1"], []
        for column, values in (("name", names), ("contract_name", contracts)):
            if values is not None:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                args += sorted(values)
        if tx is not None:
            where.append("tx = ?")
            args.append(tx)
        rows = self._query(f"SELECT * FROM events WHERE {' AND '.join(where)} ORDER BY sim, block, tx, idx", args)
        return [_event(r) for r in rows]

    def batches(self) -> list[tuple[Event, Optional[Tx]]]:
        """Every batch (ZK rollup), posted batch (optimistic) and checkpoint (sidechain), each
        with the L1 transaction that carried it (its proof and gas)."""
        found = [e for e in self.events(names={n for _, n in BATCH_EVENTS})
                 if (e.contract_name, e.name) in BATCH_EVENTS]
        return [(e, self.tx("l1", e.sim, e.tx)) for e in found]

    def disputes(self) -> dict[tuple[int, int], list[Event]]:
        """The events of every dispute game of the optimistic rollup by (sim, game id), in order:
        the challenge, each bisection and choice (the rounds), the end."""
        games: dict[tuple[int, int], list[Event]] = {}
        for e in self.events(names=DISPUTE_EVENTS, contracts={DISPUTE_CONTRACT}):
            if e.name != "Deleted":
                games.setdefault((e.sim, e.args[0]), []).append(e)
        return games

    def routes(self) -> dict[str, list[tuple[int, dict]]]:
        """Routed channel payments by hashlock: each hop (channel, HTLC) that locked it, the
        payer's side first (the longest expiry)."""
        hops: dict[str, dict[int, dict]] = {}
        for tx in self.txs("channel", limit=10_000):
            for htlc in tx.detail.get("htlcs", []):
                hops.setdefault(htlc["hashlock"], {})[tx.block] = htlc
        return {lock: sorted(by_channel.items(), key=lambda hop: -hop[1]["expiry"]) for lock, by_channel in hops.items()}

    def stages(self, prefix: str = "") -> list[TxStatus]:
        """The SDK's stage records in the index whose transaction id starts with ``prefix`` (none
        in an index written before it kept them)."""
        try:
            rows = self._query("SELECT record FROM stages WHERE tx LIKE ? ESCAPE '\\' ORDER BY tx",
                               (_like_prefix(prefix.strip().lower()),))
        except sqlite3.OperationalError:  # an older index: no stages table
            return []
        return [TxStatus.from_json(json.loads(r)) for (r,) in rows]

    def search(self, text: str, limit: int = 50) -> list[Tx]:
        """Transactions of every layer whose hash starts with ``text`` or whose sender or
        recipient is ``text`` (case-insensitive)."""
        needle = text.strip().lower()
        if not needle:
            return []
        rows = self._query("SELECT * FROM txs WHERE lower(hash) LIKE ? ESCAPE '\\' OR lower(sender) = ? "
                           "OR lower(recipient) = ? ORDER BY layer, sim, block LIMIT ?",
                           (_like_prefix(needle), needle, needle, limit))
        return [_tx(r) for r in rows]

    def search_events(self, text: str, limit: int = 50) -> list[Event]:
        """L1 events that name ``text`` (an address, a hash) among their arguments."""
        needle = text.strip().lower()
        if len(needle) < 4:
            return []
        rows = self._query("SELECT * FROM events WHERE instr(lower(args), ?) > 0 ORDER BY sim, block LIMIT ?",
                           (needle, limit))
        return [_event(r) for r in rows]


def _row(item: Any) -> tuple:
    """A Block, Tx or Event as its table row: the last field (detail, args) as JSON."""
    values = [getattr(item, f.name) for f in fields(item)]
    return (*values[:-1], json.dumps(jsonable(values[-1])))


def stage_records(path: Optional[str], prefix: str = "") -> list[TxStatus]:
    """The SDK's stage records (:class:`~prozchain.rollup.sdk.stages.StageStore`) in the store
    at ``path`` whose transaction id starts with ``prefix``, read without writing to it; none
    without a store."""
    if path is None:
        return []
    return [TxStatus.from_json(v) for v in read_rows(path, PREFIX + prefix.strip().lower()).values()]


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _block(row: tuple) -> Block:
    return Block(*row[:-1], detail=json.loads(row[-1]))


def _tx(row: tuple) -> Tx:
    return Tx(*row[:-1], detail=json.loads(row[-1]))


def _event(row: tuple) -> Event:
    return Event(*row[:-1], args=json.loads(row[-1]))
