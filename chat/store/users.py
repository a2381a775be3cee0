"""Users of a service, keyed by SID or identity."""

from ..clock import now_iso
from ..ids import is_sid, new_sid
from .db import insert_row, one, rows, update_row


def get(db, service_sid: str, key: str) -> dict | None:
    """By SID or identity (an identity never has a SID's shape: actions refuse that)."""
    column = "sid" if is_sid(key, "US") else "identity"
    return one(db.execute(f"SELECT * FROM users WHERE service_sid = ? AND {column} = ?", [service_sid, key]))


def create(db, service_sid: str, identity: str, role_sid: str, friendly_name=None, attributes="{}") -> dict:
    stamp = now_iso()
    row = {
        "sid": new_sid("US"),
        "service_sid": service_sid,
        "identity": identity,
        "friendly_name": friendly_name,
        "attributes": attributes,
        "role_sid": role_sid,
        "is_online": 0,
        "is_notifiable": 0,
        "date_created": stamp,
        "date_updated": stamp,
    }
    insert_row(db, "users", row)
    return row


def update(db, sid: str, changes: dict) -> dict:
    """Returns the columns written (the changes and the new date_updated)."""
    changes = {**changes, "date_updated": now_iso()}
    update_row(db, "users", sid, changes)
    return changes


def delete(db, sid: str) -> None:
    db.execute("DELETE FROM users WHERE sid = ?", [sid])


def page(db, service_sid: str, after_rowid: int, limit: int) -> list[dict]:
    """A service's users in creation order after a position (`_rowid`) from a previous page."""
    return rows(
        db.execute(
            "SELECT rowid AS _rowid, * FROM users WHERE service_sid = ? AND rowid > ? ORDER BY rowid LIMIT ?",
            [service_sid, after_rowid, limit],
        )
    )


def joined_channels_count(db, service_sid: str, identity: str) -> int:
    return db.execute(
        "SELECT count(*) FROM members WHERE service_sid = ? AND identity = ?", [service_sid, identity]
    ).fetchone()[0]
