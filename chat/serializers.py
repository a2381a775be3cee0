"""One function per resource, rendering Twilio Chat v2's JSON. REST responses, WebSocket
events and the JS client all use these shapes. `base` is the versioned API root for `url` and
`links` (e.g. `https://chat.example.com/v2`)."""

import json
from urllib.parse import quote

from . import hook_events
from .clock import twilio_date


def _svc(base: str, service_sid: str) -> str:
    return f"{base}/Services/{service_sid}"


def _owned(row: dict, account_sid: str) -> dict:
    """The fields every resource inside a service starts with."""
    return {"sid": row["sid"], "account_sid": account_sid, "service_sid": row["service_sid"]}


def _dates(row: dict) -> dict:
    return {"date_created": twilio_date(row["date_created"]), "date_updated": twilio_date(row["date_updated"])}


def service(row: dict, base: str, legacy: bool = False) -> dict:
    """`legacy` adds v1's `webhooks` object (each event's URL and method)."""
    url = _svc(base, row["sid"])
    notifications = json.loads(row["notifications"] or "{}")
    rendered = {
        "sid": row["sid"],
        "account_sid": row["account_sid"],
        "friendly_name": row["friendly_name"],
        **_dates(row),
        "default_service_role_sid": row["default_service_role_sid"],
        "default_channel_role_sid": row["default_channel_role_sid"],
        "default_channel_creator_role_sid": row["default_channel_creator_role_sid"],
        "read_status_enabled": bool(row["read_status_enabled"]),
        "reachability_enabled": bool(row["reachability_enabled"]),
        "typing_indicator_timeout": row["typing_indicator_timeout"],
        "consumption_report_interval": row["consumption_report_interval"],
        "limits": {"channel_members": row["limits_channel_members"], "user_channels": row["limits_user_channels"]},
        "pre_webhook_url": row["pre_webhook_url"],
        "post_webhook_url": row["post_webhook_url"],
        "webhook_method": row["webhook_method"],
        "webhook_filters": json.loads(row["webhook_filters"]),
        "pre_webhook_retry_count": row["pre_webhook_retry_count"],
        "post_webhook_retry_count": row["post_webhook_retry_count"],
        "notifications": notifications,
        "media": {"size_limit_mb": 150, "compatibility_message": row["media_compatibility_message"]},
        "url": url,
        "links": {
            "channels": f"{url}/Channels",
            "users": f"{url}/Users",
            "roles": f"{url}/Roles",
            "bindings": f"{url}/Bindings",
        },
    }
    if legacy:
        rendered["webhooks"] = _v1_webhooks(row)
    return rendered


def _v1_webhooks(row: dict) -> dict:
    """v1 configured a URL per event (`on_message_send`...); v2's pre/post URLs and filters say the same."""
    filters = json.loads(row["webhook_filters"])
    hooks = {}
    for event in hook_events.ALL:
        url = row["pre_webhook_url"] if event in hook_events.PRE_EVENTS else row["post_webhook_url"]
        enabled = url and (not filters or event in filters)
        hooks[hook_events.snake(event)] = {
            "url": url if enabled else None,
            "method": row["webhook_method"],
            "format": None,
        }
    return hooks


def role(row: dict, base: str, account_sid: str) -> dict:
    return {
        **_owned(row, account_sid),
        "friendly_name": row["friendly_name"],
        "type": row["type"],
        "permissions": json.loads(row["permissions"]),
        **_dates(row),
        "url": f"{_svc(base, row['service_sid'])}/Roles/{row['sid']}",
    }


def user(row: dict, base: str, account_sid: str, joined_channels_count: int, reachability: bool | None) -> dict:
    """`reachability` None renders is_online/is_notifiable as null (lists, or reachability off)."""
    url = f"{_svc(base, row['service_sid'])}/Users/{row['sid']}"
    return {
        **_owned(row, account_sid),
        "identity": row["identity"],
        "friendly_name": row["friendly_name"],
        "attributes": row["attributes"],
        "role_sid": row["role_sid"],
        "is_online": None if reachability is None else bool(row["is_online"]),
        "is_notifiable": None if reachability is None else bool(row["is_notifiable"]),
        "joined_channels_count": joined_channels_count,
        **_dates(row),
        "url": url,
        "links": {"user_channels": f"{url}/Channels", "user_bindings": f"{url}/Bindings"},
    }


def channel(row: dict, base: str, account_sid: str) -> dict:
    url = f"{_svc(base, row['service_sid'])}/Channels/{row['sid']}"
    return {
        **_owned(row, account_sid),
        "friendly_name": row["friendly_name"],
        "unique_name": row["unique_name"],
        "attributes": row["attributes"],
        "type": row["type"],
        "created_by": row["created_by"],
        "members_count": row["members_count"],
        "messages_count": row["messages_count"],
        **_dates(row),
        "url": url,
        "links": {
            "members": f"{url}/Members",
            "messages": f"{url}/Messages",
            "invites": f"{url}/Invites",
            "webhooks": f"{url}/Webhooks",
            "last_message": None,
        },
    }


