"""The durable event log: every published change has a row, numbered by a global sequence."""

from ..clock import now_iso
from . import dialect
from .db import rows

APPEND = (
    "INSERT INTO events (service_sid, scope, target, type, payload, date_created)"
    " VALUES (:_service_sid, :_scope, :_target, :_type, :_payload, :_date_created) RETURNING seq"
)


def append(
    db, service_sid: str, scope: str, target: str | None, type: str, payload: str, first: tuple | None = None
) -> int:
    """The event's seq. `first`: a write (SQL with `:name` marks, none starting with `_`, and its
    dict) that goes before it in the same round trip (chat/store/dialect.py: `with_first`)."""
    event = {
        "_service_sid": service_sid,
        "_scope": scope,
        "_target": target,
        "_type": type,
        "_payload": payload,
        "_date_created": now_iso(),
    }
    if first is None:
        return db.execute(APPEND, event).fetchone()[0]
    return dialect.with_first(db, first, (APPEND, event)).fetchone()[0]


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
