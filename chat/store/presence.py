"""Live sockets per user and per server process, and the processes' heartbeats.

A process is one Chat instance (a random id, not the OS pid). Each keeps one row per user it
holds sockets of, with how many; a user is online while the rows of live processes exist.
Heartbeats are Unix times (`time.time()`): the machines of one deploy must keep their clocks in
step (NTP), as they do on any host; a clock off by more than PRESENCE_TIMEOUT sweeps live processes.
"""

from collections.abc import Iterable


def beat(db, process_id: str, now: float) -> bool:
    """Record that `process_id` is alive; False when it has no row (new, or swept as stale)."""
    return db.execute("UPDATE presence_processes SET heartbeat = ? WHERE id = ?", [now, process_id]).rowcount > 0


def register(db, process_id: str, now: float, counts: dict[tuple[str, str], int]) -> set[tuple[str, str]]:
    """(Re)write a process's row and all its counts; returns the users whose rows changed."""
    before = set(users_of(db, [process_id]))
    db.execute(
        "INSERT INTO presence_processes (id, heartbeat) VALUES (?, ?)"
        " ON CONFLICT (id) DO UPDATE SET heartbeat = excluded.heartbeat",
        [process_id, now],
    )
    db.execute("DELETE FROM presence_sockets WHERE process_id = ?", [process_id])
    for (service_sid, identity), count in counts.items():
        if count > 0:
            db.execute(
                "INSERT INTO presence_sockets (process_id, service_sid, identity, count) VALUES (?, ?, ?, ?)",
                [process_id, service_sid, identity, count],
            )
    return before | set(counts)


def set_count(db, process_id: str, service_sid: str, identity: str, count: int) -> bool:
    """This process now holds `count` sockets of the user (0 removes the row). False when the
    process has no row (swept as stale): then no count is written, since a count without its
    process row would outlive the process, and the caller registers the process anew."""
    if count > 0:
        # The upsert also tells whether the process row exists: one statement, not two.
        return (
            db.execute(
                "INSERT INTO presence_sockets (process_id, service_sid, identity, count)"
                " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM presence_processes WHERE id = ?)"
                " ON CONFLICT (process_id, service_sid, identity) DO UPDATE SET count = excluded.count",
                [process_id, service_sid, identity, count, process_id],
            ).rowcount
            > 0
        )
    db.execute(
        "DELETE FROM presence_sockets WHERE process_id = ? AND service_sid = ? AND identity = ?",
        [process_id, service_sid, identity],
    )
    return db.execute("SELECT 1 FROM presence_processes WHERE id = ?", [process_id]).fetchone() is not None


def total(db, service_sid: str, identity: str) -> int:
    """The user's sockets over every process that has not been swept."""
    return db.execute(
        "SELECT coalesce(sum(count), 0) FROM presence_sockets WHERE service_sid = ? AND identity = ?",
        [service_sid, identity],
    ).fetchone()[0]


def stale(db, before: float) -> list[str]:
    """Processes whose last heartbeat is older than `before`."""
    return [row[0] for row in db.execute("SELECT id FROM presence_processes WHERE heartbeat < ?", [before])]


def users_of(db, process_ids: Iterable[str]) -> list[tuple[str, str]]:
    """(service_sid, identity) of every user the processes hold sockets of."""
    ids = list(process_ids)
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    return [
        (row[0], row[1])
        for row in db.execute(
            f"SELECT DISTINCT service_sid, identity FROM presence_sockets WHERE process_id IN ({marks})", ids
        )
    ]


def remove(db, process_ids: Iterable[str]) -> None:
    """Forget processes and their sockets."""
    for process_id in process_ids:
        db.execute("DELETE FROM presence_sockets WHERE process_id = ?", [process_id])
        db.execute("DELETE FROM presence_processes WHERE id = ?", [process_id])


def online_without_sockets(db) -> list[tuple[str, str]]:
    """Users marked online that no process holds a socket of (left by a crash before this table
    existed, or by a process swept while the table was new)."""
    return [
        (row[0], row[1])
        for row in db.execute(
            "SELECT service_sid, identity FROM users WHERE is_online = 1 AND NOT EXISTS"
            " (SELECT 1 FROM presence_sockets p WHERE p.service_sid = users.service_sid"
            " AND p.identity = users.identity)"
        )
    ]
