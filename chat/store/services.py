"""Services and their roles."""

import json

from ..clock import now_iso
from ..ids import new_sid
from .db import insert_row, one, rows, update_row

# Twilio's four default roles (twilio-chat-api.md §4), created with every service. Both admin
# roles moderate: they may manage channels and members and edit or delete anyone's messages.
MODERATION = [
    "destroyChannel", "inviteMember", "removeMember", "editChannelName", "editChannelAttributes", "addMember",
    "editAnyMessage", "editAnyMessageAttributes", "deleteAnyMessage",
]  # fmt: skip
DEFAULT_ROLES = {
    "service user": ("deployment", ["createChannel", "joinChannel", "editOwnUserInfo"]),
    "service admin": ("deployment", ["createChannel", "joinChannel", *MODERATION, "editAnyUserInfo", "editOwnUserInfo"]),
    "channel user": (
        "channel",
        ["sendMessage", "sendMediaMessage", "leaveChannel", "editOwnMessage", "editOwnMessageAttributes",
         "deleteOwnMessage", "editOwnUserInfo"],
    ),
    "channel admin": ("channel", ["sendMessage", "sendMediaMessage", "leaveChannel", *MODERATION, "editOwnUserInfo"]),
}  # fmt: skip


def get(db, sid: str) -> dict | None:
    return one(db.execute("SELECT * FROM services WHERE sid = ?", [sid]))


def create(db, account_sid: str, friendly_name: str, sid: str | None = None) -> dict:
    """Insert a service with its four default roles and point the default role SIDs at them."""
    stamp = now_iso()
    sid = sid or new_sid("IS")
    insert_row(
        db,
        "services",
        {
            "sid": sid,
            "account_sid": account_sid,
            "friendly_name": friendly_name,
            "date_created": stamp,
            "date_updated": stamp,
        },
    )
    role_sids = {}
    for name, (kind, permissions) in DEFAULT_ROLES.items():
        role_sids[name] = create_role(db, sid, name, kind, permissions)["sid"]
    db.execute(
        "UPDATE services SET default_service_role_sid = ?, default_channel_role_sid = ?,"
        " default_channel_creator_role_sid = ? WHERE sid = ?",
        [role_sids["service user"], role_sids["channel user"], role_sids["channel admin"], sid],
    )
    return get(db, sid)


def ensure(db, account_sid: str, sid: str) -> None:
    """Create the configured service on first start (several processes may race here)."""
    if get(db, sid) is None:
        create(db, account_sid, "Chat Service", sid=sid)


def list_all(db) -> list[dict]:
    return rows(db.execute("SELECT * FROM services ORDER BY date_created, sid"))


def page(db, after_rowid: int, limit: int) -> list[dict]:
    """Services in creation order after a position (`_rowid`) from a previous page."""
    return rows(
        db.execute(
            "SELECT rowid AS _rowid, * FROM services WHERE rowid > ? ORDER BY rowid LIMIT ?", [after_rowid, limit]
        )
    )


def update(db, sid: str, changes: dict) -> None:
    if changes:
        changes = {**changes, "date_updated": now_iso()}
        update_row(db, "services", sid, changes)


def delete(db, sid: str) -> None:
    db.execute("DELETE FROM services WHERE sid = ?", [sid])


def get_role(db, service_sid: str, sid: str) -> dict | None:
    return one(db.execute("SELECT * FROM roles WHERE sid = ? AND service_sid = ?", [sid, service_sid]))


def roles_page(db, service_sid: str, after_rowid: int, limit: int) -> list[dict]:
    """A service's roles in creation order after a position (`_rowid`) from a previous page."""
    return rows(
        db.execute(
            "SELECT rowid AS _rowid, * FROM roles WHERE service_sid = ? AND rowid > ? ORDER BY rowid LIMIT ?",
            [service_sid, after_rowid, limit],
        )
    )


def create_role(db, service_sid: str, friendly_name: str, kind: str, permissions: list[str]) -> dict:
    stamp = now_iso()
    row = {
        "sid": new_sid("RL"),
        "service_sid": service_sid,
        "friendly_name": friendly_name,
        "type": kind,
        "permissions": json.dumps(permissions),
        "date_created": stamp,
        "date_updated": stamp,
    }
    insert_row(db, "roles", row)
    return row


def update_role(db, sid: str, permissions: list[str]) -> None:
    update_row(db, "roles", sid, {"permissions": json.dumps(permissions), "date_updated": now_iso()})


def delete_role(db, sid: str) -> None:
    db.execute("DELETE FROM roles WHERE sid = ?", [sid])


def role_holders(db, sid: str) -> int:
    """How many users, members and invites hold the role."""
    return db.execute(
        "SELECT (SELECT count(*) FROM users WHERE role_sid = :sid) + (SELECT count(*) FROM members WHERE role_sid = :sid)"
        " + (SELECT count(*) FROM invites WHERE role_sid = :sid)",
        {"sid": sid},
    ).fetchone()[0]


def granted(
    db, service_sid: str, default_role_sid: str | None, identities: list[str], channel_sid: str | None
) -> dict[str, tuple[set[str], bool]]:
    """For each identity: the permissions of the user's service role (theirs once they have a
    user row, even none; else the service's default) and, with `channel_sid`, of their member
    role there; and whether they are a member of it. One statement: a round trip on PostgreSQL."""
    marks = ", ".join("?" * len(identities))
    sql = (
        "SELECT 'default', NULL, permissions FROM roles WHERE sid = ?"
        " UNION ALL SELECT 'user', u.identity, r.permissions FROM users u LEFT JOIN roles r ON r.sid = u.role_sid"
        f" WHERE u.service_sid = ? AND u.identity IN ({marks})"
    )
    params = [default_role_sid, service_sid, *identities]
    if channel_sid:
        sql += (
            " UNION ALL SELECT 'member', m.identity, r.permissions FROM members m LEFT JOIN roles r ON r.sid = m.role_sid"
            f" WHERE m.channel_sid = ? AND m.identity IN ({marks})"
        )
        params += [channel_sid, *identities]
    default: list[str] = []
    users: dict[str, list[str]] = {}
    members: dict[str, list[str]] = {}
    for row in db.execute(sql, params).fetchall():  # by position: a row iterates its column names
        granted_here = json.loads(row[2]) if row[2] else []
        if row[0] == "default":
            default = granted_here
        else:
            (users if row[0] == "user" else members)[row[1]] = granted_here
    return {
        identity: ({*users.get(identity, default), *members.get(identity, ())}, identity in members)
        for identity in identities
    }
