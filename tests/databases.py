"""Which backend the suite runs on, and the PostgreSQL databases it creates and drops.

`TEST_DATABASE=postgres` runs every test on PostgreSQL (`make test` runs the suite once per
backend). The session creates one database of its own; each test gets a schema in it, named
after the test's temporary folder, so that everything one test starts (servers, gunicorn,
other processes) shares it, as they share the test's SQLite file on the other backend.
"""

import hashlib
import os
import secrets

import psycopg

BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
if BACKEND not in ("sqlite", "postgres"):
    raise SystemExit(f"TEST_DATABASE must be sqlite or postgres, not {BACKEND!r}")
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

_database: str | None = None


def _admin() -> psycopg.Connection:
    return psycopg.connect(ADMIN_URL, autocommit=True)


def session_url() -> str:
    """This session's own database (created on first use)."""
    global _database
    if _database is None:
        name = f"chat_test_{secrets.token_hex(4)}"
        with _admin() as conn:
            conn.execute(f"CREATE DATABASE {name}")
        _database = name
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{_database}"


def schema_for(folder) -> str:
    return "t_" + hashlib.sha1(str(folder).encode()).hexdigest()[:16]


def rename_schema(old: str, new: str) -> None:
    with psycopg.connect(session_url(), autocommit=True) as conn:
        conn.execute(f"ALTER SCHEMA {old} RENAME TO {new}")


def url_for(folder) -> str:
    """A DATABASE_URL whose tables live in a schema of their own for this folder (one test)."""
    schema = schema_for(folder)
    base = session_url()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    return f"{base}?options=-csearch_path%3D{schema}"


def drop_session_database() -> None:
    if _database is not None:
        with _admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {_database} WITH (FORCE)")
