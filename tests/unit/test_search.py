"""Message search (chat/actions/search.py, chat/store/search.py): the index changes in the
message's own transaction, Latin and CJK substrings, short queries, search syntax taken as plain
text, and only channels the reader may read at the time of the search. Both backends."""

import sqlite3
from dataclasses import replace

import pytest
from webhook_receiver import wait_until

from chat.actions import channels, members, messages, search
from chat.context import Actor, Chat
from chat.errors import ChatError
from chat.store import messages as message_rows
from chat.store import search as search_rows

ACCOUNT = Actor(None, "rest")
BOB = Actor("bob", "ws")


@pytest.fixture(params=["queued", "indexed"])
def chat(settings, request):
    """On SQLite a message is matched from the queue until the index catches up (about a
    second), then through FTS5: each test runs searches both ways."""
    instance = Chat(replace(settings, channel_action_rate=0))
    instance.catch_up_before_search = request.param == "indexed"
    yield instance
    instance.close()


@pytest.fixture
def service(chat):
    return chat.settings.service_sid


def bodies(chat, actor, service, query, **options) -> list[str]:
    if getattr(chat, "catch_up_before_search", False):
        chat.search_indexer.step()
    return [row["body"] for row in search.find(chat, actor, service, query, **options)]


def send(chat, service, channel, body, author="alice") -> dict:
    return messages.send(chat, ACCOUNT, service, channel, body=body, author=author)


def test_cjk_and_latin_substrings_case_insensitive(chat, service):
    channels.create(chat, ACCOUNT, service, unique_name="general")
    send(chat, service, "general", "東京タワーに行こう")
    send(chat, service, "general", "Meet at the Tokyo Tower tonight")
    send(chat, service, "general", "L'ÉCOLE est fermée")
    assert bodies(chat, ACCOUNT, service, "京タワ") == ["東京タワーに行こう"]
    assert bodies(chat, ACCOUNT, service, "tokyo tow") == ["Meet at the Tokyo Tower tonight"]
    assert bodies(chat, ACCOUNT, service, "TONIGHT") == ["Meet at the Tokyo Tower tonight"]
    assert bodies(chat, ACCOUNT, service, "fermée") == ["L'ÉCOLE est fermée"]
    assert bodies(chat, ACCOUNT, service, "nothing like it") == []


def test_short_queries_use_the_slower_path_and_still_match(chat, service):
    channels.create(chat, ACCOUNT, service, unique_name="general")
    send(chat, service, "general", "東京タワーに行こう")
    send(chat, service, "general", "ok then")
    assert bodies(chat, ACCOUNT, service, "京") == ["東京タワーに行こう"]
    assert bodies(chat, ACCOUNT, service, "タワ") == ["東京タワーに行こう"]
    assert bodies(chat, ACCOUNT, service, "OK") == ["ok then"]


def test_newest_first_and_paged_by_position(chat, service):
    channels.create(chat, ACCOUNT, service, unique_name="general")
    for number in range(5):
        send(chat, service, "general", f"report {number}")
    if chat.catch_up_before_search:
        chat.search_indexer.step()
    first = search.find(chat, ACCOUNT, service, "report", limit=3)
    assert [row["body"] for row in first] == ["report 4", "report 3", "report 2"]
    rest = search.find(chat, ACCOUNT, service, "report", limit=3, before=first[-1]["search_rowid"])
    assert [row["body"] for row in rest] == ["report 1", "report 0"]


def test_search_syntax_is_plain_text(chat, service):
    channels.create(chat, ACCOUNT, service, unique_name="general")
    send(chat, service, "general", 'say "hi" (NEAR x) * 100% a_b \\ done')
    send(chat, service, "general", "something else entirely")
    for query in ['"hi"', '"', "(NEAR x)", "NEAR", "*", "100%", "%", "a_b", "_", "\\", ")", "hi OR else", "else*"]:
        expected = ['say "hi" (NEAR x) * 100% a_b \\ done'] if query not in ("hi OR else", "else*") else []
        assert bodies(chat, ACCOUNT, service, query) == expected, query


@pytest.mark.parametrize("query", ["", "   ", None, "x" * 257, 42, "a\x00b"])
def test_bad_queries_are_400(chat, service, query):
    with pytest.raises(ChatError) as raised:
        search.find(chat, ACCOUNT, service, query)
    assert raised.value.status == 400 and raised.value.code == 20001


def test_edit_and_removal_change_the_index_in_the_same_transaction(chat, service):
    channels.create(chat, ACCOUNT, service, unique_name="general")
    row = send(chat, service, "general", "first draft")
    assert bodies(chat, ACCOUNT, service, "draft") == ["first draft"]
    messages.update(chat, ACCOUNT, service, "general", row["sid"], body="final words")
    assert bodies(chat, ACCOUNT, service, "draft") == []
    assert bodies(chat, ACCOUNT, service, "final") == ["final words"]
    messages.remove(chat, ACCOUNT, service, "general", row["sid"])
    assert bodies(chat, ACCOUNT, service, "final") == []


