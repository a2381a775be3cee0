"""Channel webhooks (twilio-chat-api.md §3.12): per-channel targets that get the channel's
post-event webhooks. `webhook` posts the events its filters name, `trigger` posts new messages
that contain one of its words, `studio` is stored for compatibility only."""

from urllib.parse import urlsplit

from .. import hook_events
from ..context import Actor, Chat
from ..errors import bad_request, not_found
from ..ids import is_sid
from ..store import channel_webhooks as rows
from . import channels, common

TYPES = ("webhook", "trigger", "studio")
METHODS = ("GET", "POST")
MAX_PER_CHANNEL = 5
MAX_TRIGGERS = 5
MAX_RETRIES = 3


def page(chat: Chat, actor: Actor, service_sid: str, channel_key: str, after_rowid: int, limit: int) -> list[dict]:
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    return rows.page(chat.store.db(), channel_row["sid"], after_rowid, limit)


def get(chat: Chat, actor: Actor, service_sid: str, channel_key: str, sid: str) -> dict:
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    if not is_sid(sid, "WH"):
        raise bad_request(f"{sid} is not a channel webhook SID", 50323)
    row = rows.get(chat.store.db(), channel_row["sid"], sid)
    if row is None:
        raise not_found(f"Channel webhook {sid} not found", 50320)
    return row


def create(chat: Chat, actor: Actor, service_sid: str, channel_key: str, type: str, **configuration) -> dict:
    if type not in TYPES:
        raise bad_request(f"Type must be one of {', '.join(TYPES)}")
    fields = _configuration(configuration)
    _complete(type, fields)
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    with chat.write() as tx:
        common.channel(tx.db, service_sid, channel_row["sid"])
        if rows.count(tx.db, channel_row["sid"]) >= MAX_PER_CHANNEL:
            raise bad_request(f"A channel has at most {MAX_PER_CHANNEL} webhooks")
        return rows.create(tx.db, service_sid, channel_row["sid"], type, **fields)


def update(chat: Chat, actor: Actor, service_sid: str, channel_key: str, sid: str, **configuration) -> dict:
    row = get(chat, actor, service_sid, channel_key, sid)
    changes = _configuration(configuration)
    _complete(row["type"], {**row, **changes})
    with chat.write() as tx:
        rows.update(tx.db, sid, changes)
        return rows.get(tx.db, row["channel_sid"], sid)


def delete(chat: Chat, actor: Actor, service_sid: str, channel_key: str, sid: str) -> None:
    row = get(chat, actor, service_sid, channel_key, sid)
    with chat.write() as tx:
        rows.delete(tx.db, row["sid"])


def _configuration(given: dict) -> dict:
    """Validated columns from the `configuration_*` keywords of the REST layer."""
    fields = {}
    for key, value in given.items():
        name = key.removeprefix("configuration_")
        if name == "url":
            parts = urlsplit(value or "")
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise bad_request("Configuration.Url must be an absolute http or https URL")
        elif name == "method":
            value = value.upper()
            if value not in METHODS:
                raise bad_request("Configuration.Method must be GET or POST", 50055)
        elif name == "filters":
            unknown = [event for event in value if event not in hook_events.ALL]
            if unknown:
                raise bad_request(f"Configuration.Filters has unknown event names: {', '.join(unknown)}")
        elif name == "triggers":
            if len(value) > MAX_TRIGGERS or any(not word.strip() or len(word) > 256 for word in value):
                raise bad_request(f"Configuration.Triggers takes 1 to {MAX_TRIGGERS} non-empty words", 50326)
        elif name == "flow_sid":
            if not is_sid(value, "FW"):
                raise bad_request("Configuration.FlowSid must be a Studio flow SID (FW...)")
        elif name == "retry_count":
            if not 0 <= value <= MAX_RETRIES:
                raise bad_request(f"Configuration.RetryCount is 0 to {MAX_RETRIES}", 50065)
        else:  # the API layer declares only the keys handled above
            raise bad_request(f"{key} cannot be set")
        fields[name] = value
    return fields


def _complete(type: str, fields: dict) -> None:
    """What each type needs to do anything: a URL, plus words for a trigger, a flow for studio."""
    if type in ("webhook", "trigger") and not fields.get("url"):
        raise bad_request(f"A {type} webhook needs Configuration.Url")
    if type == "trigger" and not fields.get("triggers"):
        raise bad_request("A trigger webhook needs Configuration.Triggers", 50326)
    if type == "studio" and not fields.get("flow_sid"):
        raise bad_request("A studio webhook needs Configuration.FlowSid")
