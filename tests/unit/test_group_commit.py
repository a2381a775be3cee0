"""Group commit: concurrent writes of one process share a transaction (chat/store/db.py), each
acknowledged only after the COMMIT, published in seq order, and failing alone."""

import json
import threading
import time
from dataclasses import replace

import pytest

from chat.actions import channels, common, members, messages
from chat.clock import now_iso
from chat.context import Actor, Chat
from chat.errors import ChatError
from chat.store import channels as channel_rows
from chat.store import members as member_rows
from chat.store import messages as message_rows
from chat.store import services as service_rows
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
    sid = chat.settings.service_sid
    return _queue(
        chat, [lambda target=target: messages.send(chat, ACCOUNT, sid, target, body="hi") for target in targets]
    )


def _queue(chat: Chat, calls: list) -> tuple[list[threading.Thread], list]:
    """A thread per call, started one after the other, each once the previous one waits for the
    writer (so they most likely take their turns in this order; the tests do not rely on it).
    `results` gets each one's return value or exception, in the order of `calls`."""
    results: list = [None] * len(calls)

    def run(number: int) -> None:
        try:
            results[number] = calls[number]()
        except Exception as error:  # kept to assert on; raised in this thread
            results[number] = error

    threads = []
    for number in range(len(calls)):
        threads.append(threading.Thread(target=run, args=(number,)))
        threads[-1].start()
        deadline = time.monotonic() + 10
        while chat.store._waiting <= number:  # queued for a turn in the held batch
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


# A batch keeps each channel's next index for its next sends (Tx.channels), so a send after the
# first to a channel takes its index in the insert's statement. These check that a body that
# fails, or one that changes the channel otherwise, drops what the batch kept.


def test_sends_failing_after_taking_their_index_leave_the_indexes_dense(chat, settings):
    sid = settings.service_sid
    room = channels.create(chat, ACCOUNT, sid, unique_name="room")["sid"]
    missing = "ME" + "0" * 32  # checked after the index was handed out: the body fails
    send_ok = lambda key: lambda: messages.send(chat, ACCOUNT, sid, key, body="hi")  # noqa: E731
    send_bad = lambda: messages.send(chat, ACCOUNT, sid, room, body="hi", media_sid=missing)  # noqa: E731
    by_name, by_sid = send_ok("room"), send_ok(room)  # the batch keeps the channel under both keys
    calls = [send_bad, by_name, by_sid, by_name, send_bad, by_sid, send_bad, by_sid]
    commits_before = _commits(chat)
    holder, go, errors = _hold_the_writer(chat, lambda tx: None)
    senders, results = _queue(chat, calls)
    go.set()
    _join([holder, *senders])

    assert _commits(chat) - commits_before == 1, "one batch"
    failed = [result for result in results if not isinstance(result, dict)]
    assert len(failed) == 3 and all(isinstance(error, ChatError) and error.status == 400 for error in failed), failed
    sent = sorted(result["idx"] for result in results if isinstance(result, dict))
    assert sent == [0, 1, 2, 3, 4] and _indexes(chat, room) == [0, 1, 2, 3, 4]
    assert messages.send(chat, ACCOUNT, sid, room, body="next")["idx"] == 5


def test_a_send_after_another_write_to_the_channel_in_the_batch_gets_the_next_index(chat, settings):
    sid = settings.service_sid
    room = channels.create(chat, ACCOUNT, sid, unique_name="room")["sid"]

    def insert_directly() -> int:  # a write that takes an index without being a send
        with chat.store.write() as tx:
            stamp = now_iso()
            index = channel_rows.take_index(tx.db, room, stamp)
            message_rows.insert(tx.db, message_rows.new_row(sid, room, index, "writer", "direct", "{}", None, stamp))
            return index

    def send_ok() -> dict:
        return messages.send(chat, ACCOUNT, sid, "room", body="hi")

    holder, go, errors = _hold_the_writer(chat, lambda tx: None)
    senders, results = _queue(chat, [send_ok, insert_directly, send_ok, send_ok, insert_directly, send_ok])
    go.set()
    _join([holder, *senders])

    assert not [result for result in results if isinstance(result, Exception)]
    assert _indexes(chat, room) == list(range(6))


