"""Presence: who is online (reachability) and who is typing. These events are ephemeral:
published to the sockets connected now, never stored or replayed."""

import time

from ..context import Actor, Chat
from ..errors import forbidden
from ..events import SUBSCRIBERS
from ..store import users as user_rows
from . import channels, common, users

TYPING_THROTTLE = 1.0  # seconds between two typingStarted of one member


def connected(chat: Chat, service_sid: str, identity: str) -> None:
    """Count a socket of `identity` in this process; the first one makes the user online."""
    with chat.presence_lock:
        chat.sockets_of[(service_sid, identity)] += 1
        first = chat.sockets_of[(service_sid, identity)] == 1
    if first:
        _set_online(chat, service_sid, identity, True)


def disconnected(chat: Chat, service_sid: str, identity: str) -> None:
    with chat.presence_lock:
        chat.sockets_of[(service_sid, identity)] -= 1
        last = chat.sockets_of[(service_sid, identity)] <= 0
        if last:
            del chat.sockets_of[(service_sid, identity)]
    if last:
        _set_online(chat, service_sid, identity, False)


def _set_online(chat: Chat, service_sid: str, identity: str, online: bool) -> None:
    service_row = common.service(chat, chat.store.db(), service_sid)
    if not service_row["reachability_enabled"]:
        return
    with chat.write() as tx:
        row = user_rows.get(tx.db, service_sid, identity)
        if row is None or bool(row["is_online"]) == online:
            return
        user_rows.update(tx.db, row["sid"], {"is_online": int(online)})
        row = user_rows.get(tx.db, service_sid, identity)
    data = {**users.serialize(chat, row, single=True), "update_reasons": ["online"]}
    # Only the user's own sockets and those subscribed to the user hear it (as in Twilio): a
    # service-wide broadcast would make N sockets connecting cost N x N deliveries.
    common.ephemeral(chat, service_sid, SUBSCRIBERS, identity, "userUpdated", data)


def typing(chat: Chat, actor: Actor, service_sid: str, channel_key: str) -> None:
    """Tell the channel that `actor` is typing; receivers end it after the service's typing
    timeout (+1 s of slack, as Twilio's SDK does) unless another typingStarted arrives."""
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    member = common.member_of(chat.store.db(), channel_row["sid"], actor.identity)
    if member is None:
        raise forbidden(f"User {actor.identity} is not a member of channel {channel_key}", 50400)
    now = time.monotonic()
    key = (channel_row["sid"], actor.identity)
    with chat.presence_lock:
        if now - chat.last_typing.get(key, 0.0) < TYPING_THROTTLE:
            return
        chat.last_typing[key] = now
    service_row = common.service(chat, chat.store.db(), service_sid)
    data = {
        "channel_sid": channel_row["sid"],
        "identity": actor.identity,
        "member_sid": member["sid"],
        "timeout": service_row["typing_indicator_timeout"] + 1,
    }
    scope, target = common.channel_scope(channel_row)
    common.ephemeral(chat, service_sid, scope, target, "typingStarted", data)
