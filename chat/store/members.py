"""Members (a user's place in a channel, with its read horizon) and invites."""

from ..clock import now_iso
from ..ids import is_sid, new_sid
from .db import insert_row, one, rows, update_row


def get(db, channel_sid: str, key: str) -> dict | None:
    """By member SID or identity."""
    column = "sid" if is_sid(key, "MB") else "identity"
    return one(db.execute(f"SELECT * FROM members WHERE channel_sid = ? AND {column} = ?", [channel_sid, key]))


def create(db, service_sid: str, channel_sid: str, identity: str, role_sid: str, **fields) -> dict:
    stamp = now_iso()
    row = {
        "sid": new_sid("MB"),
        "service_sid": service_sid,
        "channel_sid": channel_sid,
        "identity": identity,
        "role_sid": role_sid,
        "last_consumed_message_index": None,
        "last_consumption_timestamp": None,
        "notification_level": "default",
        "attributes": "{}",
        "date_created": stamp,
        "date_updated": stamp,
    }
    row.update(fields)
    insert_row(db, "members", row)
    return row


def update(db, sid: str, changes: dict) -> None:
    update_row(db, "members", sid, {"date_updated": now_iso(), **changes})


def delete(db, sid: str) -> None:
    db.execute("DELETE FROM members WHERE sid = ?", [sid])


def page(db, channel_sid: str, identities: list[str], after_rowid: int, limit: int) -> list[dict]:
    return _page(db, "members", channel_sid, identities, after_rowid, limit)


def _page(db, table: str, channel_sid: str, identities: list[str], after_rowid: int, limit: int) -> list[dict]:
    """A channel's members or invites in creation order after `after_rowid`, optionally only
    those of some identities."""
    where, params = "channel_sid = ? AND rowid > ?", [channel_sid, after_rowid]
    if identities:
        where += f" AND identity IN ({','.join('?' * len(identities))})"
        params += identities
    return rows(
        db.execute(f"SELECT rowid AS _rowid, * FROM {table} WHERE {where} ORDER BY rowid LIMIT ?", [*params, limit])
    )


def count_of_identity(db, service_sid: str, identity: str) -> int:
    return db.execute(
        "SELECT count(*) FROM members WHERE service_sid = ? AND identity = ?", [service_sid, identity]
    ).fetchone()[0]


def get_invite(db, channel_sid: str, key: str) -> dict | None:
    column = "sid" if is_sid(key, "IN") else "identity"
    return one(db.execute(f"SELECT * FROM invites WHERE channel_sid = ? AND {column} = ?", [channel_sid, key]))


def create_invite(db, service_sid: str, channel_sid: str, identity: str, role_sid: str, created_by: str) -> dict:
    stamp = now_iso()
    row = {
        "sid": new_sid("IN"),
        "service_sid": service_sid,
        "channel_sid": channel_sid,
        "identity": identity,
        "role_sid": role_sid,
        "created_by": created_by,
        "date_created": stamp,
        "date_updated": stamp,
    }
    insert_row(db, "invites", row)
    return row


def delete_invite(db, sid: str) -> None:
    db.execute("DELETE FROM invites WHERE sid = ?", [sid])


def invites_page(db, channel_sid: str, identities: list[str], after_rowid: int, limit: int) -> list[dict]:
    return _page(db, "invites", channel_sid, identities, after_rowid, limit)


def invites_of_identity(db, service_sid: str, identity: str) -> list[dict]:
    return rows(db.execute("SELECT * FROM invites WHERE service_sid = ? AND identity = ?", [service_sid, identity]))
