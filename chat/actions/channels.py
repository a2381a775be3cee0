"""Channel actions: create, look up, list."""

from .. import serializers
from ..context import Actor, Chat
from ..errors import bad_request, conflict, not_found
from ..events import SERVICE, USER
from ..ids import is_sid
from ..store import channels as channel_rows
from . import common


def serialize(chat: Chat, row: dict) -> dict:
    return serializers.channel(row, chat.base_url, chat.settings.account_sid)


def _unique_name(value) -> str | None:
    value = common.text(value, "UniqueName")
    if value is not None and is_sid(value, "CH"):
        raise bad_request("UniqueName must not look like a Channel SID", 50306)
    return value or None


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
        "created_by": common.text(created_by, "CreatedBy") or actor.name,
        "date_created": date_created,
        "date_updated": date_updated,
    }
    with chat.write() as tx:
        service_row = common.service(chat, tx.db, service_sid)
        common.require(tx.db, service_row, actor, "createChannel")
        if fields["unique_name"] and channel_rows.get(tx.db, service_sid, fields["unique_name"]):
            raise conflict(f"Channel with unique name {fields['unique_name']} already exists", 50307)
        if actor.identity:
            common.ensure_user(chat, tx, service_row, actor.identity)
        row = channel_rows.create(tx.db, service_sid, **fields)
        scope, target = (SERVICE, None) if type == "public" else (USER, fields["created_by"])
        common.record(tx, service_sid, scope, target, "channelAdded", serialize(chat, row))
    return row


def get(chat: Chat, actor: Actor, service_sid: str, key: str) -> dict:
    """By SID or unique name; a private channel is 'not found' for those who may not see it."""
    db = chat.store.db()
    common.service(chat, db, service_sid)
    row = channel_rows.get(db, service_sid, key)
    if row is None or not common.can_read(db, actor, row):
        raise not_found(f"Channel {key} not found", 50300)
    return row


def of_identity(chat: Chat, service_sid: str, identity: str) -> list[dict]:
    return channel_rows.of_identity(chat.store.db(), service_sid, identity)
