"""Finding messages by a piece of their text (the index and why it is built so:
chat/store/search_schema.py).

A query is plain text, never search syntax: it becomes a LIKE pattern with `%`, `_` and `\\`
escaped. Results are newest first by the index's key (the message's rowid), and each backend
reads them so that a query matching a million messages stops at its first page instead of
sorting them all. How, per backend (the one place they differ):

- SQLite reads FTS5 newest first for the indexed messages and matches the queued ones (written
  since the last catch-up) directly.
- PostgreSQL's GIN index answers a query as a bitmap of every match, sorted afterwards: fast
  when matches are few, slow when they are many. So it first walks the newest `window` index
  rows by key, filtering each, and stops at a full page; only when the window did not fill the
  page does the GIN index look below the window. The two read disjoint ranges of rowids, so the
  page is the same as one read of every row would give.

With fewer than three characters there is no trigram to look up: SQLite reads FTS5 newest first
and PostgreSQL reads on below its window, each until the page is full (slower when such a query
is rare: up to the whole index; documented, still correct).
"""

from .db import rows
from .search_schema import MESSAGE_TEXT

SHORTEST_INDEXED = 3  # characters: a trigram
CATCH_UP_BATCH = 5_000  # queued messages moved into FTS5 per write body
WINDOW = 10_000  # newest index rows PostgreSQL filters one by one before it asks the GIN index


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
    window: int = WINDOW,
) -> list[dict]:
    """Messages whose text contains `query`, newest first (by rowid, returned as `search_rowid`),
    below the position `before`. `reader`: only channels that identity may read now (public
    ones and private ones it belongs to); None reads all (the account). `window`: PostgreSQL's
    newest-first window, in index rows (a parameter for tests; SQLite has none)."""
    where = ["m.service_sid = :service_sid"]
    params = {"pattern": pattern(query), "loose": _loose(query), "service_sid": service_sid, "before": before}
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
    ):
        if value is not None:
            where.append(f"{column} {operator} :{name}")
            params[name] = value
    if before is not None:
        where.append("s.rowid < :before")
    if backend == "postgres":
        return _postgres(db, where, params, limit, window)
    return _sqlite(db, where, params, limit)


def _select(db, source: str, match: str, where: list[str], params: dict, limit: int) -> list[dict]:
    """The newest `limit` messages of `source` (aliased `s`, keyed by rowid) meeting `match`."""
    # CROSS JOIN: SQLite must read the search source first, in its order (it would otherwise
    # start from the channel's messages and look each one up); PostgreSQL plans it as a join.
    sql = (
        f"SELECT m.*, s.rowid AS search_rowid FROM {source} CROSS JOIN messages m"
        f" WHERE m.rowid = s.rowid AND {match} AND {' AND '.join(where)} ORDER BY s.rowid DESC LIMIT :limit"
    )
    used = {k: v for k, v in params.items() if f":{k}" in sql}  # psycopg wants no others
    return rows(db.execute(sql, {**used, "limit": limit}))


def _sqlite(db, where: list[str], params: dict, limit: int) -> list[dict]:
    """FTS5 for the indexed messages (its trigrams when the query has one), the queue directly."""
    loose = "s.text LIKE :loose AND " if params["loose"] else ""
    indexed = f"{loose}s.text LIKE :pattern ESCAPE '\\' AND s.rowid NOT IN (SELECT rowid FROM message_search_queue)"
    found = _select(db, "message_search s", indexed, where, params, limit)
    queue = f"({MESSAGE_TEXT}) LIKE :pattern ESCAPE '\\'"
    found += _select(db, "message_search_queue s", queue, where, params, limit)
    found.sort(key=lambda row: row["search_rowid"], reverse=True)
    return found[:limit]


def _postgres(db, where: list[str], params: dict, limit: int, window: int) -> list[dict]:
    """The newest `window` index rows below `before` filtered one by one, then, if that left the
    page short, the rows below them: through the GIN index, or without a trigram by reading on."""
    floor = _window_floor(db, params["before"], window)
    params = {**params, "floor": floor}
    # lower() LIKE lower() is what ILIKE does on a multibyte database, in a form the GIN index
    # cannot serve: the planner reads the window's rows by key instead of every match.
    scan = "lower(s.text) LIKE lower(:pattern)"
    newest = scan + (" AND s.rowid >= :floor" if floor is not None else "")
    found = _select(db, "message_search s", newest, where, params, limit)
    if floor is None or len(found) == limit:
        return found
    older = ("s.text ILIKE :pattern" if params["loose"] else scan) + " AND s.rowid < :floor"
    return found + _select(db, "message_search s", older, where, params, limit - len(found))


def _window_floor(db, before: int | None, window: int) -> int | None:
    """The lowest rowid of the newest `window` index rows below `before` (an index-only walk of
    the key); None when there are no more rows than that: the window is the whole rest."""
    below = "WHERE rowid < :before " if before is not None else ""
    row = db.execute(
        f"SELECT rowid FROM message_search {below}ORDER BY rowid DESC LIMIT 1 OFFSET :skip",
        {"skip": window - 1, **({"before": before} if before is not None else {})},
    ).fetchone()
    return row[0] if row else None


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
