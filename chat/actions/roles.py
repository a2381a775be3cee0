"""Roles: named permission sets, `deployment` ones for users and `channel` ones for members.
Only the account manages them (REST); the permission names each type may hold are Twilio's (§4)."""

from ..context import Chat
from ..errors import bad_request, conflict, not_found
from ..store import services as service_rows
from . import common

# Permissions that apply in both scopes, then those of one scope only.
_SHARED = (
    "destroyChannel", "editChannelName", "editChannelAttributes", "addMember", "inviteMember", "removeMember",
    "editAnyMessage", "editAnyMessageAttributes", "deleteAnyMessage", "editOwnMessage", "editOwnMessageAttributes",
    "editOwnUserInfo", "editAnyUserInfo",
)  # fmt: skip
_CHANNEL_ONLY = (
    "sendMessage", "sendMediaMessage", "leaveChannel", "deleteOwnMessage", "editNotificationLevel",
    "editOwnMemberAttributes", "editAnyMemberAttributes",
)  # fmt: skip
PERMISSIONS = {
    "deployment": frozenset((*_SHARED, "createChannel", "joinChannel")),
    "channel": frozenset((*_SHARED, *_CHANNEL_ONLY)),
}
DEFAULT_ROLE_COLUMNS = ("default_service_role_sid", "default_channel_role_sid", "default_channel_creator_role_sid")


def page(chat: Chat, service_sid: str, after_rowid: int, limit: int) -> list[dict]:
    db = chat.store.db()
    common.service(chat, db, service_sid)
    return service_rows.roles_page(db, service_sid, after_rowid, limit)


def get(chat: Chat, service_sid: str, sid: str) -> dict:
    db = chat.store.db()
    common.service(chat, db, service_sid)
    return _role(db, service_sid, sid)


def create(chat: Chat, service_sid: str, friendly_name: str, type: str, permission: list[str]) -> dict:
    friendly_name = common.text(friendly_name, "FriendlyName")
    if not friendly_name:
        raise bad_request("FriendlyName must not be empty")
    permissions = _permissions(type, permission)
    with chat.write() as tx:
        common.service(chat, tx.db, service_sid)
        return service_rows.create_role(tx.db, service_sid, friendly_name, type, permissions)


def update(chat: Chat, service_sid: str, sid: str, permission: list[str]) -> dict:
    """Replace the role's permissions (Twilio's update takes the whole list)."""
    with chat.write() as tx:
        common.service(chat, tx.db, service_sid)
        row = _role(tx.db, service_sid, sid)
        service_rows.update_role(tx.db, row["sid"], _permissions(row["type"], permission))
        return _role(tx.db, service_sid, sid)


def delete(chat: Chat, service_sid: str, sid: str) -> None:
    """Refused while the role is a service default or held by anyone: they would be left without one."""
    with chat.write() as tx:
        service_row = common.service(chat, tx.db, service_sid)
        row = _role(tx.db, service_sid, sid)
        if row["sid"] in [service_row[column] for column in DEFAULT_ROLE_COLUMNS]:
            raise conflict(f"Role {sid} is a default role of the service; choose another default first", 20409)
        holders = service_rows.role_holders(tx.db, row["sid"])
        if holders:
            raise conflict(f"Role {sid} is still assigned to {holders} users, members or invites", 20409)
        service_rows.delete_role(tx.db, row["sid"])


def _role(db, service_sid: str, sid: str) -> dict:
    row = service_rows.get_role(db, service_sid, sid)
    if row is None:
        raise not_found(f"Role {sid} not found")
    return row


def _permissions(type: str, names: list[str]) -> list[str]:
    """The names in order without repeats; any name the role type cannot hold is a 400."""
    if type not in PERMISSIONS:
        raise bad_request("Type must be channel or deployment")
    unknown = [name for name in names if name not in PERMISSIONS[type]]
    if unknown:
        raise bad_request(f"Not permissions of a {type} role: {', '.join(unknown)}")
    return list(dict.fromkeys(names))
