"""Our JSON carries every field twilio-python reads. The fields are taken from twilio-python's own
source: the `payload.get("...")` keys in each `<Resource>Instance.__init__`."""

import ast
import importlib.util
from functools import cache
from pathlib import Path

import pytest
import requests

from chat.actions import bindings

# Resource -> (twilio-python module under twilio.rest.<domain>.<version>, instance class, path under the version).
RESOURCES = {
    "Services": ("service", "ServiceInstance", "/Services/{service}"),
    "Channels": ("service.channel", "ChannelInstance", "/Services/{service}/Channels/{channel}"),
    "Members": ("service.channel.member", "MemberInstance", "/Services/{service}/Channels/{channel}/Members/alice"),
    "Messages": ("service.channel.message", "MessageInstance", "/Services/{service}/Channels/{channel}/Messages/{message}"),
    "Invites": ("service.channel.invite", "InviteInstance", "/Services/{service}/Channels/{channel}/Invites/{invite}"),
    "Users": ("service.user", "UserInstance", "/Services/{service}/Users/alice"),
    "UserChannels": ("service.user.user_channel", "UserChannelInstance", "/Services/{service}/Users/alice/Channels/{channel}"),
    "Roles": ("service.role", "RoleInstance", "/Services/{service}/Roles/{role}"),
    "Credentials": ("credential", "CredentialInstance", "/Credentials/{credential}"),
    "Bindings": ("service.binding", "BindingInstance", "/Services/{service}/Bindings/{binding}"),
    "UserBindings": ("service.user.user_binding", "UserBindingInstance", "/Services/{service}/Users/alice/Bindings/{binding}"),
}  # fmt: skip
# v1 had no bindings, and its user channels only as a list (checked through the list below).
V1_MISSING = {"Bindings", "UserBindings", "UserChannels"}
CASES = [
    (domain, version, name)
    for domain in ("chat", "ip_messaging")
    for version in ("v2", "v1")
    for name in RESOURCES
    if not (version == "v1" and name in V1_MISSING)
]


@cache
def twilio_fields(module: str, cls: str) -> frozenset[str]:
    """The keys `cls.__init__` reads from its payload, parsed from twilio-python's source."""
    tree = ast.parse(Path(importlib.util.find_spec(module).origin).read_text())
    init = next(
        node
        for klass in ast.walk(tree)
        if isinstance(klass, ast.ClassDef) and klass.name == cls
        for node in klass.body
        if isinstance(node, ast.FunctionDef) and node.name == "__init__"
    )
    return frozenset(
        call.args[0].value
        for call in ast.walk(init)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "get"
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "payload"
        and call.args
        and isinstance(call.args[0], ast.Constant)
    )


@pytest.fixture
def sids(client, server):
    """One of every resource, made through twilio-python (bindings as the WebSocket command makes them)."""
    svc = client.chat.v2.services(server.settings.service_sid)
    room = svc.channels.create(unique_name="room")
    svc.channels(room.sid).members.create(identity="alice")
    fcm = client.chat.v2.credentials.create(type="fcm", secret="server key")
    binding = bindings.register(
        server.chat, server.settings.service_sid, "alice", "app:alice:phone", "fcm", "t", fcm.sid
    )
    return {
        "service": server.settings.service_sid,
        "channel": room.sid,
        "message": svc.channels(room.sid).messages.create(body="hi").sid,
        "invite": svc.channels(room.sid).invites.create(identity="bob").sid,
        "role": svc.roles.list()[0].sid,
        "credential": fcm.sid,
        "binding": binding["sid"],
    }


def fetch_json(server, path: str) -> dict:
    auth = (server.settings.account_sid, server.settings.auth_token)
    response = requests.get(server.url + path, auth=auth, timeout=5)
    assert response.status_code == 200, (path, response.text)
    return response.json()


@pytest.mark.parametrize(("domain", "version", "name"), CASES)
def test_fetched_json_has_every_field_twilio_python_reads(server, sids, domain, version, name):
    module, cls, path = RESOURCES[name]
    expected = twilio_fields(f"twilio.rest.{domain}.{version}.{module}", cls)
    assert expected, "no fields parsed: has twilio-python's source layout changed?"
    body = fetch_json(server, f"/{version}{path.format(**sids)}")
    assert expected <= set(body), f"missing {sorted(expected - set(body))}"


@pytest.mark.parametrize("domain", ["chat", "ip_messaging"])
def test_v1_user_channel_list_has_every_field_twilio_python_reads(server, sids, domain):
    expected = twilio_fields(f"twilio.rest.{domain}.v1.service.user.user_channel", "UserChannelInstance")
    listed = fetch_json(server, f"/v1/Services/{sids['service']}/Users/alice/Channels")["channels"]
    assert listed and all(expected <= set(item) for item in listed), expected
