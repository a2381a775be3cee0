"""Push credentials of the account. Their secrets are stored here and never leave through the API."""

from ..clock import now_iso
from ..ids import new_sid
from .db import insert_row, one, rows, update_row


def get(db, sid: str) -> dict | None:
    return one(db.execute("SELECT * FROM credentials WHERE sid = ?", [sid]))


def create(db, account_sid: str, type: str, fields: dict) -> dict:
    stamp = now_iso()
    row = {"sid": new_sid("CR"), "account_sid": account_sid, "type": type, "date_created": stamp, "date_updated": stamp}
    insert_row(db, "credentials", {**row, **fields})
    return get(db, row["sid"])


def update(db, sid: str, fields: dict) -> None:
    update_row(db, "credentials", sid, {**fields, "date_updated": now_iso()})


def delete(db, sid: str) -> None:
    db.execute("DELETE FROM credentials WHERE sid = ?", [sid])


def page(db, after_rowid: int, limit: int) -> list[dict]:
    return rows(
        db.execute(
            "SELECT rowid AS _rowid, * FROM credentials WHERE rowid > ? ORDER BY rowid LIMIT ?", [after_rowid, limit]
        )
    )
