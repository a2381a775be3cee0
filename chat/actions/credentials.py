"""Push credentials (APN certificate and key, GCM API key, FCM server key). Push delivery is not
built: credentials are kept so bindings can name them and apps can manage them as on Twilio."""

from ..context import Chat
from ..errors import bad_request, not_found
from ..store import credentials as credential_rows
from . import common

TYPES = ("gcm", "apn", "fcm")
# The settings each type uses; one that does not apply to the type is refused rather than ignored.
FIELDS_OF = {
    "apn": ("certificate", "private_key", "sandbox"),
    "gcm": ("api_key",),
    "fcm": ("secret",),
}
NAMES = {
    "certificate": "Certificate",
    "private_key": "PrivateKey",
    "sandbox": "Sandbox",
    "api_key": "ApiKey",
    "secret": "Secret",
}
MAX_SECRET = 16 * 1024


def page(chat: Chat, after_rowid: int, limit: int) -> list[dict]:
    return credential_rows.page(chat.store.db(), after_rowid, limit)


def get(chat: Chat, sid: str) -> dict:
    return _credential(chat.store.db(), sid)


def create(chat: Chat, type: str, **fields) -> dict:
    columns = _columns(type, fields)
    with chat.write() as tx:
        return credential_rows.create(tx.db, chat.settings.account_sid, type, columns)


def update(chat: Chat, sid: str, **fields) -> dict:
    with chat.write() as tx:
        row = _credential(tx.db, sid)
        credential_rows.update(tx.db, sid, _columns(row["type"], fields))
        return credential_rows.get(tx.db, sid)


def delete(chat: Chat, sid: str) -> None:
    """Bindings that named the credential keep working without one (their credential_sid becomes null)."""
    with chat.write() as tx:
        _credential(tx.db, sid)
        credential_rows.delete(tx.db, sid)


def _credential(db, sid: str) -> dict:
    row = credential_rows.get(db, sid)
    if row is None:
        raise not_found(f"Credential {sid} not found")
    return row


def _columns(type: str, fields: dict) -> dict:
    if type not in TYPES:
        raise bad_request(f"Type must be one of {', '.join(TYPES)}")
    columns = {}
    for key, value in fields.items():
        if key == "friendly_name":
            columns[key] = common.text(value, "FriendlyName", 64)
        elif key not in FIELDS_OF[type]:
            raise bad_request(f"{NAMES.get(key, key)} does not apply to {type} credentials")
        elif key == "sandbox":
            columns[key] = int(value)
        else:
            columns[key] = common.text(value, NAMES[key], MAX_SECRET)
    return columns
