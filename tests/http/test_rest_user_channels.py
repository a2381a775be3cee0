"""The UserChannel resource through twilio-python: statuses, unread counts, updates, leaving."""

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio_client import service


@pytest.mark.parametrize("legacy", [False, True])
def test_user_channel_lifecycle(client, server, legacy):
    svc = service(client, server, legacy)
    user = svc.users.create(identity="alice")
    rooms = [svc.channels.create(unique_name=f"room-{n}") for n in range(3)]
    for room in rooms[:2]:
        svc.channels(room.sid).members.create(identity="alice")
    secret = svc.channels.create(unique_name="secret", type="private")
    svc.channels(secret.sid).invites.create(identity="alice")
    for body in ("one", "two", "three"):
        svc.channels(rooms[0].sid).messages.create(body=body)

    listed = svc.users("alice").user_channels.list(page_size=2)  # two pages
    assert [(uc.channel_sid, uc.status) for uc in listed] == [
        (rooms[0].sid, "joined"),
        (rooms[1].sid, "joined"),
        (secret.sid, "invited"),
    ]
    assert listed[0].user_sid == user.sid and listed[0].notification_level == "default"
    assert listed[0].links["member"].endswith(f"/Members/{listed[0].member_sid}")
    assert listed[2].member_sid is None and listed[2].unread_messages_count is None

    updated = (
        svc.users(user.sid)
        .user_channels(rooms[0].sid)
        .update(notification_level="muted", last_consumed_message_index=0)
    )
    assert (updated.notification_level, updated.last_consumed_message_index) == ("muted", 0)
    assert updated.unread_messages_count == 2
    fetched = svc.users("alice").user_channels("room-0").fetch()  # unique name
    assert fetched.status == "joined" and fetched.notification_level == "muted"
    assert svc.users("alice").user_channels(rooms[2].sid).fetch().status == "notParticipating"

    assert svc.users("alice").user_channels(rooms[1].sid).delete() is True
    assert svc.channels(rooms[1].sid).fetch().members_count == 0
    assert [uc.channel_sid for uc in svc.users("alice").user_channels.list()] == [rooms[0].sid, secret.sid]


def test_v1_lists_user_channels(client, server):
    v1 = client.chat.v1.services(server.settings.service_sid)
    room = v1.channels.create(unique_name="old")
    v1.channels(room.sid).members.create(identity="bob")
    assert [(uc.channel_sid, uc.status) for uc in v1.users("bob").user_channels.list()] == [(room.sid, "joined")]


def test_bad_user_channel_input_changes_nothing(client, server):
    svc = service(client, server)
    room = svc.channels.create(unique_name="lobby")
    svc.channels(room.sid).members.create(identity="carol")
    svc.users.create(identity="dan")
    hidden = svc.channels.create(unique_name="hidden", type="private")
    cases = [
        (lambda: svc.users("carol").user_channels(room.sid).update(notification_level="loud"), 400),
        (lambda: svc.users("carol").user_channels(room.sid).update(last_consumed_message_index=-1), 400),
        (lambda: svc.users("dan").user_channels(room.sid).update(notification_level="muted"), 404),
        (lambda: svc.users("dan").user_channels(hidden.sid).fetch(), 404),
        (lambda: svc.users("carol").user_channels("no-such-room").fetch(), 404),
        (lambda: svc.users("dan").user_channels(room.sid).delete(), 404),
    ]
    for call, status in cases:
        with pytest.raises(TwilioRestException) as refused:
            call()
        assert refused.value.status == status
    with pytest.raises(TwilioException) as refused:  # twilio-python wraps failed pages differently
        svc.users("nobody").user_channels.list()
    assert refused.value.args[1].status_code == 404
    fetched = svc.users("carol").user_channels(room.sid).fetch()
    assert fetched.notification_level == "default" and fetched.last_consumed_message_index is None
