"""Two servers that start at once both end up with a working search index. On PostgreSQL they
migrate two schemas of a database that has no pg_trgm yet, so both try to create the extension
(the database-wide lock makes them take turns); on SQLite they share one file."""

import secrets
import threading

import databases
import psycopg

from chat.store import open_store
from chat.store import search as search_rows


def _start_together(targets: list[dict]) -> list:
    stores, errors = [None] * len(targets), []
    ready = threading.Barrier(len(targets))

    def start(number: int) -> None:
        ready.wait()
        try:
            stores[number] = open_store(**targets[number])
        except Exception as error:  # reported below, with the thread's number
            errors.append((number, error))

    threads = [threading.Thread(target=start, args=(number,)) for number in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return stores


def _searchable(store) -> bool:
    with store.write() as tx:
        tx.db.execute(
            "INSERT INTO services (sid, account_sid, date_created, date_updated) VALUES ('IS1', 'AC1', 'd', 'd')"
        )
        tx.db.execute(
            "INSERT INTO channels (sid, service_sid, type, date_created, date_updated)"
            " VALUES ('CH1', 'IS1', 'public', 'd', 'd')"
        )
        tx.db.execute(
            "INSERT INTO messages (sid, service_sid, channel_sid, idx, author, body, date_created, date_updated)"
            " VALUES ('IM1', 'IS1', 'CH1', 0, 'a', '東京タワーに行こう', 'd', 'd')"
        )
    found = search_rows.find(store.db(), store.name, "IS1", "京タワ")
    return [row["sid"] for row in found] == ["IM1"]


def test_servers_migrating_at_once_both_get_the_index(tmp_path):
    if databases.BACKEND == "postgres":
        name = f"chat_search_{secrets.token_hex(4)}"  # a database without pg_trgm
        admin = databases.ADMIN_URL
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        base = admin.rsplit("/", 1)[0] + f"/{name}"
        with psycopg.connect(base, autocommit=True) as conn:
            for schema in ("one", "two"):
                conn.execute(f"CREATE SCHEMA {schema}")
        targets = [{"url": f"{base}?options=-csearch_path%3D{schema}", "threads": 2} for schema in ("one", "two")]
    else:
        name = None
        targets = [{"path": str(tmp_path / "chat.db")}] * 2
    stores = _start_together(targets)
    try:
        assert _searchable(stores[0])
        if name:  # on one SQLite file the second store sees the first's rows
            assert _searchable(stores[1])
    finally:
        for store in stores:
            store.release()
            store.close()
        if name:
            with psycopg.connect(databases.ADMIN_URL, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