def search_index_size(chat) -> int:
    """Entries in the index once it has caught up (SQLite moves its queue into FTS5 later)."""
    chat.search_indexer.step()
    return chat.store.db().execute("SELECT count(*) FROM message_search").fetchone()[0]


def test_a_rolled_back_write_leaves_nothing_in_the_index(chat, service):
    channel = channels.create(chat, ACCOUNT, service, unique_name="general")
    with pytest.raises(RuntimeError):
        with chat.write() as tx:
            row = message_rows.new_row(service, channel["sid"], 0, "alice", "ghost words", "{}")
            message_rows.insert(tx.db, row)
            inside = search_rows.find(tx.db, chat.store.name, service, "ghost")
            assert [found["sid"] for found in inside] == [row["sid"]]  # found inside its transaction
            raise RuntimeError("roll back")
    assert bodies(chat, ACCOUNT, service, "ghost") == []
    assert search_index_size(chat) == 0


def test_found_before_and_after_the_index_catches_up(chat, service):
    channels.create(chat, ACCOUNT, service, unique_name="general")
    kept = send(chat, service, "general", "東京タワーに行こう")
    edited = send(chat, service, "general", "東京タワー draft")
    removed = send(chat, service, "general", "東京タワー oops")
    assert bodies(chat, ACCOUNT, service, "京タワ") == ["東京タワー oops", "東京タワー draft", "東京タワーに行こう"]
    assert search_index_size(chat) == 3 and search_rows.queued(chat.store.db(), chat.store.name) == 0
    messages.update(chat, ACCOUNT, service, "general", edited["sid"], body="Tokyo tower, final")
    messages.remove(chat, ACCOUNT, service, "general", removed["sid"])
    for _ in range(2):  # once with the changes queued (SQLite), once caught up
        assert bodies(chat, ACCOUNT, service, "京タワ") == [kept["body"]]
        assert bodies(chat, ACCOUNT, service, "tower") == ["Tokyo tower, final"]
        assert bodies(chat, ACCOUNT, service, "draft") == bodies(chat, ACCOUNT, service, "oops") == []
        assert search_index_size(chat) == 2


def test_removing_a_channel_removes_its_messages_from_the_index(chat, service):
    channels.create(chat, ACCOUNT, service, unique_name="doomed")
    send(chat, service, "doomed", "soon gone")
    channels.delete(chat, ACCOUNT, service, "doomed")
    assert bodies(chat, ACCOUNT, service, "gone") == []
    assert search_index_size(chat) == 0


def test_pictures_are_found_by_caption_and_filename(chat, service):
    channels.create(chat, ACCOUNT, service, unique_name="general")
    with chat.write() as tx:
        media = message_rows.create_media(tx.db, service, "sunset-京都.png", "image/png", b"\x89PNG", "alice")
    messages.send(chat, ACCOUNT, service, "general", body="view from the hill", media_sid=media["sid"], author="a")
    assert bodies(chat, ACCOUNT, service, "sunset") == ["view from the hill"]
    assert bodies(chat, ACCOUNT, service, "京都") == ["view from the hill"]
    assert bodies(chat, ACCOUNT, service, "the hill") == ["view from the hill"]


def test_readers_see_public_channels_and_private_ones_they_belong_to_now(chat, service):
    channels.create(chat, ACCOUNT, service, unique_name="lobby")
    channels.create(chat, ACCOUNT, service, unique_name="secret", type="private")
    send(chat, service, "lobby", "plan: public")
    send(chat, service, "secret", "plan: private")
    assert bodies(chat, BOB, service, "plan") == ["plan: public"]
    assert bodies(chat, ACCOUNT, service, "plan") == ["plan: private", "plan: public"]
    members.add(chat, ACCOUNT, service, "secret", "bob")
    assert bodies(chat, BOB, service, "plan") == ["plan: private", "plan: public"]
    members.remove(chat, ACCOUNT, service, "secret", "bob")
    assert bodies(chat, BOB, service, "plan") == ["plan: public"]
    with pytest.raises(ChatError) as raised:
        search.find(chat, BOB, service, "plan", channel="secret")
    assert raised.value.status == 404  # a private channel bob is not in does not exist for him


def test_filters_by_channel_author_and_dates(chat, service):
    channels.create(chat, ACCOUNT, service, unique_name="one")
    channels.create(chat, ACCOUNT, service, unique_name="two")
    messages.send(chat, ACCOUNT, service, "one", body="news a", author="alice", date_created="2024-01-01T00:00:00.000Z")
    messages.send(chat, ACCOUNT, service, "two", body="news b", author="bob", date_created="2024-02-01T00:00:00.000Z")
    messages.send(chat, ACCOUNT, service, "two", body="news c", author="alice", date_created="2024-03-01T00:00:00.000Z")
    assert bodies(chat, ACCOUNT, service, "news", channel="two") == ["news c", "news b"]
    assert bodies(chat, ACCOUNT, service, "news", author="alice") == ["news c", "news a"]
    assert bodies(chat, ACCOUNT, service, "news", created_after="2024-01-15T00:00:00.000Z") == ["news c", "news b"]
    assert bodies(chat, ACCOUNT, service, "news", created_before="2024-02-15T00:00:00.000Z") == ["news b", "news a"]


