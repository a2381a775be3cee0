"""Limits like Twilio's: per-channel action rate, sizes, members per channel, channels per user;
and what concurrent writers see. A refused request changes nothing."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio_client import LocalChatHttpClient, service


def test_channel_action_rate_answers_429_and_stores_nothing(server_factory):
    live = server_factory(channel_action_rate=1, channel_action_burst=5)
    svc = service(
        Client(live.settings.account_sid, live.settings.auth_token, http_client=LocalChatHttpClient(live.url)), live
    )
    svc.channels.create(unique_name="busy")
    svc.channels.create(unique_name="quiet")
    for number in range(5):
        svc.channels("busy").messages.create(body=f"m{number}")
    with pytest.raises(TwilioRestException) as limited:
        svc.channels("busy").messages.create(body="one too many")
    assert (limited.value.status, limited.value.code) == (429, 50063)
    assert svc.channels("busy").fetch().messages_count == 5
    assert svc.channels("quiet").messages.create(body="other channels are not affected").index == 0


def test_sizes_and_counts_are_limited(client, server):
    svc = service(client, server)
    svc.channels.create(unique_name="room")
    cases = [
        (lambda: svc.channels("room").messages.create(body="x" * (32 * 1024 + 1)), 400, 20001),
        (lambda: svc.channels("room").messages.create(body="x", attributes=json.dumps({"k": "v" * 17000})), 400, 50303),
        (lambda: svc.channels.create(friendly_name="n" * 257), 400, 20001),
    ]
    for call, status, code in cases:
        with pytest.raises(TwilioRestException) as refused:
            call()
        assert (refused.value.status, refused.value.code) == (status, code)
    assert svc.channels("room").fetch().messages_count == 0

    client.chat.v2.services(server.settings.service_sid).update(limits_channel_members=2, limits_user_channels=2)
    svc.channels("room").members.create(identity="a")
    svc.channels("room").members.create(identity="b")
    with pytest.raises(TwilioRestException) as full:
        svc.channels("room").members.create(identity="c")
    assert full.value.code == 50430
    svc.channels.create(unique_name="second").members.create(identity="a")
    with pytest.raises(TwilioRestException) as busy_user:
        svc.channels.create(unique_name="third").members.create(identity="a")
    assert busy_user.value.code == 50213
    assert [m.identity for m in svc.channels("room").members.list()] == ["a", "b"]


def test_oversized_or_malformed_requests_get_twilio_errors(server):
    base = f"{server.url}/v2/Services/{server.settings.service_sid}/Channels"
    auth = (server.settings.account_sid, server.settings.auth_token)
    huge = requests.post(base, data={"FriendlyName": "x" * (300 * 1024)}, auth=auth, timeout=10)
    assert huge.status_code == 413 and huge.json()["status"] == 413
    bad_type = requests.post(base, data={"Type": "secret"}, auth=auth, timeout=5)
    assert bad_type.status_code == 400 and "Type" in bad_type.json()["message"]
    bad_date = requests.post(base, data={"DateCreated": "yesterday"}, auth=auth, timeout=5)
    assert bad_date.status_code == 400
    assert requests.get(base, auth=auth, timeout=5).json()["channels"] == []


def test_parallel_creates_get_dense_unique_indexes(client, server):
    svc = service(client, server)
    svc.channels.create(unique_name="crowd")
    url = f"{server.url}/v2/Services/{server.settings.service_sid}/Channels/crowd/Messages"
    auth = (server.settings.account_sid, server.settings.auth_token)

    def send(number: int) -> int:
        with requests.Session() as session:
            return session.post(url, data={"Body": f"n{number}"}, auth=auth, timeout=30).json()["index"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        indexes = list(pool.map(send, range(120)))
    assert sorted(indexes) == list(range(120))
    listed = svc.channels("crowd").messages.list(page_size=50)
    assert [m.index for m in listed] == list(range(120))
    assert sorted(m.body for m in listed) == sorted(f"n{n}" for n in range(120))


def test_nul_characters_are_refused_on_every_way_in_and_change_nothing(server, ws_factory):
    """PostgreSQL cannot store NUL in text; both backends refuse it with the same 400."""
    settings = server.settings
    base = f"{server.url}/v2/Services/{settings.service_sid}"
    auth = (settings.account_sid, settings.auth_token)
    assert requests.post(f"{base}/Channels", data={"UniqueName": "room"}, auth=auth, timeout=5).status_code == 201
    for response in (
        requests.post(f"{base}/Channels/room/Messages", data={"Body": "a\x00b"}, auth=auth, timeout=5),
        requests.post(f"{base}/Channels", data={"FriendlyName": "x\x00"}, auth=auth, timeout=5),
        requests.get(f"{base}/Channels/room%00", auth=auth, timeout=5),
        requests.get(f"{base}/Channels", params={"Type": "public\x00"}, auth=auth, timeout=5),
    ):
        assert response.status_code == 400, response.text
        assert response.json()["code"] == 20001 and "NUL" in response.json()["message"]
    ws = ws_factory("alice")
    ws.call("channel.join", channel="room")
    reply = ws.request("message.send", channel="room", body="a\x00b")
    assert reply["error"]["status"] == 400 and "NUL" in reply["error"]["message"]
    listed = requests.get(f"{base}/Channels/room/Messages", auth=auth, timeout=5).json()["messages"]
    assert listed == [] and len(requests.get(f"{base}/Channels", auth=auth, timeout=5).json()["channels"]) == 1
