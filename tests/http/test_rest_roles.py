"""The Role resource through twilio-python: lifecycle, paging, permission checks, guarded deletes."""

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio_client import service


@pytest.mark.parametrize("legacy", [False, True])
def test_role_lifecycle(client, server, legacy):
    svc = service(client, server, legacy)
    created = svc.roles.create(friendly_name="moderator", type="channel", permission=["sendMessage", "removeMember"])
    assert created.sid.startswith("RL") and created.type == "channel"
    assert created.permissions == ["sendMessage", "removeMember"]
    assert svc.roles(created.sid).fetch().friendly_name == "moderator"

    updated = svc.roles(created.sid).update(permission=["deleteAnyMessage"])
    assert updated.permissions == ["deleteAnyMessage"]  # replaced, not merged
    listed = [role.friendly_name for role in svc.roles.list(page_size=2)]  # three pages
    assert listed == ["service user", "service admin", "channel user", "channel admin", "moderator"]

    assert svc.roles(created.sid).delete() is True
    with pytest.raises(TwilioRestException) as gone:
        svc.roles(created.sid).fetch()
    assert (gone.value.status, gone.value.code) == (404, 20404)


def test_roles_refuse_permissions_of_the_other_scope(client, server):
    svc = service(client, server)
    cases = [
        {"friendly_name": "x", "type": "channel", "permission": ["createChannel"]},
        {"friendly_name": "x", "type": "deployment", "permission": ["sendMessage"]},
        {"friendly_name": "x", "type": "deployment", "permission": ["flyToTheMoon"]},
        {"friendly_name": "x", "type": "owner", "permission": ["sendMessage"]},
        {"friendly_name": "", "type": "channel", "permission": ["sendMessage"]},
    ]
    for params in cases:
        with pytest.raises(TwilioRestException) as refused:
            svc.roles.create(**params)
        assert refused.value.status == 400, params
    role = svc.roles.create(friendly_name="writer", type="deployment", permission=["createChannel"])
    with pytest.raises(TwilioRestException) as refused:
        svc.roles(role.sid).update(permission=["leaveChannel"])
    assert refused.value.status == 400 and "leaveChannel" in refused.value.msg
    assert svc.roles(role.sid).fetch().permissions == ["createChannel"]
    assert len(svc.roles.list()) == 5


def test_a_default_or_assigned_role_cannot_be_deleted(client, server):
    svc = service(client, server)
    defaults = svc.fetch()
    with pytest.raises(TwilioRestException) as refused:
        svc.roles(defaults.default_channel_role_sid).delete()
    assert refused.value.status == 409 and "default" in refused.value.msg

    role = svc.roles.create(friendly_name="vip", type="channel", permission=["sendMessage"])
    room = svc.channels.create(unique_name="lounge")
    svc.channels("lounge").members.create(identity="alice", role_sid=role.sid)
    with pytest.raises(TwilioRestException) as refused:
        svc.roles(role.sid).delete()
    assert refused.value.status == 409 and "assigned" in refused.value.msg
    svc.channels(room.sid).members("alice").delete()
    assert svc.roles(role.sid).delete() is True
