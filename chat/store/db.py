"""Connections and write transactions. The only place that opens SQLite or starts a transaction."""

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlite_utils

BUSY_TIMEOUT_MS = 10_000
IDLE_CONNECTIONS = 16  # released connections kept open for the next thread that needs one


class Store:
    """One SQLite file; a connection per thread; every write inside `BEGIN IMMEDIATE`.

    A thread keeps its connection until it calls `release()`. A connection costs about 150 KB
    (schema, page cache, statements), so threads that live long and touch the database now and
    then (one per open WebSocket) give theirs back after each command, to a small pool.

    Writers in this process also take `_write_lock`, so that events are handed to the
    bus in commit order (SQLite serialises writers anyway; the lock keeps the
    after-commit publish in the same order without another round trip).
    """

    def __init__(self, path: str, synchronous: str = "NORMAL"):
        self.path = path
        self.synchronous = synchronous
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        self._idle: list[sqlite_utils.Database] = []
        self._all_lock = threading.Lock()

    def db(self) -> sqlite_utils.Database:
        """This thread's connection: taken from the pool or opened on first use."""
        db = getattr(self._local, "db", None)
        if db is None:
            with self._all_lock:
                db = self._idle.pop() if self._idle else None
            db = db or self._open()
            self._local.db = db
        return db

    def release(self) -> None:
        """Give this thread's connection back (outside any transaction); `db()` takes one again."""
        db = getattr(self._local, "db", None)
        if db is None:
            return
        self._local.db = None
        with self._all_lock:
            if len(self._idle) < IDLE_CONNECTIONS and db.conn in self._all:
                self._idle.append(db)
                return
            if db.conn in self._all:
                self._all.remove(db.conn)
        db.conn.close()

    def _open(self) -> sqlite_utils.Database:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        with self._all_lock:
            self._all.append(conn)
        return sqlite_utils.Database(conn)

    @contextmanager
    def write(self, after_commit: Callable[[list], None] | None = None) -> Iterator["Tx"]:
        """A write transaction. `tx.events` collected inside are passed to `after_commit`
        only if the COMMIT succeeds; on any exception everything is rolled back and
        nothing is published."""
        db = self.db()
        with self._write_lock:
            db.execute("BEGIN IMMEDIATE")
            tx = Tx(db)
            try:
                yield tx
            except BaseException:
                db.execute("ROLLBACK")
                raise
            try:
                db.execute("COMMIT")
            except BaseException:
                if db.conn.in_transaction:
                    db.execute("ROLLBACK")
                raise
            if after_commit and tx.events:
                after_commit(tx.events)

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:
                    pass
            self._all.clear()
            self._idle.clear()
        self._local = threading.local()


class Tx:
    """What a write transaction carries: its connection and the events it will publish."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.events: list = []


def rows(cursor) -> list[dict]:
    return [dict(row) for row in cursor.fetchall()]


def one(cursor) -> dict | None:
    row = cursor.fetchone()
    return None if row is None else dict(row)
