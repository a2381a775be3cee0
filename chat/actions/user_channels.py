"""UserChannels: one user's view of the channels it has joined or is invited to, with its status,
read horizon, unread count and notification level. Changes go through the membership actions."""

from ..context import Actor, Chat
from ..errors import not_found
from ..store import channels as channel_rows
from . import common, members, users
from .common import UNSET


def page(chat: Chat, service_sid: str, user_key: str, after_rowid: int, limit: int) -> list[dict]:
    """Views (see `_view`) of the user's channels in creation order after `after_rowid`."""
    user = users.get(chat, service_sid, user_key)
    rows = channel_rows.of_user(chat.store.db(), service_sid, user["identity"], after_rowid, limit)
    return [_view(chat, user, row) for row in rows]


def get(chat: Chat, service_sid: str, user_key: str, channel_key: str) -> dict:
    """The user's view of one channel; of a public channel it is not in: `notParticipating`."""
    user = users.get(chat, service_sid, user_key)
    db = chat.store.db()
    channel = common.channel(db, service_sid, channel_key)
    found = channel_rows.of_user(db, service_sid, user["identity"], -1, 1, channel["sid"])
    if found:
        return _view(chat, user, found[0])
    if channel["type"] == "private":  # private channels do not exist for outsiders
        raise not_found(f"Channel {channel_key} not found", 50300)
    return _view(chat, user, {"channel_sid": channel["sid"], "service_sid": service_sid, "member_sid": None})


def update(
    chat: Chat,
    actor: Actor,
    service_sid: str,
    user_key: str,
    channel_key: str,
    *,
    notification_level=UNSET,
    last_consumed_message_index=UNSET,
    last_consumption_timestamp=UNSET,
) -> dict:
    user = users.get(chat, service_sid, user_key)
    changes = common.given(
        notification_level=notification_level,
        last_consumed_message_index=last_consumed_message_index,
        last_consumption_timestamp=last_consumption_timestamp,
    )
    members.update(chat, actor, service_sid, channel_key, user["identity"], **changes)
    return get(chat, service_sid, user["sid"], channel_key)


def delete(chat: Chat, actor: Actor, service_sid: str, user_key: str, channel_key: str) -> None:
    """Take the user out of the channel (as removing the member does)."""
    user = users.get(chat, service_sid, user_key)
    members.remove(chat, actor, service_sid, channel_key, user["identity"])


def _view(chat: Chat, user: dict, row: dict) -> dict:
    joined = row["member_sid"] is not None
    status = "joined" if joined else "invited" if row.get("invite_sid") else "notParticipating"
    return {
        "channel_sid": row["channel_sid"],
        "service_sid": row["service_sid"],
        "user_sid": user["sid"],
        "member_sid": row["member_sid"],
        "status": status,
        "last_consumed_message_index": row["last_consumed_message_index"] if joined else None,
        "unread_messages_count": members.unread_count(chat, row) if joined else None,
        "notification_level": row["notification_level"] if joined else None,
        "_rowid": row.get("_rowid"),
    }
