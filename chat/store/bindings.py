"""Push bindings: one per (endpoint, type) of a user, as the SDK registers them."""

import json

from ..clock import now_iso
from ..ids import new_sid
from .db import insert_row, one, rows, update_row


def get(db, service_sid: str, sid: str) -> dict | None:
    return one(db.execute("SELECT * FROM bindings WHERE service_sid = ? AND sid = ?", [service_sid, sid]))


def put(db, service_sid: str, identity: str, endpoint: str, binding_type: str, fields: dict) -> dict:
    """Create the binding of an endpoint and type, or re-point it (a new address, user or credential)."""
    stamp = now_iso()
    found = one(
        db.execute(
            "SELECT sid FROM bindings WHERE service_sid = ? AND endpoint = ? AND binding_type = ?",
            [service_sid, endpoint, binding_type],
        )
    )
    changes = {**fields, "identity": identity, "message_types": json.dumps(fields["message_types"])}
    if found:
        update_row(db, "bindings", found["sid"], {**changes, "date_updated": stamp})
        return get(db, service_sid, found["sid"])
    row = {"sid": new_sid("BS"), "service_sid": service_sid, "endpoint": endpoint, "binding_type": binding_type}
    insert_row(db, "bindings", {**row, **changes, "date_created": stamp, "date_updated": stamp})
    return get(db, service_sid, row["sid"])


def delete(db, sid: str) -> None:
    db.execute("DELETE FROM bindings WHERE sid = ?", [sid])


def delete_endpoint(db, service_sid: str, identity: str, endpoint: str, binding_type: str) -> None:
    db.execute(
        "DELETE FROM bindings WHERE service_sid = ? AND identity = ? AND endpoint = ? AND binding_type = ?",
        [service_sid, identity, endpoint, binding_type],
    )


def delete_of_identity(db, service_sid: str, identity: str) -> None:
    db.execute("DELETE FROM bindings WHERE service_sid = ? AND identity = ?", [service_sid, identity])


def page(db, service_sid: str, identities: list[str], types: list[str], after_rowid: int, limit: int) -> list[dict]:
    """Bindings in creation order after `after_rowid`, optionally only some identities and types."""
    where, params = "service_sid = ? AND rowid > ?", [service_sid, after_rowid]
    for column, values in (("identity", identities), ("binding_type", types)):
        if values:
            where += f" AND {column} IN ({','.join('?' * len(values))})"
            params += values
    return rows(
        db.execute(f"SELECT rowid AS _rowid, * FROM bindings WHERE {where} ORDER BY rowid LIMIT ?", [*params, limit])
    )
