"""Finding messages by a piece of their text (the index: chat/store/search_schema.py).

A query is plain text, never search syntax: on SQLite it becomes one quoted FTS5 phrase (its `"`
doubled), elsewhere a LIKE pattern with `%`, `_` and `\\` escaped. With fewer than three
characters there is no trigram to look up, so the index is scanned newest first and the first
page comes from the rows read until it is full: slower, documented, still correct.
"""

from .db import rows

SHORTEST_INDEXED = 3  # characters: a trigram

# How the search table is matched, per backend; the rest of the query is shared. Results are
# read newest first through the index's key, so a query that matches a million messages stops
# at its first page instead of sorting them all.
_MATCH = {
    "sqlite": "s.text MATCH :phrase",
    "postgres": "s.text ILIKE :pattern",
}
_SHORT_MATCH = {
    "sqlite": "s.text LIKE :pattern ESCAPE '\\'",  # ESCAPE keeps FTS5 from its (empty) trigram lookup
    "postgres": "s.text ILIKE :pattern",
}


def phrase(query: str) -> str:
    """FTS5's quoted phrase for `query` taken literally."""
    return '"' + query.replace('"', '""') + '"'


def pattern(query: str) -> str:
    """A LIKE pattern that matches `query` anywhere, taken literally."""
    return "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


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
    match = (_MATCH if len(query) >= SHORTEST_INDEXED else _SHORT_MATCH)[backend]
    where = [match, "m.service_sid = :service_sid"]
    params = {
        "phrase": phrase(query),
        "pattern": pattern(query),
        "service_sid": service_sid,
        "limit": limit,
    }
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
    used = " ".join(where)  # only the parameters the statement names (psycopg wants no others)
    params = {k: v for k, v in params.items() if k == "limit" or f":{k}" in used}
    # CROSS JOIN: SQLite must read the search table first, in its order (it would otherwise
    # start from the channel's messages and look each one up); PostgreSQL plans it as a join.
    return rows(
        db.execute(
            "SELECT m.*, s.rowid AS search_rowid FROM message_search s CROSS JOIN messages m"
            f" WHERE m.rowid = s.rowid AND {' AND '.join(where)} ORDER BY s.rowid DESC LIMIT :limit",
            params,
        )
    )