def test_an_existing_database_gets_its_index_built_by_the_migration(settings, monkeypatch, caplog):
    from chat.store import schema, search_schema

    older = schema.MIGRATIONS[: schema.MIGRATIONS.index(search_schema.MIGRATION)]
    monkeypatch.setattr(schema, "MIGRATIONS", older)  # the database as the previous version left it
    before = Chat(settings)
    channels.create(before, ACCOUNT, settings.service_sid, unique_name="general")
    for body in ("東京タワーに行こう", "one", "two"):
        send(before, settings.service_sid, "general", body)
    before.close()
    monkeypatch.undo()
    monkeypatch.setattr(search_schema, "LOG_FROM", 2)  # as a large database does: progress in the log
    monkeypatch.setattr(search_schema, "BATCH", 1)
    caplog.set_level("INFO", logger=search_schema.__name__)
    after = Chat(settings)
    try:
        assert bodies(after, ACCOUNT, settings.service_sid, "京タワ") == ["東京タワーに行こう"]
        assert bodies(after, ACCOUNT, settings.service_sid, "tw") == ["two"]
    finally:
        after.close()
    assert "Message search index: 3 of 3 messages (100%)" in caplog.messages


def test_pages_run_across_indexed_and_queued_messages_in_order(chat, service):
    channels.create(chat, ACCOUNT, service, unique_name="general")
    for number in range(3):
        send(chat, service, "general", f"report {number}")
    chat.search_indexer.step()  # the first three in FTS5 (SQLite), the next two queued
    for number in range(3, 5):
        send(chat, service, "general", f"report {number}")
    first = search.find(chat, ACCOUNT, service, "report", limit=3)
    assert [row["body"] for row in first] == ["report 4", "report 3", "report 2"]
    rest = search.find(chat, ACCOUNT, service, "report", limit=3, before=first[-1]["search_rowid"])
    assert [row["body"] for row in rest] == ["report 1", "report 0"]


def pages(chat, service, query, page_size, window, reader=None) -> list[str]:
    """Every match, page after page from the store with a small window (PostgreSQL reads the
    newest `window` index rows, then the rows below them; SQLite has no window)."""
    db, found, before = chat.store.db(), [], None
    while True:
        page = search_rows.find(
            db, chat.store.name, service, query, reader=reader, before=before, limit=page_size, window=window
        )
        found += [row["body"] for row in page]
        if len(page) < page_size:
            return found
        before = page[-1]["search_rowid"]


def test_pages_neither_skip_nor_repeat_across_the_window_and_the_index_below_it(chat, service):
    channels.create(chat, ACCOUNT, service, unique_name="lobby")
    channels.create(chat, ACCOUNT, service, unique_name="secret", type="private")
    for number in range(12):  # matches sparse among other messages, some in a channel bob cannot read
        send(chat, service, "secret" if number % 4 == 1 else "lobby", f"report {number}")
        send(chat, service, "lobby", "nothing to see")
    if chat.catch_up_before_search:
        chat.search_indexer.step()
    everything = [f"report {number}" for number in reversed(range(12))]
    readable = [body for body in everything if int(body.split()[1]) % 4 != 1]
    for window in (1, 2, 3, 5, 7, 100):
        for page_size in (1, 2, 3, 4, 5, 13):
            assert pages(chat, service, "report", page_size, window) == everything, (window, page_size)
            assert pages(chat, service, "REPORT", page_size, window, reader="bob") == readable, (window, page_size)
            for query in ("t 1", "1"):  # a trigram (the GIN index below the window), none (read on)
                assert pages(chat, service, query, page_size, window) == ["report 11", "report 10", "report 1"]


def test_the_indexer_outlives_a_failed_catch_up_and_indexes_on_the_next(chat, service, monkeypatch, caplog):
    catch_up, failures = search_rows.catch_up, []

    def fails_once(db, name):
        if name == "sqlite" and not failures:  # PostgreSQL indexes as it writes: nothing to catch up
            failures.append(name)
            raise sqlite3.OperationalError("database is locked")
        return catch_up(db, name)

    monkeypatch.setattr(search_rows, "catch_up", fails_once)
    channels.create(chat, ACCOUNT, service, unique_name="general")
    send(chat, service, "general", "after the storm")
    indexer = search.Indexer(chat, interval=0.01)
    indexer.start()
    try:
        wait_until(lambda: search_rows.queued(chat.store.db(), chat.store.name) == 0)
    finally:
        indexer.stop()
    assert bodies(chat, ACCOUNT, service, "storm") == ["after the storm"]
    if chat.store.name == "sqlite":
        assert failures and "Search index catch-up failed, trying again: database is locked" in caplog.messages
