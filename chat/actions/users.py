"""User actions: first sight of an identity, create, read, update, delete."""

from .. import serializers
from ..context import Actor, Chat
from ..errors import conflict, forbidden, not_found
from ..events import SERVICE
from ..store import bindings as binding_rows
from ..store import channels as channel_rows
from ..store import members as member_rows
from ..store import users as user_rows
from . import common, hook_params, members
from .common import UNSET


def serialize(
    chat: Chat, row: dict, single: bool = False, base: str | None = None, service_row: dict | None = None
) -> dict:
    """Twilio fills is_online/is_notifiable only on a single fetch with reachability enabled.
    `base` overrides the origin of `url` and `links` (REST uses the request's); `service_row`,
    the user's service as the caller read it."""
    db = chat.store.db()
    reachability = None
    if single:
        service_row = service_row or common.service(chat, db, row["service_sid"])
        reachability = True if service_row["reachability_enabled"] else None
    count = user_rows.joined_channels_count(db, row["service_sid"], row["identity"])
    return serializers.user(
        row, chat.api_base if base is None else base, chat.settings.account_sid, count, reachability
    )


def ensure(chat: Chat, service_sid: str, identity: str) -> dict:
    """The user for a verified token identity, created on first connect."""
    row = user_rows.get(chat.store.db(), service_sid, identity)
    if row is not None:
        return row
    with chat.write() as tx:
        return common.ensure_user(chat, tx, common.service(chat, tx.db, service_sid), identity)


def get(chat: Chat, service_sid: str, key: str) -> dict:
    db = chat.store.db()
    common.service(chat, db, service_sid)
    row = user_rows.get(db, service_sid, key)
    if row is None:
        raise not_found(f"User {key} not found", 50200)
    return row


def page(chat: Chat, service_sid: str, after_rowid: int, limit: int) -> list[dict]:
    db = chat.store.db()
    common.service(chat, db, service_sid)
    return user_rows.page(db, service_sid, after_rowid, limit)


def create(
    chat: Chat, actor: Actor, service_sid: str, identity, *, role_sid=None, attributes=None, friendly_name=None
) -> dict:
    identity = common.identity(identity)
    attributes = common.attributes(attributes)
    friendly_name = common.text(friendly_name, "FriendlyName")
    with chat.write() as tx:
        service_row = common.service(chat, tx.db, service_sid)
        if user_rows.get(tx.db, service_sid, identity):
            raise conflict(f"User {identity} already exists", 50201)
        role = common.role(tx.db, service_sid, role_sid, "deployment") if role_sid else None
        row = user_rows.create(
            tx.db, service_sid, identity, role or service_row["default_service_role_sid"], friendly_name, attributes
        )
        common.post_event(tx, chat, actor, service_row, "onUserAdded", hook_params.user(row))
    return row


def update(
    chat: Chat, actor: Actor, service_sid: str, key: str, *, friendly_name=UNSET, attributes=UNSET, role_sid=UNSET
) -> dict:
    """Change a user's friendly name or attributes (editOwnUserInfo / editAnyUserInfo for SDK
    users); only the account may change the role. Everyone in the service hears userUpdated."""
    row = get(chat, service_sid, key)
    db = chat.store.db()
    service_row = common.service(chat, db, service_sid)
    changes = common.given(friendly_name=friendly_name, attributes=attributes)
    if "friendly_name" in changes:
        changes["friendly_name"] = common.text(friendly_name, "FriendlyName")
    if "attributes" in changes:
        changes["attributes"] = common.attributes(attributes)
    if actor.identity is not None:
        own = common.is_own(actor, row["identity"])
        common.require(db, service_row, actor, "editOwnUserInfo" if own else "editAnyUserInfo")
        if role_sid is not UNSET:
            raise forbidden("Only the account may change a user's role")
    elif role_sid is not UNSET:
        changes["role_sid"] = common.role(db, service_sid, role_sid, "deployment")
    params = {**hook_params.user(row)}
    params.update(
        {
            "FriendlyName": changes.get("friendly_name", row["friendly_name"]),
            "Attributes": changes.get("attributes", row["attributes"]),
        }
    )
    answer = common.pre_event(chat, actor, service_row, "onUserUpdate", params)
    mapping = {"FriendlyName": "friendly_name", "Attributes": "attributes"}
    for argument, value in hook_params.pick(answer, params, mapping).items():
        changes[argument] = common.attributes(value) if argument == "attributes" else common.text(value, argument)
    with chat.write() as tx:
        if user_rows.get(tx.db, service_sid, row["sid"]) is None:
            raise not_found(f"User {key} not found", 50200)
        user_rows.update(tx.db, row["sid"], changes)
        row = user_rows.get(tx.db, service_sid, row["sid"])
        common.record(tx, service_sid, SERVICE, None, "userUpdated", serialize(chat, row))
        common.post_event(tx, chat, actor, service_row, "onUserUpdated", hook_params.user(row))
    return row


def delete(chat: Chat, actor: Actor, service_sid: str, key: str) -> dict:
    """Delete a user with its memberships (each announced as memberLeft), invites and push bindings."""
    row = get(chat, service_sid, key)
    for channel_row in channel_rows.of_identity(chat.store.db(), service_sid, row["identity"]):
        members.remove(chat, actor, service_sid, channel_row["sid"], row["identity"])
    for invite in member_rows.invites_of_identity(chat.store.db(), service_sid, row["identity"]):
        members.delete_invite(chat, actor, service_sid, invite["channel_sid"], invite["sid"])
    with chat.write() as tx:
        user_rows.delete(tx.db, row["sid"])
        binding_rows.delete_of_identity(tx.db, service_sid, row["identity"])
    return row
