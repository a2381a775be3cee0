"""Channel actions: create, look up, update, delete."""

from .. import serializers
from ..clock import now_iso
from ..context import Actor, Chat
from ..errors import bad_request, conflict, not_found
from ..events import SERVICE, USER
from ..ids import is_sid
from ..store import channels as channel_rows
from . import common, hook_params
from .common import UNSET


def serialize(chat: Chat, row: dict) -> dict:
    return serializers.channel(row, chat.api_base, chat.settings.account_sid)


def _unique_name(value) -> str | None:
    value = common.text(value, "UniqueName")
    if value is not None and is_sid(value, "CH"):
        raise bad_request("UniqueName must not look like a Channel SID", 50306)
    return value or None


def _audience(row: dict) -> tuple[str, str | None]:
    """Public channels are announced to the whole service; private ones to their members."""
    return (SERVICE, None) if row["type"] == "public" else common.channel_scope(row)


def create(
    chat: Chat,
    actor: Actor,
    service_sid: str,
    *,
    friendly_name=None,
    unique_name=None,
    attributes=None,
    type: str = "public",
    created_by=None,
    date_created=None,
    date_updated=None,
) -> dict:
    if type not in ("public", "private"):
        raise bad_request("Type must be public or private", 20001)
    fields = {
        "friendly_name": common.text(friendly_name, "FriendlyName"),
        "unique_name": _unique_name(unique_name),
        "attributes": common.attributes(attributes),
        "type": type,
        "created_by": actor.identity or common.text(created_by, "CreatedBy") or "system",
        "date_created": date_created,
        "date_updated": date_updated,
    }
    db = chat.store.db()
    service_row = common.service(chat, db, service_sid)
    common.require(db, service_row, actor, "createChannel")
    _check_unique_name_free(db, service_sid, fields["unique_name"])  # before the hook and the write
    params = {
        "ChannelType": type,
        "UniqueName": fields["unique_name"],
        "FriendlyName": fields["friendly_name"],
        "Attributes": fields["attributes"],
        "CreatedBy": fields["created_by"],
    }
    answer = common.pre_event(chat, actor, service_row, "onChannelAdd", params)
    mapping = {"FriendlyName": "friendly_name", "UniqueName": "unique_name", "Attributes": "attributes"}
    for argument, value in hook_params.pick(answer, params, mapping).items():
        fields[argument] = common.attributes(value) if argument == "attributes" else common.text(value, argument)
    with chat.write() as tx:
        _check_unique_name_free(tx.db, service_sid, fields["unique_name"])  # again: the hook may rename
        if actor.identity:
            common.ensure_user(chat, tx, service_row, actor.identity)
        row = channel_rows.create(tx.db, service_sid, **fields)
        scope, target = (SERVICE, None) if type == "public" else (USER, fields["created_by"])
        common.record(tx, service_sid, scope, target, "channelAdded", serialize(chat, row))
        common.post_event(tx, chat, actor, service_row, "onChannelAdded", hook_params.channel(row), row["sid"])
    return row


def _check_unique_name_free(db, service_sid: str, unique_name: str | None) -> None:
    if unique_name and channel_rows.get(db, service_sid, unique_name):
        raise conflict(f"Channel with unique name {unique_name} already exists", 50307)


def get(chat: Chat, actor: Actor, service_sid: str, key: str) -> dict:
    """By SID or unique name; a private channel is 'not found' for those who may not see it."""
    db = chat.store.db()
    common.service(chat, db, service_sid)
    row = channel_rows.get(db, service_sid, key)
    if row is None or not common.can_read(db, actor, row):
        raise not_found(f"Channel {key} not found", 50300)
    return row


