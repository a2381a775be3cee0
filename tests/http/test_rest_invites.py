"""The Invite resource through twilio-python: lifecycle, identity filter, paging, errors."""

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio_client import service


@pytest.mark.parametrize("legacy", [False, True])
def test_invite_lifecycle(client, server, legacy):
    svc = service(client, server, legacy)
    room = svc.channels.create(unique_name="planning", type="private")
    admin = svc.fetch().default_channel_creator_role_sid
    created = svc.channels("planning").invites.create(identity="alice", role_sid=admin)
    assert created.sid.startswith("IN") and (created.identity, created.role_sid) == ("alice", admin)
    assert created.created_by == "system" and created.channel_sid == room.sid
    assert svc.channels(room.sid).invites(created.sid).fetch().identity == "alice"
    for name in ("bob", "carol"):
        svc.channels(room.sid).invites.create(identity=name)

    assert [i.identity for i in svc.channels(room.sid).invites.list(page_size=2)] == ["alice", "bob", "carol"]
    assert [i.identity for i in svc.channels(room.sid).invites.list(identity=["carol", "alice"])] == [
        "alice",
        "carol",
    ]
    assert svc.users("alice").user_channels(room.sid).fetch().status == "invited"

    assert svc.channels(room.sid).invites(created.sid).delete() is True
    with pytest.raises(TwilioRestException) as gone:
        svc.channels(room.sid).invites(created.sid).fetch()
    assert (gone.value.status, gone.value.code) == (404, 20404)


def test_bad_invites_change_nothing(client, server):
    svc = service(client, server)
    room = svc.channels.create(unique_name="ops")
    svc.channels(room.sid).invites.create(identity="dave")
    svc.channels(room.sid).members.create(identity="erin")
    cases = [
        (lambda: svc.channels(room.sid).invites.create(identity="dave"), 409, 50212),
        (lambda: svc.channels(room.sid).invites.create(identity="erin"), 409, 50404),
        (lambda: svc.channels(room.sid).invites.create(identity="frank", role_sid="RL" + "0" * 32), 400, 50101),
        (lambda: svc.channels("no-such-room").invites.create(identity="frank"), 404, 20404),
        (lambda: svc.channels(room.sid).invites("IN" + "0" * 32).delete(), 404, 20404),
    ]
    for call, status, code in cases:
        with pytest.raises(TwilioRestException) as refused:
            call()
        assert (refused.value.status, refused.value.code) == (status, code)
    assert [i.identity for i in svc.channels(room.sid).invites.list()] == ["dave"]


def test_a_rest_invite_reaches_the_invitees_open_page(client, server, ws_factory):
    bob = ws_factory("bob")
    room = service(client, server).channels.create(unique_name="private-room", type="private")
    invite = service(client, server).channels(room.sid).invites.create(identity="bob")
    heard = bob.event("channelInvited", sid=room.sid)
    assert heard["data"]["status"] == "invited" and heard["data"]["invite"]["sid"] == invite.sid
    assert bob.call("channel.join", channel=room.sid)["identity"] == "bob"  # the invite lets bob in
