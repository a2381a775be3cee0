"""Throwaway PostgreSQL databases for the benches (BENCH_POSTGRES_URL names the server; default
the local one), each dropped when the bench process ends."""

import atexit
import os
import uuid

import psycopg

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def fresh_database_url(name: str) -> str:
    database = f"chat_bench_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    atexit.register(_drop, database)
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


def _drop(database: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
