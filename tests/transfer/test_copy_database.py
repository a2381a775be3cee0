"""Moving a chat from its SQLite file into PostgreSQL with `python -m chat copy-database`: the
server on PostgreSQL answers every REST listing exactly as the one on SQLite did (SIDs, indexes,
dates, read horizons, roles, webhook settings, pictures), and a second copy is refused."""

from dataclasses import replace

import databases
from live_server import make_settings
from transfer_helpers import chat, fill, listings


def test_a_chat_moves_from_sqlite_to_postgres_and_answers_the_same(tmp_path, server_factory):
    settings = make_settings(tmp_path, database_url="")
    on_sqlite = server_factory(settings)
    fill(on_sqlite)
    before = listings(on_sqlite)
    on_sqlite.stop()
    assert any(key.startswith("ME") for key in before), "the listing saw no picture"

    url = databases.url_for(tmp_path)
    done = chat("copy-database", "--from", settings.database_path, "--to", url)
    assert done.returncode == 0, done.stderr
    assert "Copied" in done.stdout and "messages" in done.stdout

    on_postgres = server_factory(replace(settings, database_url=url))
    assert listings(on_postgres) == before

    again = chat("copy-database", "--from", settings.database_path, "--to", url)  # never mixes two chats
    assert again.returncode != 0 and "empty database" in again.stderr
