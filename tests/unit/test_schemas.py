"""Every resource's serializer renders exactly the fields chat/api/schemas.py declares for /openapi.json."""

from chat import serializers
from chat.actions import (
    bindings,
    channel_webhooks,
    channels,
    credentials,
    members,
    messages,
    roles,
    user_channels,
    users,
)
from chat.api.schemas import RESOURCES
from chat.context import Actor, Chat
from chat.store import services as service_rows

ACCOUNT = Actor(None, "rest")
BASE = "https://chat.example.com/v2"


def rendered_resources(chat: Chat) -> dict[str, dict]:
    sid, account = chat.settings.service_sid, chat.settings.account_sid
    service_row = service_rows.get(chat.store.db(), sid)
    room = channels.create(chat, ACCOUNT, sid, unique_name="room")
    member = members.add(chat, ACCOUNT, sid, "room", "alice")
    message = messages.send(chat, ACCOUNT, sid, "room", body="hi")
    invite = members.invite(chat, ACCOUNT, sid, "room", "bob")
    user = users.get(chat, sid, "alice")
    role = roles.create(chat, sid, "helper", "channel", ["sendMessage"])
    credential = credentials.create(chat, "fcm", secret="server key")
    webhook = channel_webhooks.create(chat, ACCOUNT, sid, "room", "webhook", configuration_url="https://x.example")
    binding = bindings.register(chat, sid, "alice", "app:alice:phone", "fcm", "device token", credential["sid"])
    return {
        "service": serializers.service(service_row, BASE),
        "channel": serializers.channel(room, BASE, account),
        "member": serializers.member(member, BASE, account),
        "message": messages.serialize(chat, message, base=BASE),
        "invite": serializers.invite(invite, BASE, account),
        "user": users.serialize(chat, user, single=True, base=BASE),
        "user_channel": serializers.user_channel(user_channels.get(chat, sid, "alice", "room"), BASE, account),
        "role": serializers.role(role, BASE, account),
        "credential": serializers.credential(credential, BASE),
        "binding": serializers.binding(binding, BASE, account),
        "user_binding": serializers.user_binding(binding, BASE, account, user["sid"]),
        "webhook": serializers.webhook(webhook, BASE, account),
    }


def test_serializers_render_the_declared_fields(chat):
    rendered = rendered_resources(chat)
    assert set(rendered) == set(RESOURCES), "render every resource schemas.py declares"
    for name, body in rendered.items():
        assert set(body) == set(RESOURCES[name]), name


def test_default_roles_hold_only_permissions_of_their_type(chat):
    for role in roles.page(chat, chat.settings.service_sid, -1, 10):
        assert set(serializers.role(role, BASE, "AC")["permissions"]) <= roles.PERMISSIONS[role["type"]], role
