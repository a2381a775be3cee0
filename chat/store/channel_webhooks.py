"""Channel webhooks: per-channel targets of type webhook, trigger or studio (at most 5)."""

import json

from ..clock import now_iso
from ..ids import new_sid
from .db import insert_row, one, rows, update_row


def _row(row: dict | None) -> dict | None:
    if row is not None:
        row["filters"] = json.loads(row["filters"])
        row["triggers"] = json.loads(row["triggers"])
    return row


def get(db, channel_sid: str, sid: str) -> dict | None:
    return _row(one(db.execute("SELECT * FROM channel_webhooks WHERE channel_sid = ? AND sid = ?", [channel_sid, sid])))


def of_channel(db, channel_sid: str) -> list[dict]:
    found = db.execute("SELECT * FROM channel_webhooks WHERE channel_sid = ? ORDER BY date_created, sid", [channel_sid])
    return [_row(row) for row in rows(found)]


def page(db, channel_sid: str, after_rowid: int, limit: int) -> list[dict]:
    found = db.execute(
        "SELECT rowid AS _rowid, * FROM channel_webhooks WHERE channel_sid = ? AND rowid > ? ORDER BY rowid LIMIT ?",
        [channel_sid, after_rowid, limit],
    )
    return [_row(row) for row in rows(found)]


def count(db, channel_sid: str) -> int:
    return db.execute("SELECT COUNT(*) FROM channel_webhooks WHERE channel_sid = ?", [channel_sid]).fetchone()[0]


def create(db, service_sid: str, channel_sid: str, type: str, **fields) -> dict:
    stamp = now_iso()
    row = {
        "sid": new_sid("WH"),
        "service_sid": service_sid,
        "channel_sid": channel_sid,
        "type": type,
        "url": fields.get("url"),
        "method": fields.get("method") or "POST",
        "filters": json.dumps(fields.get("filters") or []),
        "triggers": json.dumps(fields.get("triggers") or []),
        "flow_sid": fields.get("flow_sid"),
        "retry_count": fields.get("retry_count") or 0,
        "date_created": stamp,
        "date_updated": stamp,
    }
    insert_row(db, "channel_webhooks", row)
    return get(db, channel_sid, row["sid"])


def update(db, sid: str, changes: dict) -> None:
    changes = dict(changes)
    for name in ("filters", "triggers"):
        if name in changes:
            changes[name] = json.dumps(changes[name])
    update_row(db, "channel_webhooks", sid, {**changes, "date_updated": now_iso()})


def delete(db, sid: str) -> None:
    db.execute("DELETE FROM channel_webhooks WHERE sid = ?", [sid])
