"""Messages (ordered by their per-channel `idx`) and uploaded media."""

from ..clock import now_iso
from ..ids import is_sid, new_sid
from .db import insert_row, one, rows, update_row


def get(db, channel_sid: str, sid: str) -> dict | None:
    return one(db.execute("SELECT * FROM messages WHERE channel_sid = ? AND sid = ?", [channel_sid, sid]))


def get_by_index(db, channel_sid: str, index: int) -> dict | None:
    return one(db.execute("SELECT * FROM messages WHERE channel_sid = ? AND idx = ?", [channel_sid, index]))


INSERT = (
    "INSERT INTO messages (sid, service_sid, channel_sid, idx, author, body, attributes, type, media_sid,"
    " last_updated_by, was_edited, date_created, date_updated)"
    " VALUES (:sid, :service_sid, :channel_sid, :idx, :author, :body, :attributes, :type, :media_sid,"
    " :last_updated_by, :was_edited, :date_created, :date_updated)"
)


def insert(db, row: dict) -> None:
    db.execute(INSERT, row)


def insert_statement(row: dict) -> tuple[str, dict]:
    """The insert of `row` as a statement to run with another (chat/store/dialect.py: with_first)."""
    return INSERT, row


def open_send(
    db, service_sid: str, channel_key: str, stamp: str, service: dict | None = None
) -> tuple[dict | None, dict | None]:
    """Inside a write, for a send: the service's row, and the channel's (by SID or unique name)
    with its next message index taken, as `_index` (None for either that does not exist). One
    round trip on PostgreSQL: the index is taken before the caller checks anything, so a check
    that fails must raise (the body's rollback gives the index back). `service`: the service's
    row as read earlier in this transaction (then it is not read again)."""
    column = "sid" if is_sid(channel_key, "CH") else "unique_name"
    take = (
        "UPDATE channels SET next_index = next_index + 1, messages_count = messages_count + 1,"
        f" last_message_date = ? WHERE service_sid = ? AND {column} = ? RETURNING *, next_index - 1 AS _index"
    )
    if service is not None:
        return service, one(db.execute(take, [stamp, service_sid, channel_key]))
    read, taken = db.together(
        [("SELECT * FROM services WHERE sid = ?", [service_sid]), (take, [stamp, service_sid, channel_key])]
    )
    return one(read), one(taken)


def new_row(
    service_sid: str, channel_sid: str, index: int, author: str, body, attributes: str, media_sid=None, stamp=None
) -> dict:
    stamp = stamp or now_iso()
    return {
        "sid": new_sid("IM"),
        "service_sid": service_sid,
        "channel_sid": channel_sid,
        "idx": index,
        "author": author,
        "body": body,
        "attributes": attributes,
        "type": "media" if media_sid else "text",
        "media_sid": media_sid,
        "last_updated_by": None,
        "was_edited": 0,
        "date_created": stamp,
        "date_updated": stamp,
    }


def update(db, sid: str, changes: dict) -> None:
    update_row(db, "messages", sid, {"date_updated": now_iso(), **changes})


def delete(db, sid: str) -> None:
    db.execute("DELETE FROM messages WHERE sid = ?", [sid])


def page(
    db,
    channel_sid: str,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
    descending: bool = True,
) -> list[dict]:
    """Messages with before > idx > after (each bound optional), newest or oldest first."""
    where, params = ["channel_sid = ?"], [channel_sid]
    if before is not None:
        where.append("idx < ?")
        params.append(before)
    if after is not None:
        where.append("idx > ?")
        params.append(after)
    order = "DESC" if descending else "ASC"
    return rows(
        db.execute(f"SELECT * FROM messages WHERE {' AND '.join(where)} ORDER BY idx {order} LIMIT ?", [*params, limit])
    )


def count_after(db, channel_sid: str, index: int) -> int:
    return db.execute(
        "SELECT count(*) FROM messages WHERE channel_sid = ? AND idx > ?", [channel_sid, index]
    ).fetchone()[0]


def last(db, channel_sid: str) -> dict | None:
    return one(db.execute("SELECT * FROM messages WHERE channel_sid = ? ORDER BY idx DESC LIMIT 1", [channel_sid]))


def get_media(db, service_sid: str, sid: str, with_data: bool = False) -> dict | None:
    columns = "*" if with_data else "sid, service_sid, filename, content_type, size, author, date_created"
    return one(db.execute(f"SELECT {columns} FROM media WHERE service_sid = ? AND sid = ?", [service_sid, sid]))


def create_media(db, service_sid: str, filename: str | None, content_type: str, data: bytes, author: str) -> dict:
    row = {
        "sid": new_sid("ME"),
        "service_sid": service_sid,
        "filename": filename,
        "content_type": content_type,
        "size": len(data),
        "author": author,
        "data": data,
        "date_created": now_iso(),
    }
    insert_row(db, "media", row)
    return row


def delete_media(db, sid: str) -> None:
    db.execute("DELETE FROM media WHERE sid = ?", [sid])


def channels_with_media(db, service_sid: str, media_sid: str) -> list[str]:
    """SIDs of the channels whose messages carry this media."""
    found = db.execute(
        "SELECT DISTINCT channel_sid FROM messages WHERE service_sid = ? AND media_sid = ?", [service_sid, media_sid]
    )
    return [row[0] for row in found.fetchall()]
