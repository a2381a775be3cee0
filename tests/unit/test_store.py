"""Storage invariants: schema (and WAL on SQLite), the default service, dense message indexes under several
writing processes, and nothing published by a transaction that rolls back."""

import multiprocessing
from dataclasses import replace

import pytest

from chat.actions import channels, common, messages
from chat.context import Actor, Chat
from chat.errors import ChatError
from chat.events import CHANNEL

ACCOUNT = Actor(None, "rest")


def test_schema_is_created_once_with_wal_and_the_configured_service(chat, settings):
    chat.store.migrate()  # a second start changes nothing
    db = chat.store.db()
    if chat.store.name == "sqlite":
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    service = db.execute("SELECT * FROM services").fetchall()
    assert [row["sid"] for row in service] == [settings.service_sid]
    roles = {row["friendly_name"]: row for row in db.execute("SELECT * FROM roles")}
    assert set(roles) == {"service user", "service admin", "channel user", "channel admin"}
    assert service[0]["default_service_role_sid"] == roles["service user"]["sid"]
    assert service[0]["default_channel_role_sid"] == roles["channel user"]["sid"]
    assert service[0]["default_channel_creator_role_sid"] == roles["channel admin"]["sid"]
    assert '"sendMessage"' in roles["channel user"]["permissions"]


def _send_from_process(settings, channel_sid: str, count: int) -> None:
    chat = Chat(settings)
    for number in range(count):
        messages.send(chat, ACCOUNT, settings.service_sid, channel_sid, body=f"{number}", author="writer")
    chat.close()


def test_indexes_stay_dense_and_unique_with_four_writing_processes(chat, settings):
    settings = replace(settings, channel_action_rate=0)  # this measures storage, not the rate limit
    channel = channels.create(chat, ACCOUNT, settings.service_sid, unique_name="busy")
    context = multiprocessing.get_context("spawn")
    unlimited = replace(settings, channel_action_rate=0)  # a fast writer would meet the per-channel rate limit
    workers = [context.Process(target=_send_from_process, args=(unlimited, channel["sid"], 250)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    db = chat.store.db()
    indexes = [
        row[0] for row in db.execute("SELECT idx FROM messages WHERE channel_sid = ? ORDER BY idx", [channel["sid"]])
    ]
    assert indexes == list(range(1000))
    assert db.execute("SELECT messages_count FROM channels WHERE sid = ?", [channel["sid"]]).fetchone()[0] == 1000


class Recorder:
    def __init__(self, chat):
        self.service_sid, self.identity, self.events, self.hub = chat.settings.service_sid, "watcher", [], chat.hub

    def deliver(self, event):
        self.events.append(event)

    def shut(self, code, reason):
        self.hub.detach(self)  # as a socket's handler does; the hub waits for it on close


def test_a_failing_action_publishes_nothing_and_leaves_nothing(chat, settings):
    channel = channels.create(chat, ACCOUNT, settings.service_sid, unique_name="room")
    watcher = Recorder(chat)
    chat.hub.attach(watcher, lambda: [channel["sid"]])
    db = chat.store.db()
    events_before = db.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(RuntimeError):
        with chat.write() as tx:
            common.record(tx, settings.service_sid, CHANNEL, channel["sid"], "messageAdded", {"body": "ghost"})
            raise RuntimeError("the write fails after the event was recorded")
    assert watcher.events == []
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == events_before
    # a refused action (bad attributes) publishes nothing either
    with pytest.raises(ChatError, match="not valid JSON"):
        messages.send(chat, ACCOUNT, settings.service_sid, "room", body="x", attributes="{not json")
    assert watcher.events == [] and db.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    messages.send(chat, ACCOUNT, settings.service_sid, "room", body="real")
    assert [event.type for event in watcher.events] == ["messageAdded"]
