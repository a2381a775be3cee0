"""The post-event outbox: one row per request to make, written in the same transaction as the
change it reports. Rows of one queue (a target URL and a channel) are delivered one at a time,
oldest first; a worker holds a row through a lease that expires if its process dies."""

import json

from ..clock import now_iso
from ..ids import new_sid
from .db import insert_row, one, rows


def add(db, *, service_sid, channel_sid, webhook_sid, queue, event, url, method, params, max_attempts, now) -> None:
    stamp = now_iso()
    insert_row(
        db,
        "webhook_deliveries",
        {
            "sid": new_sid("WD"),
            "service_sid": service_sid,
            "channel_sid": channel_sid,
            "webhook_sid": webhook_sid,
            "queue": queue,
            "event": event,
            "url": url,
            "method": method,
            "params": json.dumps(params),
            "max_attempts": max_attempts,
            "next_attempt_at": now,
            "date_created": stamp,
            "date_updated": stamp,
        },
    )


def claim(db, owner: str, now: float, lease_seconds: float) -> dict | None:
    """Take the next due row that heads its queue and is not leased; count the attempt now, so
    an attempt cut short by a crash still counts. Call inside a write transaction."""
    row = one(
        db.execute(
            """
            SELECT * FROM webhook_deliveries AS d
            WHERE d.status = 'pending' AND d.next_attempt_at <= :now
              AND (d.lease_until IS NULL OR d.lease_until <= :now)
              AND d.id = (SELECT MIN(id) FROM webhook_deliveries WHERE status = 'pending' AND queue = d.queue)
            ORDER BY d.next_attempt_at, d.id
            LIMIT 1
            """,
            {"now": now},
        )
    )
    if row is None:
        return None
    db.execute(
        "UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?",
        [owner, now + lease_seconds, row["id"]],
    )
    row["attempts"] += 1
    row["params"] = json.loads(row["params"])
    return row


def finish(db, id: int, owner: str, *, status: str, next_attempt_at: float, status_code, latency_ms, error) -> bool:
    """Record an attempt's outcome and release the lease; False if the lease was lost meanwhile."""
    done = db.execute(
        """
        UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, status_code = ?, latency_ms = ?,
            last_error = ?, lease_owner = NULL, lease_until = NULL, date_updated = ?
        WHERE id = ? AND lease_owner = ?
        """,
        [status, next_attempt_at, status_code, latency_ms, error, now_iso(), id, owner],
    )
    return done.rowcount == 1


def next_due(db) -> float | None:
    found = db.execute("SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'").fetchone()
    return found[0]


def recent(db, limit: int = 50, status: str | None = None) -> list[dict]:
    where, args = ("WHERE status = ?", [status]) if status else ("", [])
    return rows(db.execute(f"SELECT * FROM webhook_deliveries {where} ORDER BY id DESC LIMIT ?", [*args, limit]))


def get(db, id: int) -> dict | None:
    return one(db.execute("SELECT * FROM webhook_deliveries WHERE id = ?", [id]))


def prune(db, before: str) -> int:
    """Delete finished rows (delivered or failed) last changed before `before` (ISO time)."""
    done = db.execute("DELETE FROM webhook_deliveries WHERE status != 'pending' AND date_updated < ?", [before])
    return done.rowcount


def redeliver(db, ids: list[int] | None, now: float) -> int:
    """Start a new attempt series for the given rows (None: every failed row). A row in the
    middle of an attempt is left alone: its worker is about to record the outcome."""
    where, args = ("status = 'failed'", []) if ids is None else (f"id IN ({','.join('?' * len(ids))})", list(ids))
    done = db.execute(
        f"""
        UPDATE webhook_deliveries SET status = 'pending', attempts = 0, series = series + 1,
            next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, date_updated = ?
        WHERE {where} AND (lease_until IS NULL OR lease_until <= ?)
        """,
        [now, now_iso(), *args, now],
    )
    return done.rowcount
