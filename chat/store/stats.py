"""Read-only counts and searches for the operator's console and the health check.

Portable SQL only, run as is by both backends; what is backend-specific by nature (a health
ping, the database's size) is the backends' own (`ping`, `size`).
"""

from .db import one, rows


def count(db, sql: str, args: list) -> int:
    return db.execute(sql, args).fetchone()[0]


def users_online(db, service_sid: str) -> int:
    return count(db, "SELECT COUNT(*) FROM users WHERE service_sid = ? AND is_online = 1", [service_sid])


def messages_since(db, service_sid: str, since_iso: str) -> int:
    """Messages stored at or after `since_iso` (ISO 8601 UTC text compares in time order)."""
    return count(
        db, "SELECT COUNT(*) FROM messages WHERE service_sid = ? AND date_created >= ?", [service_sid, since_iso]
    )


def deliveries_by_status(db) -> dict[str, int]:
    found = rows(db.execute("SELECT status, COUNT(*) AS n FROM webhook_deliveries GROUP BY status"))
    return {row["status"]: row["n"] for row in found}


def sockets_by_process(db) -> list[dict]:
    """Each live server process (presence heartbeats) with the sockets it holds now."""
    return rows(
        db.execute(
            """
            SELECT p.id AS process_id, p.heartbeat AS heartbeat, COALESCE(SUM(s.count), 0) AS sockets
            FROM presence_processes p LEFT JOIN presence_sockets s ON s.process_id = p.id
            GROUP BY p.id, p.heartbeat ORDER BY p.id
            """
        )
    )


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally (ESCAPE '!')."""
    escaped = text.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def search_channels(db, service_sid: str, text: str, limit: int, offset: int) -> list[dict]:
    """Channels whose friendly or unique name contains `text` (any case), newest first."""
    pattern = _like(text)
    return rows(
        db.execute(
            """
            SELECT * FROM channels WHERE service_sid = ?
              AND (LOWER(COALESCE(friendly_name, '')) LIKE ? ESCAPE '!'
                   OR LOWER(COALESCE(unique_name, '')) LIKE ? ESCAPE '!')
            ORDER BY date_created DESC, sid LIMIT ? OFFSET ?
            """,
            [service_sid, pattern, pattern, limit, offset],
        )
    )


def search_users(db, service_sid: str, text: str, limit: int, offset: int) -> list[dict]:
    pattern = _like(text)
    return rows(
        db.execute(
            """
            SELECT * FROM users WHERE service_sid = ?
              AND (LOWER(identity) LIKE ? ESCAPE '!' OR LOWER(COALESCE(friendly_name, '')) LIKE ? ESCAPE '!')
            ORDER BY identity LIMIT ? OFFSET ?
            """,
            [service_sid, pattern, pattern, limit, offset],
        )
    )


def members_with_presence(db, channel_sid: str) -> list[dict]:
    """A channel's members by identity, each with its user's `is_online`."""
    return rows(
        db.execute(
            """
            SELECT m.*, COALESCE(u.is_online, 0) AS is_online FROM members m
            LEFT JOIN users u ON u.service_sid = m.service_sid AND u.identity = m.identity
            WHERE m.channel_sid = ? ORDER BY m.identity
            """,
            [channel_sid],
        )
    )


def invites_of_channel(db, channel_sid: str) -> list[dict]:
    return rows(db.execute("SELECT * FROM invites WHERE channel_sid = ? ORDER BY identity", [channel_sid]))


def channels_of_user(db, service_sid: str, identity: str) -> list[dict]:
    """The channels `identity` is a member of, with the member's channel role."""
    return rows(
        db.execute(
            """
            SELECT c.sid, c.friendly_name, c.unique_name, c.type, m.role_sid FROM members m
            JOIN channels c ON c.sid = m.channel_sid
            WHERE m.service_sid = ? AND m.identity = ? ORDER BY c.friendly_name, c.sid
            """,
            [service_sid, identity],
        )
    )


def roles_of_service(db, service_sid: str) -> list[dict]:
    return rows(db.execute("SELECT * FROM roles WHERE service_sid = ? ORDER BY type, friendly_name", [service_sid]))


def deliveries(db, *, status: str | None, target: str | None, since_iso: str | None, limit: int, offset: int):
    """The delivery log, newest first, filtered by status, target URL (contains) and creation time."""
    where, args = [], []
    if status:
        where.append("status = ?")
        args.append(status)
    if target:
        where.append("LOWER(url) LIKE ? ESCAPE '!'")
        args.append(_like(target))
    if since_iso:
        where.append("date_created >= ?")
        args.append(since_iso)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    return rows(
        db.execute(
            f"SELECT * FROM webhook_deliveries {clause} ORDER BY id DESC LIMIT ? OFFSET ?", [*args, limit, offset]
        )
    )


def delivery(db, id: int) -> dict | None:
    return one(db.execute("SELECT * FROM webhook_deliveries WHERE id = ?", [id]))
