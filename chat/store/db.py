"""Connections and write transactions, on either backend. The only place that starts a transaction."""

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Store:
    """A database (chat/store/sqlite.py or chat/store/postgres.py): a connection per thread while
    it reads; one writer connection for all writes.

    A thread takes a connection from the backend's pool on first use and gives it back with
    `release()` when it is about to wait (a WebSocket between frames, a request when it ends). So
    open connections follow the threads at work, not the sockets.

    `with store.write() as tx:` is the one way to write, and it commits in groups: concurrent
    writers of this process share one write transaction on the writer connection (SQLite's
    `BEGIN IMMEDIATE`, or PostgreSQL's write lock). Their bodies run one at a time (a turn each),
    each inside its own SAVEPOINT, so an exception rolls back that body alone. The writer whose
    body ends when no other is waiting for a turn (or when the batch is full) COMMITs for all,
    hands every body's events to its `after_commit` in commit order (so in seq order), then wakes
    the others: each `with` still returns only after its changes are committed. Other processes
    wait for the lock.
    """

    def __init__(self, backend):
        self.backend = backend
        self.unavailable: tuple[type[BaseException], ...] = (*backend.unavailable, CommitError)
        self._local = threading.local()
        self._writer = None
        self._turn = threading.Lock()  # held by the one body running on the writer connection
        self._batch: _Batch | None = None  # the open transaction's bodies, while there is one
        self._waiting = 0  # threads queued for a turn; the count must be exact, so under _count
        self._count = threading.Lock()
        self._intents: Counter = Counter()  # what the writers queued for a turn will write (`intent`)
        self.commits = 0  # group commits so far (a body's share of the work is what batching saves)

    @property
    def name(self) -> str:
        return self.backend.name

    def db(self):
        """This thread's connection: from the pool; inside a write, the writer."""
        local = self._local
        if getattr(local, "writing", False):
            return self._writer  # so that reads and writes inside a `with write()` body see the batch
        db = getattr(local, "db", None)
        if db is None or self.backend.broken(db):  # a connection the database dropped is replaced
            if db is not None:
                self.release()
            local.db = db = self.backend.take()
        return db

    def release(self) -> None:
        """Give this thread's connection back to the pool."""
        db = getattr(self._local, "db", None)
        if db is not None:
            self._local.db = None
            self.backend.give_back(db)

    def migrate(self) -> None:
        self.backend.migrate()

    @contextmanager
    def write(
        self, after_commit: Callable[[list], None] | None = None, carries: bool = False, intent=None
    ) -> Iterator["Tx"]:
        """A write, committed with those of other threads (see the class). `tx.events` collected
        inside are passed to `after_commit` only once the COMMIT succeeded. If the body raises,
        its changes alone are rolled back and nothing of it is published. If the COMMIT fails,
        every body of the batch fails with it.

        A body that `carries` leaves the statements it queued last for the batch's next round
        trip (on PostgreSQL: a send's inserts, whose checks all passed) instead of sending them
        when it ends, so the sends of a batch share round trips. Should one of those statements
        still fail, the whole batch fails, as when the COMMIT fails.

        `intent` (hashable) says what the body will write; while the writer waits for its turn,
        the body holding it sees it in `tx.waiting()`, so as to read for them all at once."""
        if getattr(self._local, "writing", False):
            raise RuntimeError("a write inside a write would wait for itself")
        with self._count:
            self._waiting += 1
            if intent is not None:
                self._intents[intent] += 1
        self._turn.acquire()
        with self._count:
            self._waiting -= 1
            if intent is not None:
                self._intents[intent] -= 1
                if not self._intents[intent]:
                    del self._intents[intent]
        try:
            if self._writer is None or self.backend.broken(self._writer):
                self._writer = self.backend.connect()
            if self._batch is None:
                self.backend.begin(self._writer)  # may wait for another process's turn
                self._batch = _Batch()
        except BaseException:
            self._turn.release()
            raise
        db, batch = self._writer, self._batch
        tx = Tx(db, batch, self._waiting_intents)
        # The transaction's first body needs no savepoint: if it fails, the whole transaction goes.
        # (Each statement is a round trip on PostgreSQL; a lone writer saves two per write.) The
        # savepoints of later bodies are never released: COMMIT ends them all. BEGIN and SAVEPOINT
        # are queued (`later`): on PostgreSQL they go with the body's first statement, and a
        # body that carries and sent nothing drops its savepoint when it ends.
        first, batch.used = not batch.used, True
        self._local.writing = True
        try:
            if not carries:
                db.send_carried()  # so that this body's errors are its own
            db.open_body(savepoint=not first)
            yield tx
            # What the body queued is sent now, so that a failure is its own; but a lone body's
            # goes with its COMMIT (a round trip fewer): if it fails, so does the COMMIT, and
            # the whole transaction was this body's.
            lone = first and not self._waiting
            if carries:
                db.carry()
            elif not lone:
                db.flush()
        except BaseException as failure:
            self._local.writing = False
            batch.forget_rows(tx, failed=True)
            if isinstance(failure, CommitError):  # ended bodies' statements failed: the transaction is lost
                batch.error = failure
            else:
                try:
                    db.forget()  # the body's statements not sent yet: they would be rolled back
                    db.execute("ROLLBACK" if first else "ROLLBACK TO body")
                except BaseException as error:  # the whole transaction ended (I/O error, disk full, connection lost)
                    batch.error = error
            if first and batch.error is None:
                self._batch = None  # nothing else was in it: the next writer begins anew
                batch.done.set()
                self._turn.release()
            else:
                self._end_turn(db, batch)
            raise
        self._local.writing = False
        batch.forget_rows(tx, failed=False)
        batch.bodies.append((after_commit, tx.events))
        if not self._end_turn(db, batch, lone):
            batch.done.wait()
        if batch.error is not None:
            raise CommitError("the transaction failed to commit") from batch.error

    def _waiting_intents(self) -> list:
        with self._count:
            return list(self._intents)

    def _end_turn(self, db, batch: "_Batch", lone: bool = False) -> bool:
        """Pass the turn to a waiting writer (False), or end the batch: COMMIT and publish, or
        ROLLBACK if it failed (True). A `lone` body ends it even if a writer came meanwhile."""
        # A writer counted in _waiting is at most about to take the turn: passing it is safe.
        if not lone and self._waiting and len(batch.bodies) < self.backend.max_batch and batch.error is None:
            self._turn.release()
            return False
        self._batch = None
        try:
            if batch.error is None:
                try:
                    db.execute("COMMIT")
                    self.commits += 1
                except BaseException as error:
                    batch.error = error
            if batch.error is None:
                # One call per run of bodies with the same callback (usually all of them).
                for after_commit, events in _runs(batch.bodies):
                    after_commit(events)
            elif self.backend.in_transaction(db) and not self.backend.broken(db):
                db.execute("ROLLBACK")
        finally:
            batch.done.set()
            self._turn.release()
        return True

    def close(self) -> None:
        if self._writer is not None:
            self._writer.conn.close()
            self._writer = None
        self.backend.close()
        self._local = threading.local()