def member(row: dict, base: str, account_sid: str) -> dict:
    return {
        **_owned(row, account_sid),
        "channel_sid": row["channel_sid"],
        "identity": row["identity"],
        "role_sid": row["role_sid"],
        "last_consumed_message_index": row["last_consumed_message_index"],
        "last_consumption_timestamp": twilio_date(row["last_consumption_timestamp"]),
        "attributes": row["attributes"],
        **_dates(row),
        "url": f"{_svc(base, row['service_sid'])}/Channels/{row['channel_sid']}/Members/{row['sid']}",
    }


def message(row: dict, base: str, account_sid: str, media: dict | None = None) -> dict:
    return {
        **_owned(row, account_sid),
        "to": row["channel_sid"],
        "channel_sid": row["channel_sid"],
        "from": row["author"],
        "body": row["body"],
        "attributes": row["attributes"],
        "index": row["idx"],
        "type": row["type"],
        "media": None
        if media is None
        else {
            "sid": media["sid"],
            "filename": media["filename"],
            "content_type": media["content_type"],
            "size": media["size"],
        },
        "last_updated_by": row["last_updated_by"],
        "was_edited": bool(row["was_edited"]),
        **_dates(row),
        "url": f"{_svc(base, row['service_sid'])}/Channels/{row['channel_sid']}/Messages/{row['sid']}",
    }


def webhook(row: dict, base: str, account_sid: str) -> dict:
    """A channel webhook; `url` is the resource's, `configuration.url` the target's."""
    return {
        **_owned(row, account_sid),
        "channel_sid": row["channel_sid"],
        "type": row["type"],
        "configuration": {
            "url": row["url"],
            "method": row["method"],
            "filters": row["filters"],
            "triggers": row["triggers"],
            "flow_sid": row["flow_sid"],
            "retry_count": row["retry_count"],
        },
        **_dates(row),
        "url": f"{_svc(base, row['service_sid'])}/Channels/{row['channel_sid']}/Webhooks/{row['sid']}",
    }


def invite(row: dict, base: str, account_sid: str) -> dict:
    return {
        **_owned(row, account_sid),
        "channel_sid": row["channel_sid"],
        "identity": row["identity"],
        "role_sid": row["role_sid"],
        "created_by": row["created_by"],
        **_dates(row),
        "url": f"{_svc(base, row['service_sid'])}/Channels/{row['channel_sid']}/Invites/{row['sid']}",
    }


def user_channel(view: dict, base: str, account_sid: str) -> dict:
    """A user's place in a channel (chat/actions/user_channels.py builds `view`); no SID of its own."""
    svc = _svc(base, view["service_sid"])
    channel_url = f"{svc}/Channels/{view['channel_sid']}"
    return {
        "account_sid": account_sid,
        "service_sid": view["service_sid"],
        "channel_sid": view["channel_sid"],
        "user_sid": view["user_sid"],
        "member_sid": view["member_sid"],
        "status": view["status"],
        "last_consumed_message_index": view["last_consumed_message_index"],
        "unread_messages_count": view["unread_messages_count"],
        "notification_level": view["notification_level"],
        "url": f"{svc}/Users/{view['user_sid']}/Channels/{view['channel_sid']}",
        "links": {
            "channel": channel_url,
            "member": f"{channel_url}/Members/{view['member_sid']}" if view["member_sid"] else None,
        },
    }


def credential(row: dict, base: str) -> dict:
    """Secrets are never rendered. `sandbox` is a string, as in Twilio's JSON ("True"/"False")."""
    return {
        "sid": row["sid"],
        "account_sid": row["account_sid"],
        "friendly_name": row["friendly_name"],
        "type": row["type"],
        "sandbox": str(bool(row["sandbox"])),
        **_dates(row),
        "url": f"{base}/Credentials/{row['sid']}",
    }


def _binding(row: dict, account_sid: str) -> dict:
    return {
        **_owned(row, account_sid),
        **_dates(row),
        "endpoint": row["endpoint"],
        "identity": row["identity"],
        "credential_sid": row["credential_sid"],
        "binding_type": row["binding_type"],
        "message_types": json.loads(row["message_types"]),
    }


def binding(row: dict, base: str, account_sid: str) -> dict:
    """A push binding under /Bindings; `links.user` uses the identity, as Twilio's example does."""
    svc = _svc(base, row["service_sid"])
    return {
        **_binding(row, account_sid),
        "url": f"{svc}/Bindings/{row['sid']}",
        "links": {"user": f"{svc}/Users/{quote(row['identity'], safe='')}"},
    }


def user_binding(row: dict, base: str, account_sid: str, user_sid: str) -> dict:
    """The same binding under /Users/{UserSid}/Bindings."""
    return {
        **_binding(row, account_sid),
        "user_sid": user_sid,
        "url": f"{_svc(base, row['service_sid'])}/Users/{user_sid}/Bindings/{row['sid']}",
    }
