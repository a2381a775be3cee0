"""Push bindings: the SDK registers a device (WebSocket command `push.register`); REST lists,
fetches and deletes them. Push delivery itself is not built, so a binding is only stored."""

from .. import serializers
from ..context import Chat
from ..errors import bad_request, not_found
from ..store import bindings as binding_rows
from ..store import credentials as credential_rows
from . import common
from .credentials import TYPES

# Twilio's values, in the order its examples list them.
MESSAGE_TYPES = ["removed_from_channel", "new_message", "added_to_channel", "invited_to_channel"]
MAX_ADDRESS = 4096


def serialize(chat: Chat, row: dict) -> dict:
    return serializers.binding(row, chat.api_base, chat.settings.account_sid)


def page(
    chat: Chat, service_sid: str, identities: list[str], types: list[str], after_rowid: int, limit: int
) -> list[dict]:
    db = chat.store.db()
    common.service(chat, db, service_sid)
    return binding_rows.page(db, service_sid, identities, types, after_rowid, limit)


def get(chat: Chat, service_sid: str, sid: str, user: dict | None = None) -> dict:
    """A binding of the service, or only of `user` (the UserBindings paths)."""
    db = chat.store.db()
    common.service(chat, db, service_sid)
    row = binding_rows.get(db, service_sid, sid)
    if row is None or (user is not None and row["identity"] != user["identity"]):
        raise not_found(f"Binding {sid} not found")
    return row


def delete(chat: Chat, service_sid: str, sid: str, user: dict | None = None) -> None:
    row = get(chat, service_sid, sid, user)
    with chat.write() as tx:
        binding_rows.delete(tx.db, row["sid"])


def register(
    chat: Chat, service_sid: str, identity: str, endpoint: str, binding_type, address, credential_sid=None
) -> dict:
    """Store the device address for the connection's endpoint (what the SDK's setPushRegistrationId does)."""
    if binding_type not in TYPES:
        raise bad_request(f"type must be one of {', '.join(TYPES)}")
    if not isinstance(address, str) or not address:
        raise bad_request("address (the device's registration id or token) is required")
    common.text(address, "address", MAX_ADDRESS)
    with chat.write() as tx:
        service_row = common.service(chat, tx.db, service_sid)
        if credential_sid is not None:
            found = credential_rows.get(tx.db, credential_sid) if isinstance(credential_sid, str) else None
            if found is None or found["type"] != binding_type:
                raise bad_request(f"credentialSid must name a {binding_type} credential")
        common.ensure_user(chat, tx, service_row, identity)
        fields = {"address": address, "credential_sid": credential_sid, "message_types": MESSAGE_TYPES}
        return binding_rows.put(tx.db, service_sid, identity, endpoint, binding_type, fields)


def unregister(chat: Chat, service_sid: str, identity: str, endpoint: str, binding_type) -> None:
    """Forget the connection's binding of one type (the SDK's unsetPushRegistrationId)."""
    with chat.write() as tx:
        binding_rows.delete_endpoint(tx.db, service_sid, identity, endpoint, binding_type)
