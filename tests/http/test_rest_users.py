"""The User resource through twilio-python: lifecycle, paging, reachability fields, errors."""

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio_client import service


@pytest.mark.parametrize("legacy", [False, True])
def test_user_lifecycle(client, server, legacy):
    svc = service(client, server, legacy)
    admin = next(role for role in svc.roles.list() if role.friendly_name == "service admin")
    created = svc.users.create(identity="alice", friendly_name="Alice", attributes='{"team": "red"}')
    assert created.sid.startswith("US") and created.role_sid == svc.fetch().default_service_role_sid
    assert created.links["user_channels"] == f"{created.url}/Channels"
    fetched = svc.users("alice").fetch()  # by identity
    assert fetched.sid == created.sid and fetched.attributes == '{"team": "red"}'
    assert fetched.is_online is False and fetched.is_notifiable is False  # reachability is on

    updated = svc.users(created.sid).update(friendly_name="Alice A.", role_sid=admin.sid)
    assert (updated.friendly_name, updated.role_sid, updated.attributes) == ("Alice A.", admin.sid, '{"team": "red"}')
    room = svc.channels.create(unique_name="general")
    svc.channels(room.sid).members.create(identity="alice")
    assert svc.users("alice").fetch().joined_channels_count == 1

    for name in ("bob", "carol"):
        svc.users.create(identity=name)
    listed = svc.users.list(page_size=2)  # two pages
    assert [user.identity for user in listed] == ["alice", "bob", "carol"]
    assert {(user.is_online, user.is_notifiable) for user in listed} == {(None, None)}

    assert svc.users("alice").delete() is True
    assert svc.channels(room.sid).fetch().members_count == 0
    with pytest.raises(TwilioRestException) as gone:
        svc.users(created.sid).fetch()
    assert (gone.value.status, gone.value.code) == (404, 20404)


def test_reachability_off_leaves_presence_null(client, server):
    svc = service(client, server)
    svc.update(reachability_enabled=False)
    svc.users.create(identity="dave")
    fetched = svc.users("dave").fetch()
    assert fetched.is_online is None and fetched.is_notifiable is None


def test_bad_user_input_changes_nothing(client, server):
    svc = service(client, server)
    svc.users.create(identity="erin", friendly_name="Erin")
    channel_role = svc.fetch().default_channel_role_sid
    cases = [
        (lambda: svc.users.create(identity="erin"), 409, 50201),
        (lambda: svc.users.create(identity="US" + "a" * 32), 400, 50206),
        (lambda: svc.users.create(identity="frank", attributes="{not json"), 400, 50304),
        (lambda: svc.users.create(identity="frank", role_sid=channel_role), 400, 50101),
        (lambda: svc.users("erin").update(friendly_name="x" * 300), 400, 20001),
        (lambda: svc.users("erin").update(role_sid=channel_role), 400, 50101),
        (lambda: svc.users("nobody").update(friendly_name="Nobody"), 404, 20404),
        (lambda: svc.users("nobody").delete(), 404, 20404),
    ]
    for call, status, code in cases:
        with pytest.raises(TwilioRestException) as refused:
            call()
        assert (refused.value.status, refused.value.code) == (status, code)
    assert [user.identity for user in svc.users.list()] == ["erin"]
    assert svc.users("erin").fetch().friendly_name == "Erin"
