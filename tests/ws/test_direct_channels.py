"""Direct messages: one private channel per pair, found again rather than duplicated."""

import json
import threading


def test_both_people_get_the_same_private_channel(server, ws_factory):
    alice, bob, eve = ws_factory("alice"), ws_factory("bob"), ws_factory("eve")
    opened = alice.call("channel.direct", identity="bob")
    assert opened["type"] == "private" and opened["status"] == "joined"
    assert json.loads(opened["attributes"]) == {"direct": ["alice", "bob"]}
    assert bob.event("channelJoined")["data"]["sid"] == opened["sid"]
    assert bob.call("channel.direct", identity="alice")["sid"] == opened["sid"]  # found again
    assert alice.call("channel.direct", identity="bob")["sid"] == opened["sid"]
    assert sorted(m["identity"] for m in alice.call("channel.members", channel=opened["sid"])) == ["alice", "bob"]
    assert eve.request("channel.get", channel=opened["sid"])["error"]["code"] == 50300  # private
    assert eve.request("channel.join", channel=opened["sid"])["error"]["status"] in (403, 404)
    reply = alice.request("channel.add", channel=opened["sid"], identity="eve")
    assert reply["error"]["code"] == 20403  # stays between two


def test_opening_at_the_same_moment_makes_one_channel(server, ws_factory):
    alice, bob = ws_factory("alice"), ws_factory("bob")
    start = threading.Barrier(2)
    sids = []

    def open_with(socket, other):
        start.wait()
        sids.append(socket.call("channel.direct", identity=other)["sid"])

    threads = [threading.Thread(target=open_with, args=pair) for pair in ((alice, "bob"), (bob, "alice"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(sids) == 2 and sids[0] == sids[1]


def test_leaving_and_opening_again_rejoins(server, ws_factory):
    alice, bob = ws_factory("alice"), ws_factory("bob")
    sid = alice.call("channel.direct", identity="bob")["sid"]
    bob.call("channel.leave", channel=sid)
    assert bob.call("channel.direct", identity="alice")["sid"] == sid
    assert bob.call("channel.get", channel=sid)["status"] == "joined"


def test_bad_partners_are_refused(server, ws_factory):
    alice = ws_factory("alice")
    assert alice.request("channel.direct", identity="alice")["error"]["code"] == 20001
    assert alice.request("channel.direct", identity="nobody-yet")["error"]["code"] == 50200
    assert alice.request("channel.direct")["error"]["code"] == 50204
