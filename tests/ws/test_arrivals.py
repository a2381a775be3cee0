"""Sockets that say hello at once are counted online together (chat/ws/arrivals.py): each hello
is still answered once its socket counts, and the commands behind it wait for it."""

import json
import time

import requests
from ws_client import WsClient


def test_commands_sent_right_behind_hello_run_after_it(server, ws_factory):
    ws_factory("alice").call("channel.create", uniqueName="room")  # an event bob missed
    bob = ws_factory(hello=False)
    frames = [
        {"id": 1, "cmd": "hello", "args": {"token": server.token("bob"), "since": 0}},
        {"id": 2, "cmd": "channel.join", "args": {"channel": "room"}},
        {"id": 3, "cmd": "channels.subscribed", "args": {}},
    ]
    for frame in frames:  # all three before any answer
        bob.send_raw(json.dumps(frame))
    seen = [bob.read()]
    while seen[-1].get("reply") != 3:
        seen.append(bob.read())
    # hello's answer, then its replay, then the commands behind it (with the join's own events)
    hello, replayed = seen[:2]
    assert hello["reply"] == 1 and hello["result"]["user"]["is_online"] is True
    assert replayed["event"] == "channelAdded" and replayed["data"]["unique_name"] == "room"
    joined, subscribed = [frame for frame in seen[2:] if "reply" in frame]
    assert joined["reply"] == 2 and joined["result"]["identity"] == "bob"
    assert [c["unique_name"] for c in subscribed["result"]] == ["room"]


def test_sockets_arriving_together_share_one_write_and_each_is_answered(server):
    chat = server.chat
    clients = [WsClient(server.ws_url) for _ in range(20)]
    try:
        commits = chat.store.commits
        with chat.store.write():  # the database is busy while every hello arrives
            for number, client in enumerate(clients):
                client.send_raw(json.dumps({"id": 1, "cmd": "hello", "args": {"token": server.token(f"u{number}")}}))
            time.sleep(1.0)
        replies = [client.read() for client in clients]
        assert [reply["result"]["identity"] for reply in replies] == [f"u{number}" for number in range(20)]
        assert all(reply["result"]["user"]["is_online"] is True for reply in replies)
        assert chat.store.commits - commits <= 3  # 21 writes (ours and 20 counts) in a few COMMITs, not 21
        users = f"{server.url}/v2/Services/{chat.settings.service_sid}/Users"
        auth = (chat.settings.account_sid, chat.settings.auth_token)
        assert all(requests.get(f"{users}/u{n}", auth=auth, timeout=5).json()["is_online"] for n in range(20))
    finally:
        for client in clients:
            client.close()
