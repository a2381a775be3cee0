"""Services: the configuration every channel, user and role lives in (Twilio's Service resource)."""

import json
from urllib.parse import urlsplit

from .. import hook_events
from ..context import Chat
from ..errors import bad_request
from ..store import services as service_rows
from . import common

NOTIFICATION_KINDS = ("new_message", "added_to_channel", "removed_from_channel", "invited_to_channel")
MAX_RETRIES = 3
MAX_LIMIT = 1000


def create(chat: Chat, friendly_name: str) -> dict:
    friendly_name = common.text(friendly_name, "FriendlyName")
    with chat.write() as tx:
        return service_rows.create(tx.db, chat.settings.account_sid, friendly_name)


def get(chat: Chat, sid: str) -> dict:
    return common.service(chat, chat.store.db(), sid)


def page(chat: Chat, after_rowid: int, limit: int) -> list[dict]:
    return service_rows.page(chat.store.db(), after_rowid, limit)


def update(chat: Chat, sid: str, **changes) -> dict:
    """Apply Twilio's Service update parameters (keywords as in chat/api/services.py)."""
    with chat.write() as tx:
        row = common.service(chat, tx.db, sid)
        columns = _columns(tx.db, row, changes)
        service_rows.update(tx.db, sid, columns)
        return service_rows.get(tx.db, sid)


def delete(chat: Chat, sid: str) -> None:
    if sid == chat.settings.service_sid:
        raise bad_request("This server's tokens use this service (TWILIO_CHAT_SERVICE_SID); it cannot be deleted")
    with chat.write() as tx:
        common.service(chat, tx.db, sid)
        service_rows.delete(tx.db, sid)


def _columns(db, row: dict, changes: dict) -> dict:
    """Validated column values for `changes`; nothing is written unless all are valid."""
    columns = {}
    notifications = json.loads(row["notifications"] or "{}")
    for key, value in changes.items():
        if key == "friendly_name":
            columns[key] = common.text(value, "FriendlyName")
        elif key == "default_service_role_sid":
            columns[key] = common.role(db, row["sid"], value, "deployment")
        elif key in ("default_channel_role_sid", "default_channel_creator_role_sid"):
            columns[key] = common.role(db, row["sid"], value, "channel")
        elif key in ("read_status_enabled", "reachability_enabled"):
            columns[key] = int(value)
        elif key in ("typing_indicator_timeout", "consumption_report_interval"):
            columns[key] = _bounded(value, key, 1, 3600)
        elif key in ("limits_channel_members", "limits_user_channels"):
            columns[key] = _bounded(value, key, 1, MAX_LIMIT)
        elif key in ("pre_webhook_url", "post_webhook_url"):
            columns[key] = _url(value, key)
        elif key == "webhook_method":
            if value.upper() not in ("GET", "POST"):
                raise bad_request("WebhookMethod must be GET or POST", 50055)
            columns[key] = value.upper()
        elif key == "webhook_filters":
            columns[key] = json.dumps(_events(value, "WebhookFilters"))
        elif key in ("pre_webhook_retry_count", "post_webhook_retry_count"):
            if not 0 <= value <= MAX_RETRIES:
                raise bad_request(f"Webhook retry counts are 0 to {MAX_RETRIES}", 50065)
            columns[key] = value
        elif key == "media_compatibility_message":
            columns[key] = common.text(value, "Media.CompatibilityMessage")
        elif key.startswith("notifications_"):
            _set_notification(notifications, key.removeprefix("notifications_"), value)
            columns["notifications"] = json.dumps(notifications)
        else:  # the API layer declares only the keys handled above
            raise bad_request(f"{key} cannot be changed")
    return columns


def _bounded(value: int, name: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise bad_request(f"{name} must be {low} to {high}")
    return value


def _url(value: str, name: str) -> str | None:
    """An absolute http(s) URL, or empty to turn the hook off."""
    if value in ("", None):
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise bad_request(f"{name} must be an absolute http or https URL")
    return value


def _events(names: list[str], field: str) -> list[str]:
    unknown = [name for name in names if name not in hook_events.ALL]
    if unknown:
        raise bad_request(f"{field} has unknown event names: {', '.join(unknown)}")
    return names


def _set_notification(notifications: dict, path: str, value) -> None:
    """`new_message_template` -> notifications["new_message"]["template"]; `log_enabled` is top level."""
    if path == "log_enabled":
        notifications["log_enabled"] = value
        return
    for kind in NOTIFICATION_KINDS:
        if path.startswith(kind + "_"):
            notifications.setdefault(kind, {})[path.removeprefix(kind + "_")] = value
            return
    raise bad_request(f"Unknown notification setting {path}")
