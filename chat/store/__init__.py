"""Storage: SQLite by default, PostgreSQL when DATABASE_URL is set. No SQL lives outside this package."""

import os
import sqlite3

import psycopg
from dotenv import dotenv_values

from .db import CommitError, Store, Tx

ERRORS = (
    sqlite3.Error,
    psycopg.Error,
    CommitError,
)  # what either backend may raise (Store.unavailable: the transient ones)


def open_store(path: str = "chat.db", url: str = "", threads: int = 8, synchronous: str = "NORMAL") -> Store:
    """PostgreSQL at `url` if given (waiting for it to answer), else the SQLite file at `path`;
    migrated and ready."""
    if url:
        from .postgres import PostgresBackend

        backend = PostgresBackend(url, threads)
        backend.wait_until_reachable()
    else:
        from .sqlite import SqliteBackend

        backend = SqliteBackend(path, synchronous)
    store = Store(backend)
    store.migrate()
    return store


def configured_database() -> tuple[str, str]:
    """(DATABASE_PATH, DATABASE_URL) as the server reads them: the environment, then `.env`.
    For command-line tools that open the database without the rest of the settings."""
    env = {**dotenv_values(".env"), **os.environ}
    return env.get("DATABASE_PATH") or "chat.db", env.get("DATABASE_URL") or ""


__all__ = ["ERRORS", "CommitError", "Store", "Tx", "configured_database", "open_store"]
