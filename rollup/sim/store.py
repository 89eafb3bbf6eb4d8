"""What an agent keeps across a crash: a SQLite key-value store, or (with the defence off) a
dictionary that dies with the process.

Every ``put`` commits before it returns, and ``batch()`` commits several keys atomically, so an
agent that writes its intent and then acts never acts on something a crash could un-write.
WAL mode with ``synchronous=NORMAL`` survives a process crash (not a power cut), which is
the failure simulated here.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "a.db")
>>> store = SqliteStore(path)
>>> store.put("cursor", 3)
>>> store.close()
>>> SqliteStore(path).get("cursor")
3
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from abc import ABC, abstractmethod
from typing import Any, ContextManager, Iterator, Optional


class Store(ABC):
    """The interface agents use; values are JSON-serialisable."""

    @abstractmethod
    def get(self, key: str, default: Any = None) -> Any: ...

    @abstractmethod
    def put(self, key: str, value: Any) -> None: ...

    @abstractmethod
    def batch(self) -> ContextManager[None]:
        """Puts inside the block commit together or not at all."""

    @abstractmethod
    def keys(self, prefix: str = "") -> list[str]: ...

    def close(self) -> None:
        """Release the store (a crash calls this; nothing unwritten survives)."""


class MemoryStore(Store):
    """Volatile state: gone when the agent crashes (``defense=off``)."""

    def __init__(self) -> None:
        self._data: dict[str, str] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return json.loads(self._data[key]) if key in self._data else default

    def put(self, key: str, value: Any) -> None:
        self._data[key] = json.dumps(value)

    @contextmanager
    def batch(self) -> Iterator[None]:
        saved = dict(self._data)
        try:
            yield
        except BaseException:
            self._data = saved
            raise

    def keys(self, prefix: str = "") -> list[str]:
        return sorted(k for k in self._data if k.startswith(prefix))


class SqliteStore(Store):
    """Durable state in one SQLite file, reopened by the agent after a restart."""

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def get(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def put(self, key: str, value: Any) -> None:
        self._db.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    @contextmanager
    def batch(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def keys(self, prefix: str = "") -> list[str]:
        rows = self._db.execute("SELECT key FROM kv WHERE key >= ? ORDER BY key", (prefix,))
        return [k for (k,) in rows if k.startswith(prefix)]

    def close(self) -> None:
        self._db.close()


def read_rows(path: str, prefix: str = "") -> dict[str, Any]:
    """Every key under ``prefix`` of the SQLite store at ``path`` and its value, read through a
    read-only connection, so a reader (the explorer) never writes to an agent's store; empty
    if the store does not exist yet."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.OperationalError:
        return {}
    try:
        rows = db.execute("SELECT key, value FROM kv WHERE key >= ? ORDER BY key", (prefix,)).fetchall()
    except sqlite3.OperationalError:  # created, but no table yet
        return {}
    finally:
        db.close()
    return {k: json.loads(v) for k, v in rows if k.startswith(prefix)}


def open_store(path: Optional[str]) -> Store:
    """A SQLite store at ``path``, or a fresh volatile one when ``path`` is None."""
    return SqliteStore(path) if path is not None else MemoryStore()
