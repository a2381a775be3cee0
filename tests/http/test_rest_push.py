"""Credentials and Bindings through twilio-python; bindings are registered over the WebSocket."""

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio_client import service


@pytest.mark.parametrize("version", ["chat_v2", "ip_messaging_v2", "chat_v1"])
def test_credential_lifecycle(client, server, version):
    domain, name = version.rsplit("_", 1)
    credentials = getattr(getattr(client, domain), name).credentials
    apn = credentials.create(type="apn", friendly_name="iOS", certificate="CERT", private_key="KEY", sandbox=True)
    assert apn.sid.startswith("CR") and (apn.type, apn.sandbox, apn.friendly_name) == ("apn", "True", "iOS")
    credentials.create(type="fcm", secret="server-key")
    credentials.create(type="gcm", api_key="api-key")
    assert [c.type for c in credentials.list(page_size=2)] == ["apn", "fcm", "gcm"]  # two pages

    updated = credentials(apn.sid).update(friendly_name="iOS prod", sandbox=False)
    assert (updated.friendly_name, updated.sandbox) == ("iOS prod", "False")
    raw = requests.get(updated.url, auth=(server.settings.account_sid, server.settings.auth_token), timeout=5)
    assert "KEY" not in raw.text and "CERT" not in raw.text  # secrets never leave
    assert credentials(apn.sid).delete() is True
    with pytest.raises(TwilioRestException) as gone:
        credentials(apn.sid).fetch()
    assert gone.value.status == 404


def test_bad_credentials_change_nothing(client, server):
    credentials = client.chat.v2.credentials
    fcm = credentials.create(type="fcm", friendly_name="Android", secret="s")
    cases = [
        lambda: credentials.create(type="sms"),
        lambda: credentials.create(type="fcm", api_key="belongs to gcm"),
        lambda: credentials.create(type="gcm", sandbox=True),
        lambda: credentials(fcm.sid).update(friendly_name="x", certificate="belongs to apn"),
        lambda: credentials(fcm.sid).update(friendly_name="x" * 65),
    ]
    for call in cases:
        with pytest.raises(TwilioRestException) as refused:
            call()
        assert refused.value.status == 400
    assert [(c.friendly_name, c.type) for c in credentials.list()] == [("Android", "fcm")]


def _device(server, ws_factory, identity, device):
    client = ws_factory(hello=False)
    client.call("hello", token=server.token(identity, device=device))
    return client


def test_bindings_registered_over_the_websocket_are_served(client, server, ws_factory):
    svc = service(client, server)
    fcm = client.chat.v2.credentials.create(type="fcm", secret="s")
    phone = _device(server, ws_factory, "alice", "phone")
    registered = phone.call("push.register", type="fcm", address="token-1", credentialSid=fcm.sid)
    assert registered["sid"].startswith("BS") and registered["endpoint"].endswith(":alice:phone")
    again = phone.call("push.register", type="fcm", address="token-2")  # same endpoint: same binding
    assert again["sid"] == registered["sid"] and again["credential_sid"] is None
    phone.call("push.register", type="apn", address="apn-token")
    _device(server, ws_factory, "bob", "tablet").call("push.register", type="fcm", address="token-3")

    listed = svc.bindings.list(page_size=2)  # two pages
    assert [(b.identity, b.binding_type) for b in listed] == [("alice", "fcm"), ("alice", "apn"), ("bob", "fcm")]
    assert [b.identity for b in svc.bindings.list(binding_type=["fcm"], identity=["bob"])] == ["bob"]
    fetched = svc.bindings(registered["sid"]).fetch()
    assert fetched.message_types == ["removed_from_channel", "new_message", "added_to_channel", "invited_to_channel"]
    assert fetched.links["user"].endswith("/Users/alice")

    alice = svc.users("alice")
    user_bindings = alice.user_bindings.list(binding_type=["apn"])
    assert [b.binding_type for b in user_bindings] == ["apn"]
    assert user_bindings[0].user_sid == alice.fetch().sid
    assert alice.user_bindings(registered["sid"]).fetch().endpoint == registered["endpoint"]
    with pytest.raises(TwilioRestException) as foreign:
        svc.users("bob").user_bindings(registered["sid"]).fetch()
    assert foreign.value.status == 404

    assert alice.user_bindings(registered["sid"]).delete() is True
    phone.call("push.unregister", type="apn")
    assert [b.identity for b in svc.bindings.list()] == ["bob"]
    svc.users("bob").delete()
    assert svc.bindings.list() == []


def test_bindings_are_v2_only_and_bad_registrations_are_refused(client, server, ws_factory):
    refused = requests.get(
        f"{server.url}/v1/Services/{server.settings.service_sid}/Bindings",
        auth=(server.settings.account_sid, server.settings.auth_token),
        timeout=5,
    )
    assert refused.status_code == 404
    gcm = client.chat.v2.credentials.create(type="gcm", api_key="k")
    phone = _device(server, ws_factory, "carol", "phone")
    for args in (
        {"type": "sms", "address": "x"},
        {"type": "fcm"},
        {"type": "fcm", "address": "x", "credentialSid": gcm.sid},
    ):
        assert phone.request("push.register", **args)["error"]["status"] == 400
    assert service(client, server).bindings.list() == []