def update(
    chat: Chat,
    actor: Actor,
    service_sid: str,
    key: str,
    *,
    friendly_name=UNSET,
    unique_name=UNSET,
    attributes=UNSET,
    created_by=UNSET,
    date_created=UNSET,
    date_updated=UNSET,
) -> dict:
    """Rename or re-describe a channel (editChannelName / editChannelAttributes for SDK users)."""
    changes = common.given(friendly_name=friendly_name, unique_name=unique_name, attributes=attributes)
    if "friendly_name" in changes:
        changes["friendly_name"] = common.text(friendly_name, "FriendlyName")
    if "unique_name" in changes:
        changes["unique_name"] = _unique_name(unique_name)
    if "attributes" in changes:
        changes["attributes"] = common.attributes(attributes)
    if actor.identity is None:
        changes.update(common.given(created_by=created_by, date_created=date_created, date_updated=date_updated))
    row = get(chat, actor, service_sid, key)
    db = chat.store.db()
    service_row = common.service(chat, db, service_sid)
    if "friendly_name" in changes or "unique_name" in changes:
        common.require(db, service_row, actor, "editChannelName", row["sid"])
    if "attributes" in changes:
        common.require(db, service_row, actor, "editChannelAttributes", row["sid"])
    params = {**hook_params.channel(row)}
    params.update(
        {
            hook: changes[arg]
            for hook, arg in (
                ("FriendlyName", "friendly_name"),
                ("UniqueName", "unique_name"),
                ("Attributes", "attributes"),
            )
            if arg in changes
        }
    )
    answer = common.pre_event(chat, actor, service_row, "onChannelUpdate", params)
    mapping = {"FriendlyName": "friendly_name", "UniqueName": "unique_name", "Attributes": "attributes"}
    for argument, value in hook_params.pick(answer, params, mapping).items():
        changes[argument] = common.attributes(value) if argument == "attributes" else common.text(value, argument)
    with chat.write() as tx:
        current = common.channel(tx.db, service_sid, row["sid"])
        name = changes.get("unique_name")
        if name and name != current["unique_name"] and channel_rows.get(tx.db, service_sid, name):
            raise conflict(f"Channel with unique name {name} already exists", 50307)
        channel_rows.update(tx.db, row["sid"], changes)
        row = common.channel(tx.db, service_sid, row["sid"])
        scope, target = _audience(row)
        common.record(tx, service_sid, scope, target, "channelUpdated", serialize(chat, row))
        params = {**hook_params.channel(row), "DateUpdated": row["date_updated"]}
        common.post_event(tx, chat, actor, service_row, "onChannelUpdated", params, row["sid"])
    return row


def delete(chat: Chat, actor: Actor, service_sid: str, key: str) -> dict:
    """Destroy a channel with its members and messages (destroyChannel for SDK users)."""
    row = get(chat, actor, service_sid, key)
    db = chat.store.db()
    service_row = common.service(chat, db, service_sid)
    common.require(db, service_row, actor, "destroyChannel", row["sid"])
    common.pre_event(chat, actor, service_row, "onChannelDestroy", hook_params.channel(row))
    with chat.write() as tx:
        row = common.channel(tx.db, service_sid, row["sid"])
        scope, target = _audience(row)
        common.record(tx, service_sid, scope, target, "channelRemoved", serialize(chat, row))
        params = {**hook_params.channel(row), "DateDestroyed": now_iso()}
        # Queued before the delete, which takes the channel's webhooks with it.
        common.post_event(tx, chat, actor, service_row, "onChannelDestroyed", params, row["sid"])
        channel_rows.delete(tx.db, row["sid"])
    return row


def of_identity(chat: Chat, service_sid: str, identity: str) -> list[dict]:
    return channel_rows.of_identity(chat.store.db(), service_sid, identity)


def public_page(chat: Chat, service_sid: str, after_rowid: int, limit: int) -> list[dict]:
    """Public channels in creation order, after a position (`_rowid`) from a previous page."""
    return page(chat, service_sid, ["public"], after_rowid, limit)


def page(chat: Chat, service_sid: str, types: list[str], after_rowid: int, limit: int) -> list[dict]:
    """Channels of the given types in creation order (the account's view: private ones too)."""
    db = chat.store.db()
    common.service(chat, db, service_sid)
    return channel_rows.page(db, service_sid, types, after_rowid, limit)


def invited_to(chat: Chat, service_sid: str, identity: str) -> list[dict]:
    return channel_rows.invited_to(chat.store.db(), service_sid, identity)
