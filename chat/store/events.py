"""The durable event log: every published change has a row, numbered by a global sequence."""

from collections.abc import Callable

from ..clock import now_iso
from . import dialect
from .db import rows

APPEND = (
    "INSERT INTO events (service_sid, scope, target, type, payload, date_created)"
    " VALUES (:_service_sid, :_scope, :_target, :_type, :_payload, :_date_created) RETURNING seq"
)


def append(
    db,
    service_sid: str,
    scope: str,
    target: str | None,
    type: str,
    payload: str,
    then: Callable[[int], None] | None = None,
    first: list | None = None,
) -> None:
    """Queue the event (`db.later`: on PostgreSQL it goes with the next statement, or the
    write's COMMIT); `then` gets its seq once it is stored. `first`: writes (SQL with `:name`
    marks, none starting with `_`, and its dict, each) that go before it in the same statement
    (chat/store/dialect.py: `with_first`)."""
    event = {
        "_service_sid": service_sid,
        "_scope": scope,
        "_target": target,
        "_type": type,
        "_payload": payload,
        "_date_created": now_iso(),
    }
    statement = dialect.with_first(db, first, (APPEND, event)) if first else (APPEND, event)

    def stored(cursor) -> None:
        then(cursor.fetchone()[0])

    db.later(*statement, then=None if then is None else stored)


def since(db, service_sid: str, identity: str, after: int, limit: int) -> list[dict]:
    """Events after `after` that `identity` should see: service-wide ones, its own, and those of
    channels it is a member of now."""
    return rows(
        db.execute(
            "SELECT seq, scope, target, type, payload FROM events WHERE seq > ? AND service_sid = ?"
            " AND (scope = 'service' OR (scope = 'user' AND target = ?) OR (scope = 'channel' AND target IN"
            " (SELECT channel_sid FROM members WHERE service_sid = ? AND identity = ?)))"
            " ORDER BY seq LIMIT ?",
            [after, service_sid, identity, service_sid, identity, limit],
        )
    )


def between(db, first: int, last: int) -> list[dict]:
    """Every event with first <= seq <= last (to fill a gap seen on the bus)."""
    return rows(
        db.execute(
            "SELECT seq, service_sid, scope, target, type, payload FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq",
            [first, last],
        )
    )


def latest(db) -> int:
    return db.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
