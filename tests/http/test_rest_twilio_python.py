"""twilio-python 9.13.0, unchanged, against our REST API: its base URLs are rewritten to the test
server (the recipe in Twilio Chat's wire reference), nothing else."""

import json

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio_client import LocalChatHttpClient, service


@pytest.mark.parametrize("legacy", [False, True], ids=["chat.v2", "ip_messaging.v2"])
def test_channel_member_message_lifecycle(client, server, legacy):
    svc = service(client, server, legacy)
    room = svc.channels.create(
        unique_name="general",
        friendly_name="General",
        type="public",
        attributes=json.dumps({"topic": "x"}),
        x_twilio_webhook_enabled="true",
    )
    assert room.sid.startswith("CH") and room.unique_name == "general" and room.type == "public"
    assert room.created_by == "system" and room.members_count == 0 and room.url.startswith(server.url)
    assert json.loads(room.attributes) == {"topic": "x"} and room.date_created is not None
    assert svc.channels("general").fetch().sid == room.sid
    assert svc.channels("general").update(friendly_name="Renamed").friendly_name == "Renamed"

    member = svc.channels("general").members.create(identity="alice")
    assert member.identity == "alice" and member.last_consumed_message_index is None
    assert svc.channels(room.sid).members("alice").fetch().sid == member.sid
    for number in range(5):
        svc.channels("general").messages.create(
            body=f"hello {number}", from_="alice", attributes=json.dumps({"n": number})
        )
    messages = svc.channels("general").messages.list(page_size=2)  # follows next_page_url over 3 pages
    assert [m.index for m in messages] == [0, 1, 2, 3, 4]
    assert [m.body for m in messages][:2] == ["hello 0", "hello 1"] and messages[
        0
    ]._from == "alice"  # twilio-python's name for `from`
    newest = svc.channels("general").messages.list(order="desc", page_size=2, limit=3)
    assert [m.index for m in newest] == [4, 3, 2]
    edited = svc.channels("general").messages(messages[0].sid).update(body="edited")
    assert edited.body == "edited" and edited.was_edited is True
    updated = svc.channels("general").members("alice").update(last_consumed_message_index=3)
    assert updated.last_consumed_message_index == 3
    assert svc.channels("general").fetch().messages_count == 5
    assert svc.channels("general").messages(messages[1].sid).delete() is True
    assert svc.channels("general").members("alice").delete() is True
    assert svc.channels("general").delete() is True
    with pytest.raises(TwilioRestException) as missing:
        svc.channels("general").fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)


def test_channel_list_pages_and_filters(client, server):
    svc = service(client, server)
    for number in range(5):
        svc.channels.create(unique_name=f"c{number}", type="private" if number % 2 else "public")
    assert [c.unique_name for c in svc.channels.list(page_size=2)] == [f"c{n}" for n in range(5)]
    assert [c.unique_name for c in svc.channels.list(type=["private"])] == ["c1", "c3"]
    page = svc.channels.page(page_size=2)
    assert len(list(page)) == 2 and page.next_page() is not None


def test_errors_come_back_as_twilio_exceptions(client, server):
    svc = service(client, server)
    svc.channels.create(unique_name="taken")
    with pytest.raises(TwilioRestException) as duplicate:
        svc.channels.create(unique_name="taken")
    assert (duplicate.value.status, duplicate.value.code) == (409, 50307)
    with pytest.raises(TwilioRestException) as bad:
        svc.channels("taken").messages.create(body="x", attributes="{not json")
    assert (bad.value.status, bad.value.code) == (400, 50304)
    with pytest.raises(TwilioRestException) as no_service:
        client.chat.v2.services("IS" + "0" * 32).channels("taken").fetch()
    assert (no_service.value.status, no_service.value.code) == (404, 20404)
    wrong = Client(server.settings.account_sid, "not the token" * 3, http_client=LocalChatHttpClient(server.url))
    with pytest.raises(TwilioRestException) as unauthenticated:
        service(wrong, server).channels("taken").fetch()
    assert (unauthenticated.value.status, unauthenticated.value.code) == (401, 20003)


def test_api_key_auth_and_raw_http_errors(server):
    settings = server.settings
    keyed = Client(
        settings.api_key, settings.api_secret, settings.account_sid, http_client=LocalChatHttpClient(server.url)
    )
    assert service(keyed, server).channels.create(unique_name="via-key").unique_name == "via-key"
    base = f"{server.url}/v2/Services/{settings.service_sid}/Channels"
    anonymous = requests.get(base, timeout=5)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Basic")
    auth = (settings.account_sid, settings.auth_token)
    as_json = requests.post(base, json={"UniqueName": "x"}, auth=auth, timeout=5)
    assert as_json.status_code == 400 and as_json.json()["status"] == 400
    assert requests.get(base, params={"PageSize": "many"}, auth=auth, timeout=5).status_code == 400
    assert requests.get(base, params={"PageToken": "garbage"}, auth=auth, timeout=5).status_code == 400


def test_rest_messages_reach_connected_sockets(client, server, ws_factory):
    svc = service(client, server)
    svc.channels.create(unique_name="live")
    svc.channels("live").members.create(identity="bob")
    bob = ws_factory("bob")
    svc.channels("live").messages.create(body="from a bot", from_="alice")
    assert bob.event("messageAdded")["data"]["body"] == "from a bot"
