"""Channels. `next_index` hands out dense per-channel message indexes inside write transactions."""

from ..clock import now_iso
from ..ids import is_sid, new_sid
from .db import insert_row, one, rows, update_row


def get(db, service_sid: str, key: str) -> dict | None:
    """By SID or unique name (unique names never have a channel SID's shape)."""
    column = "sid" if is_sid(key, "CH") else "unique_name"
    return one(db.execute(f"SELECT * FROM channels WHERE service_sid = ? AND {column} = ?", [service_sid, key]))


def create(
    db,
    service_sid: str,
    *,
    unique_name,
    friendly_name,
    attributes,
    type,
    created_by,
    date_created=None,
    date_updated=None,
) -> dict:
    stamp = now_iso()
    row = {
        "sid": new_sid("CH"),
        "service_sid": service_sid,
        "unique_name": unique_name,
        "friendly_name": friendly_name,
        "attributes": attributes,
        "type": type,
        "created_by": created_by,
        "members_count": 0,
        "messages_count": 0,
        "next_index": 0,
        "last_message_date": None,
        "date_created": date_created or stamp,
        "date_updated": date_updated or date_created or stamp,
    }
    insert_row(db, "channels", row)
    return row


def update(db, sid: str, changes: dict) -> None:
    update_row(db, "channels", sid, {"date_updated": now_iso(), **changes})


def delete(db, sid: str) -> None:
    db.execute("DELETE FROM messages WHERE channel_sid = ?", [sid])
    db.execute("DELETE FROM channels WHERE sid = ?", [sid])


def page(db, service_sid: str, types: list[str], after_rowid: int, limit: int) -> list[dict]:
    marks = ",".join("?" * len(types))
    return rows(
        db.execute(
            f"SELECT rowid AS _rowid, * FROM channels WHERE service_sid = ? AND type IN ({marks})"
            " AND rowid > ? ORDER BY rowid LIMIT ?",
            [service_sid, *types, after_rowid, limit],
        )
    )


def of_identity(db, service_sid: str, identity: str) -> list[dict]:
    """Channels where `identity` is a member, each with that member's row fields prefixed `member_`."""
    return rows(
        db.execute(
            "SELECT c.*, m.sid AS member_sid, m.last_consumed_message_index AS member_last_consumed_message_index,"
            " m.notification_level AS member_notification_level"
            " FROM members m JOIN channels c ON c.sid = m.channel_sid"
            " WHERE m.service_sid = ? AND m.identity = ? ORDER BY c.rowid",
            [service_sid, identity],
        )
    )


def of_user(
    db, service_sid: str, identity: str, after_rowid: int, limit: int, channel_sid: str | None = None
) -> list[dict]:
    """Channels `identity` has joined or is invited to, in creation order after `after_rowid` (or
    only `channel_sid`), each with the member's SID, read horizon and notification level, and the invite's SID."""
    where, params = "", {"service": service_sid, "identity": identity, "after": after_rowid, "limit": limit}
    if channel_sid is not None:
        where, params["channel"] = " AND c.sid = :channel", channel_sid
    return rows(
        db.execute(
            "SELECT c.rowid AS _rowid, c.sid AS channel_sid, c.service_sid, m.sid AS member_sid,"
            " m.last_consumed_message_index, m.notification_level, i.sid AS invite_sid FROM channels c"
            " LEFT JOIN members m ON m.channel_sid = c.sid AND m.identity = :identity"
            " LEFT JOIN invites i ON i.channel_sid = c.sid AND i.identity = :identity"
            " WHERE c.sid IN (SELECT channel_sid FROM members WHERE service_sid = :service AND identity = :identity"
            " UNION SELECT channel_sid FROM invites WHERE service_sid = :service AND identity = :identity)"
            f" AND c.rowid > :after{where} ORDER BY c.rowid LIMIT :limit",
            params,
        )
    )


def invited_to(db, service_sid: str, identity: str) -> list[dict]:
    return rows(
        db.execute(
            "SELECT c.* FROM invites i JOIN channels c ON c.sid = i.channel_sid"
            " WHERE i.service_sid = ? AND i.identity = ? ORDER BY c.rowid",
            [service_sid, identity],
        )
    )


def adjust_count(db, sid: str, column: str, delta: int) -> None:
    assert column in ("members_count", "messages_count")
    db.execute(f"UPDATE channels SET {column} = {column} + ? WHERE sid = ?", [delta, sid])


# Takes a channel's next message index (only inside a write transaction), with the message count
# and the last message's date.
_TAKE = (
    "UPDATE channels SET next_index = next_index + 1, messages_count = messages_count + 1, last_message_date = :stamp"
)
_TAKE_BY_SID = f"{_TAKE} WHERE sid = :channel"
_TAKE_BY_KEY = {
    column: f"{_TAKE} WHERE service_sid = :service AND {column} = :key RETURNING *" for column in ("sid", "unique_name")
}


def take_index(db, sid: str, stamp: str) -> int | None:
    """The next message index of the channel (None if it is gone)."""
    row = db.execute(f"{_TAKE_BY_SID} RETURNING next_index - 1", take_statement(sid, stamp)[1]).fetchone()
    return None if row is None else row[0]


def take_statement(sid: str, stamp: str) -> tuple[str, dict]:
    """The update that takes the channel's next index, as a statement to run with others
    (chat/store/dialect.py: with_first), for an index already known in the transaction."""
    return _TAKE_BY_SID, {"stamp": stamp, "channel": sid}


def take_by_key_statement(service_sid: str, key: str, stamp: str) -> tuple[str, dict]:
    """The update that takes the next index of the channel with this SID or unique name, as a
    statement for `db.together`; it returns the channel's row, whose `next_index` is the one
    after the index taken."""
    sql = _TAKE_BY_KEY["sid" if is_sid(key, "CH") else "unique_name"]
    return sql, {"stamp": stamp, "service": service_sid, "key": key}
