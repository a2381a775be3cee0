"""Protocol 2 (docs/protocol.md): lean event frames for clients that ask for them in hello, the
same events and the same resume as protocol 1, and every field of Twilio's message resource
recoverable from a frame a third of the size."""

import json

import pytest
import requests

# The load generator's payload (bench/chat_adapter.py): its JSON, with an 80-character text.
BENCH_BODY = json.dumps(
    {"t": 1796000000.123456, "s": 12, "i": 123456, "b": ("lorem ipsum dolor sit amet " * 4)[:80]},
    separators=(",", ":"),
)
REBUILT = ("account_sid", "service_sid", "to", "url")
LEAN_FIELDS = ("sid", "channel_sid", "index", "from", "body", "date_created")
USUAL = {"attributes": "{}", "type": "text", "media": None, "last_updated_by": None, "was_edited": False}


def rebuild(hello: dict, data: list) -> dict:
    """Twilio's message resource from a lean message, as docs/protocol.md tells a client to."""
    message = dict(zip(LEAN_FIELDS, data[:6], strict=True))
    message.update(account_sid=hello["account_sid"], service_sid=hello["service_sid"], to=message["channel_sid"])
    message["url"] = f"{hello['service_url']}/Channels/{message['channel_sid']}/Messages/{message['sid']}"
    return {**USUAL, "date_updated": message["date_created"], **message, **(data[6] if len(data) > 6 else {})}


def rest_message(server, channel_sid: str, sid: str) -> dict:
    url = f"{server.url}/v2/Services/{server.settings.service_sid}/Channels/{channel_sid}/Messages/{sid}"
    response = requests.get(url, auth=(server.settings.account_sid, server.settings.auth_token), timeout=5)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def room(server, ws_factory):
    alice = ws_factory("alice")
    lean = ws_factory("bob", hello=False)
    lean.hello = lean.call("hello", token=server.token("bob"), since=None, protocol=2)
    channel = alice.call("channel.create", uniqueName="room")
    alice.call("channel.join", channel="room")
    lean.call("channel.join", channel="room")
    return alice, lean, channel


def test_a_bench_message_is_at_most_300_bytes_and_rebuilds_to_the_rest_resource(server, room):
    alice, lean, channel = room
    assert lean.hello["protocol"] == 2 and lean.hello["account_sid"] == server.settings.account_sid
    alice.call("message.send", channel="room", body=BENCH_BODY)
    frame = lean.event("messageAdded")
    assert frame["text_bytes"] <= 300  # 269 here; the full resource (protocol 1) is 824
    sid = frame["data"][0]
    assert rebuild(lean.hello, frame["data"]) == rest_message(server, channel["sid"], sid)
    full = alice.event("messageAdded")  # protocol 1 is unchanged: Twilio's resource, in an object
    assert full["scope"] == "channel" and full["data"]["sid"] == sid and full["data"]["body"] == BENCH_BODY


def test_edits_attributes_and_removals_keep_every_field(server, room):
    alice, lean, channel = room
    sent = alice.call("message.send", channel="room", body="frist", attributes=json.dumps({"mood": "happy"}))
    lean.event("messageAdded")
    alice.call("message.update", channel="room", message=sent["sid"], body="first")
    updated = lean.event("messageUpdated")
    resource = rest_message(server, channel["sid"], sent["sid"])
    assert resource["was_edited"] and json.loads(resource["attributes"]) == {"mood": "happy"}
    assert rebuild(lean.hello, updated["data"]) == resource
    alice.call("message.remove", channel="room", message=sent["sid"])
    removed = lean.event("messageRemoved")
    assert rebuild(lean.hello, removed["data"]) == resource


def test_other_events_keep_their_data_and_resume_is_lean_too(server, room, ws_factory):
    alice, lean, channel = room
    alice.call("channel.update", channel="room", friendlyName="Renamed")
    assert lean.event("channelUpdated")["data"]["friendly_name"] == "Renamed"
    alice.call("message.send", channel="room", body="seen")
    last = lean.event("messageAdded")["seq"]
    lean.close()
    for number in range(3):
        alice.call("message.send", channel="room", body=f"missed {number}")
    again = ws_factory("bob", hello=False)
    again.hello = again.call("hello", token=server.token("bob"), since=last, protocol=2)
    replayed = [again.event("messageAdded") for _ in range(3)]
    assert [frame["data"][4] for frame in replayed] == [f"missed {n}" for n in range(3)]
    assert all(frame["seq"] > last for frame in replayed)


@pytest.mark.parametrize("protocol", [0, 3, "2", True])
def test_an_unknown_protocol_is_refused(server, ws_factory, protocol):
    client = ws_factory("carol", hello=False)
    reply = client.request("hello", token=server.token("carol"), since=None, protocol=protocol)
    assert reply["error"]["status"] == 400 and "protocol" in reply["error"]["message"]
