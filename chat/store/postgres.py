"""The shared backend: PostgreSQL through psycopg 3, for deploys with several machines or no disk
of their own (`DATABASE_URL`).

Writes keep SQLite's model. Every write transaction first takes one transaction-scoped
advisory lock per schema, the stand-in for SQLite's `BEGIN IMMEDIATE`, so writers of all
servers take turns and each one sees everything committed before it. That is what keeps the
event log's `seq` in commit order: a `seq` is drawn while the lock is held, and PostgreSQL
makes a transaction visible before it releases its locks, so a reader never sees seq 42 while
41 is still to come. It also keeps every read-check-write of the actions (unique names, member
counts, presence totals, webhook claims) as safe as on SQLite. Each server groups its
concurrent writes into one transaction (`Store.write`), so a turn carries many sends.
"""

import logging
import time
from collections.abc import Callable

import psycopg
import psycopg_pool
from psycopg.adapt import AdaptersMap, Dumper, Loader
from psycopg.pq import TransactionStatus

from . import dialect, schema
from .db import CommitError

log = logging.getLogger(__name__)

WRITE_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema()))"
MIGRATE_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ' migrations'))"
SPARE_CONNECTIONS = 6  # beyond WEB_THREADS: the writer, webhook deliverers, heartbeat, bus listener
TAKE_TIMEOUT = 5.0  # seconds a request waits for a pooled connection before answering 503


class Row(dict):
    """A row that answers to column names and to positions, as sqlite3.Row does."""

    __slots__ = ("_values",)

    def __getitem__(self, key):
        if key.__class__ is int:
            return self._values[key]
        return dict.__getitem__(self, key)


def _row_factory(cursor):
    # The result's column names (cursor.description would build a Column object for each).
    result = cursor.pgresult
    names = [result.fname(i).decode() for i in range(result.nfields)] if result is not None else []

    def make(values):
        row = Row(zip(names, values, strict=True))
        row._values = values
        return row

    return make


class _IntFromBool(Dumper):
    """Flags are INTEGER 0/1 columns, as on SQLite; Python's True and False go in as 1 and 0."""

    oid = psycopg.adapters.types["int4"].oid

    def dump(self, obj) -> bytes:
        return b"1" if obj else b"0"


class _WholeNumber(Loader):
    """sum() of integers is NUMERIC on PostgreSQL: give back an int, as SQLite does."""

    def load(self, data) -> int | float:
        text = bytes(data).decode()
        return float(text) if "." in text else int(text)


ADAPTERS = AdaptersMap(psycopg.adapters)
ADAPTERS.register_dumper(bool, _IntFromBool)
ADAPTERS.register_loader("numeric", _WholeNumber)


class Database:
    """What the store's modules use of a connection, as sqlite-utils offers it: `execute` with
    SQLite's parameter marks (rewritten once per statement text by chat/store/dialect.py).

    Each statement is a round trip to the server, so those whose results nobody waits for can be
    queued (`later`) and sent with the next statement that is waited for, and several statements
    can go in one round trip (`together`), through psycopg's pipeline mode. A write body that
    ends may leave what it queued for the batch's next round trip (`carry`). chat/store/sqlite.py
    runs the same calls at once (see chat/store/dialect.py)."""

    __slots__ = ("conn", "_later", "_mark", "_carried", "_savepoint")
    writes_in_with = True  # a data-modifying WITH (chat/store/dialect.py)

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self._later: list[tuple[str, object, Callable | None]] = []  # queued: statement, params, then
        self._mark = 0  # the first `_mark` of them came before the write body (`forget` keeps them)
        self._carried = 0  # the first `_carried` of them are ended bodies' (`carry`)
        self._savepoint = -1  # where the body's SAVEPOINT waits in them, until it is sent

    def execute(self, sql: str, params=None) -> psycopg.Cursor:
        if self._later:
            return self.together([(sql, params)])[0]
        if params:
            return self.conn.execute(dialect.postgres(sql), params)
        return self.conn.execute(sql)

    def later(self, sql: str, params=None, then: Callable[[psycopg.Cursor], None] | None = None) -> None:
        """Send `sql` with the next statement (or `flush`): its errors surface there, and
        `then` gets its cursor once it ran."""
        self._later.append((sql, params, then))

    def together(self, statements: list[tuple[str, object]]) -> list[psycopg.Cursor]:
        """The queued statements and these, in one round trip; a cursor for each of these. The
        first that fails raises (and the rest are not run); CommitError if ended bodies' statements
        went too, as the failure is then not the caller's alone."""
        queued, carried = self._later, self._carried
        self._later, self._mark, self._carried, self._savepoint = [], 0, 0, -1
        conn = self.conn
        try:
            with conn.pipeline():
                cursors = [
                    conn.execute(dialect.postgres(sql), params) if params else conn.execute(sql)
                    for sql, params, *_then in (*queued, *statements)
                ]
        except psycopg.Error as error:
            if carried:
                raise CommitError("a statement of an earlier write in this transaction failed") from error
            raise
        for (_sql, _params, then), cursor in zip(queued, cursors, strict=False):
            if then is not None:
                then(cursor)
        return cursors[len(queued) :]

    def flush(self) -> None:
        if self._later:
            self.together([])

    def carry(self) -> None:
        """What is queued now belongs to write bodies that ended: it goes with the next round
        trip, whoever makes it, and if it fails the whole transaction fails (CommitError). So the
        body's SAVEPOINT, if not sent yet, is not needed: nothing will roll back to it."""
        if self._savepoint >= 0:
            del self._later[self._savepoint]
            self._savepoint = -1
        self._carried = len(self._later)

    def send_carried(self) -> None:
        """Send what ended bodies left (before a body whose own errors must be told apart)."""
        if self._carried:
            self.together([])

    def open_body(self, savepoint: bool) -> None:
        """A write body starts: its SAVEPOINT is queued (unless it is the transaction's first),
        and what is queued from now on is the body's own (`forget`)."""
        if savepoint:
            self._savepoint = len(self._later)
            self._later.append(("SAVEPOINT body", None, None))
        self._mark = len(self._later)

    def forget(self) -> None:
        """Drop what was queued since `mark` and is not sent yet (a failed body's statements)."""
        del self._later[self._mark :]


