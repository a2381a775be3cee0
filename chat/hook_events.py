"""Twilio's webhook event names: what WebhookFilters and channel webhook filters choose among."""

PRE_EVENTS = (
    "onMessageSend", "onMediaMessageSend", "onMessageUpdate", "onMessageRemove", "onChannelAdd", "onChannelUpdate",
    "onChannelDestroy", "onMemberAdd", "onMemberUpdate", "onMemberRemove", "onUserUpdate",
)  # fmt: skip
POST_EVENTS = (
    "onMessageSent", "onMediaMessageSent", "onMessageUpdated", "onMessageRemoved", "onChannelAdded",
    "onChannelUpdated", "onChannelDestroyed", "onMemberAdded", "onMemberUpdated", "onMemberRemoved",
    "onUserUpdated", "onUserAdded",
)  # fmt: skip
ALL = PRE_EVENTS + POST_EVENTS


def snake(event: str) -> str:
    """`onMessageSend` -> `on_message_send` (v1's per-event webhook keys)."""
    return "".join("_" + c.lower() if c.isupper() else c for c in event)
