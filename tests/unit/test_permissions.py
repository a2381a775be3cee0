"""An SDK user's permissions: their service role (the service's default until they have a user
row) plus, in a channel, their member role there, read with their membership in one statement
(chat/actions/common.py: membership)."""

import json

import pytest

from chat.actions import channels, common, messages, reactions
from chat.context import Actor
from chat.errors import ChatError
from chat.store import members as member_rows
from chat.store import services as service_rows
from chat.store import users as user_rows

ACCOUNT = Actor(None, "rest")


def test_service_and_channel_roles_make_the_permissions(chat, settings):
    sid = settings.service_sid
    room = channels.create(chat, ACCOUNT, sid, unique_name="room")["sid"]
    with chat.store.write() as tx:
        service_row = service_rows.get(tx.db, sid)
        writer = service_rows.create_role(tx.db, sid, "writer", "deployment", ["createChannel"])
        mute = service_rows.create_role(tx.db, sid, "mute", "deployment", [])
        speaker = service_rows.create_role(tx.db, sid, "speaker", "channel", ["sendMessage"])
        user_rows.create(tx.db, sid, "wendy", writer["sid"])
        user_rows.create(tx.db, sid, "quiet", mute["sid"])
        member_rows.create(tx.db, sid, room, "wendy", speaker["sid"])
        silent = service_rows.create_role(tx.db, sid, "silent", "channel", [])
        member_rows.create(tx.db, sid, room, "newcomer", silent["sid"])
    db = chat.store.db()
    default_role = service_rows.get_role(db, sid, service_row["default_service_role_sid"])
    default_permissions = set(json.loads(default_role["permissions"]))
    assert default_permissions, "the service's default role grants something"

    def permissions(identity: str, channel: str | None = None) -> set[str] | None:
        return common.permissions(chat.store.db(), service_row, Actor(identity, "sdk"), channel)

    assert permissions("newcomer") == default_permissions  # no user row yet: the default role
    assert permissions("newcomer", room) == default_permissions  # a member whose role grants nothing
    assert permissions("wendy") == {"createChannel"}  # their own role, not the default
    assert permissions("quiet") == set()  # a role that grants nothing grants nothing
    assert permissions("wendy", room) == {"createChannel", "sendMessage"}  # plus their member role
    assert permissions("quiet", room) == set()  # not a member: the service role alone
    assert common.permissions(db, service_row, ACCOUNT, room) is None  # the account is unrestricted
    # membership: a member whose channel role grants nothing is still a member
    assert common.membership(db, service_row, Actor("newcomer", "sdk"), room) == (default_permissions, True)
    assert common.membership(db, service_row, Actor("wendy", "sdk"), room)[1] is True
    assert common.membership(db, service_row, Actor("quiet", "sdk"), room) == (set(), False)
    # several users in one read (a batch of sends) get what each would alone
    everyone = ["newcomer", "wendy", "quiet", "stranger"]
    one_read = service_rows.granted(db, sid, service_row["default_service_role_sid"], everyone, room)
    assert one_read == {
        identity: common.membership(db, service_row, Actor(identity, "sdk"), room) for identity in everyone
    }


def test_a_send_needs_membership_and_the_send_permission(chat, settings):
    sid = settings.service_sid
    room = channels.create(chat, ACCOUNT, sid, unique_name="room")["sid"]
    with chat.store.write() as tx:
        mute = service_rows.create_role(tx.db, sid, "mute", "deployment", [])
        speaker = service_rows.create_role(tx.db, sid, "speaker", "channel", ["sendMessage"])
        silent = service_rows.create_role(tx.db, sid, "silent", "channel", [])
        for identity in ("speaker", "silent", "outsider"):
            user_rows.create(tx.db, sid, identity, mute["sid"])  # the service role grants no sending
        member_rows.create(tx.db, sid, room, "speaker", speaker["sid"])
        member_rows.create(tx.db, sid, room, "silent", silent["sid"])

    def send(identity: str) -> dict:
        return messages.send(chat, Actor(identity, "sdk"), sid, "room", body=f"from {identity}")

    with pytest.raises(ChatError) as outsider:
        send("outsider")
    assert (outsider.value.status, outsider.value.code) == (403, 50400)
    with pytest.raises(ChatError) as silent_member:
        send("silent")
    assert silent_member.value.status == 403 and "sendMessage" in silent_member.value.message
    assert send("speaker")["idx"] == 0
    stored = chat.store.db().execute("SELECT author FROM messages WHERE channel_sid = ?", [room]).fetchall()
    assert [row[0] for row in stored] == ["speaker"]


def test_a_reaction_needs_membership_and_the_send_permission(chat, settings):
    sid = settings.service_sid
    room = channels.create(chat, ACCOUNT, sid, unique_name="room")["sid"]
    with chat.store.write() as tx:
        mute = service_rows.create_role(tx.db, sid, "mute", "deployment", [])
        silent = service_rows.create_role(tx.db, sid, "silent", "channel", [])
        for identity in ("silent", "outsider"):
            user_rows.create(tx.db, sid, identity, mute["sid"])  # the service role grants no sending
        member_rows.create(tx.db, sid, room, "silent", silent["sid"])
    message = messages.send(chat, ACCOUNT, sid, "room", body="react to me")

    def react(actor: Actor, identity=None) -> dict:
        return reactions.react(chat, actor, sid, "room", message["sid"], "👍", identity=identity)

    with pytest.raises(ChatError) as outsider:
        react(Actor("outsider", "sdk"))
    assert (outsider.value.status, outsider.value.code) == (400, 50400)
    with pytest.raises(ChatError) as silent_member:
        react(Actor("silent", "sdk"))
    assert silent_member.value.status == 403 and "sendMessage" in silent_member.value.message
    with pytest.raises(ChatError) as for_an_outsider:
        react(ACCOUNT, identity="outsider")  # the account reacts for members only
    assert for_an_outsider.value.code == 50400
    reacted = react(ACCOUNT, identity="silent")  # and needs no permission of its own
    assert json.loads(reacted["attributes"])["reactions"] == {"👍": ["silent"]}