def test_a_send_by_a_unique_name_changed_earlier_in_the_batch_finds_no_channel(chat, settings):
    sid = settings.service_sid
    room = channels.create(chat, ACCOUNT, sid, unique_name="room")["sid"]
    watcher = _watch(chat, [room])
    rename = lambda: channels.update(chat, ACCOUNT, sid, room, unique_name="hall")  # noqa: E731
    send_to = lambda key: lambda: messages.send(chat, ACCOUNT, sid, key, body=key)  # noqa: E731
    keys = ["room", room, "room", "room", "hall"]
    holder, go, errors = _hold_the_writer(chat, lambda tx: None)
    senders, results = _queue(chat, [send_to(key) for key in keys[:2]] + [rename] + [send_to(key) for key in keys[2:]])
    go.set()
    _join([holder, *senders])

    del results[2]  # the rename's
    published = [event for event in watcher.events if event.type in ("messageAdded", "channelUpdated")]
    renamed_at = next(event.seq for event in published if event.type == "channelUpdated")
    after = [json.loads(event.payload)["body"] for event in published if event.seq > renamed_at]
    assert after and "room" not in after, "no send by the old name after the rename"
    sent = [result for result in results if isinstance(result, dict)]
    assert all(result.status == 404 for result in results if not isinstance(result, dict))
    assert sorted(result["idx"] for result in sent) == list(range(len(sent))) == _indexes(chat, room)


def test_a_lone_write_whose_last_statement_fails_changes_nothing_and_publishes_nothing(chat, settings):
    # A lone body's last statements go with its COMMIT on PostgreSQL; an event that breaks a
    # constraint fails there (on SQLite, at once).
    sid = settings.service_sid
    room = channels.create(chat, ACCOUNT, sid, unique_name="room")["sid"]
    watcher = _watch(chat, [room])
    with pytest.raises(Exception) as failed:
        with chat.store.write() as tx:
            channel_rows.take_index(tx.db, room, now_iso())
            common.record(tx, sid, "nowhere", room, "messageAdded", {"body": "bad scope"})
    assert "scope" in str(failed.value) + str(failed.value.__cause__)
    assert watcher.events == []
    # nothing was kept, and the writer is usable again
    assert messages.send(chat, ACCOUNT, sid, room, body="after")["idx"] == 0
    assert _indexes(chat, room) == [0] and [event.type for event in watcher.events] == ["messageAdded"]


# A send's inserts, once its checks passed, wait for the batch's next round trip (Store.write,
# `carries`): on PostgreSQL a batch of sends then shares round trips. SQLite runs each statement
# at once, so nothing waits there.


def test_a_carried_statement_that_fails_fails_its_batch_and_the_writer_goes_on(chat, settings):
    sid = settings.service_sid
    room = channels.create(chat, ACCOUNT, sid, unique_name="room")["sid"]
    watcher = _watch(chat, [room])

    def carry_a_broken_statement() -> None:
        with chat.store.write(carries=True) as tx:
            tx.db.later("UPDATE channels SET service_sid = NULL WHERE sid = ?", [room])  # NOT NULL

    send = lambda: messages.send(chat, ACCOUNT, sid, room, body="hi")  # noqa: E731
    holder, go, errors = _hold_the_writer(chat, lambda tx: None)
    writers, results = _queue(chat, [send, carry_a_broken_statement, send])
    go.set()
    _join([holder, *writers])

    if chat.store.name == "sqlite":  # the statement failed at once, in its own body
        assert errors == [] and results[1] is not None and not isinstance(results[1], CommitError)
        assert [result["idx"] for result in (results[0], results[2])] == [0, 1] and _indexes(chat, room) == [0, 1]
    else:  # it failed in the batch's next round trip: nobody in the batch is acknowledged
        assert len(errors) == 1 and isinstance(errors[0], CommitError)
        assert all(isinstance(result, CommitError) for result in results), results
        assert _indexes(chat, room) == [] and watcher.events == []
    # the writer is usable again, and the channel's next index is the next after the committed ones
    expected = len(_indexes(chat, room))
    assert messages.send(chat, ACCOUNT, sid, room, body="after")["idx"] == expected
    assert _indexes(chat, room) == list(range(expected + 1))


