"""Membership actions: join."""

from .. import serializers
from ..context import Actor, Chat
from ..errors import ChatError, conflict, forbidden
from ..events import USER
from ..store import channels as channel_rows
from ..store import members as member_rows
from . import channels, common


def serialize(chat: Chat, row: dict) -> dict:
    return serializers.member(row, chat.base_url, chat.settings.account_sid)


def join(chat: Chat, actor: Actor, service_sid: str, channel_key: str) -> dict:
    """The actor joins a channel. Joining twice returns the existing membership (SDK pages call
    join on every load); a private channel needs an invite or to be the creator's own."""
    with chat.write() as tx:
        service_row = common.service(chat, tx.db, service_sid)
        channel_row = common.channel(tx.db, service_sid, channel_key)
        existing = member_rows.get(tx.db, channel_row["sid"], actor.identity)
        if existing:
            return existing
        invite = member_rows.get_invite(tx.db, channel_row["sid"], actor.identity)
        if channel_row["type"] == "private" and not invite and channel_row["created_by"] != actor.identity:
            raise forbidden(f"Channel {channel_key} is private; an invite is needed to join", 50400)
        if not invite:
            common.require(tx.db, service_row, actor, "joinChannel")
        role_sid = invite["role_sid"] if invite else None
        if not role_sid:
            role_sid = (
                service_row["default_channel_creator_role_sid"]
                if channel_row["created_by"] == actor.identity
                else service_row["default_channel_role_sid"]
            )
        return _add(chat, tx, service_row, channel_row, actor.identity, role_sid, invite)


def _add(
    chat: Chat, tx, service_row: dict, channel_row: dict, identity: str, role_sid: str, invite=None, **fields
) -> dict:
    """Insert the membership and its events; shared by join, add and accepting an invite."""
    if member_rows.get(tx.db, channel_row["sid"], identity):
        raise conflict(f"Member {identity} already exists in channel {channel_row['sid']}", 50404)
    if channel_row["members_count"] >= service_row["limits_channel_members"]:
        raise ChatError(403, 50430, "Channel member limit reached")
    common.ensure_user(chat, tx, service_row, identity)
    if member_rows.count_of_identity(tx.db, service_row["sid"], identity) >= service_row["limits_user_channels"]:
        raise ChatError(403, 50213, "User channel limit reached")
    if invite:
        member_rows.delete_invite(tx.db, invite["sid"])
    row = member_rows.create(tx.db, service_row["sid"], channel_row["sid"], identity, role_sid, **fields)
    channel_row = {**channel_row, "members_count": channel_row["members_count"] + 1}
    channel_rows.adjust_count(tx.db, channel_row["sid"], "members_count", 1)
    scope, target = common.channel_scope(channel_row)
    common.record(tx, service_row["sid"], scope, target, "memberJoined", serialize(chat, row))
    common.record(tx, service_row["sid"], USER, identity, "channelJoined", channels.serialize(chat, channel_row))
    return row


def membership(chat: Chat, channel_sid: str, identity: str) -> dict | None:
    return member_rows.get(chat.store.db(), channel_sid, identity)


def invited(chat: Chat, channel_sid: str, identity: str) -> bool:
    return member_rows.get_invite(chat.store.db(), channel_sid, identity) is not None
