"""User actions: first sight of an identity."""

from .. import serializers
from ..context import Chat
from ..store import users as user_rows
from . import common


def serialize(chat: Chat, row: dict, single: bool = False) -> dict:
    db = chat.store.db()
    reachability = None
    if single:
        service_row = common.service(chat, db, row["service_sid"])
        reachability = bool(service_row["reachability_enabled"]) or None
    count = user_rows.joined_channels_count(db, row["service_sid"], row["identity"])
    return serializers.user(row, chat.base_url, chat.settings.account_sid, count, reachability)


def ensure(chat: Chat, service_sid: str, identity: str) -> dict:
    """The user for a verified token identity, created on first connect."""
    row = user_rows.get(chat.store.db(), service_sid, identity)
    if row is not None:
        return row
    with chat.write() as tx:
        return common.ensure_user(chat, tx, common.service(chat, tx.db, service_sid), identity)
