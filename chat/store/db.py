"""Connections and write transactions. The only place that opens SQLite or starts a transaction."""

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlite_utils

BUSY_TIMEOUT_MS = 10_000
MAX_IDLE = 16  # pooled connections kept open between uses


class Store:
    """One SQLite file; a connection per thread while it works; every write inside `BEGIN IMMEDIATE`.

    A thread takes a connection from the pool on first use and gives it back with `release()`
    when it is about to wait (a WebSocket between frames, a request when it ends). So open
    connections, each with its own page cache, follow the threads at work, not the sockets.

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
        """This thread's connection: from the pool, or opened."""
        db = getattr(self._local, "db", None)
        if db is None:
            with self._all_lock:
                db = self._idle.pop() if self._idle else None
            self._local.db = db = db or self._open()
        return db

    def release(self) -> None:
        """Give this thread's connection back to the pool (or close it if the pool is full)."""
        db = getattr(self._local, "db", None)
        if db is None:
            return
        self._local.db = None
        if db.conn.in_transaction:  # never expected: a write always ends in COMMIT or ROLLBACK
            db.execute("ROLLBACK")
        with self._all_lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(db)
                return
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


# Plain statements for the rows the store writes. (sqlite-utils' Table.insert/update read the
# table's schema on every call, several queries per write.) Table and column names come from
# this package's code, never from a request.
def insert_row(db, table: str, row: dict) -> None:
    columns = ", ".join(row)
    values = ", ".join(f":{column}" for column in row)
    db.execute(f"INSERT INTO {table} ({columns}) VALUES ({values})", row)


def update_row(db, table: str, sid: str, changes: dict) -> None:
    if changes:
        assignments = ", ".join(f"{column} = :{column}" for column in changes)
        db.execute(f"UPDATE {table} SET {assignments} WHERE sid = :_sid", {**changes, "_sid": sid})
