"""Membership actions: join, add, leave, remove, update, read horizon, invites."""

from .. import serializers
from ..clock import iso, now_iso, parse
from ..context import Actor, Chat
from ..errors import ChatError, bad_request, conflict, forbidden, not_found
from ..events import USER
from ..store import channels as channel_rows
from ..store import members as member_rows
from ..store import messages as message_rows
from . import channels, common, hook_params
from .common import UNSET

NOTIFICATION_LEVELS = ("default", "muted")


def serialize(chat: Chat, row: dict) -> dict:
    return serializers.member(row, chat.api_base, chat.settings.account_sid)


def serialize_invite(chat: Chat, row: dict) -> dict:
    return serializers.invite(row, chat.api_base, chat.settings.account_sid)


def get(chat: Chat, actor: Actor, service_sid: str, channel_key: str, member_key: str) -> dict:
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    row = member_rows.get(chat.store.db(), channel_row["sid"], member_key)
    if row is None:
        raise not_found(f"Member {member_key} not found", 50400)
    return row


def of_channel(chat: Chat, actor: Actor, service_sid: str, channel_key: str) -> list[dict]:
    """Every member of a channel the actor may see (private: members and invitees only)."""
    return page(chat, actor, service_sid, channel_key, [], -1, 10_000)


def page(
    chat: Chat, actor: Actor, service_sid: str, channel_key: str, identities: list[str], after_rowid: int, limit: int
) -> list[dict]:
    """Members in joining order after a position (`_rowid`), optionally only some identities."""
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    return member_rows.page(chat.store.db(), channel_row["sid"], identities, after_rowid, limit)


def membership(chat: Chat, channel_sid: str, identity: str) -> dict | None:
    return member_rows.get(chat.store.db(), channel_sid, identity)


def invited(chat: Chat, channel_sid: str, identity: str) -> bool:
    return member_rows.get_invite(chat.store.db(), channel_sid, identity) is not None


