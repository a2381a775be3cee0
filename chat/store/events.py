"""The durable event log: every published change has a row, numbered by a global sequence."""

from ..clock import now_iso
from .db import rows


def append(db, service_sid: str, scope: str, target: str | None, type: str, payload: str) -> int:
    return db.execute(
        "INSERT INTO events (service_sid, scope, target, type, payload, date_created) VALUES (?, ?, ?, ?, ?, ?)"
        " RETURNING seq",
        [service_sid, scope, target, type, payload, now_iso()],
    ).fetchone()[0]


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
