"""The export format (docs/export.md): JSON Lines. A header line names the format and its version;
then one object per line, `{"type": ..., "data": <Twilio's REST JSON>}`, with `extra` for what
we keep that Twilio's JSON does not show; an `end` line closes the file.

This module turns store rows into lines and lines back into store rows, checking each line's
shape; `BadLine` names what is wrong, and the reader adds the line number."""

import base64
import hashlib
import json
from datetime import datetime

from .. import serializers
from ..clock import iso, parse

FORMAT = "twilio-chat-export"
VERSION = 1
BASE = "/v2"  # URLs in the file are relative: the file does not know where it will be served

KINDS = ("service", "role", "user", "media", "channel", "webhook", "member", "invite", "message")


class BadLine(ValueError):
    """A line that is not what the format says it should be."""


def header(exported_at: str, generator: str) -> dict:
    return {"format": FORMAT, "version": VERSION, "exported_at": exported_at, "generator": generator}


def check_header(line: dict) -> None:
    if not isinstance(line, dict) or line.get("format") != FORMAT:
        raise BadLine(f'the first line must name the format: {{"format": "{FORMAT}", "version": {VERSION}, ...}}')
    if line.get("version") != VERSION:
        raise BadLine(f"format version {line.get('version')!r} is not one this program reads (it reads {VERSION})")


def end(lines: int) -> dict:
    return {"type": "end", "lines": lines}


def dumps(line: dict) -> str:
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


# Rows -> lines. Dates keep the stored milliseconds (Twilio's JSON shows whole seconds).
def _keep_dates(rendered: dict, row: dict, *columns: str) -> dict:
    for column in columns or ("date_created", "date_updated"):
        rendered[column] = row[column]
    return rendered


def service_line(row: dict) -> dict:
    return {"type": "service", "data": _keep_dates(serializers.service(row, BASE), row)}


def role_line(row: dict, account_sid: str) -> dict:
    return {"type": "role", "data": _keep_dates(serializers.role(row, BASE, account_sid), row)}


def user_line(row: dict, account_sid: str, joined: int) -> dict:
    return {"type": "user", "data": _keep_dates(serializers.user(row, BASE, account_sid, joined, None), row)}


def channel_line(row: dict, account_sid: str) -> dict:
    data = _keep_dates(serializers.channel(row, BASE, account_sid), row)
    extra = {"next_index": row["next_index"], "last_message_date": row["last_message_date"]}
    return {"type": "channel", "data": data, "extra": extra}


def webhook_line(row: dict, account_sid: str) -> dict:
    row = {**row, "filters": json.loads(row["filters"]), "triggers": json.loads(row["triggers"])}
    return {"type": "webhook", "data": _keep_dates(serializers.webhook(row, BASE, account_sid), row)}


def member_line(row: dict, account_sid: str) -> dict:
    data = _keep_dates(serializers.member(row, BASE, account_sid), row)
    data["last_consumption_timestamp"] = row["last_consumption_timestamp"]
    return {"type": "member", "data": data, "extra": {"notification_level": row["notification_level"]}}


def invite_line(row: dict, account_sid: str) -> dict:
    return {"type": "invite", "data": _keep_dates(serializers.invite(row, BASE, account_sid), row)}


def message_line(row: dict, account_sid: str, media: dict | None) -> dict:
    return {"type": "message", "data": _keep_dates(serializers.message(row, BASE, account_sid, media), row)}


def media_line(row: dict, account_sid: str, file: str | None = None) -> dict:
    """A picture: Twilio's media fields, and its bytes in base64 (`content`) or in a side file."""
    data = {
        "sid": row["sid"],
        "account_sid": account_sid,
        "service_sid": row["service_sid"],
        "filename": row["filename"],
        "content_type": row["content_type"],
        "size": row["size"],
        "author": row["author"],
        "date_created": row["date_created"],
    }
    line = {"type": "media", "data": data, "sha256": hashlib.sha256(row["data"]).hexdigest()}
    if file is None:
        line["content"] = base64.b64encode(row["data"]).decode()
    else:
        line["file"] = file
    return line


# Lines -> rows. Each reader takes the line's `data` (and `extra`) and returns the store's row.
def _get(data: dict, key: str, kinds, required: bool = True):
    if key not in data or data[key] is None:
        if required:
            raise BadLine(f"{key} is missing")
        return None
    value = data[key]
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _tuple(kinds)):
        raise BadLine(f"{key} must be {_name(kinds)}, not {json.dumps(value)[:40]}")
    return value


