"""Every REST 404 for a missing resource is Twilio's 20404 with the resource's path, so back ends
that test `e.code == 20404` before creating what is missing work unchanged (docs/api.md)."""

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio_client import service

MISSING_CH = "CH" + "0" * 32


@pytest.fixture
def room(client, server):
    svc = service(client, server)
    channel = svc.channels.create(unique_name="room")
    svc.channels(channel.sid).members.create(identity="alice")
    return channel


@pytest.mark.parametrize("legacy", [False, True], ids=["chat.v2", "ip_messaging.v2"])
@pytest.mark.parametrize("what", ["channel", "member", "message", "user", "role"])
def test_twilio_python_sees_20404_for_a_missing_resource(client, server, room, legacy, what):
    svc = service(client, server, legacy)
    fetch = {
        "channel": lambda: svc.channels(MISSING_CH).fetch(),
        "member": lambda: svc.channels(room.sid).members("nobody").fetch(),
        "message": lambda: svc.channels(room.sid).messages("IM" + "0" * 32).fetch(),
        "user": lambda: svc.users("nobody").fetch(),
        "role": lambda: svc.roles("RL" + "0" * 32).fetch(),
    }[what]
    with pytest.raises(TwilioRestException) as missing:
        fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)
    assert "The requested resource /Services/" in missing.value.msg and "was not found" in missing.value.msg


def test_the_message_names_the_path_below_the_version(server, room):
    settings = server.settings
    auth = (settings.account_sid, settings.auth_token)
    path = f"/Services/{settings.service_sid}/Channels/{MISSING_CH}"
    for version in ("v1", "v2"):
        response = requests.get(f"{server.url}/{version}{path}", auth=auth, timeout=5)
        assert response.status_code == 404
        assert response.json() == {
            "code": 20404,
            "message": f"The requested resource {path} was not found",
            "more_info": "https://www.twilio.com/docs/errors/20404",
            "status": 404,
        }


def test_every_kind_of_missing_resource_is_20404(server, room):
    settings = server.settings
    auth = (settings.account_sid, settings.auth_token)
    svc = f"/Services/{settings.service_sid}"
    paths = [
        "/Services/IS" + "0" * 32,
        f"{svc}/Channels/no-such-room",
        f"{svc}/Channels/{room.sid}/Members/MB" + "0" * 32,
        f"{svc}/Channels/{room.sid}/Messages/IM" + "0" * 32,
        f"{svc}/Channels/{room.sid}/Invites/IN" + "0" * 32,
        f"{svc}/Channels/{room.sid}/Webhooks/WH" + "0" * 32,
        f"{svc}/Channels/{MISSING_CH}/Members",
        f"{svc}/Users/nobody",
        f"{svc}/Users/alice/Channels/{MISSING_CH}",
        f"{svc}/Users/nobody/Channels",
        f"{svc}/Roles/RL" + "0" * 32,
        f"{svc}/Bindings/BS" + "0" * 32,
        f"{svc}/Users/alice/Bindings/BS" + "0" * 32,
        "/Credentials/CR" + "0" * 32,
    ]
    for path in paths:
        response = requests.get(f"{server.url}/v2{path}", auth=auth, timeout=5)
        body = response.json()
        assert (response.status_code, body["code"]) == (404, 20404), (path, body)
        assert body["message"] == f"The requested resource {path} was not found"
    deleted = requests.delete(f"{server.url}/v2{svc}/Channels/{MISSING_CH}", auth=auth, timeout=5)
    assert (deleted.status_code, deleted.json()["code"]) == (404, 20404)


def test_validation_keeps_its_50xxx_code(server, room):
    settings = server.settings
    response = requests.post(
        f"{server.url}/v2/Services/{settings.service_sid}/Channels/{room.sid}/Messages",
        data={"Body": "x", "Attributes": "{not json"},
        auth=(settings.account_sid, settings.auth_token),
        timeout=5,
    )
    assert (response.status_code, response.json()["code"]) == (400, 50304)
