"""Group commit: concurrent writes of one process share a transaction (chat/store/db.py), each
acknowledged only after the COMMIT, published in seq order, and failing alone."""

import json
import threading
import time
from dataclasses import replace

import pytest

from chat.actions import channels, messages
from chat.context import Actor, Chat
from chat.errors import ChatError
from chat.store import channels as channel_rows
from chat.store import messages as message_rows
from chat.store.db import CommitError

ACCOUNT = Actor(None, "rest")


@pytest.fixture
def chat(settings):
    # Many sends per channel, so no rate limit; no webhook workers, whose claims are writes too
    # (the tests count every write).
    instance = Chat(replace(settings, channel_action_rate=0, webhook_workers=0))
    yield instance
    instance.close()


class Recorder:
    """A hub listener that keeps every event it is given."""

    def __init__(self, chat: Chat):
        self.service_sid, self.identity, self.events, self.hub = chat.settings.service_sid, "watcher", [], chat.hub

    def deliver(self, event):
        self.events.append(event)

    def shut(self, code, reason):
        self.hub.detach(self)  # as a socket's handler does; the hub waits for it on close


def _watch(chat: Chat, channel_sids: list[str]) -> Recorder:
    recorder = Recorder(chat)
    chat.hub.attach(recorder, lambda: channel_sids)
    return recorder


def _run(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    _join(threads)


def _indexes(chat: Chat, channel_sid: str) -> list[int]:
    query = "SELECT idx FROM messages WHERE channel_sid = ? ORDER BY idx"
    return [row[0] for row in chat.store.db().execute(query, [channel_sid])]


def _commits(chat: Chat) -> int:
    return chat.store.commits


def test_concurrent_senders_are_all_acknowledged_with_dense_indexes_and_ordered_events(chat, settings):
    sid = settings.service_sid
    rooms = [channels.create(chat, ACCOUNT, sid, unique_name=f"room{n}")["sid"] for n in range(4)]
    watcher = _watch(chat, rooms)
    commits_before = _commits(chat)
    senders, per_sender = 16, 40
    acknowledged: list[dict] = []
    start = threading.Barrier(senders)

    def sender(number: int) -> None:
        start.wait()
        for i in range(per_sender):
            row = messages.send(chat, ACCOUNT, sid, rooms[(number + i) % 4], body=f"{number}-{i}", author="writer")
            acknowledged.append(row)

    _run([threading.Thread(target=sender, args=(n,)) for n in range(senders)])

    assert len(acknowledged) == senders * per_sender
    for room in rooms:
        assert _indexes(chat, room) == list(range(senders * per_sender // 4))
    published = [event for event in watcher.events if event.type == "messageAdded"]
    seqs = [event.seq for event in published]
    assert seqs == sorted(set(seqs)), "every event once, in seq order"
    assert sorted(json.loads(event.payload)["sid"] for event in published) == sorted(row["sid"] for row in acknowledged)
    assert _commits(chat) - commits_before < len(acknowledged), "concurrent sends shared commits"


def _hold_the_writer(chat: Chat, body) -> tuple[threading.Thread, threading.Event, list]:
    """A write whose body waits for `go`, then runs `body(tx)`, while others queue behind it."""
    holding, go, errors = threading.Event(), threading.Event(), []

    def writer() -> None:
        try:
            with chat.store.write() as tx:
                holding.set()
                go.wait(30)
                body(tx)
        except Exception as error:  # kept to assert on
            errors.append(error)

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(10)
    return thread, go, errors


def _queue_sends(chat: Chat, targets: list[str]) -> tuple[list[threading.Thread], list]:
    """One sender per target channel; returns once all of them passed validation and wait for
    the writer. `results` gets each one's row or exception, in the order of `targets`."""
    results: list = [None] * len(targets)

    def sender(number: int) -> None:
        try:
            results[number] = messages.send(chat, ACCOUNT, chat.settings.service_sid, targets[number], body="hi")
        except Exception as error:  # kept to assert on; raised in this sender's own thread
            results[number] = error

    threads = [threading.Thread(target=sender, args=(number,)) for number in range(len(targets))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while chat.store._waiting < len(targets):  # all of them queued for a turn in the held batch
        assert time.monotonic() < deadline
        time.sleep(0.005)
    return threads, results


def _join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()


def test_a_send_failing_inside_the_batch_fails_alone_and_publishes_nothing(chat, settings):
    sid = settings.service_sid
    first, doomed, last = (channels.create(chat, ACCOUNT, sid, unique_name=name)["sid"] for name in "abc")
    watcher = _watch(chat, [first, doomed, last])
    commits_before = _commits(chat)
    # The channel is removed after its send was validated, by an earlier write of the same batch.
    holder, go, errors = _hold_the_writer(chat, lambda tx: channel_rows.delete(tx.db, doomed))
    senders, results = _queue_sends(chat, [first, doomed, last])
    go.set()
    _join([holder, *senders])

    assert _commits(chat) - commits_before == 1, "the removal and the three sends shared one transaction"
    assert errors == []
    assert isinstance(results[1], ChatError) and results[1].status == 404
    assert results[0]["channel_sid"] == first and results[2]["channel_sid"] == last
    assert _indexes(chat, first) == [0] and _indexes(chat, doomed) == [] and _indexes(chat, last) == [0]
    published = [event for event in watcher.events if event.type == "messageAdded"]
    assert sorted(event.target for event in published) == sorted([first, last])
    assert [event.seq for event in published] == sorted(event.seq for event in published)


def test_a_failed_commit_fails_every_write_of_the_batch_and_publishes_nothing(chat, settings):
    sid = settings.service_sid
    room = channels.create(chat, ACCOUNT, sid, unique_name="room")["sid"]
    watcher = _watch(chat, [room])

    def break_the_commit(tx) -> None:
        # A constraint checked only at COMMIT, and broken, fails the COMMIT.
        if chat.store.name == "sqlite":  # with foreign keys deferred: a message of no channel
            tx.db.execute("PRAGMA defer_foreign_keys = ON")
            message_rows.insert(tx.db, message_rows.new_row(sid, "CH" + "0" * 32, 0, "ghost", "boo", "{}"))
        else:  # PostgreSQL defers only constraints declared deferrable: a doubled unique value
            tx.db.execute("CREATE TEMPORARY TABLE doomed (n INTEGER UNIQUE DEFERRABLE INITIALLY DEFERRED)")
            tx.db.execute("INSERT INTO doomed (n) VALUES (1), (1)")

    holder, go, errors = _hold_the_writer(chat, break_the_commit)
    senders, results = _queue_sends(chat, [room, room])
    go.set()
    _join([holder, *senders])

    assert len(errors) == 1 and isinstance(errors[0], CommitError)
    assert all(isinstance(result, CommitError) for result in results)
    assert _indexes(chat, room) == []
    assert watcher.events == []
    # the writer is usable again
    messages.send(chat, ACCOUNT, sid, room, body="after")
    assert _indexes(chat, room) == [0] and [event.type for event in watcher.events] == ["messageAdded"]