def _tuple(kinds) -> tuple:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _name(kinds) -> str:
    return " or ".join({str: "a string", int: "a number", bool: "true or false", dict: "an object", list: "a list"}[k]
                       for k in _tuple(kinds))  # fmt: skip


def _sid(data: dict, key: str, prefix: str, required: bool = True) -> str | None:
    value = _get(data, key, str, required)
    if value is not None and not (len(value) == 34 and value[:2] == prefix and _hex(value[2:])):
        raise BadLine(f"{key} must be a {prefix} SID, not {value[:40]!r}")
    return value


def _hex(text: str) -> bool:
    try:
        int(text, 16)
    except ValueError:
        return False
    return True


def date(value) -> str | None:
    """A stored date (ISO 8601 UTC with milliseconds) from Twilio's form, ISO 8601 or a datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return iso(value)
    try:
        return iso(parse(value))
    except (TypeError, ValueError):
        raise BadLine(f"{str(value)[:40]!r} is not a date") from None


def _dates(data: dict) -> dict:
    created = date(_get(data, "date_created", str))
    return {"date_created": created, "date_updated": date(_get(data, "date_updated", str, False)) or created}


def _json_text(data: dict, key: str, default: str = "{}") -> str:
    """Attributes travel as JSON text in Twilio's JSON; text that is not JSON is refused."""
    value = _get(data, key, str, False)
    if value is None:
        return default
    try:
        json.loads(value)
    except ValueError:
        raise BadLine(f"{key} is not JSON text") from None
    return value


def _flag(data: dict, key: str, default: bool) -> int:
    value = _get(data, key, bool, False)
    return int(default if value is None else value)


def service_row(data: dict) -> dict:
    limits = _get(data, "limits", dict, False) or {}
    media = _get(data, "media", dict, False) or {}
    notifications = _get(data, "notifications", dict, False) or {}
    return {
        "sid": _sid(data, "sid", "IS"),
        "account_sid": _sid(data, "account_sid", "AC"),
        "friendly_name": _get(data, "friendly_name", str, False) or "",
        "default_service_role_sid": _sid(data, "default_service_role_sid", "RL", False),
        "default_channel_role_sid": _sid(data, "default_channel_role_sid", "RL", False),
        "default_channel_creator_role_sid": _sid(data, "default_channel_creator_role_sid", "RL", False),
        "read_status_enabled": _flag(data, "read_status_enabled", True),
        "reachability_enabled": _flag(data, "reachability_enabled", True),
        "typing_indicator_timeout": _get(data, "typing_indicator_timeout", int, False) or 5,
        "consumption_report_interval": _get(data, "consumption_report_interval", int, False) or 10,
        "limits_channel_members": _get(limits, "channel_members", int, False) or 1000,
        "limits_user_channels": _get(limits, "user_channels", int, False) or 1000,
        "pre_webhook_url": _get(data, "pre_webhook_url", str, False),
        "post_webhook_url": _get(data, "post_webhook_url", str, False),
        "webhook_method": _get(data, "webhook_method", str, False) or "POST",
        "webhook_filters": json.dumps(_get(data, "webhook_filters", list, False) or []),
        "pre_webhook_retry_count": _get(data, "pre_webhook_retry_count", int, False) or 0,
        "post_webhook_retry_count": _get(data, "post_webhook_retry_count", int, False) or 0,
        "notifications": json.dumps(notifications),
        "media_compatibility_message": _get(media, "compatibility_message", str, False),
        **_dates(data),
    }


def role_row(data: dict) -> dict:
    kind = _get(data, "type", str)
    if kind not in ("channel", "deployment"):
        raise BadLine(f"type must be channel or deployment, not {kind[:40]!r}")
    permissions = _get(data, "permissions", list, False) or []
    if not all(isinstance(permission, str) for permission in permissions):
        raise BadLine("permissions must be a list of strings")
    return {
        "sid": _sid(data, "sid", "RL"),
        "service_sid": _sid(data, "service_sid", "IS"),
        "friendly_name": _get(data, "friendly_name", str),
        "type": kind,
        "permissions": json.dumps(permissions),
        **_dates(data),
    }


def user_row(data: dict) -> dict:
    return {
        "sid": _sid(data, "sid", "US"),
        "service_sid": _sid(data, "service_sid", "IS"),
        "identity": _get(data, "identity", str),
        "friendly_name": _get(data, "friendly_name", str, False),
        "attributes": _json_text(data, "attributes"),
        "role_sid": _sid(data, "role_sid", "RL", False),
        "is_online": 0,  # presence belongs to the sockets of the instance that serves them
        "is_notifiable": 0,
        **_dates(data),
    }


