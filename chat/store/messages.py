"""Messages (ordered by their per-channel `idx`) and uploaded media."""

from typing import NamedTuple

from ..clock import now_iso
from ..ids import new_sid
from . import channels as channel_rows
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


class Send(NamedTuple):
    """What a send needs from the database before its checks (`open_send`)."""

    service: dict | None  # None if there is no such service
    channel: dict | None  # as the batch keeps it (not to be changed); None if there is no such channel
    index: int | None  # the message's index, handed out
    taking: list  # the statements still to run to take `index`, to go with the message's insert


def open_send(tx, service_sid: str, channel_key: str, stamp: str) -> Send:
    """Inside a write, for a send: the service's row, and the channel's (by SID or unique name)
    with its next message index handed out.

    The batch keeps both rows (Tx.services, Tx.channels). The first send of a batch to a channel
    reads the service if needed and takes the index here, in one round trip on PostgreSQL; the
    next ones know the index and take it in their insert's statement (dialect.py: with_first),
    so they need no round trip of their own. Either way the index is handed out before the
    caller checks anything, so a check that fails must raise: the body's rollback gives the
    index back and Store.write drops the batch's channels."""
    service, channel = tx.services.get(service_sid), tx.channels.get((service_sid, channel_key))
    if service is not None and channel is not None:
        channel["next_index"] += 1
        return Send(service, channel, channel["next_index"] - 1, [channel_rows.take_statement(channel["sid"], stamp)])
    take = channel_rows.take_by_key_statement(service_sid, channel_key, stamp)
    if service is not None:
        channel = one(tx.db.execute(*take))
    else:
        read, taken = tx.db.together([("SELECT * FROM services WHERE sid = ?", [service_sid]), take])
        service, channel = one(read), one(taken)
        if service is not None:
            tx.services[service_sid] = service
    if channel is None:
        return Send(service, None, None, [])
    tx.channels[(service_sid, channel["sid"])] = channel  # under both keys: one next index
    if channel["unique_name"] is not None:
        tx.channels[(service_sid, channel["unique_name"])] = channel
    return Send(service, channel, channel["next_index"] - 1, [])


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