def _horizon(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise bad_request("LastConsumedMessageIndex must be a message index or null", 50516)
    return value


def _notification_level(value) -> str:
    if value not in NOTIFICATION_LEVELS:
        raise bad_request(f"NotificationLevel must be one of {', '.join(NOTIFICATION_LEVELS)}")
    return value


def _timestamp(value) -> str | None:
    if value is None:
        return None
    try:
        return iso(parse(value))
    except (TypeError, AttributeError, ValueError):
        raise bad_request("LastConsumptionTimestamp must be a date", 20001) from None


def join(chat: Chat, actor: Actor, service_sid: str, channel_key: str) -> dict:
    """The actor joins a channel. Joining twice returns the existing membership (pages call join
    on every load). A private channel needs an invite, or to be the channel's creator."""
    db = chat.store.db()
    service_row = common.service(chat, db, service_sid)
    channel_row = common.channel(db, service_sid, channel_key)
    existing = member_rows.get(db, channel_row["sid"], actor.identity)
    if existing:
        return existing
    invite = member_rows.get_invite(db, channel_row["sid"], actor.identity)
    if channel_row["type"] == "private" and not invite and channel_row["created_by"] != actor.identity:
        raise forbidden(f"Channel {channel_key} is private; an invite is needed to join", 50400)
    if not invite:
        common.require(db, service_row, actor, "joinChannel")
    role_sid = invite["role_sid"] if invite and invite["role_sid"] else None
    if not role_sid:
        creator = channel_row["created_by"] == actor.identity
        role_sid = service_row["default_channel_creator_role_sid" if creator else "default_channel_role_sid"]
    return _add(chat, actor, service_row, channel_row, actor.identity, role_sid, "JOINED")


def add(
    chat: Chat,
    actor: Actor,
    service_sid: str,
    channel_key: str,
    identity: str,
    *,
    role_sid=None,
    last_consumed_message_index=None,
    last_consumption_timestamp=None,
    attributes=None,
    date_created=None,
    date_updated=None,
) -> dict:
    """Add another user to a channel (addMember for SDK users); the user is created if new."""
    identity = common.identity(identity)
    db = chat.store.db()
    service_row = common.service(chat, db, service_sid)
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    common.require(db, service_row, actor, "addMember", channel_row["sid"])
    role_sid = (
        common.role(db, service_sid, role_sid, "channel") if role_sid else service_row["default_channel_role_sid"]
    )
    fields = {
        "last_consumed_message_index": _horizon(last_consumed_message_index),
        "last_consumption_timestamp": _timestamp(last_consumption_timestamp),
        "attributes": common.attributes(attributes),
    }
    fields.update(
        {key: value for key, value in (("date_created", date_created), ("date_updated", date_updated)) if value}
    )
    invite = member_rows.get_invite(db, channel_row["sid"], identity)
    return _add(chat, actor, service_row, channel_row, identity, role_sid, "ADDED", invite, **fields)


def _add(
    chat: Chat,
    actor: Actor,
    service_row: dict,
    channel_row: dict,
    identity: str,
    role_sid: str,
    reason: str,
    invite=None,
    **fields,
) -> dict:
    """Insert the membership and its events; shared by join, add and accepting an invite."""
    chat.channel_rate.take(channel_row["sid"])
    params = {"ChannelSid": channel_row["sid"], "Identity": identity, "RoleSid": role_sid, "Reason": reason}
    common.pre_event(chat, actor, service_row, "onMemberAdd", params)
    with chat.write() as tx:
        channel_row = common.channel(tx.db, service_row["sid"], channel_row["sid"])
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
        channel_rows.adjust_count(tx.db, channel_row["sid"], "members_count", 1)
        channel_row = common.channel(tx.db, service_row["sid"], channel_row["sid"])
        scope, target = common.channel_scope(channel_row)
        common.record(tx, service_row["sid"], scope, target, "memberJoined", serialize(chat, row))
        common.record(tx, service_row["sid"], USER, identity, "channelJoined", channels.serialize(chat, channel_row))
        params = {**hook_params.member(row), "Reason": reason}
        common.post_event(tx, chat, actor, service_row, "onMemberAdded", params, channel_row["sid"])
    return row


def leave(chat: Chat, actor: Actor, service_sid: str, channel_key: str) -> dict:
    """The actor leaves a channel (leaveChannel permission)."""
    row = get(chat, actor, service_sid, channel_key, actor.identity)
    service_row = common.service(chat, chat.store.db(), service_sid)
    common.require(chat.store.db(), service_row, actor, "leaveChannel", row["channel_sid"])
    return _remove(chat, actor, service_row, row, "LEFT")


def remove(chat: Chat, actor: Actor, service_sid: str, channel_key: str, member_key: str) -> dict:
    """Remove a member (removeMember for SDK users, unless it is themselves: that is leaving)."""
    row = get(chat, actor, service_sid, channel_key, member_key)
    if common.is_own(actor, row["identity"]):
        return leave(chat, actor, service_sid, channel_key)
    service_row = common.service(chat, chat.store.db(), service_sid)
    common.require(chat.store.db(), service_row, actor, "removeMember", row["channel_sid"])
    return _remove(chat, actor, service_row, row, "REMOVED")


def _remove(chat: Chat, actor: Actor, service_row: dict, row: dict, reason: str) -> dict:
    params = {**hook_params.member(row), "Reason": reason}
    common.pre_event(chat, actor, service_row, "onMemberRemove", params)
    with chat.write() as tx:
        if member_rows.get(tx.db, row["channel_sid"], row["sid"]) is None:
            raise not_found(f"Member {row['sid']} not found", 50400)
        member_rows.delete(tx.db, row["sid"])
        channel_rows.adjust_count(tx.db, row["channel_sid"], "members_count", -1)
        channel_row = common.channel(tx.db, service_row["sid"], row["channel_sid"])
        scope, target = common.channel_scope(channel_row)
        common.record(tx, service_row["sid"], scope, target, "memberLeft", serialize(chat, row))
        common.record(
            tx, service_row["sid"], USER, row["identity"], "channelLeft", channels.serialize(chat, channel_row)
        )
        params = {**params, "DateRemoved": now_iso()}
        common.post_event(tx, chat, actor, service_row, "onMemberRemoved", params, row["channel_sid"])
    return row


def update(
    chat: Chat,
    actor: Actor,
    service_sid: str,
    channel_key: str,
    member_key: str,
    *,
    role_sid=UNSET,
    last_consumed_message_index=UNSET,
    last_consumption_timestamp=UNSET,
    attributes=UNSET,
    notification_level=UNSET,
    date_created=UNSET,
    date_updated=UNSET,
) -> dict:
    """Change a member: the account may change anything; SDK users their own attributes
    (editOwnMemberAttributes) or others' (editAnyMemberAttributes)."""
    row = get(chat, actor, service_sid, channel_key, member_key)
    db = chat.store.db()
    service_row = common.service(chat, db, service_sid)
    changes = {}
    if attributes is not UNSET:
        changes["attributes"] = common.attributes(attributes)
        if actor.identity is not None:
            own = common.is_own(actor, row["identity"])
            needed = "editOwnMemberAttributes" if own else "editAnyMemberAttributes"
            common.require(db, service_row, actor, needed, row["channel_sid"])
    if actor.identity is None:
        if role_sid is not UNSET:
            changes["role_sid"] = common.role(db, service_sid, role_sid, "channel")
        if last_consumed_message_index is not UNSET:
            changes["last_consumed_message_index"] = _horizon(last_consumed_message_index)
        if last_consumption_timestamp is not UNSET:
            changes["last_consumption_timestamp"] = _timestamp(last_consumption_timestamp)
        if notification_level is not UNSET:
            changes["notification_level"] = _notification_level(notification_level)
        changes.update(common.given(date_created=date_created, date_updated=date_updated))
    elif role_sid is not UNSET or last_consumed_message_index is not UNSET or notification_level is not UNSET:
        raise forbidden("Only the account may change a member's role or notification level; use the read horizon calls")
    return _update(chat, actor, service_row, row, changes)


def _update(chat: Chat, actor: Actor, service_row: dict, row: dict, changes: dict) -> dict:
    params = {**hook_params.member(row)}
    common.pre_event(chat, actor, service_row, "onMemberUpdate", params)
    with chat.write() as tx:
        if member_rows.get(tx.db, row["channel_sid"], row["sid"]) is None:
            raise not_found(f"Member {row['sid']} not found", 50400)
        member_rows.update(tx.db, row["sid"], changes)
        row = member_rows.get(tx.db, row["channel_sid"], row["sid"])
        channel_row = common.channel(tx.db, service_row["sid"], row["channel_sid"])
        scope, target = common.channel_scope(channel_row)
        common.record(tx, service_row["sid"], scope, target, "memberUpdated", serialize(chat, row))
        params = {**hook_params.member(row), "DateUpdated": row["date_updated"]}
        common.post_event(tx, chat, actor, service_row, "onMemberUpdated", params, row["channel_sid"])
    return row


def set_read_horizon(chat: Chat, actor: Actor, service_sid: str, channel_key: str, index, *, advance: bool = False):
    """Move the actor's last consumed message index (or clear it with None); with `advance` only
    forward. Returns the unread count afterwards (None while no horizon is set), as the SDK does."""
    index = _horizon(index)
    row = get(chat, actor, service_sid, channel_key, actor.identity)
    current = row["last_consumed_message_index"]
    if not (advance and current is not None and index is not None and index <= current) and index != current:
        service_row = common.service(chat, chat.store.db(), service_sid)
        changes = {"last_consumed_message_index": index, "last_consumption_timestamp": now_iso()}
        row = _update(chat, actor, service_row, row, changes)
    return unread_count(chat, row)


def unread_count(chat: Chat, member_row: dict) -> int | None:
    """Messages after the member's horizon; None until a horizon is set (Twilio's semantics)."""
    horizon = member_row["last_consumed_message_index"]
    if horizon is None:
        return None
    return message_rows.count_after(chat.store.db(), member_row["channel_sid"], horizon)


def invite(chat: Chat, actor: Actor, service_sid: str, channel_key: str, identity: str, role_sid=None) -> dict:
    """Invite a user (inviteMember for SDK users); the invitee hears channelInvited."""
    identity = common.identity(identity)
    db = chat.store.db()
    service_row = common.service(chat, db, service_sid)
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    common.require(db, service_row, actor, "inviteMember", channel_row["sid"])
    role_sid = common.role(db, service_sid, role_sid, "channel") if role_sid else None
    with chat.write() as tx:
        if member_rows.get(tx.db, channel_row["sid"], identity):
            raise conflict(f"Member {identity} already exists in channel {channel_row['sid']}", 50404)
        if member_rows.get_invite(tx.db, channel_row["sid"], identity):
            raise conflict(f"User {identity} is already invited to channel {channel_row['sid']}", 50212)
        common.ensure_user(chat, tx, service_row, identity)
        row = member_rows.create_invite(tx.db, service_sid, channel_row["sid"], identity, role_sid, actor.name)
        view = {**channels.serialize(chat, channel_row), "status": "invited", "invite": serialize_invite(chat, row)}
        common.record(tx, service_sid, USER, identity, "channelInvited", view)
    return row


def decline(chat: Chat, actor: Actor, service_sid: str, channel_key: str) -> None:
    """The actor declines its invite to a channel."""
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    invite_row = member_rows.get_invite(chat.store.db(), channel_row["sid"], actor.identity)
    if invite_row is None:
        raise not_found(f"No invite to channel {channel_key}", 50400)
    delete_invite(chat, actor, service_sid, channel_key, invite_row["sid"])


def invites_page(
    chat: Chat, actor: Actor, service_sid: str, channel_key: str, identities: list[str], after_rowid: int, limit: int
) -> list[dict]:
    """Invites in creation order after a position (`_rowid`), optionally only some identities."""
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    return member_rows.invites_page(chat.store.db(), channel_row["sid"], identities, after_rowid, limit)


def get_invite(chat: Chat, actor: Actor, service_sid: str, channel_key: str, sid: str) -> dict:
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    row = member_rows.get_invite(chat.store.db(), channel_row["sid"], sid)
    if row is None:
        raise not_found(f"Invite {sid} not found", 20404)
    return row


def delete_invite(chat: Chat, actor: Actor, service_sid: str, channel_key: str, sid: str) -> None:
    row = get_invite(chat, actor, service_sid, channel_key, sid)
    with chat.write() as tx:
        member_rows.delete_invite(tx.db, row["sid"])
        channel_row = common.channel(tx.db, service_sid, row["channel_sid"])
        view = {**channels.serialize(chat, channel_row), "status": "notParticipating"}
        common.record(tx, service_sid, USER, row["identity"], "channelUpdated", view)
