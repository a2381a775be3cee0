"""The /ws protocol as docs/protocol.md states it, against a real server."""

import json
import time

import pytest
import requests
from token_factory import claims_for, sign
from ws_client import WsClient, close_code


def test_commands_before_hello_are_refused(server, ws_factory):
    client = ws_factory(hello=False)
    reply = client.request("channel.get", channel="general")
    assert reply["error"]["code"] == 20101 and reply["error"]["status"] == 401


@pytest.mark.parametrize("kind, code", [("invalid", 20101), ("expired", 20104)])
def test_bad_tokens_get_an_error_reply_then_close_4001(server, ws_factory, kind, code):
    now = int(time.time())
    expired = {"nbf": now - 7200, "exp": now - 3600} if kind == "expired" else {}
    key = "a different secret that is long enough" if kind == "invalid" else None
    client = ws_factory(hello=False)
    reply = client.request("hello", token=sign(server.settings, claims_for(server.settings, "eve", **expired), key))
    assert reply["error"]["code"] == code
    assert close_code(client) == 4001


def test_every_command_round_trip(server, ws_factory):
    alice, bob = ws_factory("alice"), ws_factory("bob")
    assert alice.hello["identity"] == "alice" and alice.hello["user"]["identity"] == "alice"
    assert alice.hello["user"]["is_online"] is True  # the user as it is once this socket counts
    created = alice.call("channel.create", uniqueName="room", friendlyName="Room", attributes={"topic": "t"})
    assert created["unique_name"] == "room" and created["status"] == "notParticipating"
    assert alice.call("channel.join", channel="room")["identity"] == "alice"
    assert bob.call("channel.get", channel=created["sid"])["sid"] == created["sid"]
    bob.call("channel.join", channel="room")
    sent = alice.call("message.send", channel="room", body="hi", attributes={"a": 1})
    assert (sent["index"], sent["from"], json.loads(sent["attributes"])) == (0, "alice", {"a": 1})
    page = bob.call("messages.page", channel="room", pageSize=10)
    assert [m["body"] for m in page["items"]] == ["hi"] and page["more"] is False
    assert [c["unique_name"] for c in bob.call("channels.subscribed")] == ["room"]
    assert bob.call("channel.readHorizon", channel="room", index=0) == 0
    assert bob.call("channel.unreadCount", channel="room") == 0
    assert bob.call("user.update", friendlyName="Bob")["friendly_name"] == "Bob"
    assert alice.call("user.get", identity="bob")["friendly_name"] == "Bob"
    assert alice.call("token.update", token=server.token("alice"))["expires_at"] > time.time()
    refused = bob.request("token.update", token=server.token("mallory"))
    assert refused["error"]["code"] == 20101
    unknown = bob.request("no.such.command")
    assert unknown["error"]["status"] == 400


def test_two_clients_see_the_same_events_in_order(server, ws_factory):
    alice, bob = ws_factory("alice"), ws_factory("bob")
    alice.call("channel.create", uniqueName="room")
    for client in (alice, bob):
        client.call("channel.join", channel="room")
    for number in range(20):
        (alice if number % 2 else bob).call("message.send", channel="room", body=str(number))
    streams = []
    for client in (alice, bob):
        frames = [client.event("messageAdded") for _ in range(20)]
        streams.append([(f["seq"], f["data"]["body"]) for f in frames])
    assert streams[0] == streams[1]
    seqs = [seq for seq, _ in streams[0]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 20
    assert [body for _, body in streams[0]] == [str(n) for n in range(20)]


def test_malformed_frames_get_an_error_and_the_connection_survives(server, ws_factory):
    client = ws_factory("alice")
    for junk in ("not json", "[1, 2]", '{"id": 901}', '{"id": 902, "cmd": "channel.get", "args": [1]}'):
        client.send_raw(junk)
        frame = client.read()
        assert "error" in frame and frame["error"]["status"] == 400
    assert client.call("channels.subscribed") == []


def test_oversized_frames_are_refused(server_factory, ws_factory):
    server = server_factory(max_frame_bytes=4096)
    client = ws_factory("alice", live=server)
    client.send_raw(json.dumps({"id": 1, "cmd": "message.send", "args": {"channel": "x", "body": "y" * 10_000}}))
    assert close_code(client) == 1009


@pytest.mark.parametrize(
    "frame, code",
    [
        (b"\x81\x02hi", 1002),  # not masked
        (b"\x81\x82\x00\x00\x00\x00\xff\xfe", 1007),  # masked (with a zero key), not UTF-8
    ],
)
def test_clients_that_break_the_framing_are_closed_with_its_code_and_others_go_on(server, ws_factory, frame, code):
    rude, polite = ws_factory("mallory"), ws_factory("alice")
    rude.call("channels.subscribed")  # what came before the bad frame was served
    rude.ws.sock.sendall(frame)
    assert close_code(rude) == code
    assert polite.call("channels.subscribed") == []


def handshake_status(url: str, origin: str) -> int:
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Origin": origin,
    }
    with requests.get(url + "/ws", headers=headers, timeout=5, stream=True) as response:
        return response.status_code


