"""Where SQLite and PostgreSQL differ, in one place.

The store's modules write their SQL once, in the dialect both engines share, with SQLite's
parameter marks (`?` and `:name`). The PostgreSQL backend rewrites each statement here, once
per distinct text. What differs:

- parameters: `?` becomes `%s` and `:name` becomes `%(name)s` (psycopg's marks); a literal `%`
  is doubled;
- `rowid`: SQLite gives every table one; on PostgreSQL the tables that are paged by it have a
  real `rowid BIGSERIAL` column (added by `postgres_ddl`), so `ORDER BY rowid` reads the same;
- column types in DDL: BLOB is BYTEA, REAL is DOUBLE PRECISION, and an AUTOINCREMENT key is a
  BIGSERIAL;
- transactions: SQLite's `BEGIN IMMEDIATE` takes the database's one write lock; PostgreSQL
  takes a transaction-scoped advisory lock that stands for it (`chat/store/postgres.py`);
- round trips: on SQLite a statement is a function call, on PostgreSQL a round trip to the
  server. Each backend's `Database` offers `later` (a statement whose result nobody waits for,
  or a callback takes when it comes: PostgreSQL sends it with the next one, or with the write's
  COMMIT, SQLite runs it at once) and `together` (statements in one round trip, psycopg's
  pipeline mode; SQLite runs them one after the other); and a write whose result is not needed
  goes in the same statement as the one after it
  (`with_first`: data-modifying WITHs on PostgreSQL, which SQLite does not have).
"""

import re
from functools import lru_cache

# A quoted literal or identifier (left alone), or a parameter mark, or a percent sign.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|(?<!:):([A-Za-z_]\w*)|(\?)|(%)")


@lru_cache(maxsize=4096)
def postgres(sql: str) -> str:
    """A statement written with SQLite's marks, in psycopg's (for a call with parameters: without
    them psycopg sends the text as it is, and a statement needs no rewriting)."""

    def mark(match: re.Match) -> str:
        name, question, percent = match.groups()
        if name:
            return f"%({name})s"
        if question:
            return "%s"
        if percent:
            return "%%"
        return match.group(0)

    return _TOKEN.sub(mark, sql)


_TABLE = re.compile(r"CREATE TABLE (\w+) \(")
_TYPES = [
    (re.compile(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b"), "BIGSERIAL PRIMARY KEY"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
]


def postgres_ddl(script: str) -> str:
    """A migration written for SQLite, for PostgreSQL. Every table without an AUTOINCREMENT key
    gets a `rowid` column that numbers rows in insertion order, as SQLite's implicit one does."""
    out = []
    for statement in script.split(";"):
        table = _TABLE.search(statement)
        if table and "AUTOINCREMENT" not in statement:
            statement = statement.replace(table.group(0), f"{table.group(0)}\n        rowid BIGSERIAL UNIQUE,", 1)
        for pattern, replacement in _TYPES:
            statement = pattern.sub(replacement, statement)
        out.append(statement)
    return ";".join(out)


def with_first(db, first: list[tuple[str, dict]], then: tuple[str, dict]) -> tuple[str, dict]:
    """The statement `then`, for the caller to run, with the writes `first` before it in the
    same transaction. On PostgreSQL one statement, `WITH w0 AS (<first[0]>), w1 AS (...) <then>`
    (a parameter name used by several must have the same value in each); SQLite has no write
    inside WITH, so it runs `first` now and gives back `then` as it is."""
    then_sql, then_params = then
    if not db.writes_in_with:
        for sql, params in first:
            db.execute(sql, params)
        return then
    writes = ", ".join(f"w{number} AS ({sql})" for number, (sql, _params) in enumerate(first))
    params = {name: value for _sql, params in first for name, value in params.items()}
    return f"WITH {writes} {then_sql}", {**params, **then_params}
