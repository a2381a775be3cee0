"""The event log's seq follows commit order, with two servers writing to one database: a
transaction that took a seq first commits first, so hubs that fill gaps from the log and clients
that resume from it never skip an event that was still to commit."""

import threading
import time
from dataclasses import replace

from test_store import Recorder

from chat.actions import channels, common, members, messages
from chat.context import Actor, Chat
from chat.events import CHANNEL
from chat.store import events as event_log

ACCOUNT = Actor(None, "rest")


def bodies(recorder: Recorder) -> list[tuple[int, str]]:
    return [(event.seq, event.data()["body"]) for event in recorder.events if event.type == "messageAdded"]


def wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_a_transaction_that_took_a_seq_first_commits_first_on_every_server(settings, redis_url):
    settings = replace(settings, redis_url=redis_url)
    first, second = Chat(settings), Chat(settings)  # two servers: one database, one Redis
    try:
        sid = settings.service_sid
        room = channels.create(first, ACCOUNT, sid, unique_name="room")["sid"]
        members.add(first, ACCOUNT, sid, "room", "carol")
        before = event_log.latest(first.store.db())
        watchers = [Recorder(first), Recorder(second)]
        for server, watcher in zip((first, second), watchers, strict=True):
            server.hub.attach(watcher, lambda: [room])

        took, finish = threading.Event(), threading.Event()

        def slow_writer() -> None:  # takes its seq, then holds its transaction open
            with first.write() as tx:
                common.record(tx, sid, CHANNEL, room, "messageAdded", {"body": "took a seq first"})
                tx.db.flush()  # the event is queued until the write's next statement: send it now
                took.set()
                finish.wait(10)

        holder = threading.Thread(target=slow_writer)
        holder.start()
        assert took.wait(10)
        # The other server tries to commit a later event before the first one commits.
        overtaker = threading.Thread(
            target=messages.send, args=(second, ACCOUNT, sid, "room"), kwargs={"body": "later"}
        )
        overtaker.start()
        overtaker.join(1.0)
        assert overtaker.is_alive(), "the second write committed while the first one held an earlier seq"
        reader = second.store.db()
        assert event_log.between(reader, before + 1, before + 1000) == []  # nothing visible out of order
        finish.set()
        holder.join(10)
        overtaker.join(10)

        expected = ["took a seq first", "later"]
        for watcher in watchers:  # each hub, live and from gap filling, once and in order
            wait_for(lambda watcher=watcher: len(bodies(watcher)) >= 2)
            assert [body for _, body in bodies(watcher)] == expected
        seqs = [seq for seq, _ in bodies(watchers[0])]
        assert seqs == sorted(seqs) and bodies(watchers[0]) == bodies(watchers[1])
        resumed = [row for row in event_log.since(reader, sid, "carol", before, 100) if row["type"] == "messageAdded"]
        assert [row["seq"] for row in resumed] == seqs  # carol resuming from `before` gets both, in order
    finally:
        first.close()
        second.close()