def test_foreign_origins_are_refused_at_the_handshake(server_factory):
    server = server_factory(allowed_origins=("https://chat.example",))
    assert handshake_status(server.url, "https://evil.example") == 403
    for origin in (server.url, "https://chat.example"):
        WsClient(server.ws_url, origin=origin).close()
    WsClient(server.ws_url, suppress_origin=True).close()


@pytest.mark.parametrize(
    "change, status",
    [
        ({"Upgrade": None, "Connection": None}, 400),  # a plain GET
        ({"Sec-WebSocket-Version": "8"}, 426),
        ({"Sec-WebSocket-Key": "too-short"}, 400),
    ],
)
def test_requests_that_are_not_websocket_upgrades_get_twilio_shaped_errors(server, change, status):
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        **change,
    }
    response = requests.get(server.url + "/ws", headers={k: v for k, v in headers.items() if v}, timeout=5)
    assert response.status_code == status
    assert response.json()["status"] == status and response.json()["code"] == 20001
    if status == 426:
        assert response.headers["Sec-WebSocket-Version"] == "13"
    WsClient(server.ws_url).close()  # the server goes on accepting real upgrades


def test_resume_replays_exactly_what_was_missed(server, ws_factory):
    alice, bob = ws_factory("alice"), ws_factory("bob")
    alice.call("channel.create", uniqueName="room")
    alice.call("channel.join", channel="room")
    bob.call("channel.join", channel="room")
    alice.call("message.send", channel="room", body="seen")
    last = bob.event("messageAdded")["seq"]
    bob.close()
    for number in range(5):
        alice.call("message.send", channel="room", body=f"missed {number}")
    again = ws_factory("bob", since=last)
    replayed = [again.event("messageAdded")["data"]["body"] for _ in range(5)]
    assert replayed == [f"missed {n}" for n in range(5)]
    alice.call("message.send", channel="room", body="live")
    assert again.event("messageAdded")["data"]["body"] == "live"
    assert not [e for e in again.events if e["event"] == "messageAdded"]


def test_presence_reaches_only_subscribers_of_the_user(server, ws_factory):
    bob, carol = ws_factory("bob"), ws_factory("carol")
    first = ws_factory("alice")
    bob.call("user.get", identity="alice")  # bob holds alice's User: he hears her presence
    first.close()
    assert bob.event("userUpdated", identity="alice", is_online=False)["scope"] == "subscribers"

    second = ws_factory("alice")
    bob.event("userUpdated", identity="alice", is_online=True)
    carol.call("channel.create", uniqueName="after-presence")  # a later event everyone gets
    carol.event("channelAdded", unique_name="after-presence")
    assert not any(e["event"] == "userUpdated" for e in carol.events)  # carol never asked for alice

    bob.call("user.unsubscribe", identity="alice")
    carol.call("user.get", identity="alice")
    second.close()  # alice goes offline again: carol, now subscribed, hears it; bob no longer does
    carol.event("userUpdated", identity="alice", is_online=False)
    ws_factory("dave").call("channel.create", uniqueName="barrier")
    bob.event("channelAdded", unique_name="barrier")
    assert not any(e["event"] == "userUpdated" and e["data"]["identity"] == "alice" for e in bob.events)