def test_a_write_after_carried_sends_fails_alone_on_its_own_statement(chat, settings):
    sid = settings.service_sid
    room = channels.create(chat, ACCOUNT, sid, unique_name="room")["sid"]
    watcher = _watch(chat, [room])

    def break_a_constraint() -> None:  # not a send: its error must be its own
        with chat.store.write() as tx:
            tx.db.execute("UPDATE channels SET service_sid = NULL WHERE sid = ?", [room])

    send = lambda: messages.send(chat, ACCOUNT, sid, room, body="hi")  # noqa: E731
    holder, go, errors = _hold_the_writer(chat, lambda tx: None)
    writers, results = _queue(chat, [send, send, break_a_constraint, send])
    go.set()
    _join([holder, *writers])

    assert errors == []
    assert isinstance(results[2], Exception) and not isinstance(results[2], CommitError), results[2]
    assert sorted(results[n]["idx"] for n in (0, 1, 3)) == [0, 1, 2] == _indexes(chat, room)
    assert len([event for event in watcher.events if event.type == "messageAdded"]) == 3


def _room_of_ann_and_bob(chat: Chat, monkeypatch) -> tuple[str, list[list[str]]]:
    """A channel `room` with members ann and bob; its SID, and the identities of each membership
    read from now on (chat/store/services.py: granted), in order."""
    sid = chat.settings.service_sid
    room = channels.create(chat, ACCOUNT, sid, unique_name="room")["sid"]
    for identity in ("ann", "bob"):
        members.add(chat, ACCOUNT, sid, "room", identity)
    reads, granted = [], service_rows.granted

    def counted(db, service_sid, default_role_sid, identities, channel_sid):
        reads.append(list(identities))
        return granted(db, service_sid, default_role_sid, identities, channel_sid)

    monkeypatch.setattr(service_rows, "granted", counted)
    return room, reads


def test_users_queued_to_send_have_their_memberships_read_in_one_statement(chat, settings, monkeypatch):
    sid = settings.service_sid
    room, reads = _room_of_ann_and_bob(chat, monkeypatch)

    def send(identity: str, key: str):
        return lambda: messages.send(chat, Actor(identity, "sdk"), sid, key, body=f"from {identity}")

    holder, go, errors = _hold_the_writer(chat, lambda tx: None)
    # the channel by unique name and by SID: both are the same channel's senders
    senders, results = _queue(chat, [send("ann", "room"), send("eve", "room"), send("bob", room)])
    go.set()
    _join([holder, *senders])

    assert errors == []
    assert reads == [["ann", "bob", "eve"]]  # the first body read for all three
    assert isinstance(results[1], ChatError) and (results[1].status, results[1].code) == (403, 50400)
    assert sorted(results[n]["idx"] for n in (0, 2)) == [0, 1] == _indexes(chat, room)


def test_a_membership_removed_earlier_in_the_batch_is_read_again(chat, settings, monkeypatch):
    sid = settings.service_sid
    room, reads = _room_of_ann_and_bob(chat, monkeypatch)
    read_for_bob = []

    def read_then_remove_bob(tx) -> None:  # not a send: what it read for the batch is dropped
        service_row, channel_row = service_rows.get(tx.db, sid), channel_rows.get(tx.db, sid, room)
        common.batch_membership(tx, service_row, Actor("ann", "sdk"), channel_row)
        read_for_bob.append((sid, room, "bob") in tx.members)
        member_rows.delete(tx.db, member_rows.get(tx.db, room, "bob")["sid"])

    holder, go, errors = _hold_the_writer(chat, read_then_remove_bob)
    senders, results = _queue(chat, [lambda: messages.send(chat, Actor("bob", "sdk"), sid, "room", body="hi")])
    go.set()
    _join([holder, *senders])

    assert errors == [] and read_for_bob == [True]  # bob's send was queued: his membership was read
    assert reads == [["ann", "bob"], ["bob"]]  # and read again in his own body
    assert isinstance(results[0], ChatError) and results[0].code == 50400
    assert _indexes(chat, room) == []