def describe(url: str) -> str:
    """host:port/dbname of a URL, without its credentials (for log lines)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


class PostgresBackend:
    name = "postgres"
    unavailable = (psycopg.OperationalError,)  # connection lost or refused, pool timeout
    # Bodies per group commit. Each body after the first is a subtransaction (a savepoint); past
    # 64 in one transaction PostgreSQL's snapshots overflow into pg_subtrans and slow every reader.
    max_batch = 64

    def __init__(self, url: str, threads: int):
        self.url = url
        self._options = {"autocommit": True, "row_factory": _row_factory, "context": ADAPTERS}
        self._pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=threads + SPARE_CONNECTIONS,
            kwargs=self._options,
            check=psycopg_pool.ConnectionPool.check_connection,  # drop those a restart broke
            timeout=TAKE_TIMEOUT,
            name="chat",
            open=False,
        )

    def wait_until_reachable(self, give_up_after: float = 300.0) -> None:
        """At start: try to connect with backoff (a database that starts with the app, or a
        moment of network trouble), logging one line per try instead of a stack trace."""
        delay, deadline = 0.5, time.monotonic() + give_up_after
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=5).close()
                break
            except psycopg.OperationalError as error:
                reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                if time.monotonic() + delay > deadline:
                    raise SystemExit(f"PostgreSQL at {describe(self.url)} did not answer: {reason}") from None
                log.warning(
                    "PostgreSQL at %s is not answering (%s); trying again in %g s", describe(self.url), reason, delay
                )
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
        self._pool.open()

    def take(self) -> Database:
        return Database(self._pool.getconn())

    def give_back(self, db: Database) -> None:
        self._pool.putconn(db.conn)  # the pool rolls back a transaction left open, drops a broken connection

    def connect(self) -> Database:
        """A connection of its own, outside the pool (the writer's)."""
        return Database(psycopg.connect(self.url, **self._options))

    @staticmethod
    def begin(db: Database) -> None:
        """Queued: they go with the body's first statement, one round trip for all three."""
        db.later("BEGIN")
        db.later(WRITE_LOCK)

    @staticmethod
    def in_transaction(db: Database) -> bool:
        return db.conn.info.transaction_status != TransactionStatus.IDLE

    @staticmethod
    def broken(db: Database) -> bool:
        return db.conn.closed or db.conn.broken

    def migrate(self) -> None:
        """Bring the schema up to date; the lock makes servers that start at once take turns.
        `schema_version` counts the migrations applied."""
        with psycopg.connect(self.url, **self._options) as conn:
            db = Database(conn)
            db.execute(f"BEGIN; {MIGRATE_LOCK}")
            try:
                db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                row = db.execute("SELECT max(version) FROM schema_version").fetchone()
                version = row[0] or 0
                for script in schema.MIGRATIONS[version:]:
                    for statement in schema.statements(script, self.name):
                        statement(db) if callable(statement) else db.execute(statement)
                db.execute("DELETE FROM schema_version")
                db.execute("INSERT INTO schema_version (version) VALUES (?)", [len(schema.MIGRATIONS)])
                db.execute("COMMIT")
            except BaseException:
                if not conn.broken:
                    db.execute("ROLLBACK")
                raise

    @staticmethod
    def after_copy(db: Database) -> None:
        """Rows copied in with their own seq and id: the sequences go on after the highest."""
        for table, column in (("events", "seq"), ("webhook_deliveries", "id")):
            db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), coalesce(max({column}), 0) + 1, false)"
                f" FROM {table}"
            )

    def ping(self) -> None:
        """Raise unless the database answers within about a second (a health check's budget)."""
        conn = self._pool.getconn(timeout=1.0)
        try:
            Database(conn).execute("SELECT sid FROM services LIMIT 1").fetchall()
        finally:
            self._pool.putconn(conn)

    def size(self) -> int:
        db = self.take()
        try:
            return db.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        finally:
            self.give_back(db)

    def close(self) -> None:
        self._pool.close()
