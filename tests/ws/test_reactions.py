"""Reactions merged on the server (message.react and the REST Reactions route): two people
reacting at the same moment both count, and REST readers see the reactions in attributes."""

import json
import threading

import requests


def reactions_of(message: dict) -> dict:
    return json.loads(message["attributes"]).get("reactions", {})


def room_with(ws_factory, *names):
    sockets = [ws_factory(name) for name in names]
    sockets[0].call("channel.create", uniqueName="room")
    for socket in sockets:
        socket.call("channel.join", channel="room")
    return sockets


def test_a_second_click_takes_the_reaction_back(server, ws_factory):
    alice, bob = room_with(ws_factory, "alice", "bob")
    sent = alice.call("message.send", channel="room", body="lunch?", attributes={"lang": "en"})
    on = bob.call("message.react", channel="room", message=sent["sid"], reaction="👍")
    assert reactions_of(on) == {"👍": ["bob"]} and json.loads(on["attributes"])["lang"] == "en"
    heard = alice.event("messageUpdated", sid=sent["sid"])
    assert reactions_of(heard["data"]) == {"👍": ["bob"]}
    off = bob.call("message.react", channel="room", message=sent["sid"], reaction="👍")
    assert reactions_of(off) == {}
    assert reactions_of(
        bob.call("message.react", channel="room", message=sent["sid"], reaction="🎉", action="add")
    ) == {"🎉": ["bob"]}
    again = bob.call("message.react", channel="room", message=sent["sid"], reaction="🎉", action="add")
    assert reactions_of(again) == {"🎉": ["bob"]}  # add is idempotent


def test_concurrent_reactions_all_count(server, ws_factory):
    names = [f"user{n}" for n in range(8)]
    sockets = room_with(ws_factory, *names)
    sent = sockets[0].call("message.send", channel="room", body="vote")
    start = threading.Barrier(len(sockets))
    errors = []

    def react(socket):
        start.wait()
        try:
            socket.call("message.react", channel="room", message=sent["sid"], reaction="👍")
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=react, args=(socket,)) for socket in sockets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    final = sockets[0].call("messages.page", channel="room")["items"][0]
    assert sorted(reactions_of(final)["👍"]) == sorted(names)


def test_refusals_are_twilio_errors(server, ws_factory):
    alice, bob = room_with(ws_factory, "alice", "bob")
    outsider = ws_factory("eve")
    sent = alice.call("message.send", channel="room", body="hi")
    for args, code in (
        ({"reaction": ""}, 20001),
        ({"reaction": "no spaces"}, 20001),
        ({"reaction": "x" * 17}, 20001),
        ({"reaction": "👍", "action": "flip"}, 20001),
    ):
        reply = bob.request("message.react", channel="room", message=sent["sid"], **args)
        assert reply["error"]["code"] == code and reply["error"]["status"] == 400
    reply = outsider.request("message.react", channel="room", message=sent["sid"], reaction="👍")
    assert reply["error"]["code"] == 50400
    reply = bob.request("message.react", channel="room", message="IM" + "0" * 32, reaction="👍")
    assert reply["error"]["code"] == 50500


def test_rest_reacts_for_a_member_and_readers_see_it(server, ws_factory):
    (alice,) = room_with(ws_factory, "alice")
    sent = alice.call("message.send", channel="room", body="hi")
    auth = (server.settings.account_sid, server.settings.auth_token)
    base = f"{server.url}/v2/Services/{server.settings.service_sid}/Channels/room/Messages/{sent['sid']}"
    answer = requests.post(base + "/Reactions", data={"Identity": "alice", "Reaction": "❤️"}, auth=auth, timeout=10)
    assert answer.status_code == 200, answer.text
    assert reactions_of(answer.json()) == {"❤️": ["alice"]}
    assert reactions_of(alice.event("messageUpdated", sid=sent["sid"])["data"]) == {"❤️": ["alice"]}
    fetched = requests.get(base, auth=auth, timeout=10).json()
    assert reactions_of(fetched) == {"❤️": ["alice"]}
    stranger = requests.post(base + "/Reactions", data={"Identity": "zed", "Reaction": "❤️"}, auth=auth, timeout=10)
    assert stranger.status_code == 400 and stranger.json()["code"] == 50400
    missing = requests.post(base + "/Reactions", data={"Identity": "alice"}, auth=auth, timeout=10)
    assert missing.status_code == 400 and set(missing.json()) == {"code", "message", "more_info", "status"}
    spec = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    assert any(path.endswith("/Messages/{Sid}/Reactions") for path in spec["paths"])
