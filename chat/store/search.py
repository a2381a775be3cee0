"""Finding messages by a piece of their text (the index and why it is built so:
chat/store/search_schema.py).

A query is plain text, never search syntax: it becomes a LIKE pattern with `%`, `_` and `\\`
escaped. Results are read newest first through the index's key (the message's rowid), so a
query that matches a million messages stops at its first page instead of sorting them all. With
fewer than three characters there is no trigram to look up: the index is read newest first until
the page is full (slower, documented, still correct).
"""

from .db import rows
from .search_schema import MESSAGE_TEXT

SHORTEST_INDEXED = 3  # characters: a trigram
CATCH_UP_BATCH = 5_000  # queued messages moved into FTS5 per write body


def pattern(query: str) -> str:
    """A LIKE pattern (ESCAPE '\\') that matches `query` anywhere, taken literally."""
    return "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _loose(query: str) -> str | None:
    """A LIKE pattern without ESCAPE that FTS5 can answer from its trigrams: `query` with its
    `%` and `_` as one-character wildcards (a superset, narrowed by `pattern`). None when no run
    of three plain characters is left to look up."""
    runs = query.replace("%", "_").split("_")
    if max(len(run) for run in runs) < SHORTEST_INDEXED:
        return None
    return "%" + query.replace("%", "_") + "%"


# Where the matches come from, per backend: (FROM clause, match condition). SQLite reads FTS5
# for the indexed messages and matches the queued ones (written since the last catch-up)
# directly; PostgreSQL's trigger keeps its GIN index itself.
_SOURCES = {
    "sqlite": [
        (
            "message_search s",
            "{loose} s.text LIKE :pattern ESCAPE '\\' AND s.rowid NOT IN (SELECT rowid FROM message_search_queue)",
        ),
        ("message_search_queue s", f"({MESSAGE_TEXT}) LIKE :pattern ESCAPE '\\'"),
    ],
    "postgres": [("message_search s", "s.text ILIKE :pattern")],
}


def find(
    db,
    backend: str,
    service_sid: str,
    query: str,
    *,
    reader: str | None = None,
    channel_sid: str | None = None,
    author: str | None = None,
    created_after: str | None = None,
    created_before: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[dict]:
    """Messages whose text contains `query`, newest first (by rowid, returned as `search_rowid`),
    below the position `before`. `reader`: only channels that identity may read now (public
    ones and private ones it belongs to); None reads all (the account)."""
    loose = _loose(query)
    where = ["m.service_sid = :service_sid"]
    params = {"pattern": pattern(query), "loose": loose, "service_sid": service_sid, "limit": limit}
    if reader is not None:
        where.append(
            "m.channel_sid IN (SELECT sid FROM channels WHERE service_sid = :service_sid AND type = 'public'"
            " UNION SELECT channel_sid FROM members WHERE service_sid = :service_sid AND identity = :reader)"
        )
        params["reader"] = reader
    for column, operator, name, value in (
        ("m.channel_sid", "=", "channel_sid", channel_sid),
        ("m.author", "=", "author", author),
        ("m.date_created", ">", "created_after", created_after),
        ("m.date_created", "<", "created_before", created_before),
        ("s.rowid", "<", "before", before),
    ):
        if value is not None:
            where.append(f"{column} {operator} :{name}")
            params[name] = value
    found: list[dict] = []
    for source, match in _SOURCES[backend]:
        match = match.replace("{loose}", "s.text LIKE :loose AND" if loose else "")
        # CROSS JOIN: SQLite must read the search source first, in its order (it would otherwise
        # start from the channel's messages and look each one up); PostgreSQL plans it as a join.
        sql = (
            f"SELECT m.*, s.rowid AS search_rowid FROM {source} CROSS JOIN messages m"
            f" WHERE m.rowid = s.rowid AND {match} AND {' AND '.join(where)} ORDER BY s.rowid DESC LIMIT :limit"
        )
        used = {k: v for k, v in params.items() if f":{k}" in sql}  # psycopg wants no others
        found.extend(rows(db.execute(sql, used)))
    found.sort(key=lambda row: row["search_rowid"], reverse=True)
    return found[:limit]


def catch_up(db, backend: str, batch: int = CATCH_UP_BATCH) -> int:
    """Move up to `batch` queued messages into FTS5 (SQLite; PostgreSQL has no queue), inside a
    write: their old entries go, their current text goes in, unless they were removed. One
    body per batch, so FTS5 writes one segment for many messages. Returns how many moved."""
    if backend != "sqlite":
        return 0
    last = db.execute(
        "SELECT max(rowid) FROM (SELECT rowid FROM message_search_queue ORDER BY rowid LIMIT ?)", [batch]
    ).fetchone()[0]
    if last is None:
        return 0
    queued = "SELECT rowid FROM message_search_queue WHERE rowid <= ?"
    db.execute(f"DELETE FROM message_search WHERE rowid IN ({queued})", [last])
    db.execute(
        f"INSERT INTO message_search (rowid, text) SELECT m.rowid, {MESSAGE_TEXT} FROM messages m"
        f" WHERE m.rowid IN ({queued})",
        [last],
    )
    return db.execute("DELETE FROM message_search_queue WHERE rowid <= ?", [last]).rowcount


def queued(db, backend: str) -> int:
    """Messages waiting for `catch_up` (for tests and the benchmark)."""
    if backend != "sqlite":
        return 0
    return db.execute("SELECT count(*) FROM message_search_queue").fetchone()[0]
