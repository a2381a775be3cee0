"""Twilio's webhook event names. Pre-event names end in the present tense (`onMessageSend`),
post-event names in the past (`onMessageSent`); `WebhookFilters` may list either kind."""

PRE_EVENTS = (
    "onMessageSend", "onMediaMessageSend", "onMessageUpdate", "onMessageRemove",
    "onChannelAdd", "onChannelUpdate", "onChannelDestroy",
    "onMemberAdd", "onMemberUpdate", "onMemberRemove", "onUserUpdate",
)  # fmt: skip
POST_EVENTS = (
    "onMessageSent", "onMediaMessageSent", "onMessageUpdated", "onMessageRemoved",
    "onChannelAdded", "onChannelUpdated", "onChannelDestroyed",
    "onMemberAdded", "onMemberUpdated", "onMemberRemoved", "onUserAdded", "onUserUpdated",
)  # fmt: skip
ALL = frozenset(PRE_EVENTS + POST_EVENTS)
# Events a `trigger` channel webhook listens to: new messages whose body holds a keyword.
TRIGGERED_BY = frozenset({"onMessageSent", "onMediaMessageSent"})


def wanted(filters: list[str], event: str) -> bool:
    """An empty filter list means every event."""
    return not filters or event in filters
