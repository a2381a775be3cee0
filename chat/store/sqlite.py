"""The embedded backend: one SQLite file (WAL) through sqlite-utils, nothing to install."""

import os
import sqlite3
import threading
import time

import sqlite_utils

from . import schema

BUSY_TIMEOUT_MS = 10_000
MAX_IDLE = 16  # pooled connections kept open between uses (each holds its own page cache)


class Database(sqlite_utils.Database):
    """sqlite-utils' Database with the calls chat/store/postgres.py's offers to save round trips:
    in-process, there are none to save, so each statement runs at once."""

    writes_in_with = False  # no INSERT inside WITH (chat/store/dialect.py)

    def later(self, sql: str, params=None, then=None) -> None:
        cursor = self.execute(sql, params or [])
        if then is not None:
            then(cursor)

    def together(self, statements: list[tuple[str, object]]) -> list[sqlite3.Cursor]:
        return [self.execute(sql, params or []) for sql, params in statements]

    def flush(self) -> None:
        pass

    def open_body(self, savepoint: bool) -> None:
        if savepoint:
            self.execute("SAVEPOINT body")

    def carry(self) -> None:
        pass

    def send_carried(self) -> None:
        pass

    def forget(self) -> None:
        pass


class SqliteBackend:
    name = "sqlite"
    unavailable = (sqlite3.OperationalError,)  # locked past busy_timeout, disk full, I/O
    max_batch = 128  # bodies per group commit: bounds how long the first of them waits

    def __init__(self, path: str, synchronous: str = "NORMAL"):
        self.path = path
        self.synchronous = synchronous
        self._idle: list[sqlite_utils.Database] = []
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def take(self) -> sqlite_utils.Database:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self.connect()

    def give_back(self, db: sqlite_utils.Database) -> None:
        if db.conn.in_transaction:  # never expected: a write always ends in COMMIT or ROLLBACK
            db.execute("ROLLBACK")
        with self._lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(db)
                return
            self._all.remove(db.conn)
        db.conn.close()

    def connect(self) -> sqlite_utils.Database:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _use_wal(conn)
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            self._all.append(conn)
        return Database(conn)

    @staticmethod
    def begin(db: sqlite_utils.Database) -> None:
        """Take the file's one write lock now (waiting up to busy_timeout for another process)."""
        db.execute("BEGIN IMMEDIATE")

    @staticmethod
    def in_transaction(db: sqlite_utils.Database) -> bool:
        return db.conn.in_transaction

    @staticmethod
    def broken(db: sqlite_utils.Database) -> bool:
        return False  # a file does not go away between statements

    def migrate(self) -> None:
        """Bring the schema up to date; `BEGIN IMMEDIATE` makes concurrent starts take turns.
        PRAGMA user_version counts the migrations applied."""
        db = self.take()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                for number, script in enumerate(schema.MIGRATIONS[version:], start=version + 1):
                    for statement in schema.statements(script, self.name):
                        statement(db) if callable(statement) else db.execute(statement)
                    db.execute(f"PRAGMA user_version={number}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        finally:
            self.give_back(db)

    @staticmethod
    def after_copy(db) -> None:
        pass  # AUTOINCREMENT keys go on after the highest one inserted by themselves

    def ping(self) -> None:
        """Raise unless the file answers: a fresh read-write connection (mode=rw, so a missing
        file is an error rather than a new empty database) reads one row."""
        conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=1)
        try:
            conn.execute("SELECT sid FROM services LIMIT 1").fetchall()
        finally:
            conn.close()

    def size(self) -> int:
        """Bytes on disk: the file and its write-ahead log."""
        return sum(os.path.getsize(p) for p in (self.path, f"{self.path}-wal") if os.path.exists(p))

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:
                    pass
            self._all.clear()
            self._idle.clear()


def _use_wal(conn: sqlite3.Connection) -> None:
    """Put the file in WAL mode. Switching a new file needs its exclusive lock and SQLite does not
    wait for that lock (no busy handler): when another process is switching it or migrating at
    the same moment, try again until busy_timeout has passed."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)
