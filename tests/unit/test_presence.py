"""Presence bookkeeping in SQLite with two Chat instances (two "processes") on one file: counts
add up across them, dead processes are swept, a swept live one writes its rows again, and a
clean close takes offline only the users nobody else holds. The real multi-process behaviour is
tested in tests/scale/test_presence_across_processes.py."""

import time
from dataclasses import replace

import pytest

from chat.actions import presence, users
from chat.context import Chat
from chat.store import presence as presence_rows
from chat.store import users as user_rows


@pytest.fixture
def chats(settings):
    settings = replace(settings, presence_heartbeat=0.1, presence_timeout=0.5)
    opened: list[Chat] = []

    def start() -> Chat:
        chat = Chat(settings)
        opened.append(chat)
        return chat

    def close(chat: Chat) -> None:  # a clean shutdown (Chat.close runs once)
        opened.remove(chat)
        chat.close()

    start.close = close
    yield start
    for chat in opened:
        chat.close()


def online(chat: Chat, identity: str) -> bool:
    return bool(user_rows.get(chat.store.db(), chat.settings.service_sid, identity)["is_online"])


def wait_until(condition, what: str, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout}s"
        time.sleep(0.02)


def test_a_user_is_online_while_any_process_holds_a_socket(chats):
    a, b = chats(), chats()
    sid = a.settings.service_sid
    users.ensure(a, sid, "alice")
    presence.connected(a, sid, "alice")
    presence.connected(b, sid, "alice")
    presence.connected(b, sid, "alice")
    assert online(a, "alice") and presence_rows.total(a.store.db(), sid, "alice") == 3
    presence.disconnected(a, sid, "alice")
    assert online(a, "alice")
    presence.disconnected(b, sid, "alice")
    assert online(a, "alice")
    presence.disconnected(b, sid, "alice")
    assert not online(a, "alice")


def test_a_process_that_stopped_heartbeating_is_swept(chats):
    a = chats()
    sid = a.settings.service_sid
    users.ensure(a, sid, "carol")
    with a.write() as tx:  # a process that died long ago holding carol's socket
        presence_rows.register(tx.db, "dead", time.time() - 60, {(sid, "carol"): 1})
        user_rows.update(tx.db, user_rows.get(tx.db, sid, "carol")["sid"], {"is_online": 1})
    wait_until(lambda: not online(a, "carol"), "carol going offline")
    assert presence_rows.total(a.store.db(), sid, "carol") == 0
    assert presence_rows.stale(a.store.db(), time.time() + 60) == [a.presence.process_id]


def test_a_live_process_that_was_swept_counts_its_sockets_again(chats):
    a = chats()
    sid = a.settings.service_sid
    users.ensure(a, sid, "alice")
    presence.connected(a, sid, "alice")
    with a.write() as tx:  # as another process does when this one misses heartbeats (suspended)
        presence_rows.remove(tx.db, [a.presence.process_id])
        user_rows.update(tx.db, user_rows.get(tx.db, sid, "alice")["sid"], {"is_online": 0})
    wait_until(lambda: online(a, "alice"), "alice counted again")
    assert presence_rows.total(a.store.db(), sid, "alice") == 1


def test_a_swept_process_writes_its_rows_again_at_its_next_socket(settings):
    """Without waiting for a heartbeat: a count written without its process row would outlive
    the process, so the connect that finds the row gone registers every socket held."""
    chat = Chat(replace(settings, presence_heartbeat=3600))  # no heartbeat during the test
    try:
        sid = chat.settings.service_sid
        presence.connected(chat, sid, "alice")
        with chat.write() as tx:  # another process sweeps this one
            presence_rows.remove(tx.db, [chat.presence.process_id])
            user_rows.update(tx.db, user_rows.get(tx.db, sid, "alice")["sid"], {"is_online": 0})
        view = presence.connected(chat, sid, "bob")
        assert view["identity"] == "bob" and view["is_online"] is True
        assert online(chat, "alice") and online(chat, "bob")
        db = chat.store.db()
        assert presence_rows.total(db, sid, "alice") == 1 and presence_rows.total(db, sid, "bob") == 1
        assert presence_rows.stale(db, time.time() + 1) == [chat.presence.process_id]
    finally:
        chat.close()


def test_close_takes_offline_only_users_no_other_process_holds(chats):
    a, b = chats(), chats()
    sid = a.settings.service_sid
    for identity in ("alice", "bob"):
        users.ensure(a, sid, identity)
        presence.connected(a, sid, identity)
    presence.connected(b, sid, "bob")
    chats.close(a)
    assert not online(b, "alice") and online(b, "bob")
    assert presence_rows.users_of(b.store.db(), [a.presence.process_id]) == []


def test_users_left_online_without_any_socket_go_offline_at_start(chats):
    a = chats()
    sid = a.settings.service_sid
    users.ensure(a, sid, "alice")
    with a.write() as tx:  # as a crash before presence was counted in SQLite left it
        user_rows.update(tx.db, user_rows.get(tx.db, sid, "alice")["sid"], {"is_online": 1})
    b = chats()
    assert not online(b, "alice")