class CommitError(Exception):
    """The COMMIT of a group failed (or SQLite rolled the transaction back): nothing was written."""


class _Batch:
    """The bodies that ran in the open transaction, in order, and how they end."""

    def __init__(self):
        self.bodies: list[tuple[Callable[[list], None] | None, list]] = []
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.used = False  # a body has run in the transaction
        # Rows as the bodies so far left them, for the next ones (Tx.services, Tx.channels): no
        # other process writes while the batch holds the write lock, and every body that may
        # change them otherwise empties them when it ends (`forget_rows`).
        self.services: dict[str, dict] = {}
        self.channels: dict[tuple[str, str], dict] = {}
        self.members: dict[tuple[str, str, str], tuple[set[str], bool]] = {}

    def forget_rows(self, tx: "Tx", failed: bool) -> None:
        """After a body: drop the rows it may have made stale. A failed body's rollback gives
        back the indexes it took, so the channels' next indexes go too."""
        if failed or not tx.keeps_rows:
            self.channels.clear()
        if not tx.keeps_rows:
            self.services.clear()
            self.members.clear()


def _runs(bodies: list[tuple]) -> Iterator[tuple[Callable[[list], None], list]]:
    """(after_commit, events) with the events of consecutive bodies sharing a callback merged."""
    callback, events = None, []
    for after_commit, more in bodies:
        if not (after_commit and more):
            continue
        if after_commit != callback and events:
            yield callback, events
            events = []
        callback = after_commit
        events = events + more
    if events:
        yield callback, events


class Tx:
    """What a write transaction carries: its connection and the events it will publish.

    For a body that sets `keeps_rows` (it writes no service row, and changes channels only by
    taking message indexes, which it counts in `channels`), what the transaction's earlier bodies
    read: `services`, service rows by SID; `channels`, channel rows by (service SID, SID) and
    (service SID, unique name), each with the channel's next message index; `members`, users'
    permissions and membership by (service SID, channel SID, identity). Any other body empties
    them all when it ends, and a body that fails empties `channels`."""

    def __init__(self, db, batch: "_Batch | None" = None, waiting: Callable[[], list] = list):
        self.db = db
        self.events: list = []
        batch = batch or _Batch()
        self.services, self.channels, self.members = batch.services, batch.channels, batch.members
        self.waiting = waiting  # the intents of the writers queued for a turn (Store.write)
        self.keeps_rows = False


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
