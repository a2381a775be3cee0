"""JSON shapes of the resources, for /openapi.json. A test renders every resource through
chat/serializers.py and checks its keys against these, so the two cannot drift apart.
Types: `string`, `integer`, `boolean`, `object`, `array`; a trailing `?` means nullable."""

_OWNED = {"sid": "string", "account_sid": "string", "service_sid": "string"}
_DATES = {"date_created": "string", "date_updated": "string"}

RESOURCES: dict[str, dict[str, str]] = {
    "service": {
        "sid": "string", "account_sid": "string", "friendly_name": "string", **_DATES,
        "default_service_role_sid": "string?", "default_channel_role_sid": "string?",
        "default_channel_creator_role_sid": "string?", "read_status_enabled": "boolean",
        "reachability_enabled": "boolean", "typing_indicator_timeout": "integer",
        "consumption_report_interval": "integer", "limits": "object", "pre_webhook_url": "string?",
        "post_webhook_url": "string?", "webhook_method": "string", "webhook_filters": "array",
        "pre_webhook_retry_count": "integer", "post_webhook_retry_count": "integer", "notifications": "object",
        "media": "object", "url": "string", "links": "object",
    },
    "channel": {
        **_OWNED, "friendly_name": "string?", "unique_name": "string?", "attributes": "string", "type": "string",
        "created_by": "string", "members_count": "integer", "messages_count": "integer", **_DATES,
        "url": "string", "links": "object",
    },
    "member": {
        **_OWNED, "channel_sid": "string", "identity": "string", "role_sid": "string?",
        "last_consumed_message_index": "integer?", "last_consumption_timestamp": "string?",
        "attributes": "string", **_DATES, "url": "string",
    },
    "message": {
        **_OWNED, "to": "string", "channel_sid": "string", "from": "string", "body": "string?",
        "attributes": "string", "index": "integer", "type": "string", "media": "object?",
        "last_updated_by": "string?", "was_edited": "boolean", **_DATES, "url": "string",
    },
    "webhook": {
        **_OWNED, "channel_sid": "string", "type": "string", "configuration": "object", **_DATES, "url": "string",
    },
    "invite": {
        **_OWNED, "channel_sid": "string", "identity": "string", "role_sid": "string?", "created_by": "string",
        **_DATES, "url": "string",
    },
    "user": {
        **_OWNED, "identity": "string", "friendly_name": "string?", "attributes": "string", "role_sid": "string?",
        "is_online": "boolean?", "is_notifiable": "boolean?", "joined_channels_count": "integer", **_DATES,
        "url": "string", "links": "object",
    },
    "user_channel": {
        "account_sid": "string", "service_sid": "string", "channel_sid": "string", "user_sid": "string",
        "member_sid": "string?", "status": "string", "last_consumed_message_index": "integer?",
        "unread_messages_count": "integer?", "notification_level": "string?", "url": "string", "links": "object",
    },
    "role": {
        **_OWNED, "friendly_name": "string", "type": "string", "permissions": "array", **_DATES, "url": "string",
    },
    "credential": {
        "sid": "string", "account_sid": "string", "friendly_name": "string?", "type": "string", "sandbox": "string",
        **_DATES, "url": "string",
    },
    "binding": {
        **_OWNED, **_DATES, "endpoint": "string", "identity": "string", "credential_sid": "string?",
        "binding_type": "string", "message_types": "array", "url": "string", "links": "object",
    },
    "user_binding": {
        **_OWNED, **_DATES, "endpoint": "string", "identity": "string", "credential_sid": "string?",
        "binding_type": "string", "message_types": "array", "user_sid": "string", "url": "string",
    },
}  # fmt: skip


def json_schema(resource: str) -> dict:
    properties = {}
    for name, kind in RESOURCES[resource].items():
        properties[name] = {"type": kind.rstrip("?")}
        if kind.endswith("?"):
            properties[name]["nullable"] = True
    return {"type": "object", "properties": properties, "required": list(properties)}
