"""The SQL of export and import (chat/transfer): rows read in the order they were made, and rows
written with the SIDs, indexes and dates they arrive with."""

from collections.abc import Iterator

from .db import insert_row, one, rows

PAGE = 1000  # rows per read: lists are paged by key, so neither backend holds a whole table


def services(db, sids: list[str] | None) -> list[dict]:
    found = rows(db.execute("SELECT * FROM services ORDER BY rowid"))
    return [row for row in found if sids is None or row["sid"] in sids]


def _all(db, table: str, column: str, value: str) -> list[dict]:
    # Table and column names come from this module, never from the file being read.
    return rows(db.execute(f"SELECT * FROM {table} WHERE {column} = ? ORDER BY rowid", [value]))


def roles(db, service_sid: str) -> list[dict]:
    return _all(db, "roles", "service_sid", service_sid)


def users(db, service_sid: str) -> list[dict]:
    return _all(db, "users", "service_sid", service_sid)


def channels(db, service_sid: str) -> list[dict]:
    return _all(db, "channels", "service_sid", service_sid)


def members(db, channel_sid: str) -> list[dict]:
    return _all(db, "members", "channel_sid", channel_sid)


def invites(db, channel_sid: str) -> list[dict]:
    return _all(db, "invites", "channel_sid", channel_sid)


def webhooks(db, channel_sid: str) -> list[dict]:
    return _all(db, "channel_webhooks", "channel_sid", channel_sid)


def joined_counts(db, service_sid: str) -> dict[str, int]:
    found = db.execute("SELECT identity, count(*) FROM members WHERE service_sid = ? GROUP BY identity", [service_sid])
    return {row[0]: row[1] for row in found.fetchall()}


def messages(db, channel_sid: str, since: str | None) -> Iterator[dict]:
    """The channel's messages in index order (from `since` on, if given), a page at a time."""
    after = -1
    while True:
        page = rows(
            db.execute(
                "SELECT * FROM messages WHERE channel_sid = ? AND idx > ? AND date_created >= ? ORDER BY idx LIMIT ?",
                [channel_sid, after, since or "", PAGE],
            )
        )
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1]["idx"]


def count_messages(db, service_sid: str, since: str | None) -> int:
    query = "SELECT count(*) FROM messages WHERE service_sid = ? AND date_created >= ?"
    return db.execute(query, [service_sid, since or ""]).fetchone()[0]


def media(db, sid: str) -> dict | None:
    return one(db.execute("SELECT * FROM media WHERE sid = ?", [sid]))


def unsent_media(db, service_sid: str) -> list[dict]:
    """Pictures uploaded but in no message (yet)."""
    return rows(
        db.execute(
            "SELECT * FROM media WHERE service_sid = ? AND NOT EXISTS"
            " (SELECT 1 FROM messages WHERE messages.media_sid = media.sid) ORDER BY rowid",
            [service_sid],
        )
    )


# Writing. Lookups by SID say whether a row is there already (and where), so that importing
# twice changes nothing and a SID naming something else is refused.
def find(db, table: str, sid: str) -> dict | None:
    return one(db.execute(f"SELECT * FROM {table} WHERE sid = ?", [sid]))


def find_by(db, table: str, **where) -> dict | None:
    clause = " AND ".join(f"{column} = :{column}" for column in where)
    return one(db.execute(f"SELECT * FROM {table} WHERE {clause}", where))


def insert(db, table: str, row: dict) -> None:
    insert_row(db, table, row)


def insert_many(db, table: str, batch: list[dict]) -> None:
    """One statement for many rows of the same columns (a round trip each is what makes an
    import of a million messages slow on PostgreSQL)."""
    if not batch:
        return
    columns = list(batch[0])
    values, params = [], {}
    for number, row in enumerate(batch):
        values.append("(" + ", ".join(f":{column}_{number}" for column in columns) + ")")
        params.update({f"{column}_{number}": row[column] for column in columns})
    db.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join(values)}", params)


def channel_totals(db, channel_sid: str) -> dict:
    """What a channel's counters should say after rows were merged into it."""
    return one(
        db.execute(
            "SELECT (SELECT count(*) FROM members WHERE channel_sid = :sid) AS members_count,"
            " (SELECT count(*) FROM messages WHERE channel_sid = :sid) AS messages_count,"
            " (SELECT coalesce(max(idx), -1) + 1 FROM messages WHERE channel_sid = :sid) AS next_index,"
            " (SELECT max(date_created) FROM messages WHERE channel_sid = :sid) AS last_message_date",
            {"sid": channel_sid},
        )
    )


def set_counters(db, channel_sid: str, counters: dict) -> None:
    db.execute(
        "UPDATE channels SET members_count = :members_count, messages_count = :messages_count,"
        " next_index = :next_index, last_message_date = :last_message_date WHERE sid = :sid",
        {**counters, "sid": channel_sid},
    )