def channel_row(data: dict, extra: dict) -> dict:
    kind = _get(data, "type", str, False) or "public"
    if kind not in ("public", "private"):
        raise BadLine(f"type must be public or private, not {kind[:40]!r}")
    return {
        "sid": _sid(data, "sid", "CH"),
        "service_sid": _sid(data, "service_sid", "IS"),
        "unique_name": _get(data, "unique_name", str, False),
        "friendly_name": _get(data, "friendly_name", str, False),
        "attributes": _json_text(data, "attributes"),
        "type": kind,
        "created_by": _get(data, "created_by", str, False) or "system",
        "members_count": _get(data, "members_count", int, False) or 0,
        "messages_count": _get(data, "messages_count", int, False) or 0,
        "next_index": _get(extra, "next_index", int, False),  # None: worked out from the messages
        "last_message_date": date(_get(extra, "last_message_date", str, False)),
        **_dates(data),
    }


def _in_channel(data: dict, prefix: str) -> dict:
    return {
        "sid": _sid(data, "sid", prefix),
        "service_sid": _sid(data, "service_sid", "IS"),
        "channel_sid": _sid(data, "channel_sid", "CH"),
    }


def webhook_row(data: dict) -> dict:
    kind = _get(data, "type", str)
    if kind not in ("webhook", "trigger", "studio"):
        raise BadLine(f"type must be webhook, trigger or studio, not {kind[:40]!r}")
    configuration = _get(data, "configuration", dict, False) or {}
    return {
        **_in_channel(data, "WH"),
        "type": kind,
        "url": _get(configuration, "url", str, False),
        "method": _get(configuration, "method", str, False) or "POST",
        "filters": json.dumps(_get(configuration, "filters", list, False) or []),
        "triggers": json.dumps(_get(configuration, "triggers", list, False) or []),
        "flow_sid": _get(configuration, "flow_sid", str, False),
        "retry_count": _get(configuration, "retry_count", int, False) or 0,
        **_dates(data),
    }


def member_row(data: dict, extra: dict) -> dict:
    return {
        **_in_channel(data, "MB"),
        "identity": _get(data, "identity", str),
        "role_sid": _sid(data, "role_sid", "RL", False),
        "last_consumed_message_index": _get(data, "last_consumed_message_index", int, False),
        "last_consumption_timestamp": date(_get(data, "last_consumption_timestamp", str, False)),
        "notification_level": _get(extra, "notification_level", str, False) or "default",
        "attributes": _json_text(data, "attributes"),
        **_dates(data),
    }


def invite_row(data: dict) -> dict:
    return {
        **_in_channel(data, "IN"),
        "identity": _get(data, "identity", str),
        "role_sid": _sid(data, "role_sid", "RL", False),
        "created_by": _get(data, "created_by", str, False),
        **_dates(data),
    }


def message_row(data: dict) -> dict:
    media = _get(data, "media", dict, False)
    return {
        **_in_channel(data, "IM"),
        "idx": _get(data, "index", int),
        "author": _get(data, "from", str, False) or "system",
        "body": _get(data, "body", str, False),
        "attributes": _json_text(data, "attributes"),
        "type": "media" if media else "text",
        "media_sid": _sid(media, "sid", "ME") if media else None,
        "last_updated_by": _get(data, "last_updated_by", str, False),
        "was_edited": _flag(data, "was_edited", False),
        **_dates(data),
    }


def media_row(data: dict, content: bytes) -> dict:
    return {
        "sid": _sid(data, "sid", "ME"),
        "service_sid": _sid(data, "service_sid", "IS"),
        "filename": _get(data, "filename", str, False),
        "content_type": _get(data, "content_type", str),
        "size": len(content),
        "author": _get(data, "author", str, False),
        "data": content,
        "date_created": date(_get(data, "date_created", str)),
    }


def media_content(line: dict, read_file) -> bytes:
    """The picture's bytes from `content` (base64) or `file` (through `read_file`), checked
    against `sha256` when the line gives one."""
    if isinstance(line.get("content"), str):
        try:
            content = base64.b64decode(line["content"], validate=True)
        except ValueError:
            raise BadLine("content is not base64") from None
    elif isinstance(line.get("file"), str):
        content = read_file(line["file"])
    else:
        raise BadLine("a media line needs content (base64) or file")
    digest = line.get("sha256")
    if digest is not None and hashlib.sha256(content).hexdigest() != digest:
        raise BadLine("the picture's bytes do not match its sha256")
    return content
